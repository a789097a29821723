"""The column rules shared by the tabular readers (CSV, JSON, Parquet): which column holds
file names, which class ids, class names or scores, found by header *and* content, never by
position alone. What every reader hands on is :mod:`data_access.predictions.parsed`.

Column roles:

* file names: the column whose values are validation image names (any header, any position);
* a pandas row index (``to_csv`` default: header ``""`` or ``Unnamed: 0``, values 0..n-1):
  dropped;
* class ids: integers (timm ``--include-index``: ``index``), scalar or one list per row;
* class names or wnids: strings (timm ``label``, Hugging Face ``label``, Keras names, ...);
* scores: floats (timm ``prob`` / ``logit``, ``score``); a header with ``logit`` means logits;
* timm ``--results-separate-col`` groups (``index_0``, ``index_1``, ...) are read as one list.

With both ids and names, the ids are the predictions and the names are checked against them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from data_access.errors import PredictionFileError
from data_access.predictions.names import looks_like_file_name
from data_access.predictions.parsed import ClassColumn, Parsed
from data_access.predictions.ragged import ragged_ids, ragged_scores

_SCORE_HINT = re.compile(r"prob|score|conf|logit", re.IGNORECASE)
_ID_HINT = re.compile(r"index|idx|class|pred|label|top|id$", re.IGNORECASE)
_ROW_INDEX_HEADERS = {"", "unnamed: 0", "__index_level_0__"}
_GROUP = re.compile(r"(.+)_(\d+)")
SAMPLE = 200


# Column names that say "the ground truth", compared lower-case with spaces, dots and dashes
# read as "_". ``label`` is not among them: timm and Hugging Face pipelines write the
# *prediction* under that name; its content decides.
TRUTH_NAMES = frozenset(
    {
        "target", "targets", "y_true", "ytrue", "y", "gt", "gt_label", "gt_labels", "gt_class",
        "ground_truth", "groundtruth", "ground_truth_label", "truth", "true", "true_label",
        "true_labels", "true_class", "true_idx", "true_index", "label_true", "actual",
        "actual_label", "actual_class", "target_label", "target_idx", "target_class",
        "original_label", "label_gt", "labels_true", "gold", "gold_label", "reference",
    }
)  # fmt: skip


def _normal(header: str) -> str:
    return re.sub(r"[\s.\-]+", "_", header.strip().lower())


def named_like_truth(header: str) -> bool:
    """Whether a column's name says it holds the ground truth (also as the last part of a
    nested name, ``image.label`` -> ``label``: not truth; ``sample.target``: truth)."""
    name = _normal(header)
    return name in TRUTH_NAMES or name.rsplit("_", 1)[-1] in {"target", "gt", "truth"}


def _kind(value) -> str | None:
    if isinstance(value, list | tuple | np.ndarray):
        return _kind(value[0]) if len(value) else None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


def _column_kind(col) -> str | None:
    if isinstance(col, np.ndarray):
        return "int" if col.dtype.kind in "iu" else "float"
    return next((k for k in map(_kind, col[:SAMPLE]) if k is not None), None)


def _as_lists(cells: list) -> list[list]:
    if all(type(c) is list for c in cells):
        return cells  # already one list per row (JSON): no copy
    return [
        list(c) if isinstance(c, list | tuple | np.ndarray) else ([] if c is None else [c])
        for c in cells
    ]


def _group_number(header: str) -> int:
    """The ``N`` of a grouped column ``prefix_N`` (only called for headers that match)."""
    m = _GROUP.fullmatch(header)
    return int(m.group(2)) if m else -1


def _group_separate(header: list[str], cols: list[Any]) -> tuple[list[str], list[Any]]:
    """``label_0, label_1, ...`` (timm ``--results-separate-col``) -> one list column ``label``."""
    groups: dict[str, list[tuple[int, int]]] = {}
    for j, h in enumerate(header):
        m = _GROUP.fullmatch(h)
        if m:
            groups.setdefault(m.group(1), []).append((int(m.group(2)), j))
    merged: dict[int, str] = {}
    for prefix, members in groups.items():
        numbers = sorted(n for n, _ in members)
        if len(members) > 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            for _, j in members:
                merged[j] = prefix
    if not merged:
        return header, cols
    out_h, out_c, done = [], [], set()
    for j, h in enumerate(header):
        if j not in merged:
            out_h.append(h)
            out_c.append(cols[j])
        elif merged[j] not in done:
            prefix = merged[j]
            done.add(prefix)
            members = sorted((_group_number(header[i]), i) for i in merged)
            idx = [i for _, i in members if merged[i] == prefix]
            out_h.append(prefix)
            if all(isinstance(cols[i], np.ndarray) and cols[i].ndim == 1 for i in idx):
                dtype = np.result_type(*(cols[i] for i in idx))
                stacked = np.empty((len(cols[idx[0]]), len(idx)), dtype)
                for k, i in enumerate(idx):
                    stacked[:, k] = cols[i]
                    cols[i] = None  # freed as copied: one copy of 1000 score columns at a time
                out_c.append(stacked)
            else:
                parts = [cols[i] for i in idx]
                out_c.append([list(row) for row in zip(*parts, strict=True)])
    return out_h, out_c


def _flatten_objects(header: list[str], cols: list[Any]) -> tuple[list[str], list[Any]]:
    """Columns of objects become one column per key, two levels deep: a Hugging Face
    ``datasets`` image ``{"bytes": ..., "path": ".../ILSVRC2012_val_00000001.JPEG"}`` gives
    ``image.path`` (where the file names are found) and ``image.bytes`` (left out: bytes are
    never a class)."""
    for _ in range(2):
        out_h, out_c, changed = [], [], False
        for h, col in zip(header, cols, strict=True):
            first = (
                None
                if isinstance(col, np.ndarray)
                else next((c for c in col[:SAMPLE] if c is not None), None)
            )
            if not isinstance(first, dict):
                out_h.append(h)
                out_c.append(col)
                continue
            changed = True
            keys: list = []
            for c in col[:SAMPLE]:
                if isinstance(c, dict):
                    keys += [k for k in c if k not in keys][: 20 - len(keys)]
            for k in keys:
                sub = [c.get(k) if isinstance(c, dict) else None for c in col]
                if any(isinstance(v, bytes | bytearray) for v in sub[:SAMPLE]):
                    continue
                out_h.append(f"{h}.{k}" if h else str(k))
                out_c.append(sub)
        header, cols = out_h, out_c
        if not changed:
            break
    return header, cols


def _is_row_index(position: int, header: str, cells: list) -> bool:
    """pandas' row index: column 0, headed "" or "Unnamed: 0", or counting 0 (1), 1 (2), ...
    over at least 20 rows (no prediction column does that)."""
    if position != 0:
        return False
    if header.strip().lower() in _ROW_INDEX_HEADERS:
        return True
    if len(cells) < 20 or _ID_HINT.search(header) or _SCORE_HINT.search(header):
        return False
    if isinstance(cells, np.ndarray):
        if cells.ndim != 1 or cells.dtype.kind not in "iu":
            return False
    elif not all(isinstance(c, int) and not isinstance(c, bool) for c in cells[:SAMPLE]):
        return False
    first = int(cells[0])
    return first in (0, 1) and np.array_equal(cells, np.arange(first, first + len(cells)))


def from_columns(
    path: Path,
    fmt: str,
    header: list[str],
    cols: list[Any],
    where: Callable[[int], str],
) -> Parsed:
    """Finds the roles of the columns of a tabular file (see the module docstring).

    Args:
        path: the file, for messages.
        fmt: the format in words.
        header: column names ("" where a file has none).
        cols: the columns, each a list of parsed cells (str, int, float, list or None).
        where: row i's location, for messages.
    """
    header, cols = _group_separate(*_flatten_objects(header, cols))
    n = len(cols[0]) if cols else 0
    if n == 0:
        raise PredictionFileError(path, "no predictions in the file")
    fits = [sum(looks_like_file_name(c) for c in col[:SAMPLE]) / min(n, SAMPLE) for col in cols]
    name_col = int(np.argmax(fits))
    if fits[name_col] < 0.5:
        first = ", ".join(repr(str(c[0])[:60]) for c in cols[:4])
        raise PredictionFileError(
            path,
            "no column of ImageNet validation file names (ILSVRC2012_val_NNNNNNNN, any folder "
            f"or extension); its first row holds {first}",
        )
    names = ["" if c is None else str(c) for c in cols[name_col]]
    ids_cols, label_cols, score_cols, ignored = [], [], [], []
    for j, (h, col) in enumerate(zip(header, cols, strict=True)):
        if j == name_col:
            continue
        kind = _column_kind(col)
        if _is_row_index(j, h, col):
            ignored.append(h or "(row index)")
        elif _SCORE_HINT.search(h) and kind in ("str", "bool", "int", "float"):
            score_cols.append(j)  # a score that is not a number is refused with its row
        elif kind in ("str", "bool"):  # a bool is refused with its row when resolved
            label_cols.append(j)
        elif kind == "int":
            ids_cols.append(j)
        elif kind == "float" and _ID_HINT.search(h):
            ids_cols.append(j)  # floats under a class header must be whole numbers
        elif kind == "float":
            score_cols.append(j)
        else:
            ignored.append(h or f"column {j + 1}")
    # Strings in other columns (the paper's "failure category", a model name) are not classes
    # when a column is named like one.
    hinted = [j for j in label_cols if _ID_HINT.search(header[j]) or named_like_truth(header[j])]
    if hinted and len(hinted) < len(label_cols):
        ignored += [header[j] for j in label_cols if j not in hinted]
        label_cols = hinted
    # Likewise integers (an image's ``size``, a batch number) beside a column named like a
    # prediction are not top-k predictions.
    hinted = [j for j in ids_cols if _ID_HINT.search(header[j]) or named_like_truth(header[j])]
    if hinted and len(hinted) < len(ids_cols):
        ignored += [header[j] for j in ids_cols if j not in hinted]
        ids_cols = hinted

    def label(js: list[int]) -> str:
        return ", ".join(header[j] or f"column {j + 1}" for j in js)

    parsed = Parsed(fmt, names, where=where)
    parsed.columns = {"file names": header[name_col] or f"column {name_col + 1}"}
    if ignored:
        parsed.columns["ignored"] = ", ".join(ignored)

    def rows_of(js: list[int]) -> list[list] | np.ndarray:
        if len(js) == 1 and isinstance(cols[js[0]], np.ndarray):
            out, cols[js[0]] = cols[js[0]].reshape(n, -1), None
            return out
        if all(isinstance(cols[j], np.ndarray) for j in js):
            widths = [cols[j].reshape(n, -1).shape[1] for j in js]
            out = np.empty((n, sum(widths)), np.result_type(*(cols[j] for j in js)))
            at = 0
            for j, w in zip(js, widths, strict=True):
                out[:, at : at + w] = cols[j].reshape(n, -1)
                at += w
                # Each column is read once: freed as it is copied, so a file of 1000 score
                # columns holds one copy of its scores, not two.
                cols[j] = None
            return out
        per_col = [_as_lists(cols[j]) for j in js]
        if len(per_col) == 1:
            return per_col[0]
        return [[v for part in parts for v in part] for parts in zip(*per_col, strict=True)]

    # Each class column stays apart until the loader has set aside the ground truth
    # (:mod:`data_access.predictions.truth`); :func:`settle` then joins the rest.
    parsed.candidates = [ClassColumn(label([j]), "ids", rows_of([j])) for j in ids_cols] + [
        ClassColumn(label([j]), "labels", rows_of([j])) for j in label_cols
    ]
    if score_cols:
        parsed.columns["scores"] = label(score_cols)
        parsed.scores = ragged_scores(path, rows_of(score_cols), where)
        logit = any("logit" in header[j].lower() for j in score_cols)
        parsed.score_kind = "logit" if logit else None
    if not parsed.candidates and parsed.scores is None:
        raise PredictionFileError(
            path,
            "no class column: expected class indices, wnids or class names next to the file "
            "names (timm inference.py: keep --label-type description or add --include-index)",
        )
    return parsed


def _joined(parts: list) -> list[list] | np.ndarray:
    """Several columns' rows side by side (top-k in column order)."""
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, np.ndarray) for p in parts):
        return np.hstack(parts)
    lists = [_as_lists(p) for p in parts]
    return [[v for part in row for v in part] for row in zip(*lists, strict=True)]


def settle(path: Path, parsed: Parsed, chosen: list[ClassColumn]) -> None:
    """Sets ``parsed.ids`` / ``labels`` / ``check_labels`` from the chosen class columns:
    integer columns are the predictions (top-k in column order) and name columns are checked
    against them; without integers, the name columns are the predictions."""
    ids = [c for c in chosen if c.kind == "ids"]
    names = [c for c in chosen if c.kind == "labels"]

    def headers(cs: list[ClassColumn]) -> str:
        return ", ".join(c.header for c in cs)

    if ids:
        parsed.ids = ragged_ids(path, _joined([c.rows for c in ids]), parsed.where)
        parsed.from_integers = True
        parsed.columns["class ids"] = headers(ids)
        if names:
            parsed.check_labels = _joined([c.rows for c in names])
            parsed.columns["class names (checked)"] = headers(names)
    elif names:
        parsed.labels = _joined([c.rows for c in names])
        parsed.columns["classes"] = headers(names)
    parsed.candidates = None
