"""Every class's probability from a file of 1000 scores per image, lined up with the table.

A file's scores are kept as read (:class:`AlignedScores`: the matrix, memory-mapped when it
can be, and which table row each file row is) until they are needed. Then several models'
probabilities are summed in one pass over the images (:func:`add_probabilities`; for one
model, :meth:`AlignedScores.dense`), never holding one model's probabilities whole: for a
block of images small enough to stay in the processor's cache, each model's logits go
through the softmax and the block's rows are summed over the models. At full size (20,000
images x 50 models) this reads every logit once and spends most of its time in the one
``exp`` per logit that any softmax must do (``benchmarks/bench_label_errors``).

The softmax of a row of logits ``z`` is ``exp(z) / sum(exp(z))``. It is computed without
shifting ``z`` by its maximum when that is safe: when the row's sum is a normal float32
(between 1e-30 and 1e37), no ``exp`` overflowed and none that matters underflowed, and the
shift would only add a rounding of ``z - max``. Other rows (very large or very small logits)
are computed again shifted by their maximum, so that none overflows.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from data_access.classes import NUM_CLASSES
from data_access.predictions.parsed import FullScores

WORKERS = min(4, os.cpu_count() or 1)  # threads sharing the rows of a score matrix
# add_probabilities' block of images: (rows x models x 1000) float32 per thread stays within
# about this many bytes, so that a block is summed while it is still in the cache.
_BLOCK_BYTES = 4 << 20
# A row whose sum of exp(z) lies outside these bounds is computed again shifted by its maximum.
_SUM_LOW, _SUM_HIGH = 1e-30, 1e37


@dataclass(frozen=True)
class AlignedScores:
    """A file's whole score matrix and where each of its rows goes in the table.

    Attributes:
        full: the matrix as read (logits or probabilities).
        file_rows: int (m,) rows of the file, and ``table_rows`` int (m,) the table rows they
            are: table row ``table_rows[j]`` is file row ``file_rows[j]``; the other table
            rows have no prediction.
        n: the table's length.
    """

    full: FullScores
    file_rows: np.ndarray
    table_rows: np.ndarray
    n: int

    @classmethod
    def of(cls, matrix: np.ndarray, logits: bool = False) -> AlignedScores:
        """A matrix whose row ``i`` is table row ``i`` (NaN rows: no prediction)."""
        rows = np.arange(len(matrix))
        return cls(FullScores(matrix, logits), rows, rows, len(matrix))

    @property
    def in_memory_bytes(self) -> int:
        """What holding the matrix costs (0 for a memory-mapped file: the page cache's)."""
        m = self.full.matrix
        return 0 if _mapped(m) else m.nbytes

    def dense(self) -> np.ndarray:
        """float32 (n, 1000) probabilities in table order; NaN rows have no prediction."""
        return add_probabilities([self], None).astype(np.float32)

    def table_to_file(self) -> np.ndarray | None:
        """int (n,): the file row of each table row, -1 where none; None when the rows are
        the table's, in order (then a block of the table is a slice of the file)."""
        m = len(self.full.matrix)
        identity = (
            len(self.table_rows) == self.n
            and m >= self.n
            and np.array_equal(self.table_rows, np.arange(self.n))
            and np.array_equal(self.file_rows, np.arange(self.n))
        )
        if identity:
            return None
        out = np.full(self.n, -1, dtype=np.int64)
        out[self.table_rows] = self.file_rows
        return out


def _mapped(array: np.ndarray) -> bool:
    """Whether ``array`` is a view of a memory-mapped file."""
    base: object = array
    while isinstance(base, np.ndarray):
        if isinstance(base, np.memmap):
            return True
        base = base.base
    return False


def _softmax_in_place(z: np.ndarray) -> None:
    """Each row of ``z`` (float32) becomes its softmax, shifted by its maximum."""
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)


def _read(scores: AlignedScores, rows: np.ndarray | None, table_rows: slice | np.ndarray):
    """The file's rows for ``table_rows`` (``rows``: table_to_file(), None for the same
    rows); a table row without a prediction reads file row 0 and is NaN in the end."""
    if rows is None:
        return scores.full.matrix[table_rows]
    return scores.full.matrix[np.maximum(rows[table_rows], 0)]


def add_probabilities(batch: Sequence[AlignedScores], total: np.ndarray | None) -> np.ndarray:
    """The sum over ``batch`` of each model's probabilities, added to ``total``.

    Args:
        batch: the models' scores, all lined up with one table of ``n`` rows.
        total: float64 (n, 1000) to add to in place, or None for a new one.

    Returns:
        ``total`` (float64 (n, 1000)); a row is NaN when a model of ``batch`` has no
        prediction for it. Each block's sum over the models is taken in float32 and then
        added in float64: within a few float32 roundings (below 1e-6 relative) of the
        exact sum.
    """
    n = batch[0].n
    out = np.empty((n, NUM_CLASSES)) if total is None else total
    maps = [s.table_to_file() for s in batch]
    missing = np.zeros(n, dtype=bool)
    for rows in maps:
        if rows is not None:
            missing |= rows < 0
    models = len(batch)
    block = int(max(8, min(256, _BLOCK_BYTES // (models * NUM_CLASSES * 4))))
    logits = np.array([s.full.logits for s in batch])
    local = threading.local()

    def one(start: int) -> None:
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # per thread
            _block(start)

    def _block(start: int) -> None:
        stop = min(start + block, n)
        if not hasattr(local, "buffer"):
            # (models, rows, classes): each model's block contiguous, where exp is fastest
            local.buffer = np.empty((models, block, NUM_CLASSES), np.float32)
        buffer = local.buffer[:, : stop - start]
        for m, (scores, rows) in enumerate(zip(batch, maps, strict=True)):
            source = _read(scores, rows, slice(start, stop))
            if scores.full.logits:
                np.exp(source, out=buffer[m])
            else:
                buffer[m] = source
        # Each row's sum of exp(z). einsum, not BLAS: BLAS would start threads of its own
        # inside each of ours and the two would fight over the cores.
        sums = np.einsum("mrc->mr", buffer)
        sums[~logits] = 1.0  # probabilities are used as they are
        bad = ~((sums >= _SUM_LOW) & (sums <= _SUM_HIGH))  # NaN is bad too
        for k in np.flatnonzero(bad.any(axis=1)).tolist():
            # overflowed or underflowed unshifted: those rows again, shifted by their maximum
            picked = np.flatnonzero(bad[k]) + start
            shifted = np.array(_read(batch[k], maps[k], picked), dtype=np.float32)
            _softmax_in_place(shifted)
            buffer[k, picked - start] = shifted
            sums[k, picked - start] = 1.0
        # Row r of the block: its models' rows weighted by 1 / sum and summed, in one pass.
        part = np.einsum("mr,mrc->rc", 1.0 / sums, buffer)
        if total is None:
            out[start:stop] = part
        else:
            out[start:stop] += part

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(one, range(0, n, block)))
    out[missing] = np.nan
    return out
