"""Per-row class ids and scores, as tabular files write them (scalars, lists of any length,
NumPy arrays), turned into rectangular arrays with padding, every bad cell named by its row."""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from data_access.errors import PredictionFileError, quoted


def _rectangular(rows: Any) -> int | None:
    """The common length of all rows, or None when they differ (or are not lists)."""
    if isinstance(rows, np.ndarray):
        return rows.shape[1] if rows.ndim == 2 else None
    try:
        lengths = set(map(len, rows))
    except TypeError:
        return None
    return lengths.pop() if len(lengths) == 1 else None


def ragged_ids(path: Path, rows: Any, where: Callable[[int], str]) -> np.ndarray:
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


def ragged_scores(path: Path, rows: Any, where: Callable[[int], str]) -> np.ndarray:
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
