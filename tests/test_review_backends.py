"""The review store across backends: migrations, the libpq socket URL, copying a history from
SQLite into PostgreSQL (nothing lost or duplicated, twice), and the CLI for both."""

from __future__ import annotations

import json
import sqlite3

import pytest

from data_access.cli.main import main
from data_access.reviews import Review, ReviewError, ReviewStore
from data_access.reviews.copy import copy_reviews
from data_access.reviews.db import redacted
from data_access.reviews.label_store import save_decision, save_label_review
from data_access.reviews.labels import LabelReview
from tests.pg import new_database

N = "ILSVRC2012_val_{:08d}.JPEG"
PAPER = {N.format(612): {"top_prediction": 192, "failure category": "Fine-grained error",
                         "failure severity": "Minor"}}  # fmt: skip


def _fill(store: ReviewStore, tmp_path, reviewer="ada") -> None:
    for k in range(1, 6):
        store.save(Review("m", N.format(k), reviewer, "fine_grained", "minor", 3, [], f"n{k}"))
    store.save(Review("m", N.format(1), reviewer, "other", "major", 3, [], "changed"))
    (tmp_path / "paper.json").write_text(json.dumps(PAPER))
    store.import_reference("paper", tmp_path / "paper.json", replace=True)
    # Label reviews: one changed once (two history entries), another, and a lead's decision
    save_label_review(store, LabelReview(N.format(1), reviewer, {"n01440764": "wrong"}))
    save_label_review(store, LabelReview(N.format(1), reviewer, {"n01440764": "correct"}))
    save_label_review(store, LabelReview(N.format(2), reviewer, {}, True, "drawing"))
    save_decision(store, LabelReview(N.format(1), "lee", {"n01440764": "unclear"}))


def _dump(store: ReviewStore) -> dict:
    with store._connection() as con:
        return {
            "reviews": sorted(tuple(r) for r in con.execute("SELECT * FROM reviews").fetchall()),
            "history": sorted(
                tuple(r)
                for r in con.execute(
                    "SELECT model, file_name, reviewer, changed_at, old_value, new_value "
                    "FROM review_history"
                ).fetchall()
            ),
            "items": sorted(tuple(r) for r in con.execute("SELECT * FROM reference_items")),
            **{
                table: sorted(tuple(r) for r in con.execute(f"SELECT * FROM {table}"))  # noqa: S608
                for table in ("label_reviews", "label_decisions")
            },
            "label_history": sorted(
                tuple(r)
                for r in con.execute(
                    "SELECT kind, file_name, reviewer, changed_at, old_value, new_value "
                    "FROM label_history"
                ).fetchall()
            ),
        }


def test_copy_sqlite_into_postgresql_twice(tmp_path, postgres, capsys):
    lite = ReviewStore(tmp_path / "mine.sqlite")
    _fill(lite, tmp_path)
    url = new_database(postgres)
    lab = ReviewStore(url)
    lab.save(Review("m", N.format(9), "bob", "other", "minor", 3, [], "the lab's own"))
    assert main(["reviews", "copy", "--from", str(lite.path), "--to", url]) == 0
    out = capsys.readouterr().out
    assert "copied 5 reviews, 6 history entries and 1 reference sets" in out
    assert "2 label reviews, 1 decisions and 4 label history entries" in out
    mine, theirs = _dump(lite), _dump(lab)
    assert set(mine["reviews"]) <= set(theirs["reviews"]) and len(theirs["reviews"]) == 6
    assert set(mine["history"]) <= set(theirs["history"]) and len(theirs["history"]) == 7
    assert theirs["items"] == mine["items"]
    assert [h["new"]["note"] for h in lab.history("m", N.format(1))] == ["n1", "changed"]
    # Again: nothing new, nothing doubled.
    assert main(["reviews", "copy", "--from", str(lite.path), "--to", url]) == 0
    out = capsys.readouterr().out
    assert "copied 0 reviews, 0 history entries and 0 reference sets" in out
    assert "0 label reviews, 0 decisions and 0 label history entries" in out
    assert _dump(lab) == theirs
    for table in ("label_reviews", "label_decisions", "label_history"):
        assert theirs[table] == mine[table] and theirs[table]
    # And back the other way into an empty SQLite file: the union.
    back = ReviewStore(tmp_path / "back.sqlite")
    counts = copy_reviews(lab, back)
    assert counts["reviews"] == 6 and counts["history"] == 7 and counts["label_history"] == 4
    assert _dump(back)["reviews"] == theirs["reviews"]


