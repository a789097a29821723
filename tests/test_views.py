"""A Browse view taken away (CSV, JSON Lines) and pictures in words, against hand-made
expectations on a small table."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.browse.records import (
    flag_chips,
    image_description,
    label_chips,
    view_csv,
    view_jsonl,
    view_records,
)
from data_access.classes import load_classes
from data_access.predictions import model_from_arrays
from tests.helpers import small_table


def _setup():
    table = small_table()
    rng = np.random.default_rng(4)
    top1 = rng.integers(0, 1000, len(table))
    top1[::3] = table.original_label[::3]  # some right
    top1[5] = -1  # no prediction
    models = {
        '=HYPERLINK("x")': model_from_arrays("h", table, top1),
        "plain": model_from_arrays("p", table, table.original_label.astype(np.int64)),
    }
    return table, models


def test_records_say_what_the_tiles_show():
    table, models = _setup()
    names = load_classes().names
    rows = np.array([7, 2, 5])
    records = view_records(table, models, rows)
    assert [r["file_name"] for r in records] == [str(table.file_name[r]) for r in rows]
    for r, rec in zip(rows.tolist(), records, strict=True):
        sets = {
            "correct": table.correct_multi_labels.row(r).tolist(),
            "unclear": table.unclear_multi_labels.row(r).tolist(),
            "wrong": table.wrong_multi_labels.row(r).tolist(),
        }
        for k, v in sets.items():
            assert rec[k] == [names[c] for c in v]
        assert rec["original_label"] == names[int(table.original_label[r])]
        assert rec["in_imagenet_m"] == bool(table.in_imagenet_m[r])
        p = int(models['=HYPERLINK("x")'].top1[r])
        hand = (
            "no prediction"
            if p < 0
            else next((k for k in ("correct", "unclear", "wrong") if p in sets[k]), "unjudged")
        )
        assert rec['=HYPERLINK("x"): verdict'] == hand
    assert records[2]['=HYPERLINK("x"): top-1'] == "no prediction"


def test_csv_and_jsonl_carry_every_record_safely():
    table, models = _setup()
    rows = np.arange(len(table))
    records = view_records(table, models, rows)
    lines = view_jsonl(records).splitlines()
    assert [json.loads(x) for x in lines] == records
    parsed = list(csv.DictReader(io.StringIO(view_csv(records))))
    assert len(parsed) == len(table)
    header = list(parsed[0])
    assert '\'=HYPERLINK("x"): top-1' in header  # a formula never reaches a spreadsheet
    assert all(not h.startswith("=") for h in header)
    r = next(i for i, rec in enumerate(records) if len(rec["correct"]) > 1)
    assert parsed[r]["correct"] == " | ".join(records[r]["correct"])


def test_image_description_names_everything_shown_in_colour():
    table, _ = _setup()
    names = load_classes().names
    r = int(np.flatnonzero(table.in_imagenet_m)[0])
    text = image_description(table, r)
    assert text.startswith(f"{table.file_name[r]}, original label ")
    for c in table.correct_multi_labels.row(r).tolist():
        assert names[c] in text.split("correct: ")[1].split(";")[0]
    assert "in ImageNet-M" in text
    assert ("problematic" in text) == bool(table.is_problematic[r])


def _one(**kw) -> AnnotationTable:
    rec = {
        "file_name": "ILSVRC2012_val_00000001.JPEG",
        "original_label": 0,
        "correct_multi_labels": [],
        "unclear_multi_labels": [],
        "wrong_multi_labels": [],
        "is_problematic": False,
        "problematic_reason": "",
        "in_imagenet_m": False,
    }
    return AnnotationTable.from_records([{**rec, **kw}])


def test_tile_chips_by_hand():
    """Accepted labels all shown with their marks, rejected ones folded after three, flags
    and one verdict chip per model, each chip's state in its text as well as its kind."""
    c = load_classes()
    t = _one(
        correct_multi_labels=[5, 1],
        unclear_multi_labels=[7],
        wrong_multi_labels=[10, 11, 12, 13, 14],
        is_problematic=True,
        problematic_reason="multiple objects",
        in_imagenet_m=True,
    )
    chips = label_chips(t, 0)
    assert [(x.kind, x.text) for x in chips] == [
        ("correct", f"✓ {c.names[5]}"),
        ("correct", f"✓ {c.names[1]}"),
        ("unclear", f"? {c.names[7]}"),
        ("wrong", f"✗ {c.names[10]}"),
        ("wrong", f"✗ {c.names[11]}"),
        ("wrong", f"✗ {c.names[12]}"),
        ("wrong", "+2 more wrong"),
    ]
    assert chips[-1].folded and c.wnids[14] in chips[-1].title
    assert chips[0].title == f"correct: {c.wnids[5]}"
    models = {
        "right": model_from_arrays("right", t, np.array([1])),
        "unclear": model_from_arrays("unclear", t, np.array([7])),
        "wrong": model_from_arrays("wrong", t, np.array([13])),
        "unjudged": model_from_arrays("unjudged", t, np.array([900])),
        "none": model_from_arrays("none", t, np.array([-1])),
    }
    flags = flag_chips(t, 0, models)
    assert [(x.kind, x.text) for x in flags] == [
        ("problematic", "problematic"),
        ("imagenet_m", "ImageNet-M"),
        ("correct", f"✓ right: {c.names[1]}"),
        ("unclear", f"✓ unclear: {c.names[7]}"),
        ("wrong", f"✗ wrong: {c.names[13]}"),
        ("wrong", f"✗ unjudged: {c.names[900]}"),
        ("wrong", "✗ none: no prediction"),
    ]
    assert flags[0].title == "multiple objects"
    assert flags[4].title.endswith(", wrong") and flags[5].title.endswith(", unjudged")


def test_a_row_without_labels_says_so():
    assert [(x.kind, x.text) for x in label_chips(_one(), 0)] == [("none", "no labels")]
    assert flag_chips(_one(), 0, {}) == []


def test_step_in_view_moves_within_the_view_order_never_past_its_ends():
    """The Image page's Previous / Next, by hand: a view's rows in their shown order (not
    sorted), a row outside the view, the first and last rows."""
    from data_access.browse.view import step_in_view

    rows = np.array([7, 3, 11, 0])
    assert step_in_view(rows, 3, 1) == 11
    assert step_in_view(rows, 3, -1) == 7
    assert step_in_view(rows, 11, 1) == 0
    assert step_in_view(rows, 7, -1) is None  # no wrapping to the end
    assert step_in_view(rows, 0, 1) is None
    assert step_in_view(rows, 5, 1) is None  # not in the view
    assert step_in_view(np.array([], dtype=np.int64), 0, 1) is None
    # Clamped: a step past an end lands on that end; still nothing outside the view.
    assert step_in_view(rows, 3, 1, clamp=True) == 11
    assert step_in_view(rows, 3, 5, clamp=True) == 0
    assert step_in_view(rows, 11, -7, clamp=True) == 7
    assert step_in_view(rows, 11, 0, clamp=True) == 11
    assert step_in_view(rows, 5, 1, clamp=True) is None
    assert step_in_view(np.array([], dtype=np.int64), 0, 1, clamp=True) is None
