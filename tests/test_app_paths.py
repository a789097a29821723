"""The app's path fields: only under the allowed roots, only for a local server, and a
refusal that says nothing about the path's existence or content."""

import sys
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from data_access.paths import PathNotAllowed, allowed_roots, check_allowed, is_loopback
from tests.helpers import plain

APP = str(Path(__file__).resolve().parents[1] / "app.py")
FIELDS = ("Label JSON path (json source)", "Add a prediction file by path")


@pytest.fixture
def outside(tmp_path_factory, monkeypatch):
    """A folder outside every allowed root: the tests' temporary folder, no longer allowed,
    and a home folder elsewhere."""
    folder = tmp_path_factory.mktemp("outside")
    monkeypatch.setenv("IMLR_ALLOW_PATHS", str(tmp_path_factory.mktemp("allowed")))
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    return folder


def _submit(at, field, text):
    box = next(t for t in at.sidebar.text_input if t.label == field)
    box.set_value(text)
    button = "Open" if field.startswith("Label") else "Add"
    if field.startswith("Label"):
        at.sidebar.radio[0].set_value("json")
    next(b for b in at.sidebar.button if b.label == button).click().run()
    return [plain(e.value) for e in at.sidebar.error]


@pytest.mark.parametrize("field", FIELDS)
def test_paths_outside_the_roots_are_refused_alike(monkeypatch, outside, label_json, field):
    secret = outside / "secret.json"
    secret.write_text('{"sk-live-SECRET-KEY-abc123": 1}')
    monkeypatch.setattr(sys, "argv", ["app.py"])
    at = AppTest.from_file(APP, default_timeout=60).run()
    messages = {}
    for case, path in {
        "exists": secret,
        "missing": outside / "nothing.json",
        "folder": outside,
        "etc": Path("/etc/passwd"),
        "dotdot": Path(str(Path.home())) / ".." / ".." / "etc" / "hostname",
        "fixture": label_json,  # a real label JSON, but outside the roots now
    }.items():
        errors = _submit(at, field, str(path))
        assert not at.exception
        assert len(errors) == 1, case
        messages[case] = errors[0].split(": ", 1)[1]
        assert "SECRET" not in errors[0] and "not found" not in errors[0]
    assert len(set(messages.values())) == 1, messages  # no probing: one answer for all
    assert "allowed folders" in messages["exists"] and "--allow-path" in messages["exists"]
    # Nothing was lost: still the demo, still its models.
    assert any("20,000 images" in c.value for c in at.sidebar.caption)


def test_allow_path_on_the_command_line_opens_a_folder(monkeypatch, outside, label_json):
    target = outside / "labels.json"
    target.write_bytes(label_json.read_bytes())
    monkeypatch.setattr(sys, "argv", ["app.py", "--allow-path", str(outside)])
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert _submit(at, FIELDS[0], str(target)) == []
    assert any("labels only" in c.value for c in at.sidebar.caption)
    assert not any("unknown arguments" in e.value for e in at.sidebar.error)


def test_a_server_open_to_the_network_has_no_path_fields(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(tmp_path / "x.sqlite")])
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")  # noqa: S104 (the case under test)
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        config.set_option("server.address", before)
    assert not at.exception
    labels = {t.label for t in at.sidebar.text_input}
    assert not labels & set(FIELDS) and "TFDS data_dir (tfds source)" not in labels
    assert any("open to the network" in c.value for c in at.sidebar.caption)
    # --reviews-db is the app's own argument, not an unknown one.
    assert not any("unknown arguments" in e.value for e in at.sidebar.error)


def test_roots_and_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("IMLR_ALLOW_PATHS", "")
    monkeypatch.delenv("TFDS_DATA_DIR", raising=False)
    (tmp_path / "home").mkdir()
    (tmp_path / "cli").mkdir()
    given = tmp_path / "cli" / "preds.csv"
    roots = allowed_roots([given, "/", ""])
    assert tmp_path / "home" in roots and tmp_path / "cli" in roots
    assert Path("/") not in roots  # never the whole disk
    assert check_allowed(str(tmp_path / "cli" / "x.npy"), roots, "f") == tmp_path / "cli" / "x.npy"
    (tmp_path / "home" / "link").symlink_to("/etc")
    for bad in ("/etc/passwd", str(tmp_path / "home" / "link" / "passwd"), "\0"):
        with pytest.raises(PathNotAllowed):
            check_allowed(bad, roots, "f")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback(None) and not is_loopback("")
    assert not is_loopback("0.0.0.0")  # noqa: S104
