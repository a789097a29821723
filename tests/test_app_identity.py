"""Reviewer identity on the Review page (AppTest, with st.user mocked as AppTest allows):
signed in through Streamlit's authentication, signed out, an allow-list, a read-only reviewer,
and single-user mode."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.reviews import ReviewStore
from tests.helpers import plain

APP = str(Path(__file__).resolve().parents[1] / "app.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32,
        "client_id": "x", "client_secret": "y",
        "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"}  # fmt: skip


def _review_page(tmp_path, monkeypatch, user=None, extra=()) -> AppTest:
    db = tmp_path / "r.sqlite"
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(db), *extra])
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    at.run()
    at.switch_page("app_pages/review.py").run()
    assert not at.exception, at.exception
    return at


def _save(at) -> None:
    radios = {r.label: r for r in at.radio}
    radios["Category"].set_value("other")
    radios["Severity"].set_value("minor")
    next(b for b in at.button if b.label == "Save and go to the next").click().run()


def _text(at) -> str:
    return "\n".join(plain(m.value) for m in [*at.markdown, *at.caption, *at.info, *at.error])


def test_signed_in_reviewer_is_the_user(tmp_path, monkeypatch):
    at = _review_page(tmp_path, monkeypatch, {"is_logged_in": True, "email": "ada@lab.org",
                                              "name": "Ada"})  # fmt: skip
    assert not [t for t in at.text_input if t.key == "reviewer_name"]  # no name box
    assert "Signed in as **ada@lab.org**" in _text(at)
    assert any(b.label == "Sign out" for b in at.button)
    _save(at)
    assert not at.error
    saved = ReviewStore(tmp_path / "r.sqlite").reviews()
    assert [r.reviewer for r in saved] == ["ada@lab.org"]


def test_signed_out_cannot_save(tmp_path, monkeypatch):
    at = _review_page(tmp_path, monkeypatch, {"is_logged_in": False})
    assert any(b.label == "Sign in to review" for b in at.button)
    _save(at)
    assert "Not saved: sign in to save reviews." in _text(at)
    assert ReviewStore(tmp_path / "r.sqlite").reviews() == []


@pytest.mark.parametrize(
    "extra, why",
    [
        (["--allow-reviewer", "bob@lab.org"], "ada@lab.org is not on this server's list"),
        (["--read-only-reviewer", "ADA@lab.org"], "ada@lab.org may read but not save"),
    ],
)
def test_allow_list_and_read_only(tmp_path, monkeypatch, extra, why):
    user = {"is_logged_in": True, "email": "ada@lab.org"}
    at = _review_page(tmp_path, monkeypatch, user, extra)
    assert "Read-only: " in _text(at) and why in _text(at)
    _save(at)
    assert f"Not saved: {why}" in _text(at)
    assert ReviewStore(tmp_path / "r.sqlite").reviews() == []


def test_single_user_mode_says_so_and_uses_the_typed_name(tmp_path, monkeypatch):
    at = _review_page(tmp_path, monkeypatch, extra=["--allow-reviewer", "ada"])
    assert "Single-user mode: reviews are saved under the name typed here." in _text(at)
    at.text_input(key="reviewer_name").set_value("eve").run()
    _save(at)
    assert "eve is not on this server's list" in _text(at)
    at.text_input(key="reviewer_name").set_value("Ada").run()
    _save(at)
    assert [r.reviewer for r in ReviewStore(tmp_path / "r.sqlite").reviews()] == ["Ada"]


def _import_button(at) -> bool:
    return any(b.label == "Import" for b in at.button)


@pytest.mark.parametrize(
    ("typed", "extra", "allowed"),
    [
        ("", (), False),  # nobody named
        ("guest", ("--read-only-reviewer", "GUEST "), False),  # read-only, in any case
        ("eve", ("--allow-reviewer", "ada"), False),  # not on the list
        ("  Ada ", ("--allow-reviewer", "ada"), True),
    ],
)
def test_importing_a_reference_set_needs_a_reviewer_who_may_save(
    tmp_path, monkeypatch, typed, extra, allowed
):
    at = _review_page(tmp_path, monkeypatch, extra=extra)
    if typed:
        at.text_input(key="reviewer_name").set_value(typed).run()
    assert _import_button(at) is allowed
    if not allowed:
        assert "Importing needs a reviewer who may save" in _text(at)


def test_an_uploaded_reference_set_is_checked_in_memory(tmp_path):
    import json

    from data_access.reviews.reference import parse_reference_bytes

    entry = {"top_prediction": 3, "failure category": "fine-grained", "failure severity": "minor"}
    data = json.dumps({"ILSVRC2012_val_00000001.JPEG": entry}).encode()
    items = parse_reference_bytes(data, "paper.json")
    store = ReviewStore(tmp_path / "r.sqlite")
    assert store.import_reference_items("paper", items, "upload paper.json by ada") == 1
    assert set(store.reference("paper")) == {"ILSVRC2012_val_00000001.JPEG"}
    with pytest.raises(Exception, match="not UTF-8"):
        parse_reference_bytes(b"\xff\xfe", "x.json")
