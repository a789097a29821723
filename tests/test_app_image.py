"""AppTest: the Image page (app_pages/image.py): its labels, its picture viewer (ui/viewer.py)
and a step through the Browse view it was opened from."""

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.browse.url import to_params
from data_access.browse.view import BrowseState, view_rows
from tests.helpers import viewer_data

APP = str(Path(__file__).resolve().parents[1] / "app.py")
IMAGE = "app_pages/image.py"


@pytest.fixture(autouse=True)
def _argv(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])


def test_image_page_and_prev_next(demo):
    table, models = demo
    state = BrowseState(states=("multi",))
    rows = view_rows(table, models, state)
    name = str(table.file_name[rows[1]])
    at = AppTest.from_file(APP, default_timeout=90).run()
    for k, v in to_params(state.with_(image=name)).items():
        at.query_params[k] = v
    at.switch_page(IMAGE).run()
    assert not at.exception
    assert at.title[0].value == name
    labels = at.dataframe[0].value
    row = table.row_of[name]
    assert (
        labels[labels["set"] == "correct"]["index"].tolist()
        == table.correct_multi_labels.row(row).tolist()
    )
    # The viewer: this image's picture, and its neighbours in the view sent ahead.
    data = viewer_data(at)
    assert (data["position"], data["total"]) == (1, len(rows))
    names = [str(n) for n in table.file_name[rows[:4]]]
    assert [data["prev"]["name"], data["current"]["name"], data["next"]["name"]] == names[:3]
    assert all(data[k]["src"].startswith("data:image/") for k in ("prev", "current", "next"))
    # Next (the browser sets the image, ui/viewer.go): the image shown and its next one are
    # sent; the previous one (the image just left) is held by the browser, not sent again.
    at.query_params["image"] = names[2]
    at.run()
    assert at.title[0].value == names[2]
    data = viewer_data(at)
    assert [data["prev"]["name"], data["current"]["name"], data["next"]["name"]] == names[1:4]
    assert data["prev"]["src"] is None and data["prev"]["held"] is True
    assert data["current"]["src"] and data["next"]["src"] and data["next"]["held"] is False
    # Outside the view: the picture, no Previous / Next.
    at.query_params["state"] = "problematic"
    at.run()
    assert not table.is_problematic[table.row_of[names[2]]]
    data = viewer_data(at)
    assert data["position"] is None and "prev" not in data and data["current"]["src"]


def test_image_page_without_or_with_bad_image():
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.query_params["image"] = "ILSVRC2012_val_<b>1</b>.JPEG"
    at.switch_page(IMAGE).run()
    assert not at.exception
    assert "not an annotated image" in at.warning[0].value
    assert "No image chosen" in at.info[0].value


def test_a_step_from_the_browser_lands_only_inside_the_view(demo):
    """The viewer's Previous / Next value comes from the browser: a step from an image of
    the view lands that many images on in the view's order (by hand), a step past either end
    on that end (steps summed while the browser waited can overshoot); anything else (another
    shape, a step of True or 1.0, a name outside the view or the table, no view) is ignored."""
    from ui.viewer import step_asked

    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("multi",)))
    names = [str(table.file_name[r]) for r in rows]
    for start, step, lands in (
        (5, 1, 6), (5, -1, 4), (5, 2, 7), (5, -3, 2), (5, 0, 5),
        (0, -1, 0), (len(names) - 1, 1, len(names) - 1), (3, -10**30, 0), (3, 10**30, -1),
    ):  # fmt: skip
        assert step_asked({"from": names[start], "step": step}, table, rows) == names[lands]
    outside = next(str(n) for k, n in enumerate(table.file_name) if k not in set(rows.tolist()))
    for asked in (
        None, "next", [names[5], 1], {"from": names[5]}, {"from": names[5], "step": "1"},
        {"from": names[5], "step": True}, {"from": names[5], "step": 1.0},
        {"from": outside, "step": 1}, {"from": "../../etc/passwd", "step": 1},
        {"from": 5, "step": 1}, {"step": 1},
    ):  # fmt: skip
        assert step_asked(asked, table, rows) is None, asked
    assert step_asked({"from": names[5], "step": 1}, table, None) is None


def test_the_run_answering_a_step_names_it_and_nothing_else():
    """The id the browser gives a step comes back with the run that answers it, so the viewer
    shows that run and no earlier one; anything but a short string is no id."""
    from ui.viewer import ID_CHARS, answered

    assert answered({"from": "a", "step": 1, "id": "7-1765000000000"}) == "7-1765000000000"
    assert answered({"id": "x" * ID_CHARS}) == "x" * ID_CHARS
    for asked in (None, "7", {"from": "a", "step": 1}, {"id": ""}, {"id": 7},
                  {"id": ["7"]}, {"id": "x" * (ID_CHARS + 1)}):  # fmt: skip
        assert answered(asked) is None, asked


def test_neighbours_too_large_to_send_ahead_are_asked_for_on_the_click(demo, monkeypatch):
    """A neighbour larger than ui.viewer.HOLD_BYTES is not sent ahead (a step to it asks the
    server); the image shown is sent whatever its size."""
    import ui.viewer

    monkeypatch.setattr(ui.viewer, "HOLD_BYTES", 100)
    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("multi",)))
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.query_params["state"] = "multi"
    at.query_params["image"] = str(table.file_name[rows[1]])
    at.switch_page(IMAGE).run()
    data = viewer_data(at)
    assert data["current"]["src"].startswith("data:image/")
    assert data["prev"]["src"] is None and data["next"]["src"] is None
    assert data["prev"]["held"] is False and data["next"]["held"] is False


def test_an_images_heading_reads_the_same_on_the_image_review_and_labels_pages(
    demo, monkeypatch, tmp_path
):
    """The original label by name and wnid on all three pages; on Review and Labels also the
    file name as the heading and the label sets as chips, each class and wnid on hover."""
    from data_access.classes import load_classes
    from data_access.reviews import review_queue
    from tests.helpers import plain

    table, models = demo
    classes = load_classes()
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(tmp_path / "r.sqlite")])

    def shows_heading(at, name: str, *, full: bool) -> None:
        row = table.row_of[name]
        orig = int(table.original_label[row])
        texts = [plain(m.value) for m in at.markdown]
        assert f"**Original label:** {classes.names[orig]} `{classes.wnids[orig]}`" in texts
        if not full:
            return
        assert f"### {name}" in texts
        hover = {
            f"{kind}: {classes.names[k]} ({classes.wnids[k]})"
            for kind, labels in (
                ("correct", table.correct_multi_labels),
                ("unclear", table.unclear_multi_labels),
                ("wrong", table.wrong_multi_labels),
            )
            for k in labels.row(row).tolist()
        }
        chips = next(m for m in at.markdown if m.proto.help and "badge[" in m.value)
        assert set(chips.proto.help.split("\n")) == hover
        for k in table.correct_multi_labels.row(row).tolist():
            assert classes.names[k] in plain(chips.value)

    first = str(table.file_name[0])
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["image"] = first
    at.run()
    at.switch_page(IMAGE).run()
    shows_heading(at, first, full=False)
    at.session_state.lb_current = first
    at.switch_page("app_pages/labels.py").run()
    shows_heading(at, first, full=True)
    top1 = models[next(iter(models))].top1
    queued = str(table.file_name[review_queue(table, top1)[0]])
    at.switch_page("app_pages/review.py").run()
    assert not at.exception
    shows_heading(at, queued, full=True)
