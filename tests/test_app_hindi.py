"""The app in Hindi (``?lang=hi``): the navigation, the sidebar and the pages (their texts,
widgets, table headers and the grid's tiles) show no English word that is not a class name, a
wnid, a file name, a model's name or a proper name (tests/hindi.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access import i18n
from data_access.browse.filters import FILTERS
from data_access.browse.view import SORTS
from tests.hindi import english_words, page_texts
from ui.pages import PAGES

APP = str(Path(__file__).resolve().parents[1] / "app.py")
DEMO_MODELS = ("demo-strong", "demo-medium", "demo-weak")
DEVANAGARI = range(0x0900, 0x0980)


@pytest.fixture(autouse=True)
def _argv(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(tmp_path / "r.sqlite")])


def _hindi(text: str) -> bool:
    return any(ord(ch) in DEVANAGARI for ch in text)


def test_the_oracle_finds_english_and_spares_names():
    found = english_words(
        [
            "Browse",
            "चित्र: tabby, tiger cat · n02123045",  # class names and a wnid
            "ILSVRC2012_val_00000001.JPEG · ~/data/x.npy",  # a file name, a path
            ":green-badge[✓ ठीक] **demo\\-strong**",  # Markdown marks around a model name
            "पंक्ति i = {page}",  # a formula's letter, a placeholder
            "2 images",
            "यह Model T है, jeweler's loupe भी",  # class names with a capital and an 's
        ],
        keep=DEMO_MODELS,
    )
    assert found == {"Browse": "Browse", "images": "2 images"}


def test_navigation_filters_and_sorts_have_hindi_words():
    _ = i18n.gettext_for("hi")
    assert all(_hindi(_(p.title)) for p in PAGES if p.title != "ImageNet-M")
    for f in FILTERS:
        assert _hindi(_(f.label)), f.label
        for text in f.options(_).values():
            # Class options are WordNet's words; every other option is a sentence in Hindi.
            assert f.key in ("class", "pred") or text == "ImageNet-M" or _hindi(_(text)), text
    assert all(_hindi(_(text)) for text in SORTS.values())


PAGES_IN_HINDI = {
    "overview": {},
    "browse": {},
    # Every chip a tile can show: problematic flags, ReaL chips, folded wrong labels, and a
    # filter set from another page with its "Also filtered by" line.
    "browse-filtered": {"state": "problematic", "real": "disagree", "pred": "n01751748"},
    "image": {"image": "ILSVRC2012_val_00000001.JPEG"},
    "teach": {},
    "teach-present": {"lesson": "unclear", "present": "1"},
    "accuracy": {},
    "compare": {},
    "imagenet_m": {},
    "review": {},
    "labels": {"state": "imagenet_m"},
}


@pytest.mark.parametrize("name", list(PAGES_IN_HINDI))
def test_page_reads_in_hindi(name):
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "hi"
    for key, value in PAGES_IN_HINDI[name].items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"app_pages/{name.split('-')[0]}.py").run()
    assert not at.exception, at.exception
    texts = page_texts(at)
    assert sum(map(_hindi, texts)) > 20  # the page was read, in Hindi
    assert english_words(texts, keep=DEMO_MODELS) == {}


def test_revised_labels_and_the_published_scores_in_hindi(monkeypatch, tmp_path):
    """What shows only on demand: every model re-scored under a revised label file (Accuracy,
    ImageNet-M) and the published models' ImageNet-M scores."""
    import json

    from data_access.sources.labels_json import label_data_from_table
    from data_access.sources.source import open_source

    table = open_source("demo").table
    data = label_data_from_table(table)
    entry = data["initial_annots"][str(table.file_name[0])]
    entry["wrong"] = entry.get("wrong", []) + entry.pop("correct")
    revised = tmp_path / "revised.json"
    revised.write_text(json.dumps(data))
    monkeypatch.setattr(sys, "argv", ["app.py", "--revised-labels", str(revised),
                                      "--reviews-db", str(tmp_path / "r.sqlite")])  # fmt: skip
    for page in ("accuracy", "imagenet_m"):
        at = AppTest.from_file(APP, default_timeout=180)
        at.query_params["lang"] = "hi"
        at.run()
        at.switch_page(f"app_pages/{page}.py").run()
        if page == "imagenet_m":
            at.toggle(key="m_published").set_value(True).run()
        assert not at.exception, at.exception
        texts = page_texts(at)
        assert any("संशोधित लेबलों के अनुसार" in t for t in texts)
        assert english_words(texts, keep=(*DEMO_MODELS, "revised.json")) == {}


