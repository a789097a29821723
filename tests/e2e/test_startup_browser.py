"""A real server in server mode with a typo on its command line: the first visitor gets a
plain refusal, the server writes one line naming the problem (never the password) and stops."""

import time

import pytest

from tests.e2e.server import serve
from tests.e2e.wsclient import Session, in_thread

pytestmark = pytest.mark.browser

PASSWORD = "hunter2-PLANTED"


# The first case is seen in Chromium, as a visitor sees it; the others over Streamlit's own
# websocket protocol (what the server sends a visitor: the same refusal page, one load of the
# browser's frontend less each).
@pytest.mark.parametrize(
    ("app_args", "named", "via"),
    [
        (["--server-mode", "--source", "tdfs"], "invalid choice: 'tdfs'", "browser"),
        (
            ["--server-mode", "--sorce", "tfds"],
            "ignored unknown arguments: --sorce tfds",
            "websocket",
        ),
        (
            ["--server-mode", "--reviews-db", f"postgresql://imlr:{PASSWORD}@127.0.0.1:1/db"],
            "the review store cannot be used: postgresql://imlr:***@127.0.0.1:1/db",
            "websocket",
        ),
        (["--config", "{config}"], "unknown key 'sorce' in [server]", "websocket"),
        (
            ["--server-mode", "--allow-reviewer", "ada"],
            "--allow-reviewer needs reviewers",
            "websocket",
        ),
    ],
)
def test_misconfigured_server_refuses_once_and_stops(page, tmp_path, app_args, named, via):
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "lab.toml"
    config.write_text('[server]\nsorce = "tfds"\n')  # a typo in the operator's file
    app_args = [a.replace("{config}", str(config)) for a in app_args]
    with serve(home, app_args=app_args) as (url, proc):
        if via == "browser":
            page.goto(url)
            page.get_by_text("This server is not configured correctly").wait_for(timeout=60_000)
            text = page.locator("body").inner_text()
            assert not page.locator('[data-testid="stSidebar"]').get_by_text("Models").count()
            page.goto("about:blank")  # the visitor leaves
        else:
            texts = in_thread(_visit(url))  # the visitor comes, and leaves
            text = "\n".join(texts)
            assert "This server is not configured correctly" in text
            assert not [t for t in texts if t.startswith("Models")]
        assert PASSWORD not in text and "--" not in text  # no detail for a visitor
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is not None, "the server kept running"
    log = (home / "server.log").read_text()
    lines = [x for x in log.splitlines() if "not serving:" in x]
    assert len(lines) == 1 and named in lines[0], log[-2000:]
    assert PASSWORD not in log


async def _visit(url: str) -> list[str]:
    """One visitor's first page, over the websocket: the texts the server sent."""
    async with Session(url) as s:
        return (await s.run()).texts
