"""The order check of a positional (50,000-row) file, and the offset check of a file whose
rows are named, at their boundaries, by hand.

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
from data_access.predictions.order import (
    _advice,
    check_offset,
    check_positional,
    imagefolder_positions,
)

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


def _named(as_read: int, minus_one: int, rows: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """(top1, original) for ``rows`` images named in a file: top-1 equals the original label
    on ``as_read`` rows, the original label + 1 on ``minus_one`` rows, and neither on the
    rest (+ 500)."""
    original = np.arange(rows, dtype=np.int64) % 400
    top1 = (original + 500) % 1000
    top1[:as_read] = original[:as_read]
    top1[as_read : as_read + minus_one] = original[as_read : as_read + minus_one] + 1
    return top1, original


@pytest.mark.parametrize(
    "as_read, minus_one, refused",
    [
        (0, 2, True),  # minus one fits at exactly FITS (2 of 100): refused
        (0, 1, False),  # 1% is under the line
        (1, 4, False),  # exactly CLEARLY (4) times the ids as read: not clearly better
        (1, 5, True),  # more than 4 times: refused
    ],
)
def test_the_offset_check_at_its_lines_by_hand(as_read, minus_one, refused):
    top1, original = _named(as_read, minus_one)
    if refused:
        with pytest.raises(PredictionFileError, match="pass --drop-background"):
            check_offset(PATH, top1, original, drop_background=False)
    else:
        agree = check_offset(PATH, top1, original, drop_background=False)
        assert agree == {0: as_read / 100, 1: minus_one / 100}


def test_the_offset_check_needs_fifty_rows_with_a_prediction():
    """Every id shifted by one: refused from 50 predicted rows on; with 49 (and the rest
    missing, -1) there is too little to tell, and nothing is measured."""
    top1, original = _named(0, 60, rows=60)
    top1[50:] = -1
    with pytest.raises(PredictionFileError, match="pass --drop-background"):
        check_offset(PATH, top1, original, drop_background=False)
    top1[49] = -1
    assert check_offset(PATH, top1, original, drop_background=False) == {}