def _hindi_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "hi"
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_reviewing_in_hindi_two_reviewers_a_summary_and_a_decision():
    """What a reviewing session shows once something is saved: the saved message, the
    history, the summary and agreement of two reviewers, the decisions and the label-error
    tab."""
    for who in ("ada", "bob"):
        at = _hindi_page("review")
        at.text_input(key="reviewer_name").set_value(who).run()
        radios = at.radio
        radios[0].set_value("fine_grained")
        radios[1].set_value("minor")
        next(b for b in at.button if b.label == "सहेजें और अगले पर जाएँ").click().run()
        assert not at.exception, at.exception
        assert english_words(page_texts(at), keep=(*DEMO_MODELS, "ada", "bob")) == {}
    at.selectbox(key="ag_first").set_value("reviewer: ada").run()  # the summary's agreement
    assert any("Cohen का kappa" in t for t in page_texts(at))
    assert english_words(page_texts(at), keep=(*DEMO_MODELS, "ada", "bob")) == {}

    for who, verdict in (("ada", "wrong"), ("bob", "correct")):
        at = _hindi_page("labels")
        at.text_input(key="reviewer_name").set_value(who).run()
        first = next(
            r for r in at.radio if r.key and r.key.startswith("lv_") and "_flag" not in r.key
        )
        first.set_value(verdict)
        next(b for b in at.button if b.label == "सहेजें और अगले पर जाएँ").click().run()
        assert not at.exception, at.exception
    texts = page_texts(at)
    assert any("निर्णय के लिए" in t for t in texts)  # the disputed image waits for a lead
    assert english_words(texts, keep=(*DEMO_MODELS, "ada", "bob")) == {}
    at.session_state["labels_tab"] = "संभावित लेबल त्रुटियाँ"
    at.run()
    texts = page_texts(at)
    assert any("औसत परिशुद्धता" in t for t in texts)  # the label-error tab ran
    assert english_words(texts, keep=(*DEMO_MODELS, "ada", "bob")) == {}


def test_a_bad_link_is_explained_in_hindi():
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in {"lang": "hi", "state": "nonsense", "sort": "bogus", "page": "x"}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/browse.py").run()
    warnings = [w.value for w in at.warning if "लिंक" in w.value]
    assert len(warnings) == 3, warnings  # each problem of the link, in Hindi
    assert english_words(page_texts(at), keep=(*DEMO_MODELS, "nonsense", "bogus")) == {}


def test_english_stays_english():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("app_pages/browse.py").run()
    texts = page_texts(at)
    # Only the language selector's own words are in Hindi.
    assert [t for t in texts if _hindi(t)] == ["Language · भाषा", "हिन्दी (Hindi)"]
    assert "Label state" in texts and "Details" in texts and "Page {page} of {pages}" in texts


def test_a_refused_file_is_explained_in_hindi(monkeypatch, tmp_path):
    """A prediction file added by path that the reader refuses, and a path outside the
    allowed folders: the sidebar's one-line refusals are in Hindi, with nothing English but
    the file's name and the formats and flags they name."""
    from tests.helpers import plain

    monkeypatch.setenv("IMLR_ALLOW_PATHS", str(tmp_path))
    bad = tmp_path / "scores.npz"
    import numpy as np

    np.savez(bad, logits=np.zeros((3, 1000), np.float32), file_names=np.array(["a", "b"]))
    _ = i18n.gettext_for("hi")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = "hi"
    at.run()
    errors = []
    for path in (bad, Path("/etc/passwd")):
        box = next(
            t for t in at.sidebar.text_input if t.label == _("Add a prediction file by path")
        )
        box.set_value(str(path))
        next(b for b in at.sidebar.button if b.label == _("Add")).click().run()
        assert not at.exception
        errors.append([plain(e.value) for e in at.sidebar.error][-1])
    assert "3 पंक्तियाँ पर 2 फ़ाइल नाम" in errors[0]
    assert "अनुमत फ़ोल्डरों" in errors[1] and "--allow-path" in errors[1]
    technical = ("npz", "scores", "IMLR_ALLOW_PATHS", "allow", "path", "DIR")
    assert english_words(errors, keep=technical) == {}
