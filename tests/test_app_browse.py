"""AppTest of Browse, the image page and the models sidebar on the demo source."""

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from data_access.browse.url import from_params, to_params
from data_access.browse.view import BrowseState, view_rows
from tests.helpers import grid_tiles, write_top1_csv
from tests.helpers import plain as _plain

APP = str(Path(__file__).resolve().parents[1] / "app.py")
BROWSE = "app_pages/browse.py"
IMAGE = "app_pages/image.py"


@pytest.fixture(autouse=True)
def _argv(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])


def _app(params=None):
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page(BROWSE).run()
    assert not at.exception, at.exception
    return at


def _count(at) -> int:
    text = next(m.value for m in at.markdown if " of 20,000 images" in m.value)
    return int(text.split("**")[1].replace(",", ""))


def test_browse_default_view(demo):
    at = _app()
    assert _count(at) == 20_000
    tiles = grid_tiles(at, "browse_grid")
    assert len(tiles) == 48
    assert all(t["src"].startswith("data:image/jpeg;base64,") for t in tiles)
    assert "Synthetic demo data" in at.warning[0].value


def test_label_sets_are_never_told_by_colour_alone(demo):
    """Each chip carries its set's mark as well as its colour (WCAG 1.4.1), on the tiles."""
    from ui.render import label_chips

    table, _ = demo
    row = next(
        i
        for i in range(len(table))
        if all(
            len(getattr(table, f"{k}_multi_labels").row(i)) for k in ("correct", "unclear", "wrong")
        )
    )
    chips, _ = label_chips(table, row)
    for color, mark in (("green", "✓"), ("orange", "?"), ("red", "✗")):
        found = re.findall(rf":{color}-badge\[(.)", chips)
        assert found and set(found) == {mark}, color
    at = _app({"state": "unclear"})  # and the tiles show them
    assert all(
        any(c["kind"] == "unclear" and c["text"].startswith("? ") for c in t["labels"])
        for t in grid_tiles(at, "browse_grid")
    )


@pytest.mark.parametrize(
    "state",
    [
        BrowseState(states=("multi",)),
        BrowseState(states=("unclear", "not_problematic")),
        BrowseState(states=("orig_not_correct",)),
        BrowseState(states=("imagenet_m",), verdict="wrong", model="demo-weak"),
        BrowseState(verdict="right_ml_wrong_top1"),
        BrowseState(verdict="disagree"),
        BrowseState(verdict="unjudged", model="demo-medium"),
        BrowseState(group="n02084071", states=("problematic",)),
        BrowseState(classes=(0, 1, 517)),
    ],
)
def test_filters_count_equals_data_access(demo, state):
    table, models = demo
    # Through the widgets: set them, rerun, read the count and the URL.
    at = _app()
    at.multiselect(key="f_classes").set_value(list(state.classes))
    # Raw option values: AppTest applies the page's format_func itself.
    at.selectbox(key="f_group").set_value(state.group or "any")
    at.multiselect(key="f_states").set_value(list(state.states))
    at.selectbox(key="f_verdict").set_value(state.verdict or "any")
    at.selectbox(key="f_model").set_value(state.model or "(first loaded)")
    at.run()
    assert not at.exception
    assert _count(at) == len(view_rows(table, models, state))
    # The URL now holds the view; opening it fresh reproduces the same view.
    params = {k: at.query_params[k] for k in at.query_params}
    assert from_params(params, models, table).state == state
    again = _app(params)
    assert _count(again) == _count(at)
    assert again.multiselect(key="f_states").value == list(state.states)


def test_sort_and_pages(demo):
    table, models = demo
    state = BrowseState(sort="confidence", descending=True, page=3, page_size=24, states=("multi",))
    at = _app(to_params(state))
    rows = view_rows(table, models, state)
    tiles = grid_tiles(at, "browse_grid")
    expected = [str(table.file_name[r]) for r in rows[48:72]]
    assert [t["name"] for t in tiles] == expected
    assert any("page 3 of" in m.value for m in at.markdown)


