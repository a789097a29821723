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
        heading = page.locator("h3").filter(has_text="ILSVRC2012_val_")
        for shown in seen:  # the next image, once the run after the save has drawn it
            heading = heading.filter(has_not_text=shown)
        heading.first.wait_for(timeout=30_000)
        seen.append(heading.first.inner_text().strip())
        page.get_by_role("radiogroup", name="Category").get_by_text("Spurious Correlation").click()
        page.get_by_role("radiogroup", name="Severity").get_by_text("Major").click()
        note = page.get_by_role("textbox", name="Note")
        note.fill(f"seen in the browser {k}")
        if k == 0:
            page.get_by_role("button", name="Save and go to the next").click()
        elif k == 1:  # from the note, with the keyboard
            note.press("Control+Enter")
        else:  # from the severity just chosen: the focus on a radio button (Streamlit's own
            # shortcut ignores form fields; ui/review_queue.ctrl_enter_saves handles it)
            page.get_by_role("radiogroup", name="Severity").get_by_role("radio").first.focus()
            page.keyboard.press("Control+Enter")
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


def _save_first(page, url: str, reviewer: str, category: str) -> str:
    page.goto(f"{url}/review")
    box = page.get_by_role("textbox", name="Your name (saved with every review)")
    box.fill(reviewer)
    box.press("Enter")
    page.get_by_text("0 of").first.wait_for()
    heading = page.locator("h3").filter(has_text="ILSVRC2012_val_").first
    heading.wait_for()
    name = heading.inner_text().strip()
    page.get_by_role("radiogroup", name="Category").get_by_text(category).click()
    page.get_by_role("radiogroup", name="Severity").get_by_text("Minor").click()
    return name


def test_two_sessions_reviewing_at_once_lose_nothing(app_server, page, other_person):
    """Two browser sessions on the same image: both reviews and the full history are kept."""
    pages = [page, other_person]  # two people, each in a browser context of their own
    first = _save_first(pages[0], app_server, "twin-a", "Non-prototypical")
    second = _save_first(pages[1], app_server, "twin-b", "Spurious Correlation")
    assert first == second  # the same queue, the same first image
    # Submit both, then each session saves the same image once more under the same name.
    for p in pages:
        p.get_by_role("button", name="Save and go to the next").click()
    for p in pages:
        p.get_by_text("1 of").first.wait_for(timeout=30_000)
    db = pages[0].get_by_text("Reviews are saved to").inner_text().split("to ")[1].strip()
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT reviewer, category FROM reviews WHERE file_name=? AND reviewer LIKE 'twin-%' "
            "ORDER BY reviewer",
            (first,),
        ).fetchall()
        history = con.execute(
            "SELECT COUNT(*) FROM review_history WHERE file_name=? AND reviewer LIKE 'twin-%'",
            (first,),
        ).fetchone()[0]
    assert rows == [("twin-a", "non_prototypical"), ("twin-b", "spurious_correlation")]
    assert history == 2


def test_killed_server_keeps_saved_reviews(page, tmp_path):
    """SIGKILL the server right after a save: the review is there when it comes back."""
    import os
    import signal

    from tests.e2e.server import serve

    with serve(tmp_path) as (url, proc):
        name = _save_first(page, url, "crash-test", "Non-prototypical")
        page.get_by_role("button", name="Save and go to the next").click()
        page.get_by_text("1 of").first.wait_for(timeout=30_000)
        # A second review being typed when the server dies is allowed to be lost.
        page.get_by_role("radiogroup", name="Category").get_by_text("Other model failure").click()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    db = tmp_path / "data" / "reviews.sqlite"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT file_name, category FROM reviews").fetchall() == [
            (name, "non_prototypical")
        ]
    with serve(tmp_path) as (url, _):
        page.goto(f"{url}/review")
        box = page.get_by_role("textbox", name="Your name (saved with every review)")
        box.fill("crash-test")
        box.press("Enter")
        page.get_by_text("1 of").first.wait_for(timeout=30_000)
