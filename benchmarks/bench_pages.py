"""Accuracy, Compare and ImageNet-M pages with 20 models at full size (the project's targets).

20 prediction files (50,000-row NumPy id arrays derived from a demo model, each different)
are loaded on the demo source (20,000 images). Measured:

* server time (script run, Streamlit's AppTest in this process) of each page: first render
  (caches cold for that page) and a warm rerun;
* browser time in headless Chromium against ``streamlit run ... -- --predictions <20 files>``:
  until each page's last section is on screen, after a full load (a pasted link: includes
  loading the frontend) and after a click in the sidebar navigation; baseline in the same run:
  a full load of the near-empty Image page.

Targets: Accuracy <= 2 s, Compare <= 1 s, ImageNet-M <= 1.5 s; with the leaderboard of 962
published models and the ReaL columns on Accuracy still <= 2 s server time.

Usage: ``python -m benchmarks.bench_pages``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    # The page's last section: the published models' table under the leaderboard.
    "accuracy": ("app_pages/accuracy.py", "962 of 962 published models"),
    "compare": ("app_pages/compare.py", "Each point is a class"),
    "imagenet-m": ("app_pages/imagenet_m.py", "of 68 images"),
}


def make_models(folder: Path) -> list[str]:
    from data_access.sources.demo import demo_predictions, demo_table

    table = demo_table()
    base = demo_predictions()["demo-medium"]["top_k"][:, 0]
    rng = np.random.default_rng(0)
    paths = []
    for k in range(20):
        top1 = base.astype(np.int64).copy()
        flip = rng.random(len(top1)) < 0.01 * (k + 1)
        top1[flip] = rng.integers(0, 1000, int(flip.sum()))
        arr = np.zeros(50_000, np.int64)
        arr[table.validation_position] = top1
        path = folder / f"model_{k:02d}.npy"
        np.save(path, arr)
        paths.append(str(path))
    return paths


def server_times(paths: list[str]) -> dict:
    from streamlit.testing.v1 import AppTest

    sys.argv = ["app.py", "--predictions", *paths]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    out = {}
    for name, (page, _) in PAGES.items():
        started = time.perf_counter()
        at.switch_page(page).run()
        first = time.perf_counter() - started
        assert not at.exception, at.exception
        started = time.perf_counter()
        at.run()
        out[name] = {
            "server_first_s": round(first, 3),
            "server_rerun_s": round(time.perf_counter() - started, 3),
        }
    return out


def browser_times(paths: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    from benchmarks.bench_browse import ARGS
    from tests.e2e.server import serve

    out: dict = {}
    with serve(app_args=["--predictions", *paths]) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(url)  # first session: loads the 20 files once
        page.get_by_text("Loaded models").wait_for(timeout=300_000)
        started = time.perf_counter()
        page.goto(f"{url}/image")
        page.get_by_text("No image chosen").wait_for()
        out["baseline_empty_page_s"] = round(time.perf_counter() - started, 3)
        titles = {"accuracy": "Accuracy", "compare": "Compare", "imagenet-m": "ImageNet-M"}
        for name, (_, marker) in PAGES.items():
            # A full load (new tab or pasted link) and a click in the sidebar navigation.
            started = time.perf_counter()
            page.goto(f"{url}/{name}")
            page.get_by_text(marker).first.wait_for(timeout=120_000)
            loaded = time.perf_counter() - started
            page.goto(f"{url}/image")
            page.get_by_text("No image chosen").wait_for()
            started = time.perf_counter()
            page.locator('[data-testid="stSidebarNav"]').get_by_role(
                "link", name=titles[name], exact=True
            ).click()
            page.get_by_text(marker).first.wait_for(timeout=120_000)
            out[name] = {
                "browser_full_load_s": round(loaded, 3),
                "browser_nav_click_s": round(time.perf_counter() - started, 3),
            }
        browser.close()
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["IMLR_INDEX_DIR"] = tmp
        paths = make_models(Path(tmp))
        result = server_times(paths)
        for k, v in browser_times(paths).items():
            result.setdefault(k, {}).update(v) if isinstance(v, dict) else result.update({k: v})
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
