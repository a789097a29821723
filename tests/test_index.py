"""The on-disk index: reused when current, rebuilt (never trusted, never a crash) otherwise."""

import json
import os

import numpy as np
import pytest

from data_access.sources import index as index_lib
from data_access.sources.source import index_is_current, open_source


def _open(label_json, images=None, **kw):
    return open_source("json", labels_json=label_json, images=images, **kw)


def test_first_open_builds_then_reuses(label_json, val_tar):
    seen = []
    s1 = _open(label_json, val_tar[0], progress=lambda d, t, m: seen.append(m))
    assert s1.info()["index_built"] is True
    assert "reading the label JSON" in seen and "indexing tar members" in seen
    s2 = _open(label_json, val_tar[0], progress=lambda d, t, m: pytest.fail("rebuilt"))
    assert s2.info()["index_built"] is False
    assert s2.index_dir == s1.index_dir
    assert s2.table.file_name.tolist() == s1.table.file_name.tolist()


def test_changed_source_is_rebuilt(label_json, tmp_path, table):
    copy = tmp_path / "labels.json"
    copy.write_bytes(label_json.read_bytes())
    assert not index_is_current("json", labels_json=copy)
    assert _open(copy).info()["index_built"]
    assert index_is_current("json", labels_json=copy)
    data = json.loads(copy.read_text())
    data["imagenet_m"] = data["imagenet_m"][:2]
    copy.write_text(json.dumps(data))
    assert not index_is_current("json", labels_json=copy)
    s = _open(copy)
    assert s.info()["index_built"] and s.table.in_imagenet_m.sum() == 2


def test_same_size_edit_with_mtime_put_back_is_noticed(label_json, tmp_path):
    """An edit that keeps the size and restores the mtime (cp -p, touch -r) still changes the
    fingerprint: its change time cannot be put back."""
    copy = tmp_path / "labels.json"
    copy.write_bytes(label_json.read_bytes())
    before = _open(copy)
    stat = copy.stat()
    text = copy.read_text()
    data = json.loads(text)
    first = sorted(data["problematic_images"])[0]
    data["problematic_images"].pop(first)
    edited = json.dumps(data)
    edited += " " * (len(text) - len(edited))  # the same size
    copy.write_text(edited)
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same mtime
    assert copy.stat().st_size == stat.st_size and copy.stat().st_mtime_ns == stat.st_mtime_ns
    assert not index_is_current("json", labels_json=copy)
    after = _open(copy)
    assert after.info()["index_built"]
    assert after.table.is_problematic.sum() == before.table.is_problematic.sum() - 1


@pytest.mark.parametrize(
    "damage",
    [
        "garbage",
        "half-written",
        "empty",
        "older schema",
        "other code version",
        "bad arrays",
        "missing array",
    ],
)
def test_damaged_or_old_index_is_rebuilt(label_json, image_folder, table, damage):
    s = _open(label_json, image_folder[0])
    path = s.index_dir / index_lib.INDEX_FILE
    raw = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(os.urandom(2048))
    elif damage == "half-written":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with np.load(path) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(str(arrays.pop("__meta__")))
        if damage == "older schema":
            meta["schema"] = index_lib.SCHEMA_VERSION - 1
        elif damage == "other code version":
            meta["code_version"] = "0.0.0-old"
        elif damage == "bad arrays":
            arrays["correct_multi_labels.values"] = arrays["correct_multi_labels.values"] + 5000
        elif damage == "missing array":
            del arrays["image_path"]
        np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    again = _open(label_json, image_folder[0])
    assert again.info()["index_built"] is True
    assert again.table.correct_multi_labels.to_lists() == table.correct_multi_labels.to_lists()
    name = table.file_name[0]
    assert again.image_bytes(name) == image_folder[1][name]
    # And the rebuilt index is good again.
    assert _open(label_json, image_folder[0]).info()["index_built"] is False


def test_other_indexes_are_untouched(label_json, val_tar, image_folder):
    a = _open(label_json, val_tar[0])
    b = _open(label_json, image_folder[0])
    assert a.index_dir != b.index_dir
    (a.index_dir / index_lib.INDEX_FILE).write_bytes(b"broken")
    assert _open(label_json, image_folder[0]).info()["index_built"] is False


def test_leftover_part_files_are_cleaned(label_json):
    s = _open(label_json)
    part = s.index_dir / ".index-123.npz.part"
    part.write_bytes(b"half")
    _open(label_json, rebuild=True)
    assert not part.exists()


def test_unwritable_index_root_still_opens(label_json, tmp_path, table):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the index folder should be")
    s = _open(label_json, index_root=blocked)
    assert s.table.file_name.tolist() == table.file_name.tolist()


def test_default_locations(monkeypatch, tmp_path):
    monkeypatch.delenv("IMLR_INDEX_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert (
        index_lib.default_index_root()
        == tmp_path / "cache" / "imagenet-multilabel-review" / "index"
    )
    monkeypatch.setenv("IMLR_INDEX_DIR", str(tmp_path / "x"))
    assert index_lib.default_index_root() == tmp_path / "x"
