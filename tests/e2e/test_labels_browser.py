"""End to end in Chromium: label reviews from a Browse view, with the keyboard, by two
reviewers at once."""

import sqlite3

import pytest

pytestmark = pytest.mark.browser


def _open(page, url: str, reviewer: str) -> str:
    page.goto(f"{url}/labels?state=imagenet_m")
    box = page.get_by_role("textbox", name="Your name (saved with every verdict)")
    box.fill(reviewer)
    box.press("Enter")
    page.get_by_text("0 of 68 reviewed").first.wait_for()
    heading = page.locator("h3").filter(has_text="ILSVRC2012_val_").first
    heading.wait_for()
    return heading.inner_text().strip()


def _rows(page, reviewer_like: str) -> list:
    db = page.get_by_text("Verdicts are saved to").inner_text().split("saved to ")[1].strip()
    with sqlite3.connect(db) as con:
        return con.execute(
            "SELECT file_name, reviewer, verdicts, problematic, reason FROM label_reviews "
            "WHERE reviewer LIKE ? ORDER BY reviewer, file_name",
            (reviewer_like,),
        ).fetchall()


def test_two_reviewers_at_once_with_the_keyboard(app_server, page, other_person):
    pages = [page, other_person]  # two people, each in a browser context of their own
    first = [_open(p, app_server, f"lbl-{k}") for k, p in enumerate(pages)]
    assert first[0] == first[1]  # the same queue: the 68 ImageNet-M images
    # One marks the image problematic, the other changes nothing; both save at once
    flag = pages[0].get_by_role("radiogroup", name="Is the image problematic")
    flag.get_by_text("problematic", exact=True).click()
    for p in pages:
        p.get_by_role("textbox", name="Note").fill(f"seen by {p is pages[0]}")
    for p in pages:  # keyboard only: Ctrl+Enter in the note saves and moves on
        p.get_by_role("textbox", name="Note").press("Control+Enter")
    for p in pages:
        p.get_by_text("1 of 68 reviewed").first.wait_for(timeout=30_000)
    rows = _rows(pages[0], "lbl-%")
    assert [(r[0], r[1]) for r in rows] == [(first[0], "lbl-0"), (first[0], "lbl-1")]
    assert rows[0][3] == 1 and rows[0][4]  # problematic, with the source's first reason
    assert rows[1][3] is None
    assert rows[0][2] == rows[1][2] != "{}"  # every label confirmed at the experts' verdict


def test_a_revised_file_uploaded_in_the_sidebar_rescores_every_model(app_server, page, tmp_path):
    import json

    from data_access.sources.labels_json import label_data_from_table
    from data_access.sources.source import open_source

    table = open_source("demo").table
    data = label_data_from_table(table)
    first = str(table.file_name[0])
    entry = data["initial_annots"][first]
    entry["wrong"] = entry.get("wrong", []) + entry.pop("correct")
    path = tmp_path / "revised.json"
    path.write_text(json.dumps(data))
    page.goto(f"{app_server}/accuracy")
    page.get_by_text("Details for model").first.wait_for()
    page.get_by_label("A revised label JSON (from Labels, or `labels revise`)").get_by_test_id(
        "stFileUploaderDropzoneInput"
    ).set_input_files(str(path))
    page.get_by_text("Under the revised labels: revised.json").wait_for(timeout=60_000)
    page.get_by_text("Show the 1 changed images in Browse").wait_for()
    page.get_by_text("Every model is also scored against").first.wait_for()


def test_ctrl_enter_saves_from_a_focused_radio(app_server, page):
    """Keyboard only: a verdict chosen with the arrow keys, then Ctrl+Enter while the focus
    is still on that radio group saves and moves on."""
    from tests.e2e.server import settle

    first = _open(page, app_server, "lbl-radio")
    settle(page)
    flag = page.get_by_role("radiogroup", name="Is the image problematic")
    flag.get_by_role("radio").first.focus()  # "no opinion", the form's starting value
    page.keyboard.press("ArrowRight")  # -> "not problematic", chosen by the keyboard
    focused = page.evaluate("document.activeElement && document.activeElement.type")
    assert focused == "radio"
    page.keyboard.press("Control+Enter")
    page.get_by_text("1 of 68 reviewed").first.wait_for(timeout=30_000)
    rows = _rows(page, "lbl-radio")
    assert [(r[0], r[1], r[3]) for r in rows] == [(first, "lbl-radio", 0)]  # not problematic
