"""Every page, loaded once and looked at three ways: WCAG 2 A/AA by axe-core, no text cut
off at 1024, 1280 or 1920 pixels wide (in English, then in Hindi), and no request to another
host.

axe-core comes from the npm registry (``npm install axe-core``; ``.ci/run`` installs it, and
this test does too when it is missing), is injected into each page by Playwright, and any
critical or serious violation fails the test with the rule, the element and axe's summary.

Text cut off: no leaf element shows only part of its text (ellipsis or clipped overflow), and
no block ends its text in an ellipsis (Streamlit's widget and metric labels), and no chart's
label is cut short by Vega (SVG text ending in an ellipsis; a chart on a canvas is a picture).
Form fields, pictures and charts are not text; the skip link is hidden until focused, by
design. A lab's network sees no request to a third party (a Material icon name as the tab
icon would fetch it from fonts.gstatic.com).

Each page is loaded once for all three checks (a page load is most of a browser test's
cost); the window is resized for the other widths and the language chosen in the sidebar,
as a user does.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.layout import at_width, clipped_once_still
from tests.e2e.server import page_of, settle, to_hindi

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".cache" / "test-tools"
AXE = TOOLS / "node_modules" / "axe-core" / "axe.min.js"
MODELS = re.compile(r"3 (models|मॉडल)")  # the sidebar's status, in English or Hindi
PAGES = [
    "",
    "browse",
    "browse?state=imagenet_m&verdict=wrong",
    # Long class names in the filter's chips.
    "browse?state=multi&state=not_problematic&class=n02123045",
    "accuracy",
    "compare",
    "imagenet-m",
    "review",
    "labels?state=imagenet_m",
    "image?image=ILSVRC2012_val_00000001.JPEG",
    "teach?lesson=several-right&i=2",
    "teach?lesson=unclear&present=1&lang=hi",
]
# A laptop, a projector (1024 x 768 and 1280 x 720 are common) and a full-HD screen.
WIDTHS = (1280, 1920, 1024)


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


@pytest.fixture(scope="module")
def sweep_context(browser):
    """The sweep's own browser context, so that nothing comes from a cache the other tests
    filled: every request the pages make is seen."""
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def sweep_page() -> dict:
    """Holds the page the sweep's tests pass on to each other (``page_of``)."""
    return {}


def _loaded(page, app_server: str, path: str) -> None:
    """Opens the page and waits until its script run, its pictures and its requests are done
    (the demo with its three models, so tiles carry badges and verdicts)."""
    page.goto(f"{app_server}/{path}")
    # Attached, not visible: presentation mode hides the sidebar.
    page.locator('[data-testid="stSidebar"]').get_by_text(MODELS).first.wait_for(
        state="attached", timeout=60_000
    )
    if path.startswith(("browse", "imagenet-m")) or not path:
        # The image grid (in its shadow root, which axe checks too) has its pictures.
        page.locator("li.tile img").first.wait_for()
    if path.startswith("image?"):  # the viewer's picture (in its shadow root)
        page.locator(".imlr-viewer img").wait_for()
    if path.startswith("teach"):  # the slide's picture
        page.locator('[data-testid="stImage"] img').first.wait_for()
    page.wait_for_load_state("networkidle")
    settle(page)


# What a select box shows in its field, a multiselect in its tags and a radio as its options.
CHOSEN = """() => [
  ...[...document.querySelectorAll('[data-testid="stSelectbox"] input')].map(f => f.value),
  ...[...document.querySelectorAll(
    '[data-testid="stMultiSelect"] [data-baseweb="tag"], [data-testid="stRadio"] label'
  )].map(e => e.innerText),
].map(t => t.trim()).filter(Boolean)"""


def _still_english(page) -> list[str]:
    """The chosen values and options that still read as the English words the catalogue
    translates: the browser keeps a widget's wording from before a change of language unless
    the app sends the value again."""
    from data_access.i18n import gettext_for

    hindi = gettext_for("hi")
    return [t for t in page.evaluate(CHOSEN) if hindi(t) != t]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_accessible_uncut_and_asks_no_other_host(
    app_server, sweep_context, sweep_page, axe_js, request, path
):
    """In English: axe at 1280 pixels wide, cut text at each width. Then in Hindi (a
    classroom's other language, whose words are longer): cut text at each width again."""
    outside: list[str] = []

    def elsewhere(r) -> None:
        if not r.url.startswith((app_server, "data:", "blob:")):
            outside.append(r.url)

    with page_of(sweep_context, request, keep=sweep_page) as page:
        page.on("request", elsewhere)
        try:
            problems = _checked(page, app_server, path, axe_js)
        finally:
            page.remove_listener("request", elsewhere)
        problems["asked of another host"] = outside
        problems = {k: v for k, v in problems.items() if v}
        # Inside the page's block, so that a failure leaves its screenshot.
        assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def _checked(page, app_server: str, path: str, axe_js: str) -> dict[str, list[str]]:
    """Loads ``path`` and looks at it every way: what each look found, by look."""
    problems: dict[str, list[str]] = {}
    _loaded(page, app_server, path)
    hindi = "lang=hi" in path
    words = "Hindi" if hindi else "English"
    problems["WCAG"] = _violations(page, axe_js)
    for width in WIDTHS:  # the page was loaded at the first
        if width != WIDTHS[0]:
            at_width(page, width)
        problems[f"{words}: cut off at {width}"] = clipped_once_still(page)
    if not hindi:
        to_hindi(page)
        problems["Hindi: a chosen value still in English"] = _still_english(page)
        for width in reversed(WIDTHS):  # from the width the English pass ended at
            if width != WIDTHS[-1]:
                at_width(page, width)
            problems[f"Hindi: cut off at {width}"] = clipped_once_still(page)
    return problems


def test_the_likely_label_errors_tab_has_no_serious_wcag_violation(app_server, page, axe_js):
    """The Labels page's tab of methods, table and precision-recall chart (a tab is hidden
    until opened, so the page's own check does not see it)."""
    page.goto(f"{app_server}/labels")
    page.get_by_role("tab", name="Likely label errors").click()
    page.get_by_text("base rate").first.wait_for(timeout=60_000)
    settle(page)
    bad = _violations(page, axe_js)
    assert not bad, "\n".join(bad)
