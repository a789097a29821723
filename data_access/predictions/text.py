"""Delimited text: CSV / TSV with or without a header, including every timm ``inference.py``
CSV (pandas ``to_csv``), whose top-k cells are NumPy printouts::

    filename,label,prob
    ILSVRC2012_val_00000001.JPEG,"['tench, Tinca tinca' 'neck brace'
     'chiton, coat-of-mail shell, sea cradle, polyplacophore']",[0.7679606  0.00389733 0.0012]

``[  0 678 116]`` is an index list; strings print as Python literals (``'...'`` or ``"..."``
when the name holds a quote, like ``"jack-o'-lantern"``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from data_access.predictions.columns import Parsed, PredictionFileError, from_columns
from data_access.predictions.names import looks_like_file_name

_STR_TOKEN = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf)", re.IGNORECASE)
_MAX_FIELD = 1 << 24  # a top-1000 score printout is ~15 KB; 16 MiB bounds a hostile cell


def _unescape(s: str) -> str:
    return s.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in s else s


def _array_cell(cell: str) -> list:
    """A NumPy printout ``[...]`` as a list of str, int or float."""
    inner = cell.strip()[1:-1]
    if "'" in inner or '"' in inner:
        return [_unescape(a or b) for a, b in _STR_TOKEN.findall(inner)]
    tokens = inner.replace(",", " ").split()
    if all(_INT.fullmatch(t) for t in tokens):
        return [int(t) for t in tokens]
    return [float(t) for t in tokens]


def _cell(cell: str):
    c = cell.strip()
    if not c:
        return None
    if c[0] == "[" and c[-1] == "]":
        return _array_cell(c)
    if _INT.fullmatch(c):
        return int(c)
    if _FLOAT.fullmatch(c):
        return float(c)
    return c


def read_delimited(path: Path, text: str) -> Parsed:
    """Reads CSV or TSV (the delimiter is sniffed from the first line, not the suffix)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and ("," not in first or path.suffix == ".tsv") else ","
    csv.field_size_limit(_MAX_FIELD)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    rows, lines = [], []
    try:
        for row in reader:
            if row and any(c.strip() for c in row):
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as e:
        raise PredictionFileError(
            path, f"not readable as CSV ({e})", where=f"line {reader.line_num}"
        ) from e
    if not rows:
        raise PredictionFileError(path, "the file is empty")
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
    # A header is a first row with no file name in it.
    header = None
    if not any(looks_like_file_name(c) for c in rows[0]):
        header = [c.strip() for c in rows[0]]
        rows, lines = rows[1:], lines[1:]
        if not rows:
            raise PredictionFileError(path, "only a header, no predictions")
    for row, line in zip(rows, lines, strict=True):
        if len(row) != width:
            raise PredictionFileError(
                path, f"{len(row)} columns, expected {width} like the first line", f"line {line}"
            )
    headerless = header is None
    if headerless:
        header = [f"column {j + 1}" for j in range(width)]
    header = header + [""] * (width - len(header))
    cols = []
    for j in range(width):
        col = []
        for row, line in zip(rows, lines, strict=True):
            try:
                col.append(_cell(row[j]))
            except ValueError as e:
                raise PredictionFileError(
                    path, f"cannot read {row[j][:60]!r}: {e}", f"line {line}"
                ) from e
        cols.append(col)
    timm = header[0] == "filename" or any(h in ("label", "prob", "logit") for h in header)
    fmt = "timm inference.py CSV" if timm else ("TSV" if delimiter == "\t" else "CSV")
    if headerless:
        fmt += " (no header)"
    return from_columns(path, fmt, header, cols, lambda i: f"line {lines[i]}")
