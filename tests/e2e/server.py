"""Start ``streamlit run app.py`` on a free loopback port: for the browser tests and the
browser benchmarks alike."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# Headless Chromium as root on a machine with no internet: no sandbox, no background traffic.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(
    home: Path | None = None,
    app_args: tuple[str, ...] | list[str] = (),
    script: Path = ROOT / "app.py",
    options: tuple[str, ...] | list[str] = (),
):
    """Yields (url, process) once the server is healthy, and always stops it (the whole
    process group).

    Args:
        home: a folder for the server's index and data folders and its log; None keeps the
            caller's environment and discards the output.
        app_args: arguments for the app, after ``--`` (``--source``, ``--predictions``, ...).
        script: the Streamlit script to run (the app; a benchmark's baseline app).
        options: more Streamlit options (``--server.disconnectedSessionTTL``, ``1``).
    """
    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    if home is not None:
        env["IMLR_INDEX_DIR"] = str(home / "index")
        env["IMLR_DATA_DIR"] = str(home / "data")
        # The tests' fixture files sit beside `home`, in pytest's base temporary folder.
        env["IMLR_ALLOW_PATHS"] = str(home.parent)
        log = open(home / "server.log", "ab")  # noqa: SIM115 (closed in finally)
    else:
        log = open(os.devnull, "wb")  # noqa: SIM115 (closed in finally)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        *options,
    ]
    if app_args:
        command += ["--", *app_args]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (home / "server.log").read_text()[-3000:] if home is not None else ""
                raise RuntimeError(f"streamlit did not start:\n{tail}")
            time.sleep(0.3)
        yield url, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def prediction_uploader(page):
    """The sidebar's prediction-file input (the sidebar has another uploader, for a revised
    label file)."""
    return page.get_by_label("Upload prediction files", exact=True).get_by_test_id(
        "stFileUploaderDropzoneInput"
    )


def settle(page) -> None:
    """Wait until the script run has ended and its elements settled (a condition, not a fixed
    wait): no element still from the previous run, no "running" status, and the number of
    elements unchanged between two looks.

    Streamlit marks each element that the current run has not sent again ``data-stale``, from
    the moment a rerun is asked for; its "running" status shows only after half a second of a
    run, so alone it let a look land in a run's first half second, with half the page from
    the previous run (the review page's options still in English after a change of language,
    once in a full run).
    """
    page.wait_for_function(
        """() => {
            const stale = document.querySelector('[data-stale="true"]');
            const running = document.querySelector('[data-testid="stStatusWidget"]');
            const count = document.getElementsByTagName("*").length;
            const same = window.__imlrCount === count;
            window.__imlrCount = count;
            return !stale && !running && same;
        }""",
        polling=250,
    )


@contextlib.contextmanager
def page_of(context, request, keep: dict | None = None, who: str = ""):
    """A page of ``context`` for one test, with a full-page screenshot in
    ``artifacts/screenshots/`` if the test failed.

    Without ``keep`` the page is new and closed after the test. With ``keep`` (a dict the
    caller holds for a module or a session), the page is the one the previous test left
    there, and a test that passed leaves it again: blank, at the context's window size. A
    new page is a new renderer process that compiles Streamlit's frontend again, about
    1.5 CPU s more per test than a page that has drawn the app before; a blank page ends its
    test's Streamlit session, as a closed tab does. A failed test's page is closed. A test
    that listens on a kept page (``page.on``) removes its listener. ``who`` tells a second
    person's screenshot from the first's.
    """
    pg = keep.pop("page", None) if keep is not None else None
    if pg is None or pg.is_closed():
        pg = context.new_page()
        pg.set_default_timeout(30_000)
    size = pg.viewport_size
    raised = False
    try:
        yield pg
    except BaseException:  # used in a test's body: its failure passes through here
        raised = True
        raise
    finally:
        # Used as a fixture, the test's outcome is its call report, which a test's body does
        # not have yet.
        report = getattr(request.node, "report_call", None)
        failed = raised or (report is not None and report.failed)
        if failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # A failed screenshot must never hide the real failure.
            with contextlib.suppress(Exception):
                pg.screenshot(
                    path=str(SCREENSHOTS / f"{request.node.name}{who}.png"), full_page=True
                )
        if failed or keep is None:
            pg.close()
        else:
            try:
                pg.goto("about:blank")
                if size is not None and pg.viewport_size != size:
                    pg.set_viewport_size(size)
                keep["page"] = pg
            except Exception:  # a page that cannot be blanked is not passed on
                with contextlib.suppress(Exception):
                    pg.close()


def to_hindi(page) -> None:
    """Chooses Hindi in the sidebar's language selector, as a teacher does (a rerun of the
    page, not a new load), and waits until the page is drawn in it."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    # The page's language script (ui/language.js) has run once. Without this wait, <html lang>
    # stayed "en" once in about ten full runs on a loaded machine while the page's own words
    # were in Hindi; most likely the change reached the page while the browser was still
    # loading that script (not reproduced in 48 runs of the test alone).
    page.wait_for_function("() => window[Symbol.for('imlr.language')] !== undefined")
    sidebar.locator('[data-testid="stSelectbox"]', has_text="Language").locator("input").click()
    page.keyboard.type("Hindi")
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.lang === 'hi'", timeout=30_000)
    sidebar.get_by_text("3 मॉडल").first.wait_for(state="attached", timeout=30_000)
    settle(page)
