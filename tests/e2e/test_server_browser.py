"""End to end in Chromium: a server in server mode shows no path field, and its image page
says so plainly for a name outside the opened source."""

import pytest

from data_access.classes import validation_file_name
from data_access.sources.source import open_source
from tests.e2e.server import prediction_uploader, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server_mode(tmp_path_factory):
    """A demo server in server mode with its own home folder: (url, home, process). The
    tests that use it run on one xdist worker (their group), so that one server serves them
    all. A visitor's session is dropped a second after they leave (Streamlit's default is two
    minutes), so that a test can see a closed session's uploads go."""
    home = tmp_path_factory.mktemp("server-mode") / "home"
    home.mkdir()
    ttl = ["--server.disconnectedSessionTTL", "1"]
    with serve(home, app_args=["--server-mode"], options=ttl) as (url, proc):
        yield url, home, proc


@pytest.mark.xdist_group("server_mode")
def test_server_mode_has_no_path_fields_and_guards_the_image_page(page, server_mode):
    url, _home, _ = server_mode
    page.goto(url)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Server mode: the operator chose the source").wait_for(timeout=60_000)
    sidebar.get_by_text("Upload prediction files").wait_for()  # uploads stay
    labels = sidebar.locator('[data-testid="stTextInput"] label').all_inner_texts()
    assert not [x for x in labels if "path" in x.lower() or "data_dir" in x.lower()]
    table = open_source("demo").table
    outside = next(
        validation_file_name(p)
        for p in range(50_000)
        if validation_file_name(p) not in table.row_of
    )
    for name in (outside, "..%2F..%2Fetc%2Fpasswd"):
        page.goto(f"{url}/image?image={name}")
        page.get_by_text("is not an annotated image").first.wait_for(timeout=30_000)
        assert page.locator('[data-testid="stImage"]').count() == 0


@pytest.mark.xdist_group("server_mode")
def test_server_mode_uploads_never_touch_the_disk(page, demo, tmp_path, server_mode):
    """An upload in server mode is read from memory: the model loads with its number, and
    nothing appears under the data folder (or anywhere in the server's home)."""
    from data_access.analysis import metrics
    from tests.helpers import write_top1_csv

    table, models = demo
    f = write_top1_csv(tmp_path / "mine.csv", table, models["demo-weak"].top1)
    url, home, _ = server_mode
    page.goto(url)
    page.get_by_text("Mean accepted labels").wait_for(timeout=60_000)
    before = {p for p in home.rglob("*") if p.is_file()}
    prediction_uploader(page).set_input_files(str(f))
    page.get_by_role("button", name="Add model").click(timeout=60_000)
    page.get_by_text("4 models").wait_for(timeout=60_000)
    value = 100 * metrics.multilabel_accuracy(table, models["demo-weak"].top1)
    row = page.locator('[data-testid="stTable"] tr', has_text="mine")
    assert f"{value:.2f}" in row.inner_text()
    written = {p for p in home.rglob("*") if p.is_file()} - before
    assert not [p for p in written if p.suffix != ".log"], written
    assert not (home / "data" / "uploads").exists() or not any(
        (home / "data" / "uploads").rglob("*.csv")
    )


def _memfds(pid: int) -> int:
    """The server's in-memory files (its server-mode uploads)."""
    import os

    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("/memfd:")
        except OSError:
            continue
    return count


def _others_come_and_go(page, url: str, pid: int) -> None:
    """Other visitors come and go until the server holds no upload in memory (or a minute
    passes); Streamlit drops sessions past their TTL meanwhile."""
    import time

    deadline = time.monotonic() + 60
    while _memfds(pid) and time.monotonic() < deadline:
        page.goto(url)
        page.get_by_text("Mean accepted labels").wait_for(timeout=60_000)
        page.goto("about:blank")
        time.sleep(1)


@pytest.mark.xdist_group("server_mode")
def test_a_closed_sessions_uploads_are_released(page, tmp_path, demo, server_mode):
    """Server mode keeps an upload in memory; when the visitor's session goes, so does it."""
    from tests.helpers import write_top1_csv

    table, models = demo
    f = write_top1_csv(tmp_path / "mine.csv", table, models["demo-weak"].top1)
    url, _home, proc = server_mode
    _others_come_and_go(page, url, proc.pid)  # the uploads of the module's other tests go
    assert _memfds(proc.pid) == 0
    page.goto(url)
    page.get_by_text("Mean accepted labels").wait_for(timeout=60_000)
    prediction_uploader(page).set_input_files(str(f))
    page.get_by_role("button", name="Add model").wait_for(timeout=60_000)
    assert _memfds(proc.pid) == 1
    page.goto("about:blank")  # the visitor leaves
    _others_come_and_go(page, url, proc.pid)
    assert _memfds(proc.pid) == 0
