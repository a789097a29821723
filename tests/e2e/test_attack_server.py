"""Attacks on a real server in server mode, through Streamlit's own websocket protocol
(tests/e2e/wsclient.py): widget values no page offered, a file outside the share folder
named like a shared one, and a visitor's clear-cache message."""

from __future__ import annotations

import pytest

from tests.e2e.server import serve
from tests.e2e.wsclient import Session, WidgetState, in_thread, string_value
from tests.helpers import plain

# One worker runs the module, so its three attacks share one server.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("attack")]

N = "ILSVRC2012_val_{:08d}.JPEG"


def _csv(path, rows: int, label: str) -> None:
    path.write_text(
        f"file_name,{label}\n" + "".join(f"{N.format(i + 1)},{i}\n" for i in range(rows))
    )


def _trigger(widget_id: str) -> WidgetState:
    state = WidgetState(id=widget_id)
    state.trigger_value = True
    return state


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A server in server mode sharing one folder; a file of the same name outside it. Each
    attack is its own websocket session, as each visitor is."""
    tmp_path = tmp_path_factory.mktemp("lab")
    home = tmp_path / "home"
    home.mkdir()
    shared = tmp_path / "shared"
    shared.mkdir()
    _csv(shared / "vit.csv", 60, "pred")
    outside = tmp_path / "private"
    outside.mkdir()
    _csv(outside / "vit.csv", 7, "SECRET_COLUMN")
    with serve(home, app_args=["--server-mode", "--share-folder", str(shared)]) as (url, _):
        yield url, outside / "vit.csv", home


async def _attack_share_picker(url: str, outside: str):
    async with Session(url) as s:
        first = await s.run()
        box_id, box = first.widgets["Shared prediction files"]
        add_id, _ = first.widgets["Add"]
        assert list(box.options) == ["vit.csv"]  # names shown, positions sent
        # A path outside the share folder, its file name a shared one's; then an index past
        # the end, as strings (what a browser sends).
        runs = []
        for value in (outside, "7", "-1", "vit.csv"):
            runs.append(await s.run([string_value(box_id, value), _trigger(add_id)]))
        return runs


def test_share_picker_reads_only_shared_files_whatever_is_sent(lab):
    url, outside, _ = lab
    runs = in_thread(_attack_share_picker(url, str(outside)))
    for run in runs:
        assert not run.exceptions, run.exceptions
        text = " ".join(run.texts)
        assert "SECRET_COLUMN" not in text and "7 rows" not in text
    # The label of a shared file picks that file (the server's own path), as a browser would.
    assert any("60 rows" in t for t in runs[-1].texts), runs[-1].texts


async def _crafted_values(url: str) -> list:
    out = []
    async with Session(url) as s:
        first = await s.run()
        for page in ("compare", "browse", "accuracy", "review", "teach", "imagenet-m"):
            run = await s.run(page_script_hash=first.page_hashes[page])
            boxes = [
                (wid, proto)
                for wid, proto in run.widgets.values()
                if type(proto).__name__ in ("Selectbox", "Radio")
            ]
            for wid, _ in boxes:
                crafted = await s.run(
                    [string_value(wid, "<script>x</script>/../../etc/passwd")],
                    page_script_hash=first.page_hashes[page],
                )
                out.append((page, wid, crafted.exceptions))
    return out


def test_crafted_choice_values_never_fail_a_page(lab):
    url, _, _ = lab
    results = in_thread(_crafted_values(url))
    assert len(results) >= 10  # every page's select boxes and radios were tried
    failed = [(page, wid, exc) for page, wid, exc in results if exc]
    assert not failed, failed


async def _clear_cache(url: str):
    async with Session(url) as s:
        await s.run()
        await s.clear_cache()
        return await s.run()


def test_a_visitors_clear_cache_message_is_ignored(lab):
    url, _, home = lab
    run = in_thread(_clear_cache(url))
    assert not run.exceptions
    log = (home / "server.log").read_text()
    assert "ignored a visitor's request to clear the server's caches" in log


PASSWORD = "hunter2-PLANTED"


async def _every_page(url: str) -> list[str]:
    texts = []
    async with Session(url) as s:
        first = await s.run()
        texts += first.texts + first.exceptions
        for page, page_hash in first.page_hashes.items():
            run = await s.run(page_script_hash=page_hash)
            texts += [f"{page}: {t}" for t in run.texts + run.exceptions]
    return texts


def test_a_planted_password_is_shown_nowhere(tmp_path, postgres):
    """The review store's URL carries a password (trust auth ignores it): no page's text and
    no line of the server's log shows it."""
    from tests.pg import new_database

    url_with_password = new_database(postgres).replace("://imlr@", f"://imlr:{PASSWORD}@", 1)
    assert PASSWORD in url_with_password
    home = tmp_path / "home"
    home.mkdir()
    args = ["--server-mode", "--reviews-db", url_with_password + f"?password={PASSWORD}"]
    with serve(home, app_args=args) as (url, proc):
        texts = in_thread(_every_page(url))
        assert proc.poll() is None, "the server stopped: " + (home / "server.log").read_text()
    assert len(texts) > 100 and any("review:" in t for t in texts), texts[-20:]
    shown = [plain(t) for t in texts if "saved to" in t]  # the Review page names the store
    assert shown and all("imlr:***@" in t and "password=***" in t for t in shown), shown
    leaked = [t for t in texts if PASSWORD in t]
    assert not leaked, leaked
    assert PASSWORD not in (home / "server.log").read_text()
