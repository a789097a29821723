"""One loader for every prediction file: sniff the format from the bytes, read it with its
family's reader, resolve the classes, check order and offset, align to the annotation table.

Formats are recognised by content, not by name: ``\\x93NUMPY`` is ``.npy`` whatever the suffix,
``PK`` a zip (``.npz``), ``PAR1`` Parquet, ``\\x80`` a pickle, ``{`` / ``[`` JSON (or JSON
Lines), anything else delimited text.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import NUM_CLASSES, load_classes
from data_access.predictions import order as order_check
from data_access.predictions.arrays import Progress, read_names_file, read_numpy, reduce_scores
from data_access.predictions.binary import read_parquet, read_pickle
from data_access.predictions.columns import Parsed, PredictionFileError
from data_access.predictions.jsonfmt import read_json
from data_access.predictions.model import Coverage, Model
from data_access.predictions.names import validation_position
from data_access.predictions.text import read_delimited
from data_access.predictions.vocab import (
    VOCABULARIES,
    describe_classes,
    resolve,
    vocabulary_text,
)

MAX_TEXT_BYTES = 1 << 30  # a text prediction file over 1 GiB is not a prediction file
_EXAMPLES = 5
_BINARY_SUFFIXES = {".npy": "NumPy", ".npz": "NumPy", ".parquet": "Parquet", ".pkl": "pickle"}


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file where its content cannot say (all optional).

    Attributes:
        order: ``validation`` or ``imagefolder`` for rows without names.
        drop_background: class ids are shifted by one (1-based, or a 1001-class model whose
            class 0 is background); a (N, 1001) score matrix loses column 0.
        allow_pickle: read a pickle (it can run code; command line only).
        file_names: a file with the row names of an array (text, or ``.npz`` / ``.npy``).
        vocabulary: a key of ``VOCABULARIES`` for class names, instead of the file's own.
    """

    order: str | None = None
    drop_background: bool = False
    allow_pickle: bool = False
    file_names: str | None = None
    vocabulary: str | None = None


