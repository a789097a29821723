"""WCAG 2 A/AA on every page, checked by axe-core in the browser.

axe-core comes from the npm registry (``npm install axe-core``; ``.ci/run`` installs it, and
this test does too when it is missing), is injected into each page by Playwright, and any
critical or serious violation fails the test with the rule, the element and axe's summary.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.server import settle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".cache" / "test-tools"
AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
MODELS = re.compile(r"3 (models|मॉडल)")  # the sidebar's status, in English or Hindi
PAGES = [
    "",
    "browse",
    "browse?state=imagenet_m&verdict=wrong",
    "accuracy",
    "compare",
    "imagenet-m",
    "review",
    "labels?state=imagenet_m",
    "image?image=ILSVRC2012_val_00000001.JPEG",
    "teach?lesson=several-right&i=2",
    "teach?lesson=unclear&present=1&lang=hi",
]


@pytest.fixture(scope="module")
def axe_js() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(
                "npm not found: install Debian's npm (axe-core comes from the npm registry)"
            )
        TOOLS.mkdir(parents=True, exist_ok=True)
        # One install at a time: the suite's xdist workers may all get here at once, and two
        # npm installs into one folder break each other.
        with open(TOOLS / ".install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not AXE.exists():
                subprocess.run(
                    [npm, "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund",
                     "--silent", "axe-core@4"],
                    check=True,
                    timeout=300,
                )  # fmt: skip
    return AXE.read_text()


def _violations(page, axe_js) -> list[str]:
    page.add_script_tag(content=axe_js)
    result = page.evaluate(
        "async () => await axe.run(document, "
        # Only violations are gathered in full: the other kinds keep one element per rule
        # (axe's resultTypes), which saves about a third of a second per page.
        "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}, resultTypes: ['violations']})"
    )
    assert result["passes"], "axe ran no rule: the page was empty"
    return [
        f"{v['id']} ({v['impact']}): {n['target']} {n.get('failureSummary', '')[:200]}"
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
        for n in v["nodes"]
    ]


def test_the_likely_label_errors_tab_has_no_serious_wcag_violation(app_server, page, axe_js):
    """The Labels page's tab of methods, table and precision-recall chart (a tab is hidden
    until opened, so the page's own check does not see it)."""
    page.goto(f"{app_server}/labels")
    page.get_by_role("tab", name="Likely label errors").click()
    page.get_by_text("base rate").first.wait_for(timeout=60_000)
    settle(page)
    bad = _violations(page, axe_js)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_wcag_violation(app_server, page, axe_js, path):
    """The demo with its three models, so tiles carry badges and verdicts."""
    page.goto(f"{app_server}/{path}")
    # Attached, not visible: presentation mode hides the sidebar.
    page.locator('[data-testid="stSidebar"]').get_by_text(MODELS).first.wait_for(state="attached")
    if path.startswith(("browse", "imagenet-m")) or not path:
        # The image grid (in its shadow root, which axe checks too) has its pictures.
        page.locator("li.tile img").first.wait_for()
    if path.startswith("image?"):  # the viewer's picture (in its shadow root)
        page.locator(".imlr-viewer img").wait_for()
    if path.startswith("teach"):  # the slide's picture
        page.locator('[data-testid="stImage"] img').first.wait_for()
    page.wait_for_load_state("networkidle")
    settle(page)
    bad = _violations(page, axe_js)
    assert not bad, "\n".join(bad)
