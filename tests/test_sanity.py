"""The sanity gate's reading of a column's first class, checked by hand.

``choose_columns`` sets aside a column that agrees with the original labels on 99% of the
images; how a row's first value becomes a class index decides whether the ground truth is
recognised when it is written as class names, wnids or floats (``970.0``), or padded with -1.
Each expected value below is written out by hand, not computed by the code under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_access.analysis import metrics
from data_access.classes import load_classes
from data_access.errors import PredictionFileError
from data_access.predictions import ReadOptions, load_predictions
from data_access.predictions.parsed import ClassColumn, Parsed
from data_access.predictions.sanity import _column_top1, _originals, agreement
from tests.test_metrics import reference_for_rows
from tests.test_trust import _model_predictions

# (first value of the row, the class index it means; -1 where it names no class)
HAND = [
    ("n01440764", 0),  # tench's wnid
    ("n01443537", 1),  # goldfish
    ("999", 999),  # an index written as text
    ("0", 0),
    ("1000", -1),  # one past the last class
    ("n99999999", -1),  # a wnid of no class
    (True, -1),  # a bool is an int in Python, never a class
    (False, -1),
    (0, 0),
    (999, 999),
    (1000, -1),
    (-1, -1),  # padding
    (-2, -1),
    (3.0, 3),  # an integer saved as float
    (3.5, -1),
    (999.0, 999),
    (1000.0, -1),
    (-1.0, -1),
    (np.int64(7), 7),
    (np.float32(8.0), 8),
    (None, -1),
]


def test_first_value_of_each_row_as_a_class_by_hand():
    column = ClassColumn("c", "labels", [[v, 5] for v, _ in HAND] + [[]])
    got = _column_top1(column, None).tolist()
    assert got == [want for _, want in HAND] + [-1]  # an empty row names nothing


def test_class_names_resolve_in_the_column_s_vocabulary():
    names = load_classes().names
    column = ClassColumn("c", "labels", [[names[0]], [names[1]], ["no such class"], [names[999]]])
    assert _column_top1(column, None).tolist() == [0, 1, -1, 999]


@pytest.mark.parametrize(
    ("rows", "want"),
    [
        (np.array([[5, 1], [999, 2], [1000, 3], [-1, 4]]), [5, 999, -1, -1]),  # first column
        (np.array([3, 4, 1000]), [3, 4, -1]),  # one class per row
        (np.array([[2.0, 1.0], [2.5, 1.0], [np.nan, 1.0]]), [2, -1, -1]),
    ],
)
def test_array_rows_take_the_first_column(rows, want):
    assert _column_top1(ClassColumn("c", "ids", rows), None).tolist() == want


def test_each_file_row_gets_the_original_label_of_the_image_it_names(demo):
    """-2 where a row names no annotated image (not a validation name, or one the table
    does not annotate): it never counts as agreeing, not even with a -1 prediction."""
    table, _ = demo
    assert str(table.file_name[0]) == "ILSVRC2012_val_00000001.JPEG"  # row 0, position 0
    assert "ILSVRC2012_val_00000003.JPEG" not in set(table.file_name.tolist())
    names = [
        "ILSVRC2012_val_00000001.JPEG",
        "ILSVRC2012_val_00000003.JPEG",
        "cat.jpg",
        "val/ILSVRC2012_val_00000002.jpg",
    ]
    parsed = Parsed("test", names)
    got = _originals(parsed, table).tolist()
    assert got == [int(table.original_label[0]), -2, -2, int(table.original_label[1])]


def test_agreement_leaves_out_rows_without_a_prediction():
    # 3 predicted rows, 2 agree: 2/3 over n=3 (the -1 row counts for neither)
    assert agreement(np.array([1, 2, -1, 4]), np.array([1, 2, 3, 5])) == (2 / 3, 3)
    assert agreement(np.array([-1, -1]), np.array([1, 2])) == (0.0, 0)


@pytest.mark.parametrize("written_as", ["name", "wnid"])
def test_ground_truth_written_in_any_form_is_set_aside(tmp_path, demo, written_as):
    """An ``answer`` column (a name that does not say truth) holding the original labels as
    class names or wnids is recognised by its agreement and not scored."""
    table, _ = demo
    classes = load_classes()
    pred = _model_predictions(table, 0.7, seed=11)
    truth = table.original_label
    column = {
        "name": [classes.names[i] for i in truth],
        "wnid": [classes.wnids[i] for i in truth],
    }[written_as]
    path = tmp_path / "with_truth.csv"
    pd.DataFrame({"file_name": table.file_name, "pred": pred, "answer": column}).to_csv(
        path, index=False
    )
    model = load_predictions(path, table)
    assert model.reading["columns"]["ground truth (not scored)"] == "answer"
    # the headline is the model's, not 100%
    assert metrics.multilabel_accuracy(table, model.top1) == reference_for_rows(table, pred)


def test_two_truth_columns_are_both_set_aside_and_both_named(tmp_path, demo):
    """A file with a model's top-2 columns and two copies of the ground truth (one by its
    agreement, one by its name): both are set aside, and the note gives each reason, in
    column order, and both columns read, word for word."""
    table, _ = demo
    pred = _model_predictions(table, 0.7, seed=11)
    path = tmp_path / "two_truths.csv"
    scrambled = (table.original_label + 1 + np.arange(len(table)) % 7) % 1000
    pd.DataFrame(
        {"file_name": table.file_name, "pred": pred, "target": table.original_label,
         "y_true": scrambled, "pred_2": (pred + 1) % 1000}
    ).to_csv(path, index=False)  # fmt: skip
    model = load_predictions(path, table)
    assert model.reading["columns"]["ground truth (not scored)"] == "target, y_true"
    assert model.notes[0] == (
        "column 'target' agrees with the original labels on 100.0% of the 20,000 annotated "
        "images it names; column 'y_true' is named like the ground truth: that is the ground "
        "truth, not a prediction, so it is not scored; the predictions are read from 'pred', "
        "'pred_2' (to choose another: --prediction-column NAME)"
    )
    assert model.top_k[:, 1].tolist() == ((pred + 1) % 1000).tolist()
    assert metrics.multilabel_accuracy(table, model.top1) == reference_for_rows(table, pred)


def test_a_column_just_under_the_truth_line_is_kept(tmp_path, demo):
    """98% agreement is a (very good) model, not the truth: it is scored, not set aside."""
    table, _ = demo
    pred = table.original_label.copy()
    wrong = np.arange(len(pred)) % 50 == 0  # 2% of the rows: 98% agreement
    pred[wrong] = (pred[wrong] + 1) % 1000
    path = tmp_path / "good.csv"
    pd.DataFrame({"file_name": table.file_name, "answer": pred}).to_csv(path, index=False)
    model = load_predictions(path, table)
    assert "ground truth (not scored)" not in model.reading["columns"]
    assert model.implausible is None
    with pytest.raises(PredictionFileError, match="agrees with the original labels on 100.0%"):
        path.write_text(
            pd.DataFrame({"file_name": table.file_name, "answer": table.original_label}).to_csv(
                index=False
            )
        )
        load_predictions(path, table, options=ReadOptions())


def test_the_truth_column_is_measured_on_every_annotated_image_it_names(tmp_path, demo):
    """Class 0's images count (the demo has 20 of tench), and a row naming an image the
    table does not annotate is left out of the count, not compared."""
    table, _ = demo
    names = [*table.file_name.tolist(), "ILSVRC2012_val_00000003.JPEG"]  # 3: not annotated
    truth = [*table.original_label.tolist(), 5]
    path = tmp_path / "gt.csv"
    pd.DataFrame({"file_name": names, "answer": truth}).to_csv(path, index=False)
    with pytest.raises(PredictionFileError) as e:
        load_predictions(path, table)
    # Word for word: what it is, why, and both ways out.
    assert str(e.value) == (
        f"{path}: column 'answer' agrees with the original labels on 100.0% of the 20,000 "
        "annotated images it names: that is the ground truth (the dataset's own label), not a "
        "model's prediction (no model reaches 99%), and the file has no other class column; "
        "if it does hold a model's predictions, pass --prediction-column answer "
        "--allow-implausible (in the app: 'Reading options')"
    )


@pytest.mark.parametrize(
    "header, options",
    [
        ("file_name,a,b", ReadOptions(prediction_column="a")),
        ("file_name,pred,target", ReadOptions()),
    ],
    ids=["chosen with --prediction-column", "kept beside a truth column"],
)
def test_a_chosen_column_with_an_impossible_class_is_refused_naming_the_file_and_line(
    tmp_path, demo, header, options
):
    """A column chosen with --prediction-column, or kept when the other is set aside as the
    ground truth, is read like any other: a class id of 2**64 + 5 on the file's fifth line is
    refused with the file and the line named (checked by hand: either reading without the
    file's path fails it)."""
    table, _ = demo
    names = table.file_name[:200].tolist()
    rows = [f"{n},{k % 1000},{(k * 7) % 1000}" for k, n in enumerate(names)]
    rows[3] = f"{names[3]},{2**64 + 5},5"
    path = tmp_path / "two columns.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(PredictionFileError) as e:
        load_predictions(path, table, options=options)
    assert str(e.value) == f"{path}: line 5: class {2**64 + 5} is out of range 0..999"


def test_prediction_column_messages_name_the_file(tmp_path, demo):
    table, _ = demo
    array = tmp_path / "top1.npy"
    np.save(array, table.original_label.astype(np.int64))
    with pytest.raises(PredictionFileError) as e:
        load_predictions(array, table, options=ReadOptions(prediction_column="pred"))
    assert str(e.value).startswith(
        f"{array}: --prediction-column applies to files with named columns, not "
    )
    csv = tmp_path / "two.csv"
    pd.DataFrame({"file_name": table.file_name, "a": 1, "b": 2}).to_csv(csv, index=False)
    with pytest.raises(PredictionFileError) as e:
        load_predictions(csv, table, options=ReadOptions(prediction_column="c"))
    assert str(e.value) == (
        f"{csv}: --prediction-column 'c' is not one of its class columns ('a', 'b')"
    )


def test_the_gate_s_refusals_word_for_word(demo):
    """Both refusals, whole: what was seen, the likely cause, the fix and the way to score it
    anyway (mutmut changed any word of the causes and no test noticed)."""
    from data_access.predictions.sanity import gate

    table, _ = demo
    n = len(table)

    def refusal(path: str, top1: np.ndarray) -> str:
        with pytest.raises(PredictionFileError) as caught:
            gate(path, table, top1, allow=False)
        return str(caught.value)

    truth = table.original_label.copy()
    assert refusal("truth.csv", truth) == (
        f"truth.csv: top-1 agrees with the original labels on 100.0% of the {n:,} annotated "
        "images: no model reaches 99%; these are likely the ground-truth labels, not a model's "
        "predictions (a label column saved next to the prediction); choose the prediction "
        "column with --prediction-column NAME; to score it anyway (on purpose), pass "
        "--allow-implausible (in the app: 'Reading options')"
    )
    shifted = np.roll(truth, 1)
    fraction = float(np.mean(shifted == truth))
    assert refusal("shifted.csv", shifted) == (
        f"shifted.csv: top-1 agrees with the original labels on {fraction:.1%} of the {n:,} "
        "annotated images, chance level (a trained classifier agrees on about 50-90%); the "
        "predictions are likely paired with the wrong images (rows written in another order "
        "than the file names, or names shifted by a row) or their classes follow another "
        "class list; check with `python -m data_access predictions describe FILE`; to score "
        "it anyway (on purpose), pass --allow-implausible (in the app: 'Reading options')"
    )
