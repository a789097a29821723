"""AppTest of the Labels page and the revised labels on the accuracy pages: two reviewers judge
the labels of a Browse view, a lead decides the disputed image, the revised file is written
and every model is scored against it, with the numbers checked against the reference loop."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.analysis import metrics
from data_access.classes import load_classes
from data_access.reviews import ReviewStore
from data_access.reviews.label_store import decisions, label_reviews
from data_access.sources.demo import demo_model
from data_access.sources.source import open_source
from tests.helpers import plain
from tests.test_label_review import _reference_examples
from tests.test_metrics import reference_multilabel_accuracy

APP = str(Path(__file__).resolve().parents[1] / "app.py")
WNIDS = load_classes().wnids


@pytest.fixture(autouse=True)
def _argv(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(tmp_path / "r.sqlite")])


def _labels_page(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/labels.py").run()
    assert not at.exception, at.exception
    return at


def _radio(at, start: str):
    return next(r for r in at.radio if plain(r.label).startswith(start))


def _save(at):
    next(b for b in at.button if b.label == "Save and go to the next").click().run()
    assert not at.exception, at.exception


def test_two_reviewers_then_a_lead_then_the_revised_file_rescores(tmp_path):
    table = open_source("demo").table
    first = str(table.file_name[0])  # the demo's first image: sea snake, night snake correct
    night, sea = "n01740131", "n01751748"
    at = _labels_page({"file": ["1", "2"]})  # a Browse view of two images
    assert any("Queue: the 2 images of the Browse view" in plain(c.value) for c in at.caption)
    # Without a name nothing is saved
    _save(at)
    assert "Not saved: enter your name first" in plain(at.error[0].value)
    for who, verdict in (("ada", "wrong"), ("bob", "unclear")):
        at.text_input(key="reviewer_name").set_value(who).run()
        at.session_state.lb_current = first
        at.run()
        _radio(at, "night snake").set_value(verdict)
        _save(at)
        assert f"Saved your verdicts on {first}" in plain(at.success[0].value)
        # The next unreviewed image of the view is shown
        assert at.session_state.lb_current == "ILSVRC2012_val_00000002.JPEG"
    store = ReviewStore(str(tmp_path / "r.sqlite"))
    saved = {r.reviewer: r.verdicts for r in label_reviews(store)}
    # Every label starts at the experts' verdict: the untouched ones are confirmations
    assert saved["ada"][night] == "wrong" and saved["bob"][night] == "unclear"
    assert saved["ada"][sea] == saved["bob"][sea] == "correct"

    # ada and bob disagree on night snake: a lead (anyone here) decides it unclear
    at.text_input(key="reviewer_name").set_value("lee").run()
    assert at.selectbox(key="lb_decide").value == first
    _radio(at, "night snake `").set_value("unclear")
    next(b for b in at.button if b.label == "Save the decision").click().run()
    assert decisions(store)[first].verdicts == {night: "unclear"}

    at.radio(key="rv_policy").set_value("adjudicated")
    next(b for b in at.button if b.label == "Write the revised file").click().run()
    assert "1 images changed" in plain(at.markdown[-1].value) or any(
        "1 images changed" in plain(m.value) for m in at.markdown
    )
    next(b for b in at.button if b.label == "Score every model against it").click().run()
    assert not at.exception, at.exception
    data = json.loads(at.session_state.revised_labels["data"])
    assert data["initial_annots"][first] == {
        "correct": [sea],
        "unclear": [night],
        "wrong": data["initial_annots"][first]["wrong"],
    }

    # Accuracy shows every model under both files, by the reference loop
    at.switch_page("app_pages/accuracy.py").run()
    assert not at.exception, at.exception
    [frame] = [d.value for d in at.dataframe if "change (points)" in d.value.columns]
    examples = _reference_examples(data, table)
    assert list(frame["model"]) == ["demo-strong", "demo-medium", "demo-weak"]
    for _, row in frame.iterrows():
        top1 = demo_model(table, row["model"]).top1
        predictions = {
            n.encode(): int(p) for n, p in zip(table.file_name.tolist(), top1, strict=True)
        }
        assert row["revised"] == 100 * reference_multilabel_accuracy(examples, predictions)
        assert row["original"] == 100 * metrics.multilabel_accuracy(table, top1)
    assert any("Kendall's tau" in plain(c.value) for c in at.caption)


def test_a_read_only_reviewer_saves_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(
        sys,
        "argv",
        ["app.py", "--reviews-db", str(tmp_path / "r.sqlite"), "--read-only-reviewer", "guest"],
    )
    at = _labels_page({"file": "1"})
    at.text_input(key="reviewer_name").set_value("guest").run()
    _save(at)
    assert "Not saved: guest may read but not save" in plain(at.error[0].value)
    assert label_reviews(ReviewStore(str(tmp_path / "r.sqlite"))) == []


def test_revised_labels_from_the_command_line_and_a_file_that_does_not_fit(monkeypatch, tmp_path):
    from data_access.sources.labels_json import label_data_from_table

    table = open_source("demo").table
    data = label_data_from_table(table)
    name = str(table.file_name[table.in_imagenet_m][0])
    entry = data["initial_annots"][name]
    entry["wrong"] = entry.get("wrong", []) + entry.pop("correct")  # nothing correct any more
    good, bad = tmp_path / "revised.json", tmp_path / "other.json"
    good.write_text(json.dumps(data))
    del data["initial_annots"][str(table.file_name[~table.in_imagenet_m][0])]
    bad.write_text(json.dumps(data))
    for path, fits in ((good, True), (bad, False)):
        monkeypatch.setattr(
            sys,
            "argv",
            ["app.py", "--reviews-db", str(tmp_path / "r.sqlite"), "--revised-labels", str(path)],
        )
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.switch_page("app_pages/imagenet_m.py").run()
        assert not at.exception, at.exception
        frames = [d.value for d in at.dataframe if "solved (revised)" in d.value.columns]
        errors = [plain(e.value) for e in at.sidebar.error]
        if fits:
            [frame] = frames
            for _, row in frame.iterrows():
                top1 = demo_model(table, row["model"]).top1
                right = metrics.hits(table, top1)[table.row_of[name]]
                assert row["solved (revised)"] == row["solved (original)"] - int(right)
            assert errors == []
        else:
            assert frames == []
            assert any("a revised file must annotate the same images" in e for e in errors)
