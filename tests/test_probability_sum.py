"""The sum of several models' probabilities, block by block (``add_probabilities``), against
a softmax written out one value at a time with ``math.exp`` in float64."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from data_access.analysis.suspects import ProbabilityMean
from data_access.predictions import model_from_arrays
from data_access.predictions.parsed import FullScores
from data_access.predictions.probabilities import AlignedScores, add_probabilities


def _softmax_by_hand(z) -> list[float]:
    z = [float(x) for x in z]
    top = max(z)
    total = math.fsum(math.exp(x - top) for x in z)
    return [math.exp(x - top) / total for x in z]


def _models(rng, n: int, count: int) -> tuple[list[AlignedScores], list[np.ndarray]]:
    """``count`` models of ``n`` table rows with what each gives every table row (float64
    probabilities, NaN rows where it has no prediction), computed by hand."""
    scores, wanted = [], []
    for m in range(count):
        logits = m % 3 != 2  # every third model gives probabilities
        file_n = n + 2  # two rows for images outside the table
        z = rng.normal(0, 4, size=(file_n, 1000)).astype(np.float32)
        if m == 0:
            z[1] += 120.0  # exp overflows float32 unshifted
            z[2] -= 150.0  # and underflows
            z[3, 5] = 95.0  # one large logit among ordinary ones
        if not logits:
            z = np.exp(z - z.max(axis=1, keepdims=True))
            z = (z / z.sum(axis=1, keepdims=True)).astype(np.float32)
        order = rng.permutation(file_n)  # the file's rows in another order than the table
        file_rows = np.flatnonzero(order < n)
        table_rows = order[file_rows]
        keep = np.ones(len(file_rows), dtype=bool)
        if m == 1:
            keep[:3] = False  # three table rows without a prediction from this model
        scores.append(AlignedScores(FullScores(z, logits), file_rows[keep], table_rows[keep], n))
        want = np.full((n, 1000), np.nan)
        for f, t in zip(file_rows[keep], table_rows[keep], strict=True):
            want[t] = _softmax_by_hand(z[f]) if logits else z[f].astype(np.float64)
        wanted.append(want)
    return scores, wanted


@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize("small_blocks", [False, True])
def test_the_block_sum_is_each_models_softmax_summed_by_hand(count, small_blocks, monkeypatch):
    if small_blocks:  # blocks of 8 rows: five blocks, the last one ragged
        monkeypatch.setattr("data_access.predictions.probabilities._BLOCK_BYTES", 1)
    rng = np.random.default_rng(count)
    n = 37
    scores, wanted = _models(rng, n, count)
    got = add_probabilities(scores, None)
    want = np.sum(wanted, axis=0)
    assert got.dtype == np.float64 and got.shape == (n, 1000)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-12, equal_nan=True)
    if count > 1:  # model 1 has no prediction for three rows: those rows are NaN
        assert np.isnan(got).all(axis=1).sum() == 3
    # Rows whose logits overflow or underflow exp() unshifted are right too.
    assert not np.isnan(got[scores[0].table_rows[:1]]).any()


def test_adding_to_a_total_in_several_batches_is_adding_them_at_once():
    rng = np.random.default_rng(7)
    scores, wanted = _models(rng, 20, 5)
    once = add_probabilities(scores, None)
    twice = add_probabilities(scores[2:], add_probabilities(scores[:2], None))
    np.testing.assert_allclose(twice, once, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(twice, np.sum(wanted, axis=0), rtol=2e-6, equal_nan=True)


def test_the_running_mean_sums_when_its_memory_is_spent_and_gives_the_same_mean(table):
    """A budget of 0 bytes sums each model as it comes; the default holds them all: both are
    the mean by hand."""
    rng = np.random.default_rng(3)
    n = len(table)
    rows = np.arange(n)
    logits = [rng.normal(0, 2, size=(n, 1000)).astype(np.float32) for _ in range(3)]
    by_hand = np.mean([[_softmax_by_hand(z[i]) for i in range(n)] for z in logits], axis=0)
    base = model_from_arrays("m", table, table.original_label[:, None])
    means = []
    for budget in (0, 1 << 30):
        mean = ProbabilityMean(pending_bytes=budget)
        for i, z in enumerate(logits):
            scores = AlignedScores(FullScores(z, True), rows, rows, n)
            kept = mean.add(dataclasses.replace(base.renamed(f"m{i}"), probabilities=scores))
            assert kept.probabilities is None  # the caller holds no matrix afterwards
        assert mean.names == ["m0", "m1", "m2"]
        means.append(mean.mean())
    for got in means:
        np.testing.assert_allclose(got, by_hand, rtol=2e-6)


def test_a_memory_mapped_file_costs_no_memory_to_hold(tmp_path):
    path = tmp_path / "z.npy"
    np.save(path, np.zeros((4, 1000), np.float32))
    mapped = np.load(path, mmap_mode="r")
    assert AlignedScores.of(mapped[:, :], logits=True).in_memory_bytes == 0
    assert AlignedScores.of(np.zeros((4, 1000), np.float32)).in_memory_bytes == 16_000
