"""Class ids from what a prediction file wrote, checked by hand: the ids, the refusals with
their row, ambiguous names (never guessed), ranges and the cross-check of ids against names.

Every expected id and message below is worked out by hand from the rows written here
(tench is class 0 / n01440764, goldfish 1; ``crane`` is 134 and 517 in Keras and
torchvision names), not computed by the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from data_access.errors import PredictionFileError
from data_access.predictions.parsed import Parsed
from data_access.predictions.resolve import check_range, cross_check, resolve_labels

PATH = Path("preds.jsonl")


def _parsed(labels, **kw) -> Parsed:
    return Parsed("test", None, labels=labels, where=lambda i: f"line {i + 1}", **kw)


def test_ids_from_wnids_index_text_integers_and_integral_floats():
    parsed = _parsed([["n01440764", "5", 7, 3.0], ["tench", "goldfish", 999, "0"]])
    ids, kind, note = resolve_labels(PATH, parsed, None)
    assert ids.tolist() == [[0, 5, 7, 3], [0, 1, 999, 0]]
    assert note is None and not parsed.from_integers  # strings were written
    # index text, names (tench and goldfish are written so by three tools) and a wnid
    assert kind == "index + keras or torchvision or open_clip + wnid"


def test_integers_only_are_marked_as_such_and_ragged_rows_pad_with_minus_one():
    parsed = _parsed([[1, 2, 3], [4], [5, 6]])
    ids, kind, _ = resolve_labels(PATH, parsed, None)
    assert ids.tolist() == [[1, 2, 3], [4, -1, -1], [5, 6, -1]]
    assert kind == "index" and parsed.from_integers
    wide, _, _ = resolve_labels(PATH, _parsed([list(range(150))]), None)
    assert wide.shape == (1, 100) and wide[0, -1] == 99  # the top 100 are kept
    # 150 + 50 values are 2 x 100, yet not two rows of 100: each row keeps its own.
    uneven, _, _ = resolve_labels(PATH, _parsed([list(range(150)), list(range(500, 550))]), None)
    assert uneven.tolist() == [list(range(100)), list(range(500, 550)) + [-1] * 50]
    # Integers are class indices whatever vocabulary the user named for the file's names.
    stated = _parsed([[1, 2], [3, 4]])
    assert resolve_labels(PATH, stated, "keras")[1] == "index" and stated.from_integers


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (True, "True is not a class index (0..999), wnid or class name"),
        (None, "None is not a class index (0..999), wnid or class name"),
        ({"id": 1}, "is not a class index (0..999), wnid or class name"),
        (3.5, "3.5 is not a class index"),
    ],
)
def test_a_value_that_is_no_class_is_refused_with_its_row(bad, message):
    with pytest.raises(PredictionFileError) as e:
        resolve_labels(PATH, _parsed([[1, 2], [3, bad]]), None)
    text = str(e.value)
    assert text.startswith(f"{PATH}: line 2: ") and message in text


def test_empty_rows_are_refused_where_they_are():
    with pytest.raises(PredictionFileError) as e:
        resolve_labels(PATH, _parsed([[1], [], [2]]), None)
    assert str(e.value) == f"{PATH}: line 2: empty prediction list"
    with pytest.raises(PredictionFileError, match=r"line 1: empty prediction list"):
        resolve_labels(PATH, _parsed([[], []]), None)
    with pytest.raises(PredictionFileError) as e:
        resolve_labels(PATH, Parsed("test", None), None)
    assert str(e.value) == f"{PATH}: no class names to resolve"
    with pytest.raises(PredictionFileError) as e:  # a file of no rows at all
        resolve_labels(PATH, _parsed([]), None)
    assert str(e.value) == f"{PATH}: line 1: empty prediction list"


def test_an_ambiguous_name_is_never_guessed_and_its_top1_rows_are_named():
    # crane is the top-1 of lines 1, 2, 4 and 5; line 3 has it second
    rows = [["crane", "tench"], ["crane"], ["tench", "crane"], ["crane"], ["crane"], ["goldfish"]]
    ids, kind, note = resolve_labels(PATH, _parsed(rows), None)
    assert ids.tolist() == [[-1, 0], [-1, -1], [0, -1], [-1, -1], [-1, -1], [1, -1]]
    assert kind == "keras or torchvision"
    assert note.startswith(
        "4 rows predict 'crane' (line 1, line 2, line 4, ...), the name of class 134 (crane "
        "(wading bird)) or 517 (crane (lifting device)) in Keras names or torchvision "
        "categories: not guessed"
    )
    _, _, one = resolve_labels(PATH, _parsed([["tench", "crane"], ["crane"]]), None)
    assert one.startswith("1 row predicts 'crane' (line 2), ")
    _, _, below = resolve_labels(PATH, _parsed([["tench", "crane"]]), None)
    assert below.startswith("0 rows predict 'crane' (below top-1 only), ")


def test_unknown_classes_are_refused_with_the_first_in_the_file_and_its_rows():
    rows = [["tench"], ["n99999999"], ["zebraa"], ["n99999999"]]
    with pytest.raises(PredictionFileError) as e:
        resolve_labels(PATH, _parsed(rows), None)
    assert (
        "'n99999999' is not the wnid of an ImageNet class (line 2, line 4); 2 unknown in all"
        in (str(e.value))
    )
    with pytest.raises(
        PredictionFileError,
        match=r"'zebraa' is not a class index \(0\.\.999\), "
        r"wnid or class name \(line 1\); 1 unknown",
    ):
        resolve_labels(PATH, _parsed([["zebraa"], ["tench"]]), None)


def test_range_by_hand_with_the_one_based_hint():
    parsed = _parsed([[0]])
    check_range(PATH, parsed, np.array([[0, 999], [5, -1]]), 0)  # -1 is padding: fine
    with pytest.raises(PredictionFileError) as e:
        check_range(PATH, parsed, np.array([[1, 2], [1000, 3]]), 0)
    assert str(e.value) == (
        f"{PATH}: line 2: class 1000 is out of range 0..999; ids 1..1000 look 1-based (or "
        "class 0 = background): pass --drop-background (in the app: 'Reading options')"
    )
    with pytest.raises(PredictionFileError, match=r"line 1: class 1000 is out of range 0\.\.999$"):
        check_range(PATH, parsed, np.array([[1000, 0]]), 0)  # 0 present: no 1-based hint
    with pytest.raises(PredictionFileError, match=r"line 3: class -2 is out of range 1\.\.1000"):
        check_range(PATH, parsed, np.array([[1], [1000], [-2]]), 1)
    with pytest.raises(PredictionFileError, match=r"line 1: class 0 is out of range 1\.\.1000"):
        check_range(PATH, parsed, np.array([[0]]), 1)


def test_ids_written_next_to_names_must_agree():
    parsed = _parsed(None, check_labels=[["tench"], ["goldfish"], [None]])
    cross_check(PATH, parsed, np.array([[0], [1], [7]]), None)  # agree; a missing name is fine
    with pytest.raises(
        PredictionFileError,
        match=r"line 2: the class id 2 and the class name "
        r"'goldfish' \(class 1\) disagree",
    ):
        cross_check(PATH, parsed, np.array([[0], [2], [7]]), None)
    # In the vocabulary the user named, a name of two classes elsewhere is one: torchvision's
    # 'crane' is 517 alone (Keras and timm write it for 134 too, so unnamed it is not checked).
    crane = _parsed(None, check_labels=[["crane"]])
    cross_check(PATH, crane, np.array([[134]]), None)
    cross_check(PATH, crane, np.array([[517]]), "torchvision")
    with pytest.raises(PredictionFileError, match=r"'crane' \(class 517\) disagree"):
        cross_check(PATH, crane, np.array([[134]]), "torchvision")


def test_the_ambiguity_note_and_the_unknown_refusal_whole():
    rows = [["crane"], ["crane"], ["crane"], ["tench", "crane"]]
    _, _, note = resolve_labels(PATH, _parsed(rows), None)
    assert note == (  # exactly three top-1 rows: all named, no "..."
        "3 rows predict 'crane' (line 1, line 2, line 3), the name of class 134 (crane "
        "(wading bird)) or 517 (crane (lifting device)) in Keras names or torchvision "
        "categories: not guessed, so those images have no usable top-1 and count as wrong; "
        "write class indices (timm: --include-index) or wnids for exact numbers"
    )
    # An unknown class below the top-1 is found in its row too
    with pytest.raises(PredictionFileError) as e:
        resolve_labels(PATH, _parsed([["tench", "zebraa"]]), None)
    assert str(e.value) == (
        f"{PATH}: 'zebraa' is not a class index (0..999), wnid or class name (line 1); 1 "
        "unknown in all. Classes are read as indices 0..999, wnids, or names exactly as timm "
        "/ Hugging Face, Keras or torchvision write them"
    )
    # Only n + eight digits reads as a wnid of no class
    for text, what in (
        ("nx1234567", "a class index (0..999), wnid or class name"),
        ("nonsense", "a class index (0..999), wnid or class name"),
        ("n12345678", "the wnid of an ImageNet class"),
    ):
        with pytest.raises(PredictionFileError, match=f"'{text}' is not {re.escape(what)}"):
            resolve_labels(PATH, _parsed([[text]]), None)


def test_two_ambiguous_names_are_each_named():
    _, _, note = resolve_labels(PATH, _parsed([["crane"], ["maillot"]]), None)
    first, second = note.split("; 1 row predicts ")
    assert first.startswith("1 row predicts 'crane' (line 1), the name of class 134")
    assert second.startswith("'maillot' (line 2), the name of class 638 (maillot (tights)) or 639")


def test_unknown_refusal_lists_three_rows_and_reads_only_nine_characters_as_a_wnid():
    rows = [["zebraa"]] * 4
    with pytest.raises(PredictionFileError, match=r"\(line 1, line 2, line 3\); 1 unknown"):
        resolve_labels(PATH, _parsed(rows), None)
    with pytest.raises(PredictionFileError, match="'n12345678x' is not the wnid of an ImageNet"):
        resolve_labels(PATH, _parsed([["n12345678x"]]), None)


def test_the_cross_check_refusal_whole():
    parsed = _parsed(None, check_labels=[["tench"], ["goldfish"]])
    with pytest.raises(PredictionFileError) as e:
        cross_check(PATH, parsed, np.array([[0], [2]]), None)
    assert str(e.value) == (
        f"{PATH}: line 2: the class id 2 and the class name 'goldfish' (class 1) disagree; the "
        "ids may be shifted or from another class order"
    )
