"""CSV the project writes is safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``).
Model names, reviewer names and notes are typed by users, so every text cell of every CSV
export goes through :func:`safe_cell`, which prefixes such a cell with ``'`` (OWASP's rule);
numbers are left alone. The review CSV import reads the prefix back off (:func:`read_cell`),
so an export imports as it was.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``'=1+1`` for ``=1+1``; anything that is not text, or not formula-like, unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def read_cell(value: str) -> str:
    """The inverse of :func:`safe_cell` for cells read back from an export."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


class SafeWriter:
    """``csv.writer`` whose every row goes through :func:`safe_cell`."""

    def __init__(self, f: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(f, **kwargs)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(v) for v in row])


def frame_csv(frame, index: bool = False) -> str:
    """``DataFrame.to_csv`` with text cells, column names and index labels made safe."""
    out = frame.copy()
    out.columns = [safe_cell(str(c)) for c in out.columns]
    if index:
        out.index = [safe_cell(str(i)) for i in out.index]
    for col in out.columns:
        if out[col].dtype.kind not in "biufcmM":  # text (object or pandas' string dtype)
            out[col] = out[col].map(safe_cell)
    return out.to_csv(index=index)
