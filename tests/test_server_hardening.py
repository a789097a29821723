"""Server mode without holes: secrets never shown, reviewers compared in one form, a strict
start-up, and no cache clearing by visitors. (The real server's refusal is in
tests/e2e/test_startup_browser.py.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.cli.main import main
from data_access.errors import DataError, without_secrets
from data_access.reviews.taxonomy import reviewer_key, same_reviewer
from ui.cli_args import app_args

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PASSWORD = "hunter2-PLANTED"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"postgresql://ada:{PASSWORD}@db/reviews", "postgresql://ada:***@db/reviews"),
        (f"postgresql://ada@db/reviews?password={PASSWORD}&sslmode=require",
         "postgresql://ada@db/reviews?password=***&sslmode=require"),
        (f"host=db user=ada password={PASSWORD} dbname=r", "host=db user=ada password=*** dbname=r"),
        (f"postgresql://ada:{PASSWORD}@[bad/db", "postgresql://ada:***@[bad/db"),
        (f"--reviews-db 'postgres://a:{PASSWORD}@h/d'", "--reviews-db 'postgres://a:***@h/d'"),
        ("postgresql://ada@db/reviews", "postgresql://ada@db/reviews"),
    ],
)  # fmt: skip
def test_secrets_are_masked_in_any_text(text, shown):
    assert without_secrets(text) == shown


def test_no_data_error_carries_a_password():
    e = DataError(f"postgresql://u:{PASSWORD}@h/db", f"failed: password={PASSWORD}", "x")
    assert PASSWORD not in str(e) and PASSWORD not in e.message() and PASSWORD not in e.redacted()


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://u:{PASSWORD}@[bad/db",  # urllib would raise "Invalid IPv6 URL"
        f"postgresql://u:{PASSWORD}%zz@127.0.0.1:1/db",  # a bad %-escape psycopg quotes
        f"postgresql://u@127.0.0.1:1/db?password={PASSWORD}",
    ],
)
def test_cli_database_url_problems_are_one_line_without_the_password(capsys, url):
    code = main(["reviews", "--db", url, "export"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and PASSWORD not in err


def test_the_apps_command_line_problem_never_shows_the_password():
    problem = app_args(["--sorce", "x", "--reviews-db", f"postgresql://u:{PASSWORD}@h/db"]).problem
    assert "--sorce" in problem and PASSWORD not in problem


@pytest.mark.parametrize(
    ("raw", "key"),
    [("  ADA@lab.org ", "ada@lab.org"), ("Ada   Lovelace ", "Ada Lovelace"), ("bob", "bob")],
)
def test_reviewer_names_have_one_form(raw, key):
    assert reviewer_key(raw) == key


def test_allow_list_entries_and_names_compare_in_that_form():
    from ui.identity import _checked

    allow = (" Ada@Lab.org ",)
    assert _checked("signed-in", reviewer_key("ada@LAB.org"), allow, ()).can_save
    assert not _checked("signed-in", "eve@lab.org", allow, ()).can_save
    assert not _checked("signed-in", "ada@lab.org", allow, ("ADA@lab.org  ",)).can_save
    assert same_reviewer("Ada Lovelace", "ada  lovelace")


def test_saved_reviews_keep_the_one_form(tmp_path):
    from data_access.reviews import Review, ReviewStore

    db = ReviewStore(tmp_path / "r.sqlite")
    db.save(
        Review(
            model="m",
            file_name="ILSVRC2012_val_00000001.JPEG",
            top_prediction=3,
            category="fine_grained",
            severity="minor",
            reviewer="  ADA@Lab.org ",
        )
    )
    assert [r.reviewer for r in db.reviews()] == ["ada@lab.org"]


@pytest.mark.parametrize(
    ("argv", "strict"),
    [
        ([], False),
        (["--server-mode"], True),
        (["--config", "lab.toml"], True),
        (["--config=lab.toml"], True),
        (["--source", "tdfs", "--server-mode"], True),  # a typo still says server mode
    ],
)
def test_strict_mode_is_read_from_the_raw_command_line(argv, strict):
    from ui.startup import strict_mode

    assert strict_mode(argv) is strict


def test_server_mode_typo_is_refused_not_replaced_by_the_demo(monkeypatch, capsys):
    monkeypatch.setattr(
        sys, "argv", ["app.py", "--server-mode", "--source", "tdfs", "--reviews-db",
                      f"postgresql://u:{PASSWORD}@h/db"]
    )  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This server is not configured correctly, so it does not serve. Its operator has been "
        "told what to fix."
    ]
    assert not at.sidebar.markdown and not at.sidebar.button  # nothing served
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "not serving:" in x)
    assert "invalid choice: 'tdfs'" in line and PASSWORD not in err


def test_an_allow_list_without_sign_in_is_refused_in_server_mode(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["app.py", "--server-mode", "--allow-reviewer", "ada"])
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.error and "not configured correctly" in at.error[0].value
    assert "--allow-reviewer needs reviewers to sign in" in capsys.readouterr().err


def test_a_visitors_clear_cache_message_is_ignored(monkeypatch):
    from streamlit.runtime import caching
    from streamlit.runtime.app_session import AppSession

    from ui import startup

    cleared: list[str] = []
    monkeypatch.setattr(caching.cache_data, "clear", lambda: cleared.append("data"))
    monkeypatch.setattr(caching.cache_resource, "clear", lambda: cleared.append("resource"))
    original = AppSession._handle_clear_cache_request
    try:
        startup._refuse_cache_clearing.__wrapped__()
        AppSession._handle_clear_cache_request(object())
        assert cleared == []
    finally:
        AppSession._handle_clear_cache_request = original


N1 = "ILSVRC2012_val_00000001.JPEG"


def _hostile_store(path: Path):
    """A store holding one review the app wrote and rows it never would."""
    import sqlite3

    from data_access.reviews import Review, ReviewStore

    store = ReviewStore(path)
    store.save(Review("m", N1, "ada", "fine_grained", "minor", 3))
    con = sqlite3.connect(path)
    bad_reviews = [
        ("m", "evil.jpg", "eve", "fine_grained", "minor", 3, "[]", "", "t", 1),
        ("m", N1, "eve", "<script>", "minor", 3, "[]", "", "t", 1),
        ("m", N1, "mallory", "fine_grained", "minor", "x", "[]", "", "t", 1),
        ("m", N1, "trent", "fine_grained", "minor", 3, "not json", "", "t", 1),
        ("m", N1, "oscar", "fine_grained", "minor", 3, "[5000]", "", "t", 1),
        ("m", N1, "", "fine_grained", "minor", 3, "[]", "", "t", 1),
    ]
    con.executemany("INSERT INTO reviews VALUES (?,?,?,?,?,?,?,?,?,?)", bad_reviews)
    con.execute(
        "INSERT INTO review_history (model, file_name, reviewer, changed_at, old_value, "
        "new_value) VALUES ('m', ?, 'eve', 't', NULL, 'nope')",
        (N1,),
    )
    con.execute("INSERT INTO reference_sets VALUES ('paper', 'x', 't')")
    con.executemany(
        "INSERT INTO reference_items VALUES ('paper',?,?,?,?,?,?)",
        [(N1, 3, "fine_grained", "minor", "a", "b"), ("ILSVRC2012_val_00000002.JPEG", 5000,
          "fine_grained", "minor", "a", "b"), ("x.jpg", 3, "fine_grained", "minor", "a", "b")],
    )  # fmt: skip
    con.commit()
    con.close()
    return store, len(bad_reviews) + 1 + 2


def test_rows_the_app_never_wrote_are_left_out_when_read(tmp_path):
    store, _ = _hostile_store(tmp_path / "r.sqlite")
    assert [(r.reviewer, r.category) for r in store.reviews()] == [("ada", "fine_grained")]
    assert len(store.history("m", N1)) == 1  # the app's own entry
    assert list(store.reference("paper")) == [N1]
    assert '"ada"' in store.export("json") and "<script>" not in store.export("csv")


def test_reviews_copy_leaves_out_invalid_rows_with_a_count(tmp_path, capsys):
    from data_access.reviews import ReviewStore

    _, invalid = _hostile_store(tmp_path / "hostile.sqlite")
    target = tmp_path / "target.sqlite"
    code = main(["reviews", "copy", "--from", str(tmp_path / "hostile.sqlite"), "--to",
                 str(target)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and f"left out {invalid} invalid rows of the source" in out
    copied = ReviewStore(target)
    assert [r.reviewer for r in copied.reviews()] == ["ada"]
    assert list(copied.reference("paper")) == [N1]


def test_pages_never_fail_on_a_stored_row(tmp_path, monkeypatch):
    _hostile_store(tmp_path / "r.sqlite")
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(tmp_path / "r.sqlite")])
    at = AppTest.from_file(APP, default_timeout=120).run()
    for page in ("app_pages/review.py", "app_pages/imagenet_m.py", "app_pages/image.py"):
        if page.endswith("image.py"):
            at.query_params["image"] = N1
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert not [e for e in at.error if "cannot" in e.value.lower()], page


class _Crafted:
    """A container whose widgets hand back what a crafted websocket message would."""

    def __init__(self, value):
        self.value, self.captions = value, []

    def selectbox(self, label, options, **kwargs):
        return self.value

    radio = selectbox

    def multiselect(self, label, options, **kwargs):
        return self.value

    def caption(self, text):
        self.captions.append(text)


@pytest.mark.parametrize("kind", ["selectbox", "radio"])
def test_a_choice_the_page_did_not_offer_becomes_its_default(kind):
    from ui import widgets

    choose = getattr(widgets, kind)
    where = _Crafted("/etc/passwd")
    assert choose(where, "Model A", ["a", "b"]) == "a"  # the default (index 0)
    assert choose(where, "Shared", [0, 1], index=None) is None
    assert choose(where, "Shared", [0, 1], index=1) == 1
    assert (
        where.captions
        == ["Ignored a value for “Model A” that this page did not offer."]
        + ["Ignored a value for “Shared” that this page did not offer."] * 2
    )
    offered = _Crafted("b")
    assert choose(offered, "Model A", ["a", "b"]) == "b" and offered.captions == []


def test_a_multiselect_keeps_only_offered_values():
    from ui import widgets

    where = _Crafted([3, "x", 999, 5])
    assert widgets.multiselect(where, "Class", list(range(10))) == [3, 5]
    assert len(where.captions) == 1
