"""Where Browse's browser time goes: element and DOM counts, media requests
and Chromium's main-thread time, for the near-empty Image page, a fresh Browse load and page
changes, against the full-size stand-in (``python -m benchmarks.standin`` first).

Chromium's own counters come from the DevTools protocol (``Performance.getMetrics``:
ScriptDuration = JavaScript, Layout and RecalcStyle = rendering, TaskDuration = all main-
thread work); they restart with each document, so a fresh load reports the new document's
totals and a page change (same document) the difference.

Measured (2 cores, `python -m benchmarks.trace_browse`), before and after the grid became one
element (ui/grid.py):

| case | wall s | elements | DOM nodes | media requests | script s | layout+style s | main s |
|---|---|---|---|---|---|---|---|
| Image page, no image | 1.41-1.59 | 20 | 447 | 2 | 0.47 | 0.08-0.10 | 0.77-0.86 |
| Browse, fresh, cached thumbnails, before | 2.11 | 175 | 2,817 | 50 | 1.16 | 0.28 | 1.92 |
| the same, one-element grid | 1.22 | 32 | 1,101 | 2 | 0.63 | 0.15 | 1.04 |
| Browse, fresh, new thumbnails, before | 2.71 | 175 | 2,915 | 50 | 1.49 | 0.36 | 2.48 |
| the same, one-element grid | 1.79 | 32 | 1,093 | 2 | 1.04 | 0.17 | 1.59 |
| next page (48 new), before | 1.07-1.58 | 175 | ~2,940 | 48 | .51-.80 | .07-.10 | .90-1.32 |
| the same, one-element grid | 0.42-0.66 | 32 | ~1,110 | 0 | .15-.29 | .03-.04 | .35-.54 |

Before: a page of tiles was ~155 more Streamlit elements and ~2,450 more DOM nodes than the
baseline, and 48 separate thumbnail requests; on a page change the browser's main thread worked
0.9-1.3 s, mostly JavaScript (React reconciling the elements, 48 image loads), while the
server's run took ~0.3 s. With the grid as one element (thumbnails inline) a page change costs
the main thread 0.35-0.54 s, most of it Streamlit's own rerun of the ~30 other elements; the
server's script is ~12 ms of it plus ~19 ms of Streamlit's post-run garbage collection
(py-spy on the server during filter changes). DOM nodes include the grid's shadow root.

Later findings (the page's own clock; websocket frames logged by a wrapper in the page;
Chromium's CPU profiler and trace; py-spy on the live server):

* Server: Streamlit's ``gc.collect(2)`` after every run took 30-120 ms with TensorFlow loaded,
  more than the Browse script itself, holding the interpreter while the run's last messages
  went out; ``runner.postScriptGC = false`` (.streamlit/config.toml) took the filter change's
  median from 0.24 to 0.15 s. On a fresh load (a new session) Streamlit also empties its
  compiled-script cache, so app.py and the page were compiled again with magic's AST rewrite
  (up to a third of the script thread); magic is off now, and the command line, parsed
  several times a run, is parsed once: Browse's first render 0.10-0.11 -> 0.06 s (AppTest).
* The page widget's "+": the click reached the server in 12-19 ms, the grid's message (the
  page and the next one, ~770 KB) arrived 130-230 ms after the press and its pictures showed
  at 225-430 ms: a server run and a redraw of the whole view for a page the grid already
  held. Paging is now the grid's own (Previous / Next, Go to page, Per page).
* A fresh load: after the last message the browser works ~0.5 s more. CPU profile, Browse
  against the empty page: React 260 vs 113 ms, CSS-in-JS (emotion, styled-components) ~245
  vs ~130 ms, Markdown (every widget label) 105 vs 43 ms; the grid's own script ~20 ms.
  Taking Browse's 14 filter, paging and download widgets away (an experiment) loads it at
  1.34x the empty page instead of 1.85x (median of 10 each); the Class box's 1,000 options
  alone are ~70 ms. ImageNet-M (68 tiles and a few elements, thumbnails cached) is 1.56-1.67x.
  So a page of Streamlit widgets plus 48 pictures does not load within 1.3x of an empty
  Streamlit page on this machine; the widgets are the bulk of the difference.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.bench_browse import new_thumbs_loaded, srcs, thumbs_loaded
from tests.e2e.server import CHROMIUM_ARGS, serve

DATA_DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "out" / "tfds_array_record"
KEYS = ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration")


def _metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def main() -> None:
    from playwright.sync_api import sync_playwright

    from data_access.sources.source import open_source

    os.environ["IMLR_INDEX_DIR"] = tempfile.mkdtemp(prefix="trace-index-")
    open_source("tfds", data_dir=DATA_DIR)  # a warm index, as after a first open
    with (
        serve(app_args=["--source", "tfds", "--data-dir", str(DATA_DIR)]) as (url, _),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        requests: list[str] = []
        page.on("requestfinished", lambda r: requests.append(r.url))
        page.goto(f"{url}/browse")
        thumbs_loaded(page, 48)  # warm-up visit
        cases = [
            ("Image page, no image (baseline)", f"{url}/image", False),
            ("Browse, fresh load, cached thumbnails", f"{url}/browse", True),
            ("Browse, fresh load, new thumbnails", f"{url}/browse?page=7", True),
        ]
        for label, target, tiles in cases:
            requests.clear()
            started = time.perf_counter()
            page.goto(target)
            thumbs_loaded(page, 48) if tiles else page.wait_for_load_state("networkidle")
            wall = time.perf_counter() - started
            totals = _metrics(cdp)  # a new document: its own totals
            print(
                json.dumps(_row(label, wall, requests, page, {k: totals.get(k, 0) for k in KEYS}))
            )
        plus = page.locator("nav.imlr-pages").first.get_by_role("button", name="Next page →")
        for k in (8, 9, 10):
            requests.clear()
            old = srcs(page)
            before = _metrics(cdp)
            started = time.perf_counter()
            plus.click()
            page.wait_for_function(f"() => document.body.innerText.includes('page {k} of')")
            new_thumbs_loaded(page, old, 48)
            wall = time.perf_counter() - started
            after = _metrics(cdp)
            delta = {key: after.get(key, 0) - before.get(key, 0) for key in KEYS}
            print(json.dumps(_row(f"next page ({k})", wall, requests, page, delta)))
        browser.close()


def _row(label: str, wall: float, requests: list[str], page, durations: dict) -> dict:
    return {
        "case": label,
        "wall_s": round(wall, 3),
        "media_requests": sum("/media/" in u for u in requests),
        "element_containers": page.evaluate(
            "() => document.querySelectorAll('[data-testid=stElementContainer]').length"
        ),
        # Shadow roots included (the image grid renders in one).
        "dom_nodes": page.evaluate(
            "() => { const all = [...document.getElementsByTagName('*')];"
            " return all.length + all.reduce((n, e) => n +"
            " (e.shadowRoot ? e.shadowRoot.querySelectorAll('*').length : 0), 0); }"
        ),
        **{k: round(v, 3) for k, v in durations.items()},
    }


if __name__ == "__main__":
    main()
