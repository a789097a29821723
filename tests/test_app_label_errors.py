"""AppTest of the likely-label-error queue: the Labels page's comparison of the methods, the
Browse filter and sort, and the review of the top suspects one after another, with the
numbers counted here image by image from the demo's predictions and the experts' sets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.browse.url import from_params
from data_access.predictions import model_from_arrays
from data_access.reviews import ReviewStore
from data_access.reviews.label_store import label_reviews
from data_access.sources.demo import DEMO_MODELS, demo_predictions, demo_table
from tests.helpers import grid_tiles, plain

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _argv(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(tmp_path / "r.sqlite")])


@pytest.fixture(scope="module")
def vote_oracle():
    """The vote of the three demo models, image by image: the ranking (most suspect first,
    ties in file order), the flagged images (two or three of three leave the original label
    out of their top-5) and each image's label error by the experts' sets."""
    t = demo_table()
    preds = demo_predictions()
    tops = [preds[n]["top_k"].tolist() for n in DEMO_MODELS]
    labels = t.original_label.tolist()
    score, flagged, error = [], [], []
    for i, y in enumerate(labels):
        outside = [tk[i][0] for tk in tops if y not in tk[i]]
        agree = max((outside.count(x) for x in outside), default=0)
        score.append(len(outside) + agree / 4)
        flagged.append(len(outside) >= 2)
        accepted = set(t.correct_multi_labels.row(i).tolist())
        accepted |= set(t.unclear_multi_labels.row(i).tolist())
        error.append(bool(t.is_problematic[i]) or y not in accepted)
    order = sorted(range(len(labels)), key=lambda i: (-score[i], i))
    return t, order, flagged, error


def _page(page: str, query: dict | None = None, tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if tab:  # the Labels page's tabs run only the open one
        at.session_state["labels_tab"] = tab
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_the_labels_page_measures_each_method_against_the_experts(vote_oracle):
    _, order, _, error = vote_oracle
    at = _page("app_pages/labels.py", tab="Likely label errors")
    table = next(d.value for d in at.dataframe if "average precision" in d.value.columns)
    assert list(table["method"]) == [
        "self-confidence",
        "normalized margin",
        "confident learning",
        "vote of the models' top-k",
    ]
    vote = table.iloc[3]
    for k in (10, 100, 1000):
        want = sum(error[i] for i in order[:k]) / k
        assert vote[f"precision of the top {k:,}"] == f"{100 * want:.1f}%", k
    base = sum(error) / len(error)
    text = " ".join(plain(m.value) for m in at.markdown)
    assert f"{sum(error):,}** of them, a base rate of **{100 * base:.1f}%**" in text
    links = {p.label: p for p in at.get("page_link")}
    assert "Review the top suspects" in links and "See them in Browse" in links


def test_browse_lists_the_suspects_most_suspect_first_and_drops_reviewed_ones(
    vote_oracle, tmp_path
):
    t, order, flagged, _ = vote_oracle
    expect = [i for i in order if flagged[i]]
    at = _page("app_pages/browse.py", {"suspect": "vote", "sort": "suspicion"})
    count = next(m.value for m in at.markdown if " of 20,000 images" in m.value)
    assert count.startswith(f"**{len(expect):,}** of 20,000 images")
    tiles = grid_tiles(at, "browse_grid")
    assert [x["name"] for x in tiles[:5]] == [str(t.file_name[i]) for i in expect[:5]]
    # Someone reviews the top suspect's labels: it leaves the list.
    store = ReviewStore(str(tmp_path / "r.sqlite"))
    from data_access.reviews.label_store import save_label_review
    from data_access.reviews.labels import LabelReview

    save_label_review(store, LabelReview(str(t.file_name[expect[0]]), "ada", {}, True, "other"))
    at.run()
    count = next(m.value for m in at.markdown if " of 20,000 images" in m.value)
    assert count.startswith(f"**{len(expect) - 1:,}** of 20,000 images")
    tiles = grid_tiles(at, "browse_grid")
    assert tiles[0]["name"] == str(t.file_name[expect[1]])
    assert any("1 images with a label review are left out" in plain(c.value) for c in at.caption)


def test_the_top_suspects_are_reviewed_one_after_another(vote_oracle, tmp_path):
    t, order, flagged, _ = vote_oracle
    expect = [str(t.file_name[i]) for i in order if flagged[i]]
    at = _page("app_pages/labels.py", {"suspect": "vote", "sort": "suspicion"})
    queue = next(plain(c.value) for c in at.caption if c.value.startswith("Queue"))
    assert (
        f"the {len(expect):,} images" in queue
        and "Likely label error: vote of the models' top-k" in queue
    )
    at.text_input(key="reviewer_name").set_value("ada").run()
    for k in range(2):
        assert at.session_state.lb_current == expect[k]
        next(b for b in at.button if b.label == "Save and go to the next").click().run()
        assert not at.exception, at.exception
    saved = {r.file_name for r in label_reviews(ReviewStore(str(tmp_path / "r.sqlite")))}
    assert saved == set(expect[:2])
    assert at.session_state.lb_current == expect[2]


def test_a_link_to_a_method_the_files_do_not_allow_is_dropped_with_a_message(vote_oracle):
    t = vote_oracle[0]
    top_only = {"m": model_from_arrays("m", t, t.original_label)}
    parsed = from_params({"suspect": "confident", "sort": "suspicion"}, top_only, t)
    assert parsed.state.suspect is None and parsed.state.sort == "suspicion"
    assert parsed.problems == [
        "confident learning needs a prediction file with every class's scores; the "
        "label-error filter from the link was ignored"
    ]
    parsed = from_params({"sort": "suspicion"}, {}, t)
    assert parsed.state.sort == "file_name" and "needs a loaded model" in parsed.problems[0]
