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
import re
from itertools import chain
from pathlib import Path

import numpy as np

from data_access.errors import quoted
from data_access.predictions.arrays import MAX_ROWS
from data_access.predictions.columns import PredictionFileError, from_columns
from data_access.predictions.names import looks_like_file_name
from data_access.predictions.parsed import Parsed

_STR_TOKEN = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf)", re.IGNORECASE)
_MAX_FIELD = 1 << 24  # a top-1000 score printout is ~15 KB; 16 MiB bounds a hostile cell


def _unescape(s: str) -> str:
    return s.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in s else s


def _str_list(cell: str) -> list[str]:
    """``['a, b' 'c']`` -> ``['a, b', 'c']``; ``str.split`` unless a name holds a quote."""
    if '"' in cell or "\\" in cell:
        return [_unescape(a or b) for a, b in _STR_TOKEN.findall(cell)]
    return cell.split("'")[1::2]


# A Hugging Face ``datasets`` image written by ``to_csv``: the dict's repr,
# ``{'bytes': None, 'path': '.../ILSVRC2012_val_00000001.JPEG'}``. Only its path is taken
# (never evaluated as Python).
_PATH_IN_REPR = re.compile(r"""['"]path['"]\s*:\s*(['"])(.*?)\1""")


def _cell(cell: str):
    c = cell.strip()
    if not c:
        return None
    if c[0] == "{" and c[-1] == "}":
        m = _PATH_IN_REPR.search(c)
        return {"path": m.group(2)} if m else c
    if c[0] == "[" and c[-1] == "]":
        inner = c[1:-1]
        if "'" in inner or '"' in inner:
            return _str_list(inner)
        tokens = inner.replace(",", " ").split()
        if all(_INT.fullmatch(t) for t in tokens):
            return [int(t) for t in tokens]
        return [float(t) for t in tokens]
    if _INT.fullmatch(c):
        return int(c)
    if _FLOAT.fullmatch(c):
        return float(c)
    return c


def _numbers(cells: list[str], dtype) -> np.ndarray | None:
    """A column of numbers (scalars, or NumPy-printed lists of equal length) as one array;
    None when it is not that (the cell-by-cell path then reads it and says where it fails)."""
    first = cells[0].strip()
    try:
        if first[:1] != "[":
            return np.array(cells, dtype=dtype)
        if "," in first:
            cells = [c.replace(",", " ") for c in cells]
        parts = [c.strip()[1:-1].split() for c in cells]
        k = len(parts[0])
        if k == 0 or any(len(p) != k for p in parts):
            return None
        return np.array(list(chain.from_iterable(parts)), dtype=dtype).reshape(len(cells), k)
    except (ValueError, OverflowError):
        return None


def _column(cells: list[str]):
    """One column, parsed whole where it can be: numbers become an array, printed name lists
    lists of strings; anything else goes cell by cell."""
    first = cells[0].strip() if cells else ""
    if first and all(cells):
        is_list = first[0] == "["
        if not (is_list and ("'" in first or '"' in first)):
            # Try the likelier type first: a "." or an exponent means floats.
            floaty = any(ch in first for ch in ".eEnN")
            # Integers that do not fit int64 are not read as floats: cell by cell they are
            # refused as out of range.
            for dtype in (np.float64, np.int64) if floaty else (np.int64,):
                arr = _numbers(cells, dtype)
                if arr is not None:
                    return arr
        elif all(c.strip()[:1] == "[" for c in cells):
            return [_str_list(c.strip()[1:-1]) for c in cells]
    return None


_CHUNK_CHARS = 8 << 20  # rows are turned into arrays every ~8 MiB of text


def _lines(path: Path):
    """The file's text, streamed: ``\r\n`` and a lone ``\r`` end lines too (csv's own rule
    with ``newline=""``); a byte-order mark is dropped."""
    return path.open(encoding="utf-8-sig", newline="")


def read_delimited(path: Path) -> Parsed:
    """Reads CSV or TSV (the delimiter is sniffed from the first line, not the suffix).

    Streamed: rows are parsed ~8 MiB of text at a time and each chunk's columns become NumPy
    arrays at once, so memory stays near the size of the result (a 376 MB CSV of 1000 logits
    per image peaks at ~3x its size, was ~18x: ``benchmarks/bench_memory.py``).
    """
    try:
        with _lines(path) as f:
            first = f.readline(1 << 16).split("\n", 1)[0].split("\r", 1)[0]
            f.seek(0)
            delimiter = (
                "\t" if "\t" in first and ("," not in first or path.suffix == ".tsv") else ","
            )
            csv.field_size_limit(_MAX_FIELD)
            reader = csv.reader(f, delimiter=delimiter, strict=True)
            return _read_rows(path, reader, first, delimiter)
    except UnicodeDecodeError as e:
        raise PredictionFileError(path, f"not UTF-8 text (byte {e.start} of a block)") from e