def test_copy_refuses_a_different_reference_set_and_writes_nothing(tmp_path, review_db):
    lite = ReviewStore(tmp_path / "mine.sqlite")
    _fill(lite, tmp_path)
    other = ReviewStore(review_db)
    (tmp_path / "other.json").write_text(json.dumps({N.format(7): PAPER[N.format(612)]}))
    other.import_reference("paper", tmp_path / "other.json")
    before = _dump(other)
    with pytest.raises(ReviewError, match="reference set 'paper' exists with other items"):
        copy_reviews(lite, other)
    assert _dump(other) == before


def test_migrations_from_the_first_schema(tmp_path, capsys):
    """A database written by the first release (schema 1, no history index) is brought up to
    date, its reviews kept; a fresh one gets every migration; a newer one is refused."""
    path = tmp_path / "old.sqlite"
    store = ReviewStore(path)
    store.save(Review("m", N.format(1), "ada", "other", "minor", 3, [], "old"))
    with sqlite3.connect(path) as con:
        con.execute("DROP INDEX review_history_by_image")
        con.execute("UPDATE meta SET value='1' WHERE key='schema'")
    assert main(["reviews", "migrate", "--db", str(path)]) == 0
    assert "applied migrations 2" in capsys.readouterr().out
    assert main(["reviews", "migrate", "--db", str(path)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert ReviewStore(path).reviews()[0].note == "old"
    with sqlite3.connect(path) as con:
        con.execute("UPDATE meta SET value='99' WHERE key='schema'")
    with pytest.raises(ReviewError, match="schema 99 is newer than this app's"):
        ReviewStore(path)


def test_postgresql_through_a_unix_socket_url(postgres_server, capsys):
    admin, folder = postgres_server
    name = new_database(admin).rsplit("/", 1)[1]
    port = admin.rsplit(":", 1)[1].split("/")[0]
    url = f"postgresql://imlr@/{name}?host={folder}&port={port}"
    assert main(["reviews", "--db", url, "migrate"]) == 0
    assert "applied migrations 1, 2" in capsys.readouterr().out
    ReviewStore(url).save(Review("m", N.format(3), "ada", "other", "minor", 3, [], "socket"))
    assert main(["reviews", "--db", url, "export", "--format", "csv"]) == 0
    assert "socket" in capsys.readouterr().out


def test_unreachable_postgresql_is_one_clear_line(capsys):
    code = main(["reviews", "--db", "postgresql://nobody:secret@127.0.0.1:1/x", "export"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "cannot connect after 3 attempts" in err and "secret" not in err
    assert redacted("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


def test_a_cut_connection_is_made_again_and_nothing_is_lost(postgres):
    """The server ends the store's connection between two saves (a restart, an idle cut): the
    next save connects again and lands; both are in the history."""
    import psycopg

    url = new_database(postgres)
    store = ReviewStore(url)
    store.save(Review("m", N.format(1), "ada", "other", "minor", 3, [], "before"))
    with psycopg.connect(postgres, autocommit=True) as admin:
        cut = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (url.rsplit("/", 1)[1],),
        ).fetchall()
    assert cut and all(ok for (ok,) in cut)
    store.save(Review("m", N.format(1), "ada", "other", "major", 3, [], "after"))
    assert [h["new"]["note"] for h in store.history("m", N.format(1))] == ["before", "after"]
