"""AppTest of the Review page: three mistakes reviewed in a row, import, agreement; and the
reference categorisation next to ImageNet-M images."""

import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.classes import load_classes
from data_access.reviews import ReviewStore, review_queue
from data_access.sources.demo import demo_predictions
from data_access.sources.source import open_source
from tests.helpers import plain

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _argv(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(tmp_path / "r.sqlite")])


def _review_page():
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/review.py").run()
    assert not at.exception, at.exception
    return at


def test_review_three_mistakes_in_a_row(tmp_path):
    table = open_source("demo").table
    strong = demo_predictions()["demo-strong"]["top_k"][:, 0]
    queue = [str(table.file_name[r]) for r in review_queue(table, strong)]
    at = _review_page()
    # Without a name nothing is saved.
    radios = {r.label: r for r in at.radio}
    radios["Category"].set_value("spurious_correlation")
    radios["Severity"].set_value("major")
    next(b for b in at.button if b.label == "Save and go to the next").click().run()
    assert "enter your name first" in at.error[0].value
    at.text_input(key="reviewer_name").set_value("ada").run()
    for k in range(3):
        heading = next(m.value for m in at.markdown if m.value.startswith("### "))
        assert heading == "### " + queue[k].replace("_", "\\_").replace(".", "\\.")
        radios = {r.label: r for r in at.radio}
        radios["Category"].set_value(["fine_grained", "spurious_correlation", "other"][k])
        radios["Severity"].set_value("minor")
        at.text_area[0].set_value(f"note {k} <b>bold</b>")
        next(b for b in at.button if b.label == "Save and go to the next").click().run()
        assert not at.exception
    store = ReviewStore(tmp_path / "r.sqlite")
    saved = store.reviews(reviewer="ada", model="demo-strong")
    assert [r.file_name for r in saved] == queue[:3]
    assert [r.category for r in saved] == ["fine_grained", "spurious_correlation", "other"]
    assert saved[1].note == "note 1 <b>bold</b>"
    assert saved[0].top_prediction == int(strong[table.row_of[queue[0]]])
    progress = at.get("progress")[0]
    assert "3 of" in progress.proto.text
    # The image under review shows its ReaL labels too, in their own colour (text that wraps).
    row = table.row_of[queue[3]]
    real = [load_classes().names[k] for k in table.real_rows[row].tolist() if k >= 0]
    line = next(plain(m.value) for m in at.markdown if "ReaL (synthetic):" in plain(m.value))
    assert line == ":blue[ReaL (synthetic): " + (" · ".join(real) or "no label") + "]"


def test_import_reference_and_see_it_on_imagenet_m(tmp_path):
    table = open_source("demo").table
    m_names = [str(n) for n in table.file_name[table.in_imagenet_m][:2]]
    ref = {
        n: {
            "top_prediction": 5,
            "failure category": "Fine-grained error with OOV",
            "failure severity": "Major",
        }
        for n in m_names
    }
    f = tmp_path / "ref.json"
    f.write_text(json.dumps(ref))
    ReviewStore(tmp_path / "r.sqlite").import_reference("paper", f)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("app_pages/imagenet_m.py").run()
    assert not at.exception
    matrix = at.dataframe[0].value
    assert matrix.loc[m_names[0], "reference: paper"] == "Fine-grained error with OOV / Major"
    others = [n for n in matrix.index if n not in m_names]
    assert all(matrix.loc[n, "reference: paper"] == "" for n in others)


def test_agreement_between_reviewer_and_reference(tmp_path):
    table = open_source("demo").table
    store = ReviewStore(tmp_path / "r.sqlite")
    from data_access.reviews import Review

    names = [str(n) for n in table.file_name[:4]]
    for n, c in zip(names, ["fine_grained", "fine_grained", "other", "other"], strict=True):
        store.save(Review("demo-strong", n, "ada", c, "minor", 1))
    f = tmp_path / "ref.json"
    f.write_text(
        json.dumps(
            {
                n: {"top_prediction": 1, "failure category": c, "failure severity": "Minor"}
                for n, c in zip(
                    names,
                    [
                        "Fine-grained error",
                        "Non-prototypical",
                        "Other model failure",
                        "Other model failure",
                    ],
                    strict=True,
                )
            }
        )
    )
    store.import_reference("paper", f)
    at = _review_page()
    values = {m.label: m.value for m in at.metric}
    assert values["Images judged by both"] == "4"
    # po = 3/4; pe = (2/4*1/4) + (2/4*2/4) = 0.375 -> kappa = 0.6
    assert values["Category: Cohen's kappa"] == "0.600"
    assert values["Severity: Cohen's kappa"] == "1.000"


def test_image_page_shows_reviews_and_references(tmp_path):
    from data_access.reviews import Review

    table = open_source("demo").table
    name = str(table.file_name[0])
    store = ReviewStore(tmp_path / "r.sqlite")
    store.save(
        Review(
            "demo-weak", name, "ada", "non_prototypical", "borderline", 3, note="<i>odd</i> angle"
        )
    )
    f = tmp_path / "ref.json"
    f.write_text(
        json.dumps(
            {
                name: {
                    "top_prediction": 3,
                    "failure category": "Spurious Correlation",
                    "failure severity": "Major",
                }
            }
        )
    )
    store.import_reference("paper", f)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.query_params["image"] = name
    at.switch_page("app_pages/image.py").run()
    assert not at.exception
    df = at.dataframe[-1].value
    assert df["by"].tolist() == ["reference: paper", "ada (model demo-weak)"]
    # ReaL beside the experts: each ReaL label with the experts' verdict on it.
    real = next(d.value for d in at.dataframe if "experts" in d.value.columns)
    ks = [k for k in table.real_rows[0].tolist() if k >= 0]
    assert real["index"].tolist() == ks
    assert real["experts"].tolist() == [table.verdict(0, k) for k in ks]
    assert df["category"].tolist() == ["Spurious Correlation", "Non-prototypical"]
    assert df["note"].tolist()[1] == "<i>odd</i> angle"


def test_a_prediction_nobody_judged_is_said_so_in_words_that_wrap(tmp_path):
    """The image under review whose predicted class is in none of its three label sets (a
    hand check over the rows) carries the note, as coloured text (a badge is one line and
    was cut short at a projector's width)."""
    table = open_source("demo").table
    strong = demo_predictions()["demo-strong"]["top_k"][:, 0]
    row = int(review_queue(table, strong)[0])
    judged = (
        set(table.correct_multi_labels.row(row).tolist())
        | set(table.unclear_multi_labels.row(row).tolist())
        | set(table.wrong_multi_labels.row(row).tolist())
    )
    assert int(strong[row]) not in judged
    at = _review_page()
    note = "Unjudged: nobody judged this class for this image."
    assert [m.value for m in at.markdown if note in m.value] == [f":orange[{note}]"]
