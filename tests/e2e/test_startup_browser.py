"""A real server in server mode with a typo on its command line: the first visitor gets a
plain refusal, the server writes one line naming the problem (never the password) and stops."""

import time

import pytest

from tests.e2e.server import serve

pytestmark = pytest.mark.browser

PASSWORD = "hunter2-PLANTED"


@pytest.mark.parametrize(
    ("app_args", "named"),
    [
        (["--server-mode", "--source", "tdfs"], "invalid choice: 'tdfs'"),
        (["--server-mode", "--sorce", "tfds"], "ignored unknown arguments: --sorce tfds"),
        (
            ["--server-mode", "--reviews-db", f"postgresql://imlr:{PASSWORD}@127.0.0.1:1/db"],
            "the review store cannot be used: postgresql://imlr:***@127.0.0.1:1/db",
        ),
        (["--config", "{config}"], "unknown key 'sorce' in [server]"),
        (["--server-mode", "--allow-reviewer", "ada"], "--allow-reviewer needs reviewers"),
    ],
)
def test_misconfigured_server_refuses_once_and_stops(page, tmp_path, app_args, named):
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "lab.toml"
    config.write_text('[server]\nsorce = "tfds"\n')  # a typo in the operator's file
    app_args = [a.replace("{config}", str(config)) for a in app_args]
    with serve(home, app_args=app_args) as (url, proc):
        page.goto(url)
        page.get_by_text("This server is not configured correctly").wait_for(timeout=60_000)
        text = page.locator("body").inner_text()
        assert PASSWORD not in text and "--" not in text  # no detail for a visitor
        assert not page.locator('[data-testid="stSidebar"]').get_by_text("Models").count()
        page.goto("about:blank")  # the visitor leaves
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is not None, "the server kept running"
    log = (home / "server.log").read_text()
    lines = [x for x in log.splitlines() if "not serving:" in x]
    assert len(lines) == 1 and named in lines[0], log[-2000:]
    assert PASSWORD not in log