def test_bad_url_gives_message_and_default(demo):
    at = _app(
        {
            "class": "n99999999",
            "page": "999999",
            "size": "13",
            "sort": "<script>",
            "verdict": "bogus",
            "state": "x",
        }
    )
    assert not at.exception
    messages = " ".join(w.value for w in at.warning)
    assert "unknown class" in messages and "page size 13" in messages
    assert "unknown sort" in messages and "unknown verdict" in messages
    assert _count(at) == 20_000
    assert any("does not exist" in i.value for i in at.info)


def _models_status(at) -> str:
    return next(c.value for c in at.sidebar.caption if "images ·" in c.value)


def test_models_sidebar_add_rename_remove(tmp_path, demo):
    table, models = demo
    good = write_top1_csv(tmp_path / "mine.csv", table, models["demo-weak"].top1)
    bad = tmp_path / "bad.csv"
    bad.write_text("ILSVRC2012_val_00000001.JPEG;3\n")
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert "3 models" in _models_status(at)
    path_box = next(t for t in at.sidebar.text_input if t.label == "Add a prediction file by path")
    path_box.set_value(str(good))
    next(b for b in at.sidebar.button if b.label == "Add").click().run()
    # The reading comes first; the model is added on "Add model".
    summary = _plain(" ".join(m.value for m in at.sidebar.markdown))
    assert "**format**: CSV (no header)" in summary and "20,000 of 20,000 annotated" in summary
    assert "3 models" in _models_status(at)
    next(b for b in at.sidebar.button if b.label == "Add model").click().run()
    assert not at.exception and "4 models" in _models_status(at)
    path_box = next(t for t in at.sidebar.text_input if t.label == "Add a prediction file by path")
    path_box.set_value(str(bad))
    next(b for b in at.sidebar.button if b.label == "Add").click().run()
    assert "expected at least 2 columns" in at.sidebar.error[0].value
    assert not any(b.label == "Add model" for b in at.sidebar.button)  # refused: no Add
    next(b for b in at.sidebar.button if b.label == "Discard").click().run()
    assert not at.sidebar.error and "4 models" in _models_status(at)  # nothing lost
    name_box = next(t for t in at.sidebar.text_input if t.value == "mine")
    name_box.set_value("my model").run()
    assert any(t.value == "my model" for t in at.sidebar.text_input)
    # The overview's headline table shows the renamed model with data_access's number.
    df = at.table[0].value
    from data_access.analysis import metrics

    value = metrics.multilabel_accuracy(table, models["demo-weak"].top1)
    assert df.loc["my model", "multi-label accuracy"] == f"{100 * value:.2f}"
    remove = next(b for b in at.sidebar.button if b.help == "Remove my model")
    remove.click().run()
    assert "3 models" in _models_status(at)


def test_demo_models_when_removed_are_one_click_away():
    at = AppTest.from_file(APP, default_timeout=90).run()
    for _ in range(3):
        next(b for b in at.sidebar.button if (b.help or "").startswith("Remove")).click().run()
    assert "0 models" in _models_status(at)
    assert any("No predictions loaded" in i.value for i in at.info)
    next(b for b in at.sidebar.button if b.label == "Load the demo models").click().run()
    assert "3 models" in _models_status(at)


def test_command_line_predictions(monkeypatch, tmp_path, demo):
    table, models = demo
    f = tmp_path / "cli_model.npy"
    arr = np.zeros(50_000, np.int64)
    arr[table.validation_position] = models["demo-medium"].top1
    np.save(f, arr)
    monkeypatch.setattr(sys, "argv", ["app.py", "--predictions", str(f)])
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    assert "4 models" in _models_status(at)
    assert "cli_model" in at.table[0].value.index.tolist()