def _read_rows(path: Path, reader, first: str, delimiter: str) -> Parsed:
    header, width, headerless = None, 0, True
    chunks: list[list] = []  # per column, its parsed chunks
    lines: list[int] = []
    rows: list[list[str]] = []
    row_lines: list[int] = []
    chars = 0

    def flush() -> None:
        nonlocal chars
        if not rows:
            return
        for j in range(width):
            chunks[j].append(_parse_column(path, [row[j] for row in rows], row_lines))
        lines.extend(row_lines)
        rows.clear()
        row_lines.clear()
        chars = 0

    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if not chunks:
                # A header is a first row with no file name in it.
                if len(row) < 2:  # a header needs two columns as much as a row does
                    _one_column(path, first, delimiter)
                if header is None and not any(looks_like_file_name(c) for c in row):
                    header, headerless = [c.strip() for c in row], False
                    continue
                # The first data row sets the width (a header may be shorter).
                width = max(len(row), len(header or ()))
                if width < 2:
                    _one_column(path, first, delimiter)
                chunks = [[] for _ in range(width)]
            if len(row) != width:
                raise PredictionFileError(
                    path,
                    f"{len(row)} columns, expected {width} like the first line",
                    f"line {reader.line_num}",
                )
            rows.append(row)
            row_lines.append(reader.line_num)
            if len(lines) + len(rows) > MAX_ROWS:  # refused while streaming, not at the end
                raise PredictionFileError(
                    path,
                    f"more than {MAX_ROWS:,} rows: more than a prediction file holds",
                    f"line {reader.line_num}",
                )
            chars += sum(map(len, row))
            if chars > _CHUNK_CHARS:
                flush()
    except csv.Error as e:
        raise PredictionFileError(
            path, f"not readable as CSV ({e})", where=f"line {reader.line_num}"
        ) from e
    flush()
    if not lines:
        raise PredictionFileError(
            path, "only a header, no predictions" if header else "the file is empty"
        )
    if headerless or header is None:
        header = [f"column {j + 1}" for j in range(width)]
    header = header + [""] * (width - len(header))
    cols = []
    while chunks:  # each column's chunks are freed as it is joined: one copy at a time
        cols.append(_join(chunks.pop(0)))
    fmt = (
        "timm inference.py CSV" if _timm_header(header) else ("TSV" if delimiter == "\t" else "CSV")
    )
    if headerless:
        fmt += " (no header)"
    return from_columns(path, fmt, header, cols, lambda i: f"line {lines[i]}")


_TIMM_COLUMN = re.compile(r"(?:index|label|prob|logit)(?:_\d+)?")


def _timm_header(header: list[str]) -> bool:
    """timm ``inference.py``'s own columns: ``filename`` first, then only ``index``,
    ``label`` and ``prob`` / ``logit`` (``_0``, ``_1``, ... with ``--results-separate-col``).
    A CSV with other names is called a CSV, whatever tool wrote it."""
    return (
        len(header) > 1
        and header[0] == "filename"
        and all(_TIMM_COLUMN.fullmatch(h) for h in header[1:])
    )


def _one_column(path: Path, first: str, delimiter: str) -> None:
    other = next((d for d in (";", "|", " ", "\t", ",") if d in first and d != delimiter), None)
    hint = f" (the file looks {other!r}-separated)" if other else ""
    raise PredictionFileError(
        path,
        f"expected at least 2 columns (file_name, prediction) separated by "
        f"{delimiter!r}, found 1{hint}",
        where="line 1",
    )


def _parse_column(path: Path, cells: list[str], lines: list[int]):
    """One chunk of a column: an array where it can be, else the cells one by one."""
    col = _column(cells)
    if col is not None:
        return col
    out = []
    for cell, line in zip(cells, lines, strict=True):
        try:
            out.append(_cell(cell))
        except ValueError as e:
            raise PredictionFileError(
                path, f"cannot read {quoted(cell)}: {quoted(str(e))}", f"line {line}"
            ) from e
    return out


def _join(parts: list):
    """A column from its chunks: one array when every chunk is an array of the same kind and
    width, else one list (as if the whole column had been read cell by cell)."""
    if len(parts) == 1:
        return parts[0]
    arrays = all(isinstance(p, np.ndarray) for p in parts)
    if arrays and len({(p.dtype, p.shape[1:]) for p in parts}) == 1:
        return np.concatenate(parts)
    out: list = []
    for p in parts:
        out.extend(p.tolist() if isinstance(p, np.ndarray) else p)
    return out
