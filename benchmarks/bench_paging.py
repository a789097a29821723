"""Browse paging at full size in a real browser, against a floor in plain JavaScript (#29).

Starts the app on the full-size stand-in (``python -m benchmarks.standin`` first) and drives
Debian's Chromium. Every interaction is timed by the page's own clock, from the pointer press
(or key press) until what it asked for is on screen, checked at every animation frame by a
watcher armed in the page before the press (:func:`timed`), so the driver's own latency is
not counted:

* **next page** and **previous page** with the grid's own buttons, after a 1.5 s look at
  each page (as someone reading it): until its 48 new thumbnails are loaded;
* **jump to page K** (typed in the page field) to pages nobody has seen;
* **filter change** (a label-state filter on and off): until the new count is shown;
* **next image** on the Image page (its Next button): until the new picture is loaded, and
  (``next_image_whole_page``) until the page's heading names the new image;
* **floor**: a static page in the same browser that swaps 48 thumbnails already decoded in
  plain JavaScript, timed the same way: the least any page can take to show them.

It prints p50 and p95 of each, their ratio to the floor, and the server's memory after the
paging. Targets (#29): next / previous page and next image p50 <= 60 ms, p95 <= 120 ms;
filter change p50 <= 150 ms; server memory <= 350 MB after 100 pages.

Usage: ``python -m benchmarks.bench_paging [--clicks 20] [--look 1.5]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_browse import (
    DATA_DIR,
    MARK_PRESSES,
    NEW_PICTURES,
    _rss_mb,
    srcs,
    thumbs_loaded,
)
from tests.e2e.server import CHROMIUM_ARGS, serve

ROOT = Path(__file__).resolve().parents[1]
# The grid's own buttons, inside its shadow root.
GRID_BUTTON = (
    "cls => [...document.querySelectorAll('[data-testid=stBidiComponentIsolated]')]"
    ".map(h => h.shadowRoot && h.shadowRoot.querySelector('nav.imlr-pages button.' + cls))"
    ".find(Boolean)"
)
# The floor: 48 tiles whose pictures are swapped for 48 others already decoded.
FLOOR_PAGE = """<!doctype html><meta charset=utf-8><body><button id=swap>Next</button>
<ul id=grid style="display:grid;grid-template-columns:repeat(6,192px);list-style:none"></ul>
<script>
const pages = %s;
const built = pages.map(p => p.map(src => { const i = new Image(192, 144); i.src = src;
  i.decode().catch(() => {}); const li = document.createElement('li'); li.append(i); return li; }));
let k = 0;
const grid = document.getElementById('grid');
grid.replaceChildren(...built[0]);
document.getElementById('swap').onclick = () => { k = (k + 1) %% built.length;
  grid.replaceChildren(...built[k]); };
</script>"""
FLOOR_NEW = (
    "old => [...document.querySelectorAll('#grid img')]"
    ".filter(i => i.complete && i.naturalWidth > 0 && !old.includes(i.src)).length >= 48"
)


# A watcher armed in the page before the press: at every animation frame after it, each
# condition is checked, and the first frame where it holds is kept. The driver only reads the
# result afterwards, so its own latency after a click (30-130 ms when the page's main thread is
# busy with the run that follows, measured) is never counted.
ARM = """([sources, arg]) => {
  const conds = sources.map(s => (0, eval)('(' + s + ')'));
  const token = {}; const since = performance.now();
  window.__armed = token; window.__shownAt = conds.map(() => null);
  const tick = () => {
    if (window.__armed !== token) return;
    if (window.__pressed > since) conds.forEach((c, k) => {
      if (window.__shownAt[k] === null && c(arg)) window.__shownAt[k] = performance.now();
    });
    if (window.__shownAt.includes(null) && performance.now() - since < 120000)
      requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def timed(page, act, *conditions: str, arg=None, timeout: float = 60) -> list[float]:
    """Seconds from the press that ``act()`` makes until each of ``conditions`` (JS functions
    of ``arg``) first holds at an animation frame, watched in the page from before the press.

    Raises:
        PlaywrightTimeout: a condition did not hold within ``timeout`` seconds.
    """
    page.evaluate(ARM, [list(conditions), arg])
    act()
    shown = page.wait_for_function(
        "() => !window.__shownAt.includes(null) && window.__shownAt.map(t => t - window.__pressed)",
        timeout=timeout * 1000,
    ).json_value()
    return [round(ms / 1000, 3) for ms in shown]


def _stats(times: list[float]) -> dict:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(times), 3),
        "p95": round(p95, 3),
        "n": len(times),
        "each": " ".join(str(round(t * 1000)) for t in times),  # ms, in order
    }


def _floor(browser, thumbnails: list[bytes], clicks: int) -> dict:
    urls = ["data:image/jpeg;base64," + base64.b64encode(t).decode() for t in thumbnails]
    pages = [urls[k : k + 48] for k in range(0, len(urls) - 47, 48)]
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.set_content(FLOOR_PAGE % json.dumps(pages))
    page.wait_for_function(
        "() => [...document.querySelectorAll('#grid img')].every(i => i.complete)"
    )
    page.evaluate(MARK_PRESSES)
    times = []
    for _ in range(clicks):
        old = page.evaluate("() => [...document.querySelectorAll('#grid img')].map(i => i.src)")
        times += timed(page, lambda: page.click("#swap"), FLOOR_NEW, arg=old)
        page.wait_for_timeout(300)
    page.close()
    return _stats(times)


