"""The metrics at their edges, counted by hand: nothing evaluated, classes with no image,
more predictions than k, the interval's stated defaults, and no warning on any of them
(the command line prints NumPy's warnings to the terminal, between its own lines)."""

import math
import warnings

import numpy as np
import pytest

from data_access.analysis import metrics as M
from data_access.analysis import real
from data_access.annotations import AnnotationTable
from data_access.classes import NUM_VALIDATION_IMAGES
from data_access.predictions import Model
from tests.helpers import hand_table


def _table(rows: list[tuple[int, list[int], bool]]) -> AnnotationTable:
    """(original label, correct labels, problematic) per image, in file order."""
    return hand_table((label, correct, [], problematic) for label, correct, problematic in rows)


@pytest.fixture(autouse=True)
def _warnings_fail():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_nothing_evaluated_is_nan_for_every_headline():
    """Every image problematic: no image is scored, so no number (not 0, not an error)."""
    table = _table([(1, [1], True), (2, [2], True)])
    top1 = np.array([1, 2])
    assert math.isnan(M.multilabel_accuracy(table, top1))
    assert math.isnan(M.multilabel_accuracy_per_image(table, top1))
    assert math.isnan(M.top1_accuracy(table, top1))
    assert M.top1_accuracy(table, top1, all_images=True) == 1.0
    assert math.isnan(M.multilabel_topk_accuracy(table, top1[:, None]))
    assert all(math.isnan(v) for v in M.bootstrap_ci(table, top1))


def test_top_k_counts_only_the_first_k_columns():
    """Ten predictions per image: by default only the first five count. Image 1's only
    accepted class is its sixth prediction; image 2's is its fifth."""
    table = _table([(1, [1], False), (2, [2], False)])
    top_k = np.array(
        [[10, 11, 12, 13, 14, 1, 15, 16, 17, 18], [10, 11, 12, 13, 2, 14, 15, 16, 17, 18]]
    )
    # Classes 1 and 2: 0 of 1 and 1 of 1, averaged per class.
    assert M.multilabel_topk_accuracy(table, top_k) == 0.5
    assert M.multilabel_topk_accuracy(table, top_k, k=6) == 1.0
    assert M.multilabel_topk_accuracy(table, top_k, k=4) == 0.0


def test_the_interval_on_a_few_classes_is_finite_and_its_defaults_are_1000_draws_seed_0():
    """Three classes present out of 1,000: the interval is over those three (absent classes
    are not zeros, nor NaNs that spoil every replicate), and brackets the headline. The
    defaults are the documented ones: 1,000 resamples, seed 0."""
    rows = [(1, [1], False)] * 4 + [(2, [2], False)] * 4 + [(3, [3], False)] * 4
    table = _table(rows)
    # Class 1: 3 of 4 right; class 2: 1 of 4; class 3: 4 of 4. Headline (3/4 + 1/4 + 1) / 3.
    top1 = np.array([1, 1, 1, 0, 2, 0, 0, 0, 3, 3, 3, 3])
    value = M.multilabel_accuracy(table, top1)
    assert value == pytest.approx(2 / 3)
    lo, hi = M.bootstrap_ci(table, top1)
    assert 0 <= lo < value < hi <= 1
    # The defaults, on 200 classes of 3 to 7 images each (enough distinct replicate means
    # that another count or seed moves the interval).
    rng = np.random.default_rng(3)
    rows = [(c, [c], False) for c in range(200) for _ in range(int(rng.integers(3, 8)))]
    table = _table(rows)
    top1 = np.where(rng.random(len(rows)) < 0.7, table.original_label, 999)
    default = M.bootstrap_ci(table, top1)
    assert default == M.bootstrap_ci(table, top1, n_boot=1000, seed=0)
    # And the same interval as every earlier version printed: the same files give the same
    # interval in every version (drawing in another order would move it, though the
    # distribution is the same). Not to the last bit: a BLAS may sum in another order.
    assert default == pytest.approx((0.6860232142857143, 0.739340476190476), rel=1e-12)
    assert default != M.bootstrap_ci(table, top1, n_boot=1001, seed=0)
    assert default != M.bootstrap_ci(table, top1, n_boot=1000, seed=1)


