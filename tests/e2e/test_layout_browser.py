"""No text cut off: on every page, at 1280 and 1920 pixels wide, no element shows only part
of its text (ellipsis or clipped overflow). Form fields, pictures and charts are not text;
the skip link is hidden until focused, by design. And no page asks anything of another
host."""

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "",
    "browse?state=multi&state=not_problematic&class=n02123045",
    "accuracy",
    "compare",
    "imagenet-m",
    "review",
    "labels",
    "teach",
    "image?image=ILSVRC2012_val_00000001.JPEG",
]
# Leaf elements with text whose content is wider than their box and does not show, or that a
# widget shortened itself with a trailing ellipsis.
CLIPPED = """() => {
  const roots = [document, ...[...document.querySelectorAll('*')]
    .filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  const out = [];
  for (const root of roots) for (const e of root.querySelectorAll('*')) {
    if (['INPUT', 'TEXTAREA', 'SELECT', 'svg', 'CANVAS', 'IMG'].includes(e.tagName)) continue;
    if (e.children.length || !e.textContent.trim() || e.clientWidth === 0) continue;
    if (e.closest('[data-testid="stSkipToContent"]')) continue;
    const s = getComputedStyle(e);
    const hides = s.overflowX !== 'visible' || s.textOverflow === 'ellipsis';
    const text = e.textContent.trim();
    // Cut by the browser (overflow), or by the widget's own code (a trailing "…").
    if ((hides && e.scrollWidth > e.clientWidth + 1) || text.endsWith('\u2026')) {
      out.push(text.slice(0, 80));
    }
  }
  return out;
}"""


WIDTHS = (1280, 1920)


def _clipped_once_still(page) -> list[str]:
    """The text cut off once the page has stopped moving: text in a sidebar or a block still
    being laid out is cut for a few frames (seen once in three runs on a loaded machine), so
    the check is a condition, up to 3 s, and what is still cut then is the answer."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => ({CLIPPED})().length === 0", timeout=3000, polling=250)
    except PlaywrightTimeout:
        return page.evaluate(CLIPPED)
    return []


def test_no_text_is_cut_off_on_any_page_and_nothing_is_fetched_from_outside(app_server, browser):
    """Each page is loaded once and looked at in both widths (the window resized, as a user
    does). Every request the pages make goes to the app's own server: a lab's network sees
    no request to a third party (a Material icon name as the tab icon would fetch it from
    fonts.gstatic.com)."""
    from tests.e2e.server import settle

    # Its own context, so nothing comes from a cache the other tests filled: every request
    # the pages make is seen.
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
    outside = []
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((app_server, "data:", "blob:")) else outside.append(r.url)
        ),
    )
    try:
        cut = {}
        for path in PAGES:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            page.goto(f"{app_server}/{path}")
            page.locator('[data-testid="stSidebar"]').get_by_text("3 models").first.wait_for(
                state="attached", timeout=60_000
            )
            page.wait_for_load_state("networkidle")
            settle(page)
            for width in WIDTHS:
                if width != WIDTHS[0]:
                    page.set_viewport_size({"width": width, "height": 900})
                    # The new layout is there once two frames have been drawn at this width.
                    page.wait_for_function(
                        f"""() => new Promise(done => requestAnimationFrame(() =>
                            requestAnimationFrame(() => done(innerWidth === {width}))))"""
                    )
                    settle(page)
                found = _clipped_once_still(page)
                if found:
                    cut[f"{path or 'overview'} at {width}"] = found
        assert not cut, cut
        assert not outside, outside
    finally:
        page.close()
