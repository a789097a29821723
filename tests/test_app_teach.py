"""AppTest of Teach: question, revealed, quiz answered, last slide, presentation mode, Hindi,
and empty lessons (no models; no images)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.api import demo_model
from data_access.classes import load_classes
from data_access.sources.demo import DEMO_PHOTOS
from data_access.sources.source import open_source
from data_access.teach.lessons import lesson_rows, quiz_choices
from tests.helpers import plain

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "app_pages/teach.py"


@pytest.fixture(autouse=True)
def _argv(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])


def _teach(specs=None, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    if specs is not None:
        at.session_state["model_specs"] = specs
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _text(at) -> str:
    return "\n".join(plain(m.value) for m in at.markdown)


def _button(at, label: str):
    return next(b for b in at.button if b.label.endswith(label) or b.label.startswith(label))


def _pictures(node) -> list:
    out = []
    for child in getattr(node, "children", {}).values():
        if child.type == "image":
            out += list(child.proto.imgs)
        out += _pictures(child)
    return out


def test_the_demo_lessons_open_with_real_photographs_whose_credit_never_answers():
    """On the demo, "More than one right answer" opens with the espresso and the cat; before
    Reveal the caption credits the photographer but names neither the subject nor the file."""
    at = _teach(lesson="several-right", i="1")
    (picture,) = _pictures(at.main)
    assert picture.caption == "Photo: Rachel Michetti, CC0, via scikit-image"
    assert picture.alt == "The image to label"
    _button(at, "Reveal").click().run()
    (picture,) = _pictures(at.main)
    assert picture.caption.startswith(
        "ILSVRC2012_val_00013874.JPEG · A cup of espresso, courtesy of Pikolo Espresso Bar. Photo:"
    )
    assert "espresso" in picture.alt
    at = _teach(lesson="several-right", i="2")
    assert "Stefan van der Walt, CC0" in _pictures(at.main)[0].caption


def test_question_then_reveal_then_next():
    source = open_source("demo")
    table, names = source.table, load_classes().names
    rows = lesson_rows(
        table,
        "several-right",
        {"demo-strong": demo_model(source, "demo-strong")},
        first=tuple(DEMO_PHOTOS),
    )
    at = _teach(lesson="several-right", i="2")
    row = int(rows[1])
    correct = [names[c] for c in table.correct_multi_labels.row(row).tolist()]
    assert "**2 of 12**" in _text(at) and "What would you label this?" in _text(at)
    assert "Original label" not in _text(at) and not any(c in _text(at) for c in correct)
    _button(at, "Reveal").click().run()
    text = _text(at)
    assert f"**Original label:** {names[int(table.original_label[row])]}" in text
    assert f"**✓ correct:** {', '.join(correct)}" in text
    assert "**ReaL:**" in text and "demo-strong:** " in text
    assert _button(at, "Reveal").disabled
    _button(at, "Next").click().run()
    assert at.query_params["i"] == "3" and "**3 of 12**" in _text(at)
    assert "Original label" not in _text(at)  # a new slide starts with the question


def test_last_slide_and_a_bad_index():
    at = _teach(lesson="imagenet-m", i="99")
    assert "**12 of 12**" in _text(at) and _button(at, "Next").disabled
    at = _teach(lesson="imagenet-m", i="x")
    assert "**1 of 12**" in _text(at) and _button(at, "Previous").disabled


def test_quiz_scores_like_the_dataset():
    source = open_source("demo")
    table = source.table
    rows = lesson_rows(table, "original-wrong", {})
    at = _teach(specs=[], lesson="original-wrong", quiz="1")
    row = int(rows[0])
    original = int(table.original_label[row])  # judged wrong by the experts
    names = load_classes().names
    assert at.radio[0].options == [names[c] for c in quiz_choices(table, row)]
    at.radio[0].set_value(original).run()
    _button(at, "Answer").click().run()
    text = _text(at)
    name = names[original]
    assert f"### Wrong\nIt counts as wrong: the experts judged {name} wrong for this image." in text
    assert f"By the original label alone ({name}) it would count as right." in text
    assert any(
        plain(c.value) == "You: 0/1 multi-label, 1/1 by the original label" for c in at.main.caption
    )


def test_the_quiz_ends_with_both_scores_the_images_missed_and_again():
    """All twelve slides answered (eleven of them as a class would, by the session's own
    record, the last on the page): the end screen counts by both rules, lists the missed
    slides as buttons back to them, and "Again" starts over."""
    from data_access.teach.lessons import score

    source = open_source("demo")
    table = source.table
    rows = lesson_rows(table, "several-right", {}, first=tuple(DEMO_PHOTOS))
    at = _teach(specs=[], lesson="several-right", quiz="1", i="12")
    # Slides 1-11: the original label (accepted here: these images have several right answers)
    # on odd slides, a class judged wrong or unjudged on even ones.
    answers = {}
    for i, row in enumerate(rows[:11].tolist(), 1):
        pick = int(table.original_label[row]) if i % 2 else 999 - (row % 7)
        answers[i] = score(table, row, pick)
    at.session_state["teach_answers_several-right|None"] = answers
    at.run()
    last = int(rows[11])
    at.radio[0].set_value(int(table.original_label[last])).run()
    _button(at, "Answer").click().run()
    answers[12] = score(table, last, int(table.original_label[last]))
    ml = sum(a.multilabel for a in answers.values())
    orig = sum(a.original for a in answers.values())
    text = _text(at)
    assert "## Quiz complete" in text
    metrics = {plain(m.label): m.value for m in at.metric}
    assert metrics["By the dataset's rule (correct or unclear accepted)"] == f"{ml} of 12"
    assert metrics["By the original label alone"] == f"{orig} of 12"
    missed = [i for i, a in answers.items() if not a.multilabel]
    assert missed and [b.label for b in at.button if b.key and b.key.startswith("quiz_missed")] == [
        f"Image {i}" for i in missed
    ]
    next(b for b in at.button if b.key == f"quiz_missed_{missed[0]}").click().run()
    assert at.query_params["i"] == str(missed[0])
    next(b for b in at.button if b.key == "quiz_again").click().run()
    assert at.query_params["i"] == "1" and "## Quiz complete" not in _text(at)
    assert "What would you label this?" in _text(at)


def test_presentation_mode_and_hindi():
    at = _teach(lesson="unclear", present="1", lang="hi")
    assert at.title[0].value == "पढ़ाएँ"
    assert at.selectbox(key="lang").value == "hi"
    assert not [s for s in at.selectbox if s.label == "पाठ"]  # controls hidden
    assert any("display: none" in h.proto.body for h in at.get("html"))
    assert _button(at, "उत्तर दिखाएँ").shortcut == "space"
    _button(at, "प्रस्तुति मोड से बाहर निकलें").click().run()
    assert "present" not in at.query_params
    assert [s for s in at.selectbox if s.label == "पाठ"]


def test_empty_lessons():
    at = _teach(specs=[], lesson="model-right-top1-wrong")
    assert "Load predictions in the sidebar to use this lesson." in plain(at.info[0].value)
    at = _teach(specs=[], lesson="<script>")
    assert any("Unknown lesson in the link" in plain(w.value) for w in at.warning)


def test_a_labels_only_source(label_json, table):
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.sidebar.radio(key="source_kind").set_value("json")
    at.sidebar.text_input[0].set_value(str(label_json))
    at.sidebar.button[0].click().run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("No image in this source." in plain(i.value) for i in at.info)
    _button(at, "Reveal").click().run()
    assert "**Original label:**" in _text(at)
