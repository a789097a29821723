"""Teach's lessons, quiz, handout and message catalogs, without Streamlit: each lesson rule
on a hand-built fixture whose expected images are listed by hand."""

from __future__ import annotations

import gettext
import sys
from pathlib import Path

import numpy as np
import pytest

from data_access import i18n
from data_access.annotations import AnnotationTable
from data_access.classes import validation_file_name
from data_access.predictions import model_from_arrays
from data_access.sources.source import Source, open_source
from data_access.teach.handout import lesson_handout
from data_access.teach.lessons import LESSONS, available, lesson_rows, quiz_choices, score

ROOT = Path(__file__).resolve().parents[1]

# (original, correct, unclear, wrong, problematic reason or None, ImageNet-M)
ROWS = [
    (0, [0], [], [], None, False),  # 0 plain tench
    (1, [], [], [1], "original label wrong", False),  # 1 original judged wrong
    (2, [2, 3], [], [], None, True),  # 2 two accepted labels; ImageNet-M
    (4, [4], [5], [], None, False),  # 3 unclear next to a correct one
    (6, [], [6], [], "original label unclear", False),  # 4 unclear only (problematic)
    (151, [151], [], [152], None, False),  # 5 dog: a neighbouring breed judged wrong
    (10, [10], [11], [], None, False),  # 6 bird: a neighbouring bird unclear
    (7, [7], [], [0], None, False),  # 7 a bird, but the wrong label is a fish
    (8, [], [], [8], "original label wrong", False),  # 8 same reason as row 1
    (2, [2, 9], [], [], None, False),  # 9 two accepted, same class as row 2
    (12, [12], [], [], "drawing", False),  # 10 a third reason
]


def hand_table() -> AnnotationTable:
    return AnnotationTable.from_records(
        {
            "file_name": validation_file_name(k),
            "original_label": o,
            "correct_multi_labels": c,
            "unclear_multi_labels": u,
            "wrong_multi_labels": w,
            "is_problematic": reason is not None,
            "problematic_reason": reason or "",
            "in_imagenet_m": m,
        }
        for k, (o, c, u, w, reason, m) in enumerate(ROWS)
    )


def test_each_lesson_rule_on_the_hand_fixture():
    t = hand_table()
    # Model: right (multi-label) but not the original on rows 2 (3) and 3 (5); repeats the
    # original label that the experts judged wrong on rows 1 and 8.
    top1 = np.array([0, 1, 3, 5, 99, 151, 10, 7, 8, 2, 12])
    models = {"m": model_from_arrays("m", t, top1)}
    expected = {
        "original-wrong": [1, 8],
        # Two or more accepted (correct or unclear); row 9 shares row 2's class: one per class.
        "several-right": [2, 3, 6],
        "unclear": [4, 3, 6],  # unclear only first
        "problematic": [1, 4, 10],  # one per reason (row 8 repeats row 1's), file order
        "fine-grained": [5, 6],  # dogs first (round robin over groups), not the fish mix-up
        "imagenet-m": [2],
        "model-right-top1-wrong": [2, 3],
        "model-wrong-top1-right": [1, 8],
    }
    assert {lesson.name for lesson in LESSONS} == set(expected)
    for name, rows in expected.items():
        assert lesson_rows(t, name, models).tolist() == rows, name
    assert lesson_rows(t, "original-wrong", models, limit=1).tolist() == [1]
    # Without a model the model lessons are not offered, and give no image.
    assert [x.name for x in available({})] == list(expected)[:6]
    assert lesson_rows(t, "model-right-top1-wrong", {}).tolist() == []
    with pytest.raises(KeyError):
        lesson_rows(t, "nonsense")


def test_every_lesson_has_images_on_the_demo():
    source = open_source("demo")
    from data_access.api import demo_model

    models = {"demo-strong": demo_model(source, "demo-strong")}
    for lesson in LESSONS:
        rows = lesson_rows(source.table, lesson.name, models)
        assert 1 <= len(rows) <= 12, lesson.name


def test_quiz_choices_and_scoring():
    t = hand_table()
    for row in range(len(t)):
        choices = quiz_choices(t, row)
        assert 4 <= len(choices) <= 6 and len(set(choices)) == len(choices)
        assert int(t.original_label[row]) in choices
        assert choices == quiz_choices(t, row)  # the same slide, the same choices
    assert set(quiz_choices(t, 2)) >= {2, 3}
    # Scored as the dataset scores a model: correct or unclear counts.
    assert score(t, 3, 5).multilabel and not score(t, 3, 5).original  # unclear label
    assert score(t, 1, 1).original and not score(t, 1, 1).multilabel  # original, judged wrong
    assert score(t, 0, 0) == score(t, 0, 0).__class__(True, True, 0, "correct")
    assert not score(t, 0, 999).multilabel
    # Why each counts as it does: the experts' set holding the pick.
    assert score(t, 3, 5).verdict == "unclear" and score(t, 1, 1).verdict == "wrong"
    assert score(t, 0, 999).verdict == "unjudged"


def test_handout_is_self_contained_and_escapes_names():
    t = hand_table()
    source = open_source("demo")
    rows = lesson_rows(source.table, "several-right", {})
    _ = i18n.gettext_for("hi")
    page = lesson_handout(source, rows, "<b>T</b>", "why & how", _, "hi")
    assert page.count('<img src="data:image/jpeg;base64,') == len(rows)
    assert "<script" not in page.lower() and "http" not in page.split("</h1>")[1]
    assert "&lt;b&gt;T&lt;/b&gt;" in page and "why &amp; how" in page
    assert '<html lang="hi">' in page and "मूल लेबल" in page  # "Original label" in Hindi
    # A labels-only source: the handout says so instead of a picture.
    from data_access.sources.images import DemoImages, NoImages

    pictures = Source("json", "x", t, DemoImages(t))
    assert "<img" in lesson_handout(pictures, [0], "t", "e", str)

    no_images = Source("json", "x", t, NoImages())
    assert "No image in this source." in lesson_handout(no_images, [0], "t", "e", str)


def test_every_message_id_has_a_hindi_translation_and_the_mo_is_current():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import compile_catalogs
    finally:
        sys.path.pop(0)
    assert len(compile_catalogs.message_ids()) > 40
    assert compile_catalogs.problems() == []
    from babel.messages.pofile import read_po

    po = ROOT / "data_access/locale/hi/LC_MESSAGES/imlr.po"
    with open(po, "rb") as f:
        catalog = {m.id: m.string for m in read_po(f) if m.id}
    with open(po.with_suffix(".mo"), "rb") as f:
        compiled = gettext.GNUTranslations(f)
    assert all(compiled.gettext(k) == v for k, v in catalog.items())  # .mo built from .po
    _ = i18n.gettext_for("hi")
    assert _("Reveal") == "उत्तर दिखाएँ" and _("{k} of {n}").format(k=3, n=12) == "12 में से 3"
    assert i18n.gettext_for("en")("Reveal") == "Reveal"
    assert i18n.language("<script>") == "en" and i18n.language("hi") == "hi"
