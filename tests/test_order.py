"""The order check of a positional (50,000-row) file at its boundaries, by hand.

Each file below is built so that top-1 agrees with the original labels on an exact number of
rows under each reading (validation or ImageFolder order, ids as written or shifted by one);
every other row predicts a class that fits no reading. The thresholds are FITS = 2% (1,000 of
50,000 rows) and CLEARLY = 4 times.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from data_access.classes import validation_labels
from data_access.errors import PredictionFileError
from data_access.predictions.order import _advice, check_positional, imagefolder_positions

PATH = Path("logits.npy")
LABELS = validation_labels().astype(np.int64)
FOLDER = LABELS[imagefolder_positions()]  # the truth of row i in ImageFolder order


def _file(validation: int = 0, imagefolder: int = 0, shifted: int = 0) -> np.ndarray:
    """top-1 agreeing on exactly ``validation`` rows in validation order, ``imagefolder``
    rows in ImageFolder order and ``shifted`` rows in validation order with ids + 1."""
    top1 = np.empty(len(LABELS), dtype=np.int64)
    for i in range(len(LABELS)):
        taken = {LABELS[i], LABELS[i] + 1, FOLDER[i], FOLDER[i] + 1}
        top1[i] = next(c for c in range(6) if c not in taken)
    rows = iter(range(len(LABELS)))
    for count, truth in ((validation, LABELS), (imagefolder, FOLDER), (shifted, LABELS + 1)):
        for _ in range(count):
            i = next(rows)
            while LABELS[i] == FOLDER[i]:  # a row that would count for both readings
                i = next(rows)
            top1[i] = truth[i]
    return top1


def test_advice_names_the_flags_of_a_reading():
    assert _advice("validation", 0) == "--order validation"
    assert _advice("imagefolder", 0) == "--order imagefolder"
    assert _advice("validation", 1) == "--drop-background"
    assert _advice("imagefolder", 1) == "--order imagefolder --drop-background"


def test_another_order_fitting_exactly_at_the_line_is_refused_with_the_fix():
    with pytest.raises(PredictionFileError) as e:
        check_positional(PATH, _file(imagefolder=1000), None, False)
    assert str(e.value) == (
        f"{PATH}: rows read as validation order would be scored at chance: top-1 agrees with "
        "the original labels on 0.0% in validation order with 0-based ids but 2.0% in "
        "imagefolder order with 0-based ids; pass --order imagefolder (in the app: "
        "'Reading options')"
    )
    with pytest.raises(
        PredictionFileError,
        match="rows read as validation order with ids shifted by one would be scored at chance",
    ):
        check_positional(PATH, _file(imagefolder=1000), None, True)


def test_four_times_better_is_not_clearly_better():
    # ImageFolder 1,000 rows (2%), validation 250 (0.5%): exactly 4 times, kept as asked
    order, check = check_positional(PATH, _file(validation=250, imagefolder=1000), None, False)
    assert np.array_equal(order, np.arange(len(LABELS)))
    assert check.agreement[("imagefolder", 0)] == 0.02
    assert check.agreement[("validation", 0)] == 0.005


def test_a_better_reading_below_the_line_does_not_overrule_the_asked_order():
    # ImageFolder 1% (under 2%), validation 0.01%: the user said validation; it stays
    order, _ = check_positional(PATH, _file(validation=5, imagefolder=500), "validation", False)
    assert np.array_equal(order, np.arange(len(LABELS)))


def test_the_asked_reading_fitting_exactly_at_the_line_is_confirmed():
    order, check = check_positional(PATH, _file(validation=1000), None, False)
    assert np.array_equal(order, np.arange(len(LABELS)))
    assert check.chosen == ("validation", 0)
    with pytest.raises(PredictionFileError) as e:
        check_positional(PATH, _file(validation=999), None, False)
    assert str(e.value).startswith(
        f"{PATH}: the order of its 50,000 rows cannot be confirmed: top-1 agrees with the "
        "original labels on at most 2.0% of images in validation or ImageFolder order"
    )
