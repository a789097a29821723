"""End to end in Chromium: reviewing three mistakes in a row."""

import sqlite3

import pytest

pytestmark = pytest.mark.browser


def test_review_three_mistakes_in_a_row(app_server, page):
    page.goto(f"{app_server}/review")
    name_box = page.get_by_role("textbox", name="Your name (saved with every review)")
    name_box.fill("e2e-reviewer")
    name_box.press("Enter")
    page.get_by_text("0 of").first.wait_for()
    seen = []
    for k in range(3):
        heading = page.locator("h3").filter(has_text="ILSVRC2012_val_").first
        heading.wait_for()
        seen.append(heading.inner_text().strip())
        page.get_by_role("radiogroup", name="Category").get_by_text("Spurious Correlation").click()
        page.get_by_role("radiogroup", name="Severity").get_by_text("Major").click()
        note = page.get_by_role("textbox", name="Note")
        note.fill(f"seen in the browser {k}")
        if k < 2:
            page.get_by_role("button", name="Save and go to the next").click()
        else:  # the last one with the keyboard alone
            note.press("Control+Enter")
        page.get_by_text(f"{k + 1} of").first.wait_for(timeout=30_000)
    assert len(set(seen)) == 3
    db = page.get_by_text("Reviews are saved to").inner_text().split("Reviews are saved to ")[1]
    with sqlite3.connect(db.strip()) as con:
        rows = con.execute(
            "SELECT file_name, category, severity, note FROM reviews WHERE reviewer=? "
            "ORDER BY file_name",
            ("e2e-reviewer",),
        ).fetchall()
    assert [r[0] for r in rows] == sorted(seen)
    assert {r[1] for r in rows} == {"spurious_correlation"} and {r[2] for r in rows} == {"major"}
