"""A real ``streamlit run`` server and headless Debian Chromium driven by Playwright.

The server runs on a free loopback port with private index/data folders and is always
stopped, also when a test fails. A failed test leaves a screenshot of its page in
``artifacts/screenshots/`` (git-ignored); a passing one takes none (a full-page screenshot
costs the browser about a second).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.server import CHROMIUM_ARGS, page_of, serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so that ``page`` knows whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def _shared_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("server")
    with serve(home) as (url, _):
        yield url, home


@pytest.fixture(scope="session")
def app_server(_shared_server) -> str:
    """A server shared by the browser tests: its base URL."""
    return _shared_server[0]


@pytest.fixture(scope="session")
def app_server_home(_shared_server) -> Path:
    """The shared server's folder: its data folder (``$IMLR_DATA_DIR``) is ``data`` in it."""
    return _shared_server[1]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def shared_context(browser):
    """The browser context the tests' pages share. Its HTTP and script caches keep
    Streamlit's frontend after the first page, so later pages neither fetch it from the
    server nor compile it again (about 0.5 s of CPU per page, browser and server together).
    The app keeps nothing in the browser (no cookies of its own, no storage) and each page
    is its own Streamlit session; tests that need separate people open their own contexts.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def _kept_page() -> dict:
    """Holds the page the tests of this worker pass on to each other (``page_of``)."""
    return {}


@pytest.fixture
def page(shared_context, _kept_page, request):
    """A page of the shared context at 1400 x 1000, blank: the one the previous test left,
    when it passed (``page_of``)."""
    with page_of(shared_context, request, keep=_kept_page) as pg:
        yield pg


@pytest.fixture
def other_person(browser, request):
    """A page of a second person for the tests with two people at once (the first is
    ``page``): a browser context of its own, closed after the test, with a screenshot if the
    test failed."""
    context = browser.new_context()
    try:
        with page_of(context, request, who="-other") as pg:
            yield pg
    finally:
        context.close()
