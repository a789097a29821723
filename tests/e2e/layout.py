"""Text cut off in a page, for the browser tests: what counts as cut, and how to look once
the page has stopped moving."""

from __future__ import annotations

from tests.e2e.server import settle

# The text a reader sees only part of: a leaf element whose text is wider than its box and
# does not show, or that a widget shortened itself with a trailing ellipsis; a block that ends
# its text in an ellipsis (Streamlit's widget and metric labels, whose text sits in an inline
# child); a chart's label that Vega cut short. Form fields, pictures and canvases are not
# text; the skip link is hidden until focused, by design.
CLIPPED = """() => {
  const roots = [document, ...[...document.querySelectorAll('*')]
    .filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  const out = [];
  for (const root of roots) for (const e of root.querySelectorAll('*')) {
    if (['INPUT', 'TEXTAREA', 'SELECT', 'svg', 'CANVAS', 'IMG'].includes(e.tagName)) continue;
    if (!e.textContent.trim() || e.clientWidth === 0) continue;
    if (e.closest('[data-testid="stSkipToContent"]')) continue;
    const s = getComputedStyle(e);
    const text = e.textContent.trim();
    if (e.children.length) {
      // A block that ends its text in an ellipsis when the text is wider than it (Streamlit
      // does so for widget labels): its text sits in a child, often an inline one.
      if (s.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1) {
        out.push(text.slice(0, 80));
      }
      continue;
    }
    const hides = s.overflowX !== 'visible' || s.textOverflow === 'ellipsis';
    // Cut by the browser (overflow), or by the widget's own code (a trailing "…").
    if ((hides && e.scrollWidth > e.clientWidth + 1) || text.endsWith('\u2026')) {
      out.push(text.slice(0, 80));
    }
  }
  // A chart's name or label that Vega cut short (its SVG text ends in "…").
  for (const t of document.querySelectorAll('svg text')) {
    if (t.textContent.trim().endsWith('\u2026')) out.push(t.textContent.trim().slice(0, 80));
  }
  return out;
}"""


def clipped_once_still(page) -> list[str]:
    """The text cut off once the page has stopped moving: text in a sidebar or a block still
    being laid out is cut for a few frames (seen once in three runs on a loaded machine), so
    the check is a condition, up to 3 s, and what is still cut then is the answer."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => ({CLIPPED})().length === 0", timeout=3000, polling=250)
    except PlaywrightTimeout:
        return page.evaluate(CLIPPED)
    return []


def at_width(page, width: int) -> None:
    """Resizes the window to ``width`` and waits until the page is drawn at it: two frames
    at the new width, then the elements settled."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_function(
        f"""() => new Promise(done => requestAnimationFrame(() =>
            requestAnimationFrame(() => done(innerWidth === {width}))))"""
    )
    settle(page)