def sniff(path: Path) -> tuple[str, bytes]:
    """The format family of ``path`` from its first bytes."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(b"\x93NUMPY"):
        return "numpy", head
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "numpy", head
    if head.startswith(b"PAR1"):
        return "parquet", head
    if head[:1] == b"\x80":
        return "pickle", head
    if b"\x00" in head:
        return "binary", head
    if not head.strip():
        return "text", head
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    suffix = path.suffix.lower()
    if suffix in _BINARY_SUFFIXES:
        raise PredictionFileError(
            path, f"named {suffix} but holds text, not {_BINARY_SUFFIXES[suffix]} data"
        )
    # A CSV line starts with a name or a header, never with "{" or "[".
    if stripped[:1] in (b"{", b"[") or suffix in (".json", ".jsonl", ".ndjson"):
        return "json", head
    return "text", head


def _read_text(path: Path, size: int) -> str:
    if size > MAX_TEXT_BYTES:
        raise PredictionFileError(
            path,
            f"{size / 2**30:.1f} GiB is too large for a text prediction file "
            "(at most 1 GiB); use .npy for scores",
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PredictionFileError(path, f"not UTF-8 text (byte {e.start})") from e
    if not text.strip():
        raise PredictionFileError(path, "the file is empty")
    return text


def parse(path: Path, options: ReadOptions, progress: Progress | None = None) -> Parsed:
    """Reads ``path`` with the reader its bytes call for."""
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
    family, head = sniff(path)
    names = read_names_file(Path(options.file_names)) if options.file_names else None
    if family == "numpy":
        return read_numpy(path, head, names, options.drop_background, progress)
    if family == "parquet":
        return read_parquet(path)
    if family == "pickle":
        return read_pickle(path, options.allow_pickle, options.drop_background)
    if family == "binary":
        raise PredictionFileError(
            path,
            "binary data, expected a prediction file (CSV, TSV, JSON, JSON Lines, .npy, .npz, "
            "Parquet)",
        )
    text = _read_text(path, size)
    return read_json(path, text) if family == "json" else read_delimited(path, text)


# --- classes ----------------------------------------------------------------------------------


def _resolve_labels(
    path: Path, parsed: Parsed, vocabulary: str | None
) -> tuple[np.ndarray, str, str | None]:
    """Class ids of the raw predictions, the vocabulary, and a note on ambiguous names.

    A name that means two classes in the file's vocabulary (timm and Hugging Face write
    ``crane`` for 134 and 517) is not guessed: that entry becomes -1, no prediction, like a
    missing one (a top-1 of -1 counts as wrong), and the note names the rows.
    """
    rows = parsed.labels
    flat = list(chain.from_iterable(rows))
    if set(map(type, flat)) - {str, int}:  # bool, float, None, dict...: find the row
        for i, r in enumerate(rows):
            for v in r:
                if isinstance(v, bool) or not isinstance(v, int | float | str):
                    raise PredictionFileError(
                        path,
                        f"{v!r} is not a class index (0..999), wnid or class name",
                        parsed.where(i),
                    )
                if isinstance(v, float) and not v.is_integer():
                    raise PredictionFileError(path, f"{v!r} is not a class index", parsed.where(i))
    distinct = {v for v in flat if isinstance(v, str)}
    res = resolve(distinct, vocabulary)
    if res.unknown:
        _refuse_unknown(path, parsed, res)
    mapping = dict(res.mapping)
    mapping.update(dict.fromkeys(res.ambiguous, -1))
    k = min(max((len(r) for r in rows), default=0), 100)
    if k == 0:
        raise PredictionFileError(path, "empty prediction list", parsed.where(0))
    get = mapping.get
    values = [get(v, v) if isinstance(v, str) else int(v) for v in flat]
    if len(flat) == k * len(rows) and all(len(r) == k for r in rows):
        ids = np.array(values, dtype=np.int64).reshape(len(rows), k)
    else:
        ids = np.full((len(rows), k), -1, dtype=np.int64)
        start = 0
        for i, r in enumerate(rows):
            if not r:
                raise PredictionFileError(path, "empty prediction list", parsed.where(i))
            ids[i, : min(len(r), k)] = values[start : start + min(len(r), k)]
            start += len(r)
    kind = res.vocabulary if distinct else "index"
    parsed.from_integers = kind == "index"
    return ids, kind, _ambiguity_note(parsed, res) if res.ambiguous else None


def _rows_with(parsed: Parsed, wanted: set[str], top1_only: bool = False) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, r in enumerate(parsed.labels or parsed.check_labels or []):
        for v in r[:1] if top1_only else r:
            if v in wanted:
                found.setdefault(v, []).append(i)
    return found


def _ambiguity_note(parsed: Parsed, res) -> str:
    top1 = _rows_with(parsed, set(res.ambiguous), top1_only=True)
    parts = []
    for s, ix in res.ambiguous.items():
        rows = top1.get(s, [])
        where = ", ".join(parsed.where(i) for i in rows[:3]) + (", ..." if len(rows) > 3 else "")
        parts.append(
            f"{len(rows):,} {'row predicts' if len(rows) == 1 else 'rows predict'} {s!r} "
            f"({where or 'below top-1 only'}), the name of "
            f"class {describe_classes(ix)} in {vocabulary_text(res.vocabulary)}"
        )
    return (
        "; ".join(parts) + ": not guessed, so those images have no usable top-1 and count as "
        "wrong; write class indices (timm: --include-index) or wnids for exact numbers"
    )


def _refuse_unknown(path: Path, parsed: Parsed, res) -> None:
    where = _rows_with(parsed, set(res.unknown))
    first = res.unknown[0]
    rows = ", ".join(parsed.where(i) for i in where.get(first, [])[:3])
    kind = "wnid" if first.strip()[:1] == "n" and first.strip()[1:9].isdigit() else "class"
    raise PredictionFileError(
        path,
        f"{first!r} is not a known {kind} index, wnid or name ({rows}); "
        f"{len(res.unknown)} unknown in all. Classes are read as indices 0..999, wnids, or names "
        "exactly as timm / Hugging Face, Keras or torchvision write them",
    )


def _check_range(path: Path, parsed: Parsed, ids: np.ndarray, shift: int) -> None:
    lo, hi = shift, NUM_CLASSES - 1 + shift
    bad = np.argwhere(((ids < lo) | (ids > hi)) & (ids != -1))
    neg = np.argwhere(ids < -1)
    bad = bad if len(bad) else neg
    if len(bad):
        r, c = (int(x) for x in bad[0])
        present = ids[ids >= 0]
        hint = ""
        if shift == 0 and present.size and present.max() == NUM_CLASSES and present.min() >= 1:
            hint = (
                "; ids 1..1000 look 1-based (or class 0 = background): pass --drop-background "
                "(in the app: 'Reading options')"
            )
        raise PredictionFileError(
            path, f"class {int(ids[r, c])} is out of range {lo}..{hi}{hint}", parsed.where(r)
        )


def _cross_check(path: Path, parsed: Parsed, ids: np.ndarray, vocabulary: str | None) -> None:
    """Ids written next to class names must name the same classes."""
    checks = parsed.check_labels
    distinct = {r[0] for r in checks if r and isinstance(r[0], str)}
    res = resolve(distinct, vocabulary)
    for i, r in enumerate(checks):
        if r and isinstance(r[0], str) and r[0] in res.mapping and res.mapping[r[0]] != ids[i, 0]:
            raise PredictionFileError(
                path,
                f"the class id {int(ids[i, 0])} and the class name {r[0]!r} "
                f"(class {res.mapping[r[0]]}) disagree; the ids may be shifted or from another "
                "class order",
                parsed.where(i),
            )


# --- the loader -------------------------------------------------------------------------------


def load_predictions(
    path: Path | str,
    table: AnnotationTable,
    name: str | None = None,
    progress: Progress | None = None,
    file_names: list[str] | None = None,
    options: ReadOptions | None = None,
) -> Model:
    """Loads a prediction file of any supported kind and aligns it to ``table``.

    Args:
        path: the file.
        table: the annotation table to align to.
        name: the model's display name (default: the file's stem).
        progress: ``progress(done, total, message)`` for long loads.
        file_names: row names for an array (else from the file, ``options.file_names``, an
            ``.npz`` key or a side file).
        options: how to read what the file cannot say (order, offset, pickle, vocabulary).

    Raises:
        PredictionFileError: naming the file, the row or key, and what was expected.
    """
    path = Path(path)
    options = options or ReadOptions()
    if options.vocabulary and options.vocabulary not in VOCABULARIES:
        raise PredictionFileError(
            "--vocabulary", f"expected one of {', '.join(VOCABULARIES)}, got {options.vocabulary!r}"
        )
    parsed = parse(path, options, progress)
    if file_names is not None:
        if len(file_names) != _rows(parsed):
            raise PredictionFileError(
                path, f"{_rows(parsed):,} rows but {len(file_names):,} file names"
            )
        parsed.names = list(file_names)
    reading: dict = {"file": str(path), "format": parsed.fmt, "columns": dict(parsed.columns)}
    ids, vocabulary, ambiguity = _class_ids(path, parsed, options)
    reading["classes"] = vocabulary
    shift = int(options.drop_background and parsed.from_integers)
    if options.drop_background and not (parsed.from_integers or "1001" in str(parsed.columns)):
        raise PredictionFileError(
            path, "--drop-background applies to class ids and (N, 1001) scores, not to names"
        )
    _check_range(path, parsed, ids, shift)
    if parsed.check_labels is not None:
        _cross_check(path, parsed, ids - shift, options.vocabulary)
    scores, score_kind = _scores(path, parsed, ids)
    if parsed.names is None:
        if len(ids) != order_check.NUM_VALIDATION_IMAGES:
            raise PredictionFileError(
                path,
                f"{len(ids):,} rows but no file names: only 50,000 rows are read by position "
                "(validation or ImageFolder order); give the names as a 'file_names' key in an "
                f".npz, in {path.stem}.file_names.txt, or with --file-names",
            )
        pos, check = order_check.check_positional(path, ids[:, 0], options.order, bool(shift))
        reading["order"] = f"{check.chosen[0]} (rows without names)"
        reading["order_agreement"] = check.as_dict()
        row_pos = pos
    else:
        row_pos = np.fromiter(
            (validation_position(str(n)) for n in parsed.names), np.int64, len(parsed.names)
        )
        reading["order"] = "by file name"
    ids = np.where(ids >= 0, ids - shift, -1)
    reading["ids"] = "shifted by one (dropped background)" if shift else "0-based"
    top_k, out_scores, coverage = _align(path, parsed, table, ids, scores, row_pos)
    if parsed.names is not None and parsed.from_integers:
        written = np.where(top_k[:, 0] >= 0, top_k[:, 0] + shift, -1)
        order_check.check_offset(path, written, table.original_label, bool(shift))
    if coverage.predicted == 0:
        examples = ", ".join(repr(str(n)[:60]) for n in (parsed.names or [])[:3])
        raise PredictionFileError(
            path,
            "none of its predictions is for an annotated image "
            f"(annotated: {coverage.annotated:,}; ignored outside: {coverage.ignored_outside:,}"
            f"; unrecognised names: {coverage.unrecognised:,}"
            + (f"; its first names: {examples}" if examples else "")
            + ")",
        )
    reading.update(
        top_k=int(top_k.shape[1]),
        scores=score_kind,
        rows=len(ids),
        coverage=coverage.as_dict(),
        first_rows=_first_rows(table, top_k),
    )
    notes = [ambiguity] if ambiguity else []
    reading["ambiguous"] = ambiguity
    notes += [coverage.warning()] if coverage.warning() else []
    if score_kind == "logits":
        notes.append("its scores are top-k logits, not probabilities: confidence is not shown")
    return Model(
        name or path.stem,
        top_k[:, 0].copy(),
        top_k if top_k.shape[1] > 1 else None,
        out_scores,
        str(path),
        coverage,
        tuple(notes),
        reading,
    )


def _rows(parsed: Parsed) -> int:
    for x in (parsed.ids, parsed.labels, parsed.scores):
        if x is not None:
            return len(x)
    return 0


def _class_ids(
    path: Path, parsed: Parsed, options: ReadOptions
) -> tuple[np.ndarray, str, str | None]:
    if parsed.ids is not None:
        return parsed.ids, "index", None
    if parsed.labels is not None:
        return _resolve_labels(path, parsed, options.vocabulary)
    # Scores alone (timm --topk 0): one full score vector per row.
    width = parsed.scores.shape[1]
    if width not in (NUM_CLASSES, NUM_CLASSES + 1):
        raise PredictionFileError(
            path, f"{width} scores per row and no class column: expected 1000 scores per row"
        )
    ids, parsed.scores = reduce_scores(path, parsed.scores, options.drop_background)
    parsed.columns["scores"] = f"{width} scores per row"
    parsed.score_kind = "probability"
    return ids, "index (argmax of the scores)", None


def _scores(path: Path, parsed: Parsed, ids: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    scores = parsed.scores
    if scores is None:
        return None, None
    if scores.shape[1] != ids.shape[1]:
        raise PredictionFileError(
            path,
            f"{ids.shape[1]} predictions but {scores.shape[1]} scores per row; expected one "
            "score per prediction",
        )
    kind = parsed.score_kind
    if kind is None:
        finite = scores[~np.isnan(scores)]
        sums = np.nansum(scores, axis=1)
        is_prob = finite.size and finite.min() >= 0 and finite.max() <= 1 and sums.max() <= 1.001
        kind = "probability" if is_prob else "logit"
    if kind == "logit":
        return None, "logits"
    return scores.astype(np.float32), "probabilities"


def _align(path, parsed, table, ids, scores, row_pos):
    """Table row of each file row (by validation position), duplicates checked."""
    n = len(table)
    pos_to_row = np.full(order_check.NUM_VALIDATION_IMAGES, -1, dtype=np.int64)
    pos_to_row[table.validation_position] = np.arange(n)
    valid = row_pos >= 0
    target = np.where(valid, pos_to_row[np.where(valid, row_pos, 0)], -1)
    take = np.flatnonzero(target >= 0)
    rows = target[take]
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    dup = np.flatnonzero(sorted_rows[1:] == sorted_rows[:-1]) + 1
    for d in dup:
        first, here = take[order[d - 1]], take[order[d]]
        if not np.array_equal(ids[first], ids[here]):
            fname = table.file_name[sorted_rows[d]]
            raise PredictionFileError(
                path,
                f"{fname} appears twice with different predictions "
                f"({parsed.where(int(first))}: {int(ids[first, 0])}, here: {int(ids[here, 0])})",
                parsed.where(int(here)),
            )
    top_k = np.full((n, ids.shape[1]), -1, dtype=np.int16)
    top_k[rows] = ids[take]
    out_scores = None
    if scores is not None:
        out_scores = np.full((n, scores.shape[1]), np.nan, dtype=np.float32)
        out_scores[rows] = scores[take]
    unrecognised = np.flatnonzero(~valid)
    names = parsed.names or []
    missing = np.flatnonzero(top_k[:, 0] < 0)
    coverage = Coverage(
        annotated=n,
        predicted=int(n - len(missing)),
        missing=len(missing),
        missing_examples=tuple(table.file_name[missing[:_EXAMPLES]].tolist()),
        ignored_outside=int((valid & (target < 0)).sum()),
        unrecognised=len(unrecognised),
        unrecognised_examples=tuple(str(names[i])[:80] for i in unrecognised[:_EXAMPLES]),
    )
    return top_k, out_scores, coverage


def _first_rows(table: AnnotationTable, top_k: np.ndarray) -> list[dict]:
    names = load_classes().names
    rows = np.flatnonzero(top_k[:, 0] >= 0)[:_EXAMPLES]
    return [
        {
            "file_name": str(table.file_name[r]),
            "top1": int(top_k[r, 0]),
            "class": names[int(top_k[r, 0])],
        }
        for r in rows
    ]