def test_refused_order_is_fixed_in_reading_options(tmp_path, demo):
    """An ImageFolder-ordered array is refused with the advice; choosing that order in
    'Reading options' reads it, and the number is the reference loop's."""
    from data_access.classes import validation_labels
    from tests.test_metrics import reference_for_rows

    table, models = demo
    top1 = models["demo-medium"].top1.astype(np.int64)
    full = validation_labels().astype(np.int64)
    full[table.validation_position] = top1
    f = tmp_path / "folder.npy"
    np.save(f, full[np.argsort(validation_labels(), kind="stable")])
    at = AppTest.from_file(APP, default_timeout=90).run()
    next(t for t in at.sidebar.text_input if t.label == "Add a prediction file by path").set_value(
        str(f)
    )
    next(b for b in at.sidebar.button if b.label == "Add").click().run()
    assert "pass --order imagefolder" in _plain(at.sidebar.error[0].value)
    assert "3 models" in _models_status(at)
    at.sidebar.selectbox(key="read_order").set_value("imagefolder").run()
    assert not at.sidebar.error
    summary = _plain(" ".join(m.value for m in at.sidebar.markdown))
    assert "**rows**: 50,000 read imagefolder" in summary
    next(b for b in at.sidebar.button if b.label == "Add model").click().run()
    assert "4 models" in _models_status(at)
    reference = reference_for_rows(table, top1)
    assert at.table[0].value.loc["folder", "multi-label accuracy"] == f"{100 * reference:.2f}"
    # The model keeps the reading it was added with, whatever the options are later.
    at.sidebar.selectbox(key="read_order").set_value(None).run()
    assert "4 models" in _models_status(at) and not at.sidebar.warning


def test_details_opens_the_image_page_only_for_a_name_on_the_grid(demo, monkeypatch):
    """The grid's Details link points at the image page within the view; a click comes back
    as a trigger value, and only a name shown on this grid opens anything."""
    import ui.grid

    table, models = demo
    seen: dict = {}

    class _Result:
        def __init__(self, opened):
            self.open = opened

    def fake_component(*, data, key, **callbacks):
        assert set(callbacks) == {"on_open_change", "on_page_change", "on_size_change"}
        seen["tiles"] = data["tiles"]
        return _Result(seen.pop("open", None))

    monkeypatch.setattr(ui.grid, "_component", fake_component)
    at = _app({"state": "multi", "page": "2"})
    first = seen["tiles"][0]["name"]
    rows = view_rows(table, models, BrowseState(states=("multi",)))
    assert first == str(table.file_name[rows[48]])
    assert seen["tiles"][0]["href"] == f"image?state=multi&page=2&image={first}"
    for hostile in ("../../etc/passwd", str(table.file_name[rows[0]]), ["x"], 3):
        seen["open"] = hostile  # not on this page's grid: nothing happens
        at.run()
        assert not at.exception and _count(at) == len(rows)
    seen["open"] = first
    at.run()
    assert not at.exception
    assert at.title[0].value == first
    assert at.query_params["image"] in (first, [first])
    assert at.query_params["page"] in ("2", ["2"])


