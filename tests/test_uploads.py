"""Uploaded prediction files: under the data folder, one copy per content, released when no
longer used, swept after a day."""

import os
import time

import pytest

from data_access import uploads


def test_store_once_per_content_under_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("IMLR_DATA_DIR", str(tmp_path / "data"))
    folder = uploads.session_folder("abc123")
    assert folder == tmp_path / "data" / "uploads" / "abc123"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    a = uploads.store(folder, "C:\\evil\\<b>preds.CSV", b"x,1\n")
    b = uploads.store(folder, "other name.csv", b"x,1\n")
    c = uploads.store(folder, "preds.csv", b"x,2\n")
    assert a.parent == folder and a.name.endswith("-b_preds.csv")
    assert a.name[:16] == b.name[:16] != c.name[:16]  # the content decides the name
    assert sorted(p.name for p in folder.iterdir()) == sorted({a.name, b.name, c.name})
    assert not any(p.name.endswith(".part") for p in folder.iterdir())


def test_release_only_unused_files_of_the_session(tmp_path):
    folder = uploads.session_folder("s", tmp_path)
    a = uploads.store(folder, "a.csv", b"1")
    uploads.release(a, folder, still_used={str(a)})
    assert a.exists()
    uploads.release(a, folder, still_used=set())
    assert not a.exists()
    outside = tmp_path / "mine.csv"  # added by path: never the app's to delete
    outside.write_text("1")
    uploads.release(outside, folder, still_used=set())
    assert outside.exists()


def test_sweep_removes_folders_untouched_for_a_day(tmp_path):
    old = uploads.session_folder("old", tmp_path)
    f = uploads.store(old, "a.csv", b"1")
    day_ago = time.time() - 25 * 3600
    os.utime(f, (day_ago, day_ago))
    os.utime(old, (day_ago, day_ago))
    fresh = uploads.session_folder("fresh", tmp_path)
    uploads.store(fresh, "b.csv", b"2")
    assert uploads.sweep(tmp_path) == 1
    assert not old.exists() and fresh.exists()


def test_server_mode_uploads_are_read_from_memory(tmp_path, table):
    """A .npy and a CSV kept in anonymous memory load like files, and go when released."""
    import io

    import numpy as np

    from data_access import uploads
    from data_access.predictions import ReadOptions, load_predictions
    from tests.helpers import write_top1_csv

    if not uploads.memory_supported():
        pytest.skip("memfd_create is Linux-only")
    arr = np.zeros(50_000, np.int64)
    arr[table.validation_position] = table.original_label
    buf = io.BytesIO()
    np.save(buf, arr)
    csv = write_top1_csv(tmp_path / "m.csv", table, table.original_label).read_bytes()
    for name, data in (("m.npy", buf.getvalue()), ("m.csv", csv)):
        path = uploads.store_in_memory(name, data)
        assert uploads.is_in_memory(path) and not str(path).startswith(str(tmp_path))
        model = load_predictions(path, table, name="m", options=ReadOptions(order="validation"))
        assert (model.top1 == table.original_label).all()
        uploads.release_memory(path)
        assert not uploads.is_in_memory(path)


def test_in_memory_uploads_go_with_their_session():
    """A session's uploads are released by the first sweep that finds the session gone
    (Streamlit has no session-end hook: every run sweeps)."""
    if not uploads.memory_supported():
        pytest.skip("no memfd_create on this system")
    gone, staying = uploads.SessionUploads("gone"), uploads.SessionUploads("staying")
    paths = [uploads.store_in_memory(f"m{k}.csv", b"x" * 1000) for k in range(3)]
    gone.add(paths[0], 1000)
    gone.add(paths[1], 1000)
    staying.add(paths[2], 1000)
    fds = [int(str(p).rsplit("/", 1)[1]) for p in paths]
    assert uploads.sweep_sessions(lambda sid: True) == 0
    assert all(uploads.is_in_memory(p) for p in paths)
    assert uploads.sweep_sessions(lambda sid: sid != "gone") == 1
    assert [uploads.is_in_memory(p) for p in paths] == [False, False, True]
    for fd in fds[:2]:  # closed: the number is free, or reused by something that is not ours
        link = f"/proc/self/fd/{fd}"
        assert not os.path.exists(link) or not os.readlink(link).startswith("/memfd:m")
    assert uploads.server_total() >= 1000
    uploads.sweep_sessions(lambda sid: False)  # leave nothing registered for other tests


def test_upload_limits_per_session_and_for_the_server():
    a, b = uploads.SessionUploads("a"), uploads.SessionUploads("b")
    mb = 1 << 20
    a.add("/x/a1", 600 * mb)
    uploads.admit(a, "a2", 400 * mb, session_limit_mb=1024, server_limit_mb=4096)
    with pytest.raises(uploads.UploadLimitError, match=r"at most 1,024 MB\): remove a model"):
        uploads.admit(a, "a2", 500 * mb, session_limit_mb=1024, server_limit_mb=4096)
    b.add("/x/b1", 800 * mb)
    with pytest.raises(
        uploads.UploadLimitError, match=r"the server holds 1,400 MB of uploads \(at most 1,500 MB"
    ):
        uploads.admit(b, "b2", 200 * mb, session_limit_mb=1024, server_limit_mb=1500)
    uploads.sweep_sessions(lambda sid: False)
    a.discard("/x/a1")
    uploads.admit(b, "b2", 200 * mb, session_limit_mb=1024, server_limit_mb=1500)
    uploads.sweep_sessions(lambda sid: False)