def main() -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from data_access.sources.source import open_source

    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--look", type=float, default=1.5, help="seconds on each page")
    args = parser.parse_args()
    if not (DATA_DIR / "imagenet2012_multilabel").exists():
        sys.exit("no stand-in yet: run `python -m benchmarks.standin` first")
    os.environ["IMLR_INDEX_DIR"] = tempfile.mkdtemp(prefix="bench-index-")
    source = open_source("tfds", data_dir=DATA_DIR)  # warm index, as after a first open
    names = [str(n) for n in source.table.file_name[:96]]
    floor_thumbs = source.thumbs.many(names)
    out: dict = {}
    look = int(args.look * 1000)
    with (
        serve(app_args=["--source", "tfds", "--data-dir", str(DATA_DIR)]) as (url, proc),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        out["floor_swap_48_s"] = _floor(browser, floor_thumbs, args.clicks)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(f"{url}/browse")
        thumbs_loaded(page, 48)
        page.wait_for_timeout(look)
        page.evaluate(MARK_PRESSES)
        pages_seen = 1
        for kind in ("next", "prev"):
            times = []
            for _ in range(args.clicks):
                button = page.evaluate_handle(GRID_BUTTON, kind).as_element()
                times += timed(page, button.click, NEW_PICTURES, arg=srcs(page))
                pages_seen += 1
                page.wait_for_timeout(look)
            out[f"{kind}_page_s"] = _stats(times)
        field = page.get_by_label("Go to page")
        times = []
        for k in range(args.clicks):
            field.fill(str(150 + 7 * k))  # pages nobody has seen
            times += timed(page, lambda: field.press("Enter"), NEW_PICTURES, arg=srcs(page))
            pages_seen += 1
            page.wait_for_timeout(look)
        out["jump_to_unseen_page_s"] = _stats(times)
        box = page.locator('[data-testid="stMultiSelect"]', has_text="Label state")
        on, off, lost = [], [], 0
        for _ in range(max(3, args.clicks // 4)):
            box.locator("input").click()
            option = page.get_by_role("option", name="ImageNet-M")
            shown = "() => document.body.innerText.includes('68 of 20,000')"
            try:
                on += timed(page, option.click, shown, timeout=10)
            except PlaywrightTimeout:
                # Seen in about one sequence in five: the option's click reaches the open list
                # but Streamlit's frontend sends no run (no message leaves the page; the
                # server's log has none). Counted, and the option clicked again, as a user would.
                lost += 1
                on += timed(page, option.click, shown)
            page.keyboard.press("Escape")
            page.wait_for_timeout(look)
            clear = box.get_by_role("button", name="Clear all").first
            off += timed(page, clear.click, "() => document.body.innerText.includes('20,000 of')")
            page.wait_for_timeout(look)
        out["filter_change_s"] = _stats(on + off)
        out["filter_clicks_lost"] = lost
        # Next image, on the Image page of the view's first image: until the new picture is
        # on screen (the viewer's own swap), and until the page's heading names it (the server's
        # run for the rest of the page).
        page.goto(f"{url}/image?image={names[0]}")
        page.get_by_role("heading", name=names[0]).wait_for(timeout=60_000)
        next_button = page.locator(".imlr-viewer button.next")
        times, whole = [], []
        for k in range(args.clicks):
            page.locator('.imlr-viewer[data-ready~="next"]').wait_for()
            page.wait_for_timeout(look)
            if k == 0:
                page.evaluate(MARK_PRESSES)
            picture, heading = timed(
                page,
                next_button.click,
                "name => { const v = [...document.querySelectorAll('*')]"
                ".map(e => e.shadowRoot && e.shadowRoot.querySelector('.imlr-viewer'))"
                ".find(Boolean); const i = v && v.querySelector('.picture img');"
                " return i && i.complete && i.naturalWidth > 0"
                " && v.querySelector('figcaption').textContent.startsWith(name); }",
                "name => [...document.querySelectorAll('h1')]"
                ".some(h => h.textContent.includes(name))",
                arg=names[k + 1],
            )
            times.append(picture)
            whole.append(heading)
        out["next_image_s"] = _stats(times)
        out["next_image_whole_page_s"] = _stats(whole)
        # To 100 pages seen, for the server's memory.
        page.goto(f"{url}/browse")
        thumbs_loaded(page, 48)
        page.evaluate(MARK_PRESSES)
        while pages_seen < 100:
            old = srcs(page)
            page.evaluate_handle(GRID_BUTTON, "next").as_element().click()
            page.wait_for_function(NEW_PICTURES, arg=old)
            pages_seen += 1
        out["server_rss_mb_after_100_pages"] = round(_rss_mb(proc.pid), 1)
        browser.close()
    floor = out["floor_swap_48_s"]["p50"]
    for key in ("next_page_s", "prev_page_s", "next_image_s"):
        out[key]["p50_vs_floor"] = round(out[key]["p50"] / floor, 1) if floor else None
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