def test_the_grid_holds_the_next_page_once_made_ahead(demo):
    """Browse sends the page with the next and previous pages' tiles once the background has
    made their thumbnails, so the grid's Next and Previous show them at once; the tiles are
    exactly what those pages' own runs send (same links), so the grid does not redraw when
    the run arrives."""
    from ui.render import _ahead

    table, models = demo
    state = BrowseState(states=("multi",), page=2)
    rows = view_rows(table, models, state)
    at = _app(to_params(state))
    _ahead.submit(lambda: None).result(timeout=60)  # the background has made pages 3 and 4
    at.run()
    grid = next(e for e in at.get("bidi_component") if e.proto.id.endswith("-browse_grid"))
    paging = json.loads(grid.proto.json)["paging"]
    pages = -(-len(rows) // 48)
    assert (paging["page"], paging["pages"]) == (2, pages)
    assert paging["view"] == "state=multi"
    nxt = paging["next"]
    assert [t["name"] for t in nxt] == [str(table.file_name[r]) for r in rows[96:144]]
    assert all(f"&page=3&image={t['name']}" in t["href"] for t in nxt)
    # The previous page comes along too (made when page 1 was shown), as page 1's run sends it.
    prev = paging["prev"]
    assert [t["name"] for t in prev] == [str(table.file_name[r]) for r in rows[:48]]
    second = grid_tiles(at, "browse_grid")
    at.session_state["f_page"] = 3  # what the grid's Next sets (its trigger's callback)
    at.run()
    assert grid_tiles(at, "browse_grid") == nxt

    def paging_now() -> dict:
        grid = next(e for e in at.get("bidi_component") if e.proto.id.endswith("-browse_grid"))
        return json.loads(grid.proto.json)["paging"]

    # Page 2, just shown, is held by the grid: not sent again; page 4 is.
    assert paging_now()["prev"] is None
    assert [t["name"] for t in paging_now()["next"]] == [
        str(table.file_name[r]) for r in rows[144:192]
    ]
    at.session_state["f_page"] = 2  # what the grid's Previous sets
    at.run()
    assert grid_tiles(at, "browse_grid") == second
    assert paging_now()["next"] is None and paging_now()["prev"] == prev
    at.session_state["f_page"] = 1
    at.run()
    assert grid_tiles(at, "browse_grid") == prev


def test_the_grid_sets_page_and_size_only_to_values_it_offers(demo, monkeypatch):
    """The grid's page field and per-page list come back as trigger values: a page in the
    view and an offered size are taken (the URL follows); anything else from the browser
    (out of range, a string, a bool, a size not offered) changes nothing."""
    import streamlit as st

    import ui.grid

    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("multi",)))
    pages = -(-len(rows) // 48)
    seen: dict = {}

    def fake_component(*, data, key, **callbacks):
        seen["paging"] = data.get("paging")
        if "fire" in seen:  # as Streamlit does for a trigger: the value, then its callback
            name, value = seen.pop("fire")
            st.session_state[key] = {name: value}
            callbacks[f"on_{name}_change"]()
            st.rerun()
        return None

    monkeypatch.setattr(ui.grid, "_component", fake_component)
    at = _app({"state": "multi"})
    assert (seen["paging"]["page"], seen["paging"]["size"]) == (1, 48)
    assert seen["paging"]["sizes"] == [24, 48, 96]
    for name, value in (
        ("page", pages + 1),
        ("page", 0),
        ("page", "2"),
        ("page", True),
        ("size", 1000),
        ("size", "24"),
        ("size", 0),
    ):
        seen["fire"] = (name, value)
        at.run()
        assert not at.exception
        assert (seen["paging"]["page"], seen["paging"]["size"]) == (1, 48), (name, value)
        assert "page" not in at.query_params and "size" not in at.query_params
    seen["fire"] = ("page", pages)
    at.run()
    assert seen["paging"]["page"] == pages and at.query_params["page"] in (str(pages), [str(pages)])
    assert f"page {pages} of {pages}" in _plain(
        next(m.value for m in at.markdown if "images" in m.value)
    )
    seen["fire"] = ("size", 24)
    at.run()
    assert seen["paging"]["size"] == 24 and at.query_params["size"] in ("24", ["24"])


def test_browse_opened_bare_comes_back_to_the_sessions_last_view(demo):
    """The sidebar (or Back to /browse) opens Browse without parameters: the filter the user
    set is still there, in the view and in the URL; clearing a hidden filter is not undone."""
    at = _app({"state": "multi", "page": "2"})
    multi = _count(at)
    assert multi < 20_000
    for key in list(at.query_params):
        del at.query_params[key]
    at.switch_page(IMAGE).run()
    at.switch_page(BROWSE).run()
    assert _count(at) == multi
    assert at.query_params["state"] in ("multi", ["multi"])
    assert at.query_params["page"] in ("2", ["2"])
    # The image page's own "← Browse" keeps it too (Streamlit drops a page's widget values
    # while another page is shown: they are set again from the URL).
    at.query_params["image"] = "ILSVRC2012_val_00000001.JPEG"
    at.switch_page(IMAGE).run()
    next(b for b in at.button if b.label == "← Browse").click().run()
    assert _count(at) == multi
    # A hidden filter cleared with its button stays cleared.
    at = _app({"file": ["1", "2"]})
    assert _count(at) == 2
    next(b for b in at.button if b.label == "Clear these").click().run()
    assert _count(at) == 20_000
    at.run()
    assert _count(at) == 20_000
