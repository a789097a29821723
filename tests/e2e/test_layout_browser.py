"""No text cut off: on every page, at 1280 and 1920 pixels wide, no element shows only part
of its text (ellipsis or clipped overflow). Form fields, pictures and charts are not text;
the skip link is hidden until focused, by design."""

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


@pytest.mark.parametrize("width", [1280, 1920])
def test_no_text_is_cut_off_on_any_page(app_server, browser, width):
    from tests.e2e.server import settle

    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        cut = {}
        for path in PAGES:
            page.goto(f"{app_server}/{path}")
            page.locator('[data-testid="stSidebar"]').get_by_text("3 models").first.wait_for(
                state="attached", timeout=60_000
            )
            page.wait_for_load_state("networkidle")
            settle(page)
            found = page.evaluate(CLIPPED)
            if found:
                cut[path or "overview"] = found
        assert not cut, cut
    finally:
        page.close()
