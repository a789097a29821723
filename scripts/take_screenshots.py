"""The README's screenshots, from a real server on the demo in headless Chromium.

Usage: ``python scripts/take_screenshots.py`` (needs Chromium at ``/usr/bin/chromium`` or
``CHROMIUM_PATH``, and Playwright's Python package, as the browser tests do). Writes
``docs/screenshots/*.png``.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODELS = re.compile(r"3 (models|मॉडल)")  # the sidebar's status, in English or Hindi
# (file, path and query, viewport, tab to open): what a first-time user and a teacher see.
SHOTS = (
    (
        "teach-present-hi-1280x720.png",
        "teach?lesson=several-right&i=1&present=1&quiz=1&lang=hi",
        (1280, 720),
        None,
    ),
    ("browse-1280x720.png", "browse?state=multi", (1280, 720), None),
    ("browse-hi-1280x720.png", "browse?state=multi&lang=hi", (1280, 720), None),
    ("accuracy-1920x1080.png", "accuracy", (1920, 1080), None),
    ("accuracy-hi-1920x1080.png", "accuracy?lang=hi", (1920, 1080), None),
    ("labels-likely-errors-1920x1080.png", "labels", (1920, 1080), "Likely label errors"),
)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.server import serve, settle

    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as home,
        serve(Path(home)) as (url, _),
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
        )
        for name, path, (width, height), tab in SHOTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{url}/{path}")
            page.locator('[data-testid="stSidebar"]').get_by_text(MODELS).first.wait_for(
                state="attached", timeout=120_000
            )
            if path.startswith(("teach", "browse")):
                page.locator("img").first.wait_for(timeout=60_000)
            page.wait_for_load_state("networkidle")
            settle(page)
            if tab:
                page.get_by_role("tab", name=tab).click()
                page.get_by_text("base rate").first.wait_for(timeout=60_000)
                settle(page)
            page.screenshot(path=str(out / name))
            print("wrote", out / name)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
