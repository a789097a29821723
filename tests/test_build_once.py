"""One index build per source at a time: across threads and processes through the
index folder's lock, and across Streamlit reruns (navigation) through ui.build."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import StopException as _Stopped

from data_access.sources import index as index_lib
from data_access.sources import kinds as source_kinds
from data_access.sources.source import open_source
from ui.build import build_once

# _Stopped is what Streamlit raises into a run (at its next element update) when the user
# clicks another page: a BaseException, so no `except Exception` on the way stops it.


def test_a_stopped_waiter_does_not_restart_the_build():
    calls = []

    def build(report):
        calls.append(time.monotonic())
        for k in range(10):
            report(k, 10, "building")
            time.sleep(0.1)

    def navigate_away(done, total, message):
        raise _Stopped

    for _ in range(3):  # three page clicks while the build runs
        with pytest.raises(_Stopped):
            build_once("src", build, navigate_away, poll=0.05)
    seen = []
    build_once("src", build, lambda d, t, m: seen.append(d), poll=0.05)
    assert len(calls) == 1  # one build, not four (the clicks joined it, none restarted it)
    assert seen and seen == sorted(seen)  # progress only moves forward


def test_every_waiter_gets_the_error_and_the_next_call_builds_again():
    calls = []

    def failing(report):
        calls.append(1)
        time.sleep(0.2)
        raise ValueError("bad file")

    errors = []

    def wait():
        try:
            build_once("bad", failing, lambda *a: None, poll=0.02)
        except ValueError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=wait) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == ["bad file"] * 3 and len(calls) == 1
    with pytest.raises(ValueError):
        build_once("bad", failing, lambda *a: None, poll=0.02)
    assert len(calls) == 2


def test_concurrent_opens_build_once(label_json, tmp_path, monkeypatch):
    builds = []
    real = source_kinds.parse_label_json

    def slow_parse(path):
        builds.append(path)
        time.sleep(0.8)
        return real(path)

    monkeypatch.setattr(source_kinds, "parse_label_json", slow_parse)
    results = []

    def open_it():
        s = open_source("json", labels_json=label_json, index_root=tmp_path)
        results.append(s)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert sorted(s.info()["index_built"] for s in results) == [False, False, True]
    assert all(s.table.file_name.tolist() == results[0].table.file_name.tolist() for s in results)


def test_a_build_in_another_process_is_waited_for(label_json, tmp_path, monkeypatch):
    """Another process holds the build lock: this one waits (with that build's progress
    passed on) and builds only once the lock is free and no index appeared."""
    released = tmp_path / "released"
    identity = {"labels": str(label_json.resolve()), "images": None}
    folder = index_lib.index_dir_for(tmp_path, "json", identity)
    folder.mkdir(parents=True)
    (folder / index_lib.PROGRESS_FILE).write_text('[5, 10, "reading the label JSON"]')
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(folder / index_lib.LOCK_FILE)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(1.0)\n"
            # Written while the lock is still held: a build that starts after it sees it.
            f"open({str(released)!r}, 'w').close()\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    seen = []
    built_after_release = []
    real = source_kinds.parse_label_json

    def parse(path):
        built_after_release.append(released.exists())
        return real(path)

    monkeypatch.setattr(source_kinds, "parse_label_json", parse)
    s = open_source(
        "json",
        labels_json=label_json,
        index_root=tmp_path,
        progress=lambda d, t, m: seen.append((d, t, m)),
    )
    holder.wait()
    assert built_after_release == [True]  # it waited for the other process's lock
    assert (5, 10, "another session is building this index: reading the label JSON") in seen
    assert s.info()["index_built"]  # the other process wrote nothing, so it built here
    assert not (folder / index_lib.PROGRESS_FILE).exists()