def test_per_class_and_groups_with_absent_classes_warn_nothing():
    """A class with no image is NaN in every column and leaves its groups; a group with no
    image at all is NaN, quietly."""
    table = _table([(1, [1], False), (1, [1], False), (3, [3], False), (5, [5], True)])
    model = Model("m", np.array([1, 0, 3, 5]))
    pc = M.per_class(table, model)
    assert pc["images"][[1, 3, 5]].tolist() == [2, 1, 0]  # class 5's image is problematic
    assert pc["multilabel_accuracy"][[1, 3]].tolist() == [0.5, 1.0]
    for column in ("multilabel_accuracy", "strict_accuracy", "top1_accuracy", "gap"):
        assert np.isnan(pc[column][5]) and np.isnan(pc[column][0]), column
    # ReaL: image 1 has the list [1], image 2 an empty list (not labelled), images 3 and 4
    # none; problematic images count under ReaL's own protocol.
    lists = [[] for _ in range(NUM_VALIDATION_IMAGES)]
    lists[0], lists[3] = [1], [7]
    with_real = M.per_class(table.with_real(real.from_lists(lists)), model)
    assert with_real["real_images"][[1, 3, 5]].tolist() == [1, 0, 1]
    assert with_real["real_accuracy"][[1, 5]].tolist() == [1.0, 0.0]
    assert np.isnan(with_real["real_accuracy"][3])
    fish = "n02512053"  # goldfish (1), tiger shark (3), electric ray (5), ...
    got = M.groups(table, model, {fish: "fish", "n02084071": "dog"})
    assert got[0]["classes"] == 2
    assert got[0]["multilabel_accuracy"] == got[0]["top1_accuracy"] == 0.75
    assert got[1]["classes"] == 0
    assert math.isnan(got[1]["multilabel_accuracy"]) and math.isnan(got[1]["top1_accuracy"])


def _exact_quantiles(sizes: list[int], rights: list[int], qs: list[float]) -> list[float]:
    """The exact distribution of the resampled class average, by convolution: resampling a
    class's n images makes its right count Binomial(n, k/n); on a grid of 1/12 (n is 1 to
    4) each class adds 12 X / n. Returns the lower quantile at each q, and the sd."""
    pmf = np.array([1.0])
    for n, k in zip(sizes, rights, strict=True):
        step = 12 // n
        one = np.zeros(12 + 1)
        for x in range(n + 1):
            one[x * step] = math.comb(n, x) * (k / n) ** x * (1 - k / n) ** (n - x)
        pmf = np.convolve(pmf, one)
    values = np.arange(len(pmf)) / (12 * len(sizes))
    cdf = np.cumsum(pmf)
    sd = math.sqrt(float((pmf * values**2).sum() - (pmf * values).sum() ** 2))
    return [float(values[np.searchsorted(cdf, q)]) for q in qs] + [sd]


def test_the_interval_is_the_exact_resampling_distributions_quantiles():
    """300 classes of 1 to 4 images: with many draws, the interval's ends are the quantiles
    of the exact distribution of resampling images within classes (here by convolution, not
    by drawing), at the stated level: 95% and 50%."""
    sizes = [1 + c % 4 for c in range(300)]
    rights = [(c * 7) % (n + 1) for c, n in enumerate(sizes)]
    rows, top1 = [], []
    for c, (n, k) in enumerate(zip(sizes, rights, strict=True)):
        for j in range(n):
            rows.append((c, [c], False))
            top1.append(c if j < k else c + 1)  # c + 1 is in no set of class c
    table = _table(rows)
    for level in (0.95, 0.5):
        alpha = (1 - level) / 2
        lo, hi, sd = _exact_quantiles(sizes, rights, [alpha, 1 - alpha])
        got = M.bootstrap_ci(table, np.array(top1), n_boot=100_000, level=level)
        assert got == pytest.approx((lo, hi), abs=0.06 * sd), level
