"""End to end in Chromium: the image grid (ui/grid.py) on Browse, ImageNet-M and Overview."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data_access.browse.view import BrowseState, view_rows
from data_access.classes import load_classes
from tests.e2e.server import settle

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
    # Keyboard only: from the last control above the grid, Tab reaches the grid's page
    # controls (Previous is disabled on page 1, so skipped): the page field, Next page, the
    # page size; then the first tile's Details link.
    focused = (
        "() => { const h = [...document.querySelectorAll('*')].find(e => e.shadowRoot &&"
        " e.shadowRoot.activeElement); const a = h && h.shadowRoot.activeElement;"
        " return a ? (a.getAttribute('aria-label') || a.labels?.[0]?.textContent.trim()"
        " || a.textContent) : null; }"
    )
    page.get_by_role("switch", name="Show the file names to copy").focus()
    for name in ("Go to page", "Next page →", "Per page"):
        page.keyboard.press("Tab")
        assert page.evaluate(focused).startswith(name)
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == f"Details: {first}"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=first).wait_for()
    assert f"image={first}" in page.url and "state=multi" in page.url
    assert page.evaluate("() => window.__same_session === true")


def test_imagenet_m_gallery_is_one_grid(app_server, page, demo):
    table, _ = demo
    page.goto(f"{app_server}/imagenet-m")
    page.locator("li.tile img").nth(67).wait_for()
    shown = page.locator("li.tile .file").all_text_contents()
    assert shown == [str(n) for n in table.file_name[table.in_imagenet_m]]
    alts = page.locator("li.tile img").evaluate_all("imgs => imgs.map(i => i.alt)")
    assert all("in ImageNet-M" in a for a in alts)
    assert page.locator('[data-testid="stImage"]').count() == 0  # no per-tile elements


def test_hostile_model_name_in_the_grid_is_text(page, demo, tmp_path):
    """A model named like markup shows its name literally on every verdict chip and runs
    nothing."""
    from tests.e2e.layout import at_width, clipped_once_still
    from tests.e2e.server import serve, settle
    from tests.helpers import write_top1_csv

    table, models = demo
    name = "<img src=x onerror=window.__pwned=1>**b**"
    folder = tmp_path / "preds"
    folder.mkdir()
    path = write_top1_csv(folder / f"{name}.csv", table, models["demo-weak"].top1)
    home = tmp_path / "home"
    home.mkdir()
    with serve(home, app_args=["--predictions", str(path)]) as (url, _):
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
        # Its long name is shown whole beside the demo's three on ImageNet-M's scores, on
        # a projector's 1024 pixels (a metric's one-line label cut such names short).
        at_width(page, 1024)
        page.goto(f"{url}/imagenet-m")
        page.get_by_text(f"{len(table.file_name[table.in_imagenet_m])} of").first.wait_for()
        settle(page)
        assert page.get_by_text(name, exact=True).count() >= 1
        assert clipped_once_still(page) == []
        assert page.evaluate("() => window.__pwned") is None


def test_grid_pages_forward_and_back_with_its_own_buttons(app_server, page, demo):
    """The grid's Next / Previous page buttons move through the view: the tiles, the page
    field and the URL agree after each move, and Previous shows the page held at once."""
    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("multi",)))

    def names(k: int) -> list[str]:
        return [str(n) for n in table.file_name[rows[(k - 1) * 48 : k * 48]]]

    def on_page(k: int) -> None:
        page.wait_for_function(f"() => location.search.includes('page={k}')")
        page.locator("li.tile .file").first.filter(has_text=names(k)[0]).wait_for()
        assert page.locator("li.tile .file").all_text_contents() == names(k)
        field = page.get_by_label("Go to page")
        page.wait_for_function(
            "([el, k]) => el.value === String(k)", arg=[field.element_handle(), k]
        )

    page.goto(f"{app_server}/browse?state=multi")
    page.locator("li.tile img").first.wait_for()
    top = page.locator("nav.imlr-pages").first
    assert top.locator(".prev").is_disabled()
    top.get_by_role("button", name="Next page →").click()
    on_page(2)
    top.get_by_role("button", name="Next page →").click()
    on_page(3)
    assert top.locator(".where").inner_text() == f"Page 3 of {-(-len(rows) // 48)}"
    bottom = page.locator("nav.imlr-pages").last
    bottom.get_by_role("button", name="← Previous page").click()
    on_page(2)


def _rerun_until_held(page, held: int) -> None:
    """Reruns the view (the file-name switch) until the grid holds page ``held`` with its
    pictures decoded: the background makes its thumbnails meanwhile, and a run sends a page
    only once they are made."""
    switch = page.get_by_text("Show the file names to copy")
    for _ in range(30):
        switch.click()
        try:
            page.locator(f'.imlr[data-held~="{held}"]').wait_for(state="attached", timeout=1000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"page {held} was never held")


def test_a_page_opened_by_its_link_holds_its_previous_page_built_and_loaded(app_server, page, demo):
    """Browse opened at page 5 (page 4 never seen) holds page 4 too, once the background has
    made it: Previous swaps it in within the click itself (no server run can answer that
    soon), every picture already loaded."""
    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("multi",)))
    fourth = [str(n) for n in table.file_name[rows[144:192]]]
    page.goto(f"{app_server}/browse?state=multi&page=5")
    page.locator("li.tile img").first.wait_for()
    _rerun_until_held(page, 4)  # the background makes pages 4, 6 and 7
    prev = page.locator("nav.imlr-pages").first.locator("button.prev")
    shown = prev.evaluate(
        """b => { b.click(); const root = b.getRootNode();
            const tiles = [...root.querySelectorAll('li.tile')];
            return [tiles.map(t => t.querySelector('.file').textContent),
                    tiles.every(t => { const i = t.querySelector('img');
                                       return i.complete && i.naturalWidth > 0; })]; }"""
    )
    assert shown == [fourth, True]
    page.wait_for_function("() => location.search.includes('page=4')")


def test_quick_nexts_each_count_and_end_on_the_last_page(app_server, page, demo):
    """Next pressed three times within one task: the first onto a held page (its server call
    waits for the paint), the second onto one not held (asked at once), the third while that
    one is asked (it steps on from the page asked for, not from the page shown): the grid, the
    page field and the URL all end on page 4; the deferred call for page 2 never follows."""
    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("unclear",)))
    assert len(rows) > 4 * 48
    fourth = [str(n) for n in table.file_name[rows[144:192]]]
    page.goto(f"{app_server}/browse?state=unclear")
    page.locator("li.tile img").first.wait_for()
    # Once the background has made page 2, a rerun sends page 1 with it (page 3 is not sent).
    _rerun_until_held(page, 2)
    nxt = page.locator("nav.imlr-pages").first.locator("button.next")
    nxt.evaluate("b => { b.click(); b.click(); b.click(); }")
    page.wait_for_function("() => location.search.includes('page=4')")
    page.locator("li.tile .file").first.filter(has_text=fourth[0]).wait_for()
    # Nothing asked any more, no run under way: a late call for page 2 or 3 would show now.
    page.locator(".imlr:not([data-asking])").wait_for()
    settle(page)
    assert page.locator("li.tile .file").all_text_contents() == fourth
    assert "page=4" in page.url
    assert page.get_by_label("Go to page").input_value() == "4"


def test_go_to_page_field_and_page_size(app_server, page, demo):
    """The grid's own page controls: a typed page number and Enter shows that page (tiles,
    URL, count line agree), the up arrow moves one page, a number out of range puts the
    shown page back, and the per-page list gives pages of 24."""
    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("multi",)))
    pages = -(-len(rows) // 48)

    def first_names(k: int, size: int = 48) -> list[str]:
        return [str(n) for n in table.file_name[rows[(k - 1) * size : k * size]]]

    def shown(k: int, size: int = 48) -> None:
        page.wait_for_function(f"() => location.search.includes('page={k}')")
        page.locator("li.tile .file").first.filter(has_text=first_names(k, size)[0]).wait_for()
        assert page.locator("li.tile .file").all_text_contents() == first_names(k, size)

    page.goto(f"{app_server}/browse?state=multi")
    page.locator("li.tile img").first.wait_for()
    field = page.get_by_label("Go to page")
    assert field.input_value() == "1"
    field.fill(str(pages))
    field.press("Enter")
    shown(pages)
    page.get_by_text(f"images · page {pages} of {pages}").wait_for()
    field.fill("2")
    field.press("Enter")
    shown(2)
    field.press("ArrowUp")
    shown(3)
    field.fill(str(pages + 5))
    field.press("Enter")
    assert field.input_value() == "3" and "page=3" in page.url
    page.get_by_label("Per page").select_option("24")
    page.wait_for_function("() => location.search.includes('size=24')")
    page.locator("li.tile .file").first.filter(has_text=first_names(3, 24)[0]).wait_for()
    assert page.locator("li.tile .file").all_text_contents() == first_names(3, 24)


@pytest.mark.parametrize("width", [1280, 1920])
def test_tile_file_names_wrap_only_at_their_underscores(app_server, page, width):
    """A file name too long for its tile wraps after an underscore, never inside a word:
    each part between the breaks lies on one line."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{app_server}/browse")
    page.locator("li.tile p.file").nth(5).wait_for(timeout=60_000)
    split = page.evaluate(
        """() => [document, ...[...document.querySelectorAll('*')]
            .filter(e => e.shadowRoot).map(e => e.shadowRoot)]
            .flatMap(root => [...root.querySelectorAll('li.tile p.file')]).flatMap(p =>
            [...p.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => {
                const r = document.createRange();
                r.selectNodeContents(n);
                const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                return lines.size > 1 ? n.textContent : null;
            })).filter(Boolean)"""
    )
    assert split == []
    texts = page.locator("li.tile p.file").all_text_contents()
    assert texts and all(t.startswith("ILSVRC2012_val_") for t in texts)  # copied whole
