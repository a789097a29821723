"""What every reader hands on (:class:`Parsed`), and the column rules shared by the tabular
readers (CSV, JSON, Parquet): which column holds file names, which class ids, class names or
scores, found by header *and* content, never by position alone.

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
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np

from data_access.errors import DataError, quoted
from data_access.predictions.names import looks_like_file_name

_SCORE_HINT = re.compile(r"prob|score|conf|logit", re.IGNORECASE)
_ID_HINT = re.compile(r"index|idx|class|pred|label|top|id$", re.IGNORECASE)
_ROW_INDEX_HEADERS = {"", "unnamed: 0", "__index_level_0__"}
_GROUP = re.compile(r"(.+)_(\d+)")
SAMPLE = 200


class PredictionFileError(DataError):
    """A prediction file that cannot be used as it is."""


@dataclass
class Parsed:
    """A prediction file as read, before classes are resolved and rows aligned.

    Attributes:
        fmt: what the file is, in words (``timm inference.py CSV``).
        names: the raw image name of each row, or None when rows are positional (an array).
        ids: int64 (n, k) class ids in rank order, -1 padding; or None.
        labels: per row, the raw predictions (class strings or ints) in rank order; or None.
        scores: float32 (n, k) scores of the top-k, NaN padding; or None.
        score_kind: ``probability`` or ``logit`` (None without scores).
        check_labels: class strings written next to ``ids`` (cross-checked against them).
        from_integers: the predictions were written as integers (so an offset is possible).
        background_dropped: column 0 of a (N, 1001) score matrix was dropped.
        columns: role -> the column, key or array it came from (for ``describe``).
        where: the location of row i in the file, for messages (``line 12``).
    """

    fmt: str
    names: list[str] | None
    ids: np.ndarray | None = None
    labels: list[list] | None = None
    scores: np.ndarray | None = None
    score_kind: str | None = None
    check_labels: list[list] | None = None
    from_integers: bool = False
    background_dropped: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    where: Callable[[int], str] = field(default=lambda i: f"row {i}")


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


def _group_separate(header: list[str], cols: list[list]) -> tuple[list[str], list[list]]:
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
            members = sorted((int(_GROUP.fullmatch(header[i]).group(2)), i) for i in merged)
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
    cols: list[list],
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
    header, cols = _group_separate(header, cols)
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
    hinted = [j for j in label_cols if _ID_HINT.search(header[j])]
    if hinted and len(hinted) < len(label_cols):
        ignored += [header[j] for j in label_cols if j not in hinted]
        label_cols = hinted
    label = (lambda js: ", ".join(header[j] or f"column {j + 1}" for j in js)) if cols else None
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

    if ids_cols:
        parsed.ids = ragged_ids(path, rows_of(ids_cols), where)
        parsed.from_integers = True
        parsed.columns["class ids"] = label(ids_cols)
        if label_cols:
            parsed.check_labels = rows_of(label_cols)
            parsed.columns["class names (checked)"] = label(label_cols)
    elif label_cols:
        parsed.labels = rows_of(label_cols)
        parsed.columns["classes"] = label(label_cols)
    if score_cols:
        parsed.columns["scores"] = label(score_cols)
        parsed.scores = ragged_scores(path, rows_of(score_cols), where)
        logit = any("logit" in header[j].lower() for j in score_cols)
        parsed.score_kind = "logit" if logit else None
    if parsed.ids is None and parsed.labels is None and parsed.scores is None:
        raise PredictionFileError(
            path,
            "no class column: expected class indices, wnids or class names next to the file "
            "names (timm inference.py: keep --label-type description or add --include-index)",
        )
    return parsed


def _rectangular(rows) -> int | None:
    """The common length of all rows, or None when they differ (or are not lists)."""
    if isinstance(rows, np.ndarray):
        return rows.shape[1] if rows.ndim == 2 else None
    try:
        lengths = set(map(len, rows))
    except TypeError:
        return None
    return lengths.pop() if len(lengths) == 1 else None


def ragged_ids(path: Path, rows, where: Callable[[int], str]) -> np.ndarray:
    """int64 (n, k) from per-row lists of integers (or an int array), -1 padding."""
    k = _rectangular(rows)
    if k:
        try:
            if isinstance(rows, np.ndarray) and rows.dtype.kind == "f":
                if not np.all(np.isfinite(rows) & (rows == np.round(rows))):
                    raise ValueError("not whole numbers")
            elif not isinstance(rows, np.ndarray) and any(
                isinstance(v, bool | float) for v in chain.from_iterable(rows)
            ):
                raise ValueError("not integers")
            return np.asarray(rows, dtype=np.int64)[:, :100]
        except (TypeError, ValueError, OverflowError):
            pass  # the row-by-row path below names the row
    k = max((len(r) for r in rows), default=0)
    if k == 0:
        raise PredictionFileError(path, "empty prediction list", where(0))
    out = np.full((len(rows), min(k, 100)), -1, dtype=np.int64)
    for i, r in enumerate(rows):
        if not len(r):
            raise PredictionFileError(path, "empty prediction list", where(i))
        bad = next(
            (
                v
                for v in r
                if isinstance(v, bool)
                or not isinstance(v, int | float | np.integer | np.floating)
                or (isinstance(v, float | np.floating) and not float(v).is_integer())
            ),
            None,
        )
        if bad is not None:
            problem = f"{quoted(bad)} is not a class index (0..999)"
            raise PredictionFileError(path, problem, where(i))
        big = next((v for v in r if abs(v) >= 1 << 62), None)
        if big is not None:
            raise PredictionFileError(path, f"class {big} is out of range 0..999", where(i))
        out[i, : len(r)] = [int(v) for v in r[:100]]
    return out


def ragged_scores(path: Path, rows, where: Callable[[int], str]) -> np.ndarray:
    """float32 (n, k) from per-row lists of numbers (or a float array), NaN padding; NaN or
    inf in a row is an error."""
    out = None
    if _rectangular(rows):
        try:
            out = np.asarray(rows, dtype=np.float64)
        except (TypeError, ValueError):
            out = None
    if out is None:
        k = max((len(r) for r in rows), default=0)
        out = np.full((len(rows), max(k, 1)), np.nan, dtype=np.float64)
        for i, r in enumerate(rows):
            try:
                vals = np.asarray(r, dtype=np.float64)
            except (TypeError, ValueError) as e:
                raise PredictionFileError(
                    path, f"a score is not a number: {quoted(list(r[:5]))}", where(i)
                ) from e
            if vals.ndim != 1 or not np.all(np.isfinite(vals)):
                raise PredictionFileError(path, "a score is NaN, infinite or nested", where(i))
            out[i, : len(vals)] = vals
        return out.astype(np.float32)
    bad = ~np.isfinite(out)
    if bad.any():
        raise PredictionFileError(
            path, "a score is NaN or infinite", where(int(np.argwhere(bad)[0][0]))
        )
    return out.astype(np.float32)
