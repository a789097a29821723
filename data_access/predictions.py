"""Model predictions: one loader for every common file format, aligned to the annotation table.

Formats (chosen by the file's suffix; the content is checked, never guessed):

* CSV / TSV (``.csv``, ``.tsv``, ``.txt``): ``file_name`` then the prediction as a class index
  (0..999) or a wnid; more columns are top-k predictions in rank order. A header is optional;
  with one, columns named like ``score*``, ``prob*`` or ``conf*`` are top-k scores.
* JSON: an object ``{file_name: prediction}`` (a prediction may also be a top-k list), or a
  list of records ``{"file_name": ..., "prediction": ...}`` (also ``label``/``pred``/``top_k``,
  and ``scores``).
* NumPy ``.npy`` / ``.npz``: class ids (N,), top-k ids (N, k) or logits/probabilities
  (N, 1000) in float16/32/64 (top-1 = argmax; the top-5 ids and their softmax probabilities are
  kept, never the logits). N = 50,000 means validation file-name order (row i is
  ``ILSVRC2012_val_{i+1:08d}.JPEG``); any other N needs its file names, from a ``file_names``
  key of the ``.npz`` or a side file ``<stem>.file_names.txt``.

Predictions for images outside the annotated set are ignored (and counted); annotated images
without a prediction count as wrong and are reported; zero overlap is an error. Every
malformed case raises :class:`PredictionFileError` naming the file, the row or key, and what
was expected.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import (
    NUM_CLASSES,
    NUM_VALIDATION_IMAGES,
    load_classes,
    validation_file_name,
)
from data_access.errors import DataError

Progress = Callable[[int, int, str], None]

TOP_K = 5
MAX_TEXT_BYTES = 1 << 30  # a text prediction file over 1 GiB is not a prediction file
_CHUNK_ROWS = 2048  # rows of a score matrix handled at once: bounds the working memory
_NAME = re.compile(r"(?:.*[/\\])?(ILSVRC2012_val_\d{8})(?:\.JPEG)?", re.IGNORECASE)
_SCORE_COLUMN = re.compile(r"(score|prob|conf|logit)", re.IGNORECASE)
_RECORD_NAME_KEYS = ("file_name", "filename", "image", "file", "name")
_RECORD_PRED_KEYS = (
    "prediction",
    "predictions",
    "pred",
    "label",
    "class",
    "top_k",
    "top1",
    "predicted",
)
_NPZ_NAME_KEYS = ("file_names", "file_name", "filenames", "names")


class PredictionFileError(DataError):
    """A prediction file that cannot be used as it is."""


@dataclass(frozen=True)
class Coverage:
    """How a prediction file lines up with the annotated images.

    Attributes:
        annotated: images in the annotation table.
        predicted: annotated images with a prediction.
        missing: annotated images without one (they count as wrong).
        missing_examples: a few of their file names.
        ignored_outside: predictions for validation images outside the annotated set.
        unrecognised: rows whose file name is not an ImageNet validation name at all.
        unrecognised_examples: a few of those names.
    """

    annotated: int
    predicted: int
    missing: int
    missing_examples: tuple[str, ...] = ()
    ignored_outside: int = 0
    unrecognised: int = 0
    unrecognised_examples: tuple[str, ...] = ()

    @property
    def fraction(self) -> float:
        return self.predicted / self.annotated if self.annotated else 0.0

    def as_dict(self) -> dict:
        return {
            "annotated": self.annotated,
            "predicted": self.predicted,
            "missing": self.missing,
            "fraction": self.fraction,
            "missing_examples": list(self.missing_examples),
            "ignored_outside": self.ignored_outside,
            "unrecognised": self.unrecognised,
            "unrecognised_examples": list(self.unrecognised_examples),
        }

    def warning(self) -> str | None:
        """A loud, one-line note when anything is off, else None."""
        parts = []
        if self.missing:
            parts.append(
                f"{self.missing:,} of {self.annotated:,} annotated images have no prediction "
                f"and count as wrong (e.g. {', '.join(self.missing_examples[:3])})"
            )
        if self.unrecognised:
            parts.append(
                f"{self.unrecognised:,} rows are not ImageNet validation file names and were "
                f"ignored (e.g. {', '.join(self.unrecognised_examples[:3])})"
            )
        return "; ".join(parts) or None


@dataclass(frozen=True)
class Model:
    """One model's predictions, one row per annotation-table row.

    Attributes:
        name: display name.
        top1: int16 (n,), -1 where the image has no prediction.
        top_k: int16 (n, k) in rank order (column 0 is top-1), or None; -1 where missing.
        scores: float32 (n, k) probabilities of the top-k classes, or None.
        source: the file it came from ("" for built-in models).
        coverage: how the file lined up with the annotated images.
    """

    name: str
    top1: np.ndarray
    top_k: np.ndarray | None = None
    scores: np.ndarray | None = None
    source: str = ""
    coverage: Coverage | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def renamed(self, name: str) -> Model:
        return Model(
            name, self.top1, self.top_k, self.scores, self.source, self.coverage, self.notes
        )


def model_from_arrays(
    name: str, table: AnnotationTable, top_k: np.ndarray, scores: np.ndarray | None = None
) -> Model:
    """A model from arrays already aligned to the table (e.g. the demo models)."""
    top_k = np.asarray(top_k, dtype=np.int16)
    if top_k.ndim == 1:
        top_k = top_k[:, None]
    cov = Coverage(len(table), int((top_k[:, 0] >= 0).sum()), int((top_k[:, 0] < 0).sum()))
    return Model(
        name,
        top_k[:, 0].copy(),
        top_k if top_k.shape[1] > 1 else None,
        None if scores is None else np.asarray(scores, np.float32),
        "",
        cov,
    )


# --- the loader -------------------------------------------------------------------------------


def load_predictions(
    path: Path | str,
    table: AnnotationTable,
    name: str | None = None,
    progress: Progress | None = None,
    file_names: list[str] | None = None,
) -> Model:
    """Loads a prediction file and aligns it to ``table``.

    Args:
        path: the file (format by suffix: .csv .tsv .txt .json .npy .npz).
        table: the annotation table to align to.
        name: the model's display name (default: the file's stem).
        progress: ``progress(done, total, message)`` for long loads.
        file_names: row names for a NumPy array whose length is not 50,000 (else taken from
            the ``.npz`` or a ``<stem>.file_names.txt`` side file).

    Raises:
        PredictionFileError: naming the file, the row or key, and what was expected.
    """
    path = Path(path)
    name = name or path.stem
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise PredictionFileError(path, "file not found") from e
    except OSError as e:
        raise PredictionFileError(path, f"cannot read: {e.strerror or e}") from e
    if path.is_dir():
        raise PredictionFileError(path, "is a folder, expected a prediction file")
    if size == 0:
        raise PredictionFileError(path, "the file is empty")
    suffix = path.suffix.lower()
    if suffix in (".npy", ".npz"):
        rows = _load_numpy(path, suffix, table, file_names, progress)
    elif suffix in (".csv", ".tsv", ".txt", ".json"):
        if size > MAX_TEXT_BYTES:
            raise PredictionFileError(
                path,
                f"{size / 2**30:.1f} GiB is too large for a text prediction file "
                "(at most 1 GiB); use .npy for scores",
            )
        text = _read_text(path)
        pairs = (
            _parse_json(path, text) if suffix == ".json" else _parse_delimited(path, text, suffix)
        )
        rows = _align_pairs(path, pairs, table)
    else:
        raise PredictionFileError(
            path,
            f"unknown file type {suffix or '(none)'!r}; expected .csv, .tsv, .txt, .json, "
            ".npy or .npz",
        )
    top_k, scores, coverage = rows
    if coverage.predicted == 0:
        raise PredictionFileError(
            path,
            "none of its predictions is for an annotated image "
            f"(annotated: {coverage.annotated:,}; ignored outside: {coverage.ignored_outside:,}"
            f"; unrecognised names: {coverage.unrecognised:,})",
        )
    notes = (coverage.warning(),) if coverage.warning() else ()
    return Model(
        name,
        top_k[:, 0].copy(),
        top_k if top_k.shape[1] > 1 else None,
        scores,
        str(path),
        coverage,
        notes,
    )


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise PredictionFileError(path, "binary data, expected a text prediction file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PredictionFileError(path, f"not UTF-8 text (byte {e.start})") from e
    if not text.strip():
        raise PredictionFileError(path, "the file is empty")
    return text


# A parsed text file: (where, file name, [predictions as str or int], [scores] or None)
_Pair = tuple[str, str, list, list | None]


def _parse_delimited(path: Path, text: str, suffix: str) -> list[_Pair]:
    first = text.lstrip("\ufeff").splitlines()[0]
    delimiter = "\t" if suffix == ".tsv" or ("\t" in first and "," not in first) else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    width = max(len(r) for r in rows)
    if width < 2:
        other = next((d for d in (";", "|", " ", "\t", ",") if d in first and d != delimiter), None)
        hint = f" (the file looks {other!r}-separated)" if other else ""
        raise PredictionFileError(
            path,
            f"expected at least 2 columns (file_name, prediction) separated by "
            f"{delimiter!r}, found 1{hint}",
            where="line 1",
        )
    header = None
    if not _NAME.fullmatch(rows[0][0].strip()) and not _looks_like_prediction(rows[0][1]):
        header = [c.strip() for c in rows[0]]
        rows = rows[1:]
        if not rows:
            raise PredictionFileError(path, "only a header, no predictions")
    pred_cols = list(range(1, width))
    score_cols: list[int] = []
    if header:
        score_cols = [i for i in pred_cols if i < len(header) and _SCORE_COLUMN.search(header[i])]
        pred_cols = [i for i in pred_cols if i not in score_cols]
    if score_cols and len(score_cols) != len(pred_cols):
        raise PredictionFileError(
            path,
            f"{len(pred_cols)} prediction columns but {len(score_cols)} score columns; "
            "expected one score per prediction",
            where="header",
        )
    start = 2 if header else 1
    pairs = []
    for k, row in enumerate(rows):
        where = f"line {k + start}"
        if len(row) != width:
            raise PredictionFileError(
                path, f"{len(row)} columns, expected {width} like the first line", where=where
            )
        preds = [row[i].strip() for i in pred_cols]
        scores = None
        if score_cols:
            try:
                scores = [float(row[i]) for i in score_cols]
            except ValueError as e:
                raise PredictionFileError(path, f"a score is not a number: {e}", where) from e
        pairs.append((where, row[0].strip(), preds, scores))
    return pairs


def _looks_like_prediction(value: str) -> bool:
    value = value.strip()
    return value.isdigit() or bool(re.fullmatch(r"n\d{8}", value))


def _parse_json(path: Path, text: str) -> list[_Pair]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PredictionFileError(
            path, f"not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
        ) from e
    except RecursionError as e:
        raise PredictionFileError(path, "JSON nested too deeply") from e
    pairs = []
    if isinstance(data, dict):
        for key, value in data.items():
            preds = value if isinstance(value, list) else [value]
            pairs.append((f"key {key!r}", key, preds, None))
    elif isinstance(data, list):
        for k, rec in enumerate(data):
            where = f"item {k}"
            if not isinstance(rec, dict):
                raise PredictionFileError(
                    path,
                    f"expected an object with file_name and prediction, got {type(rec).__name__}",
                    where,
                )
            name_key = next((x for x in _RECORD_NAME_KEYS if x in rec), None)
            pred_key = next((x for x in _RECORD_PRED_KEYS if x in rec), None)
            if name_key is None or pred_key is None:
                raise PredictionFileError(
                    path,
                    f"expected keys file_name and prediction, found {sorted(rec)[:6]}",
                    where,
                )
            value = rec[pred_key]
            preds = value if isinstance(value, list) else [value]
            scores = rec.get("scores")
            if scores is not None and (not isinstance(scores, list) or len(scores) != len(preds)):
                raise PredictionFileError(
                    path, "scores must be a list as long as the predictions", where
                )
            pairs.append((where, rec[name_key], preds, scores))
    else:
        raise PredictionFileError(
            path,
            f"expected an object file_name -> prediction or a list of records, got "
            f"{type(data).__name__}",
        )
    if not pairs:
        raise PredictionFileError(path, "no predictions in the file")
    return pairs


def _class_index(path: Path, where: str, value: object, lookup: dict[str, int]) -> int:
    if isinstance(value, bool):
        raise PredictionFileError(path, f"{value!r} is not a class index or wnid", where)
    if isinstance(value, int):
        idx = value
    elif isinstance(value, float) and value.is_integer():
        idx = int(value)
    elif isinstance(value, str):
        v = value.strip()
        if v in lookup:
            return lookup[v]
        if not re.fullmatch(r"-?\d+", v):
            kind = "wnid" if re.fullmatch(r"n\d+", v) else "class index (0..999) or wnid"
            raise PredictionFileError(path, f"{value!r} is not a known {kind}", where)
        idx = int(v)
    else:
        raise PredictionFileError(path, f"{value!r} is not a class index (0..999) or wnid", where)
    if not 0 <= idx < NUM_CLASSES:
        raise PredictionFileError(path, f"class {idx} is out of range 0..999", where)
    return idx


def _align_pairs(path: Path, pairs: list[_Pair], table: AnnotationTable):
    lookup = load_classes().wnid_to_index
    row_of = table.row_of
    k = max(len(p[2]) for p in pairs)
    if k == 0:
        raise PredictionFileError(path, "empty prediction list", where=pairs[0][0])
    k = min(k, 100)
    top_k = np.full((len(table), k), -1, dtype=np.int16)
    scores = None
    if any(p[3] is not None for p in pairs):
        scores = np.full((len(table), k), np.nan, dtype=np.float32)
    seen: dict[int, tuple[str, list[int]]] = {}
    outside = 0
    unrecognised: list[str] = []
    for where, raw_name, preds, sc in pairs:
        if not isinstance(raw_name, str):
            raise PredictionFileError(path, f"file name {raw_name!r} is not text", where)
        file_name = normal_file_name(raw_name)
        if file_name is None:
            unrecognised.append(raw_name)
            continue
        if not preds:
            raise PredictionFileError(path, "empty prediction list", where)
        ids = [_class_index(path, where, v, lookup) for v in preds[:k]]
        row = row_of.get(file_name)
        if row is None:
            outside += 1
            continue
        if row in seen:
            if seen[row][1] != ids:
                raise PredictionFileError(
                    path,
                    f"{file_name} appears twice with different predictions "
                    f"({seen[row][0]}: {seen[row][1][0]}, here: {ids[0]})",
                    where,
                )
            continue
        seen[row] = (where, ids)
        top_k[row, : len(ids)] = ids
        if sc is not None and scores is not None:
            vals = np.asarray(sc[:k], dtype=np.float64)
            if not np.all(np.isfinite(vals)):
                raise PredictionFileError(path, "a score is NaN or infinite", where)
            scores[row, : len(vals)] = vals
    return top_k, scores, _coverage(table, top_k[:, 0], outside, unrecognised)


def _coverage(table, top1, outside, unrecognised) -> Coverage:
    missing = np.flatnonzero(top1 < 0)
    return Coverage(
        annotated=len(table),
        predicted=int(len(table) - len(missing)),
        missing=len(missing),
        missing_examples=tuple(table.file_name[missing[:5]].tolist()),
        ignored_outside=int(outside),
        unrecognised=len(unrecognised),
        unrecognised_examples=tuple(str(u)[:80] for u in unrecognised[:5]),
    )


# --- NumPy ------------------------------------------------------------------------------------


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _load_numpy(path, suffix, table, file_names, progress):
    names = file_names
    try:
        if suffix == ".npy":
            # Memory-mapped: a (50000, 1000) float32 file is read chunk by chunk, never copied.
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        else:
            array, npz_names = _npz_array(path)
            names = names if names is not None else npz_names
    except PredictionFileError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise PredictionFileError(path, f"not a readable NumPy {suffix} file ({e})") from e
    if array.ndim == 0 or array.size == 0:
        raise PredictionFileError(path, f"empty or scalar array, shape {array.shape}")
    if names is None:
        side = path.with_name(path.stem + ".file_names.txt")
        if side.is_file():
            names = side.read_text().split()
    n = array.shape[0] if array.ndim else 0
    if names is None and n != NUM_VALIDATION_IMAGES:
        raise PredictionFileError(
            path,
            f"{n:,} rows but no file names: only arrays of 50,000 rows are taken in "
            "validation file-name order; give the names as a 'file_names' key in an .npz or in "
            f"{path.stem}.file_names.txt",
        )
    if names is not None and len(names) != n:
        raise PredictionFileError(
            path, f"{n:,} rows but {len(names):,} file names; they must match one to one"
        )
    top_k, scores = _array_to_top_k(path, array, progress)
    # Map array rows to table rows.
    if names is None:
        names = [validation_file_name(i) for i in range(n)]
    pairs_rows = np.full(n, -1, dtype=np.int64)
    outside = 0
    unrecognised = []
    row_of = table.row_of
    seen_rows: dict[int, int] = {}
    for i, raw in enumerate(names):
        fname = normal_file_name(str(raw))
        if fname is None:
            unrecognised.append(str(raw))
            continue
        row = row_of.get(fname)
        if row is None:
            outside += 1
            continue
        if row in seen_rows:
            if not np.array_equal(top_k[seen_rows[row]], top_k[i]):
                raise PredictionFileError(
                    path, f"{fname} appears twice with different predictions", f"row {i}"
                )
            continue
        seen_rows[row] = i
        pairs_rows[i] = row
    take = pairs_rows >= 0
    out_k = np.full((len(table), top_k.shape[1]), -1, dtype=np.int16)
    out_k[pairs_rows[take]] = top_k[take]
    out_s = None
    if scores is not None:
        out_s = np.full((len(table), scores.shape[1]), np.nan, dtype=np.float32)
        out_s[pairs_rows[take]] = scores[take]
    return out_k, out_s, _coverage(table, out_k[:, 0], outside, unrecognised)


def _npz_array(path: Path):
    npz = np.load(path, allow_pickle=False)
    with npz:
        keys = list(npz.files)
        name_key = next((k for k in _NPZ_NAME_KEYS if k in keys), None)
        names = None
        if name_key is not None:
            names = npz[name_key]
            if names.dtype.kind not in "US":
                raise PredictionFileError(path, f"expected strings, got {names.dtype}", name_key)
            names = [x.decode() if isinstance(x, bytes) else str(x) for x in names.tolist()]
        data_keys = [k for k in keys if k != name_key]
        if not data_keys:
            raise PredictionFileError(path, "no prediction array in the .npz")
        preferred = (
            "logits",
            "probs",
            "probabilities",
            "scores",
            "predictions",
            "preds",
            "top_k",
            "labels",
            "arr_0",
        )
        key = (
            data_keys[0]
            if len(data_keys) == 1
            else next((k for k in preferred if k in data_keys), None)
        )
        if key is None:
            raise PredictionFileError(
                path,
                f"several arrays ({', '.join(data_keys)}) and none named like "
                "logits/probs/predictions; keep one array per file",
            )
        info = npz.zip.getinfo(key + ".npy")
        available = _available_memory()
        if available is not None and info.file_size > available:
            raise PredictionFileError(
                path,
                f"the array {key!r} needs {info.file_size / 2**30:.1f} GiB, more than "
                f"the {available / 2**30:.1f} GiB of memory available; save it as .npy "
                "(read in chunks)",
                key,
            )
        array = npz[key]  # the one copy: a compressed member must be inflated into memory
    return array, names


def _array_to_top_k(path: Path, array: np.ndarray, progress: Progress | None):
    if array.ndim == 0 or array.size == 0:
        raise PredictionFileError(path, f"empty or scalar array, shape {array.shape}")
    kind = array.dtype.kind
    if array.ndim == 1:
        if kind not in "iu":
            raise PredictionFileError(
                path, f"a 1-D array must hold integer class ids, got {array.dtype}"
            )
        ids = np.asarray(array).reshape(-1, 1)
        _check_ids(path, ids)
        return ids.astype(np.int16), None
    if array.ndim != 2:
        raise PredictionFileError(path, f"shape {array.shape}: expected (N,), (N, k) or (N, 1000)")
    n, width = array.shape
    if kind in "iu":
        if width > 100:
            raise PredictionFileError(
                path, f"integer array with {width} columns: expected top-k ids (k <= 100)"
            )
        ids = np.asarray(array)
        _check_ids(path, ids)
        return ids.astype(np.int16), None
    if kind != "f":
        raise PredictionFileError(path, f"dtype {array.dtype}: expected integers or floats")
    if width != NUM_CLASSES:
        raise PredictionFileError(
            path, f"float array of shape {array.shape}: expected (N, 1000) scores"
        )
    k = TOP_K
    top_k = np.empty((n, k), dtype=np.int16)
    scores = np.empty((n, k), dtype=np.float32)
    probabilities = None
    for start in range(0, n, _CHUNK_ROWS):
        if progress and start % (_CHUNK_ROWS * 4) == 0:
            progress(start, n, f"reading scores from {path.name}")
        chunk = np.asarray(array[start : start + _CHUNK_ROWS], dtype=np.float32)
        finite = np.isfinite(chunk)
        if not finite.all():
            bad = int(np.argwhere(~finite)[0][0]) + start
            raise PredictionFileError(
                path,
                "NaN or infinite score (expected finite logits or probabilities)",
                f"row {bad}",
            )
        if probabilities is None:
            # Decided on the first chunk: rows of non-negative numbers summing to 1 are
            # probabilities; anything else is logits and goes through a softmax.
            sums = chunk.sum(axis=1)
            probabilities = bool((chunk >= 0).all() and np.allclose(sums, 1.0, atol=1e-3))
        part = np.argpartition(-chunk, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(chunk, part, axis=1)
        # Order the k by score; ties go to the lower class index, like np.argmax.
        order = np.lexsort((part, -vals), axis=1)
        part = np.take_along_axis(part, order, axis=1)
        vals = np.take_along_axis(vals, order, axis=1)
        argmax = np.argmax(chunk, axis=1)
        # argpartition may pick another of several tied maxima: top-1 must be np.argmax's.
        tied = part[:, 0] != argmax
        if tied.any():
            part[tied, 0] = argmax[tied]
        if not probabilities:
            shifted = chunk - chunk.max(axis=1, keepdims=True)
            denom = np.exp(shifted).sum(axis=1, keepdims=True)
            vals = np.exp(np.take_along_axis(shifted, part, axis=1)) / denom
        top_k[start : start + len(chunk)] = part
        scores[start : start + len(chunk)] = vals
    if progress:
        progress(n, n, f"reading scores from {path.name}")
    return top_k, scores


def _check_ids(path: Path, ids: np.ndarray) -> None:
    bad = np.argwhere((ids < 0) | (ids >= NUM_CLASSES))
    if len(bad):
        r = int(bad[0][0])
        raise PredictionFileError(
            path, f"class {int(ids[tuple(bad[0])])} is out of range 0..999", f"row {r}"
        )


def normal_file_name(raw: str) -> str | None:
    """``ILSVRC2012_val_00000001.JPEG`` from the forms prediction files use (a leading folder,
    no extension, other letter case), or None for anything that is not a validation name."""
    m = _NAME.fullmatch(raw.strip())
    return f"ILSVRC2012_val_{m.group(1)[15:]}.JPEG" if m else None


def default_name(path: Path | str, taken: set[str]) -> str:
    """The file's stem, made unique among ``taken`` with a numeric suffix."""
    base = Path(path).stem or "model"
    name, k = base, 2
    while name in taken:
        name, k = f"{base} ({k})", k + 1
    return name
