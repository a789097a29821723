"""End to end in Chromium: the image grid (ui/grid.py) on Browse, ImageNet-M and Overview."""

import re

import pytest

from data_access.browse import BrowseState, view_rows
from data_access.classes import load_classes

pytestmark = pytest.mark.browser


def test_details_is_a_keyboard_link_that_stays_in_the_session(app_server, page, demo):
    """Tab reaches each tile's Details link; Enter opens the image page in the same session
    (no page load: what the session holds, such as uploaded models, is still there); the
    link's address is the image page within the view, for a new tab or a copied link."""
    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("multi",)))
    first = str(table.file_name[rows[0]])
    page.goto(f"{app_server}/browse?state=multi")
    link = page.get_by_role("link", name=f"Details: {first}")
    link.wait_for()
    assert link.get_attribute("href") == f"image?state=multi&image={first}"
    assert page.locator("li.tile").count() == 48
    page.evaluate("() => { window.__same_session = true; }")
    # Keyboard only: from the last control above the grid, Tab reaches the first tile's link.
    page.get_by_role("switch", name="Show the file names to copy").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(
        "() => [...document.querySelectorAll('*')].some(e => e.shadowRoot &&"
        " e.shadowRoot.activeElement && e.shadowRoot.activeElement.matches('a.details'))"
    )
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=first).wait_for()
    assert f"image={first}" in page.url and "state=multi" in page.url
    assert page.evaluate("() => window.__same_session === true")


def test_imagenet_m_gallery_is_one_grid(app_server, page, demo):
    table, _ = demo
    page.goto(f"{app_server}/imagenet-m")
    page.locator("li.tile img").nth(67).wait_for()
    shown = page.locator("li.tile .file").all_inner_texts()
    assert shown == [str(n) for n in table.file_name[table.in_imagenet_m]]
    alts = page.locator("li.tile img").evaluate_all("imgs => imgs.map(i => i.alt)")
    assert all("in ImageNet-M" in a for a in alts)
    assert page.locator('[data-testid="stImage"]').count() == 0  # no per-tile elements


def test_hostile_model_name_in_the_grid_is_text(browser, demo, tmp_path):
    """A model named like markup shows its name literally on every verdict chip and runs
    nothing."""
    from tests.e2e.server import serve
    from tests.helpers import write_top1_csv

    table, models = demo
    name = "<img src=x onerror=window.__pwned=1>**b**"
    folder = tmp_path / "preds"
    folder.mkdir()
    path = write_top1_csv(folder / f"{name}.csv", table, models["demo-weak"].top1)
    home = tmp_path / "home"
    home.mkdir()
    with serve(home, app_args=["--predictions", str(path)]) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/browse")
            page.locator("li.tile img").first.wait_for(timeout=60_000)
            chips = page.locator("li.tile .chip", has_text=name)
            chips.first.wait_for()
            assert chips.count() == 48
            pred = load_classes().names[int(models["demo-weak"].top1[0])]
            first = page.locator("li.tile").first.locator(".chip", has_text=name)
            assert re.fullmatch(rf"[✓✗] {re.escape(name)}: {re.escape(pred)}", first.inner_text())
            assert page.locator("li.tile").first.locator("img").count() == 1
            assert page.evaluate("() => window.__pwned") is None
        finally:
            page.close()
