"""The review store: round trip, history, concurrency, crash safety, import/export, rules."""

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import types

import numpy as np
import pytest

from data_access.annotations import AnnotationTable
from data_access.reviews import (
    Review,
    ReviewError,
    ReviewStore,
    agreement,
    cohen_kappa,
    parse_reference_file,
    review_queue,
    suggest,
)

N = "ILSVRC2012_val_{:08d}.JPEG"


def _review(k=1, reviewer="ada", model="m", category="fine_grained", severity="minor", note=""):
    return Review(model, N.format(k), reviewer, category, severity, 151, [152, 151], note)


def test_round_trip_and_history(review_db):
    store = ReviewStore(review_db)
    first = store.save(_review(note="<script>x</script>"))
    assert first.version == 1 and first.proposed_correct_labels == [151, 152]
    got = store.reviews(model="m")[0]
    assert got.note == "<script>x</script>" and got.category == "fine_grained"
    store.save(_review(category="spurious_correlation", severity="major"))
    hist = store.history("m", N.format(1))
    assert [h["new"]["category"] for h in hist] == ["fine_grained", "spurious_correlation"]
    assert hist[0]["old"] is None and hist[1]["old"]["category"] == "fine_grained"
    assert store.reviews(model="m")[0].version == 2
    # Another reviewer's review of the same image is kept apart.
    store.save(_review(reviewer="bob"))
    assert sorted(r.reviewer for r in store.reviews(file_name=N.format(1))) == ["ada", "bob"]
    # WAL journal (SQLite), and a fresh store object sees the same data.
    if store.path:
        with sqlite3.connect(store.path) as con:
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert len(ReviewStore(review_db).reviews()) == 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"category": "bogus"}, "unknown category"),
        ({"severity": "huge"}, "unknown severity"),
        ({"file_name": "../../etc/passwd"}, "not an ImageNet validation file name"),
        ({"reviewer": " "}, "must not be empty"),
        ({"model": "x" * 200}, "at most 100"),
        ({"top_prediction": 1000}, "not 0..999"),
        ({"proposed_correct_labels": [5000]}, "classes 0..999"),
        ({"note": "x" * 6000}, "longer than 5000"),
    ],
)
def test_bad_reviews_are_refused(review_db, change, message):
    store = ReviewStore(review_db)
    r = _review()
    for k, v in change.items():
        setattr(r, k, v)
    with pytest.raises(ReviewError, match=message):
        store.save(r)
    assert store.reviews() == []


def test_not_a_database(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ReviewError, match="not a usable review database"):
        ReviewStore(bad)


def test_concurrent_threads_lose_nothing(review_db):
    store = ReviewStore(review_db)
    errors = []

    def work(who: str):
        try:
            for k in range(40):
                store.save(_review(k=k % 10 + 1, reviewer=who, note=f"{who}-{k}"))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(f"r{t}",)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    reviews = store.reviews()
    assert len(reviews) == 6 * 10
    assert all(r.version == 4 for r in reviews)  # each (reviewer, image) saved 4 times
    assert _history_count(store) == 6 * 40


def _history_count(store) -> int:
    with store._connection() as con:
        return con.execute("SELECT COUNT(*) FROM review_history").fetchone()[0]


def _run_all(procs, timeout: float = 300) -> None:
    """Starts the writer processes together and waits until each has ended well."""
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=timeout)
        assert p.exitcode == 0


def _process_writer(path: str, who: str, n: int, start) -> None:
    store = ReviewStore(path)
    start.wait(timeout=120)  # all writers begin together, so their saves overlap
    for k in range(n):
        store.save(_review(k=k + 1, reviewer=who, note=f"{who}-{k}"))


@pytest.fixture
def spawn(monkeypatch):
    """The "spawn" start method, with a blank ``__main__``: a spawned child runs the parent's
    ``__main__`` first, and after an AppTest in the same worker that is app.py (Streamlit's
    script runner puts the script there), which cost each writer process 3 s of CPU."""
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    return multiprocessing.get_context("spawn")


def test_concurrent_processes_lose_nothing(review_db, spawn):
    path = review_db
    ReviewStore(path)
    ctx = spawn
    start = ctx.Barrier(3)
    _run_all(
        [ctx.Process(target=_process_writer, args=(path, f"p{i}", 30, start)) for i in range(3)]
    )
    store = ReviewStore(path)
    assert len(store.reviews()) == 90
    assert {r.note for r in store.reviews(reviewer="p1")} == {f"p1-{k}" for k in range(30)}


def _reporting_writer(target: str, who: str, n: int) -> None:
    """Saves n reviews, printing each one's image number once its transaction committed."""
    store = ReviewStore(target)
    for k in range(1, n + 1):
        store.save(_review(k=k, reviewer=who, note=f"{who}-{k}"))
        print(k, flush=True)


def test_killed_writer_loses_nothing_committed(review_db):
    ReviewStore(review_db)
    code = (
        "import sys; sys.path.insert(0, '.');"
        "from tests.test_reviews import _reporting_writer;"
        f"_reporting_writer({review_db!r}, 'victim', 40000)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    committed = []
    for line in proc.stdout:
        committed.append(int(line))
        if len(committed) > 60:
            break
    os.kill(proc.pid, signal.SIGKILL)  # mid-way through the next save
    committed += [int(x) for x in proc.stdout.read().split()]
    proc.wait()
    store = ReviewStore(review_db)  # and the store keeps working
    saved = {int(r.file_name[15:23]) for r in store.reviews(reviewer="victim")}
    assert set(committed) <= saved  # everything reported committed is there
    assert len(saved) - len(committed) <= 1  # at most the one in flight, and then whole
    with store._connection() as con:
        rows = con.execute("SELECT file_name, version FROM reviews").fetchall()
        history = dict(
            con.execute(
                "SELECT file_name, COUNT(*) FROM review_history GROUP BY file_name"
            ).fetchall()
        )
        if store.path:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert rows and all(history[f] == v for f, v in rows)  # every save is whole: row + history
    store.save(_review(k=999, reviewer="after"))
    assert store.reviews(reviewer="after")[0].version == 1


def _panel_writer(target: str, who: str, n: int, start) -> None:
    """n saves: three of four on the writer's own images, one of four on one image that
    every writer saves under the same reviewer name (the contested key); all writers begin
    together (``start``, a barrier), so their saves really overlap."""
    store = ReviewStore(target)
    start.wait(timeout=120)
    for k in range(n):
        if k % 4 == 3:
            store.save(_review(k=1, reviewer="panel", note=f"{who}-{k}"))
        else:
            store.save(_review(k=k % 50 + 2, reviewer=who, note=f"{who}-{k}"))


# Saves per writer: enough that the eight writers' transactions overlap for seconds (they
# start together at a barrier), few enough that the test is not most of the suite's time.
PANEL_SAVES = 100


def test_eight_writer_processes_lose_no_update(review_db, spawn):
    """8 processes x 100 saves at once: every save in history, and the key they all write
    has versions 1..200, each exactly once (no update lost or overwritten)."""
    ReviewStore(review_db)
    ctx = spawn
    start = ctx.Barrier(8)
    _run_all(
        [
            ctx.Process(target=_panel_writer, args=(review_db, f"w{i}", PANEL_SAVES, start))
            for i in range(8)
        ]
    )
    # What each writer did, counted as _panel_writer's loop does it.
    contested = sum(1 for k in range(PANEL_SAVES) if k % 4 == 3)
    own_keys = {k % 50 + 2 for k in range(PANEL_SAVES) if k % 4 != 3}
    store = ReviewStore(review_db)
    assert _history_count(store) == 8 * PANEL_SAVES
    panel = store.reviews(reviewer="panel")
    assert len(panel) == 1 and panel[0].version == 8 * contested
    versions = [h["new"]["version"] for h in store.history("m", N.format(1))]
    assert sorted(versions) == list(range(1, 8 * contested + 1))
    own = store.reviews(reviewer="w3")
    # Its own saves, each counted once: a key saved twice is at version 2.
    assert len(own) == len(own_keys)
    assert sum(r.version for r in own) == PANEL_SAVES - contested


PUBLISHED = {
    N.format(612): {
        "top_prediction": 192,
        "failure category": "Fine-grained error",
        "failure severity": "Minor",
    },
    N.format(1409): {
        "top_prediction": 843,
        "failure category": "Fine-grained error with OOV",
        "failure severity": "Major",
    },
    N.format(2021): {
        "top_prediction": 198,
        "failure category": "Fine-grained with OOV",
        "failure severity": "Borderline",
    },
    N.format(3000): {
        "top_prediction": 5,
        "failure category": "Spurious Correlation",
        "failure severity": "Major",
    },
    N.format(3001): {
        "top_prediction": 6,
        "failure category": "Non-prototypical",
        "failure severity": "Minor",
    },
    N.format(3002): {
        "top_prediction": 7,
        "failure category": "Fine-grained with Multilabel Options",
        "failure severity": "Minor",
    },
}


def test_import_published_format_as_is(tmp_path, review_db):
    f = tmp_path / "vit3b_mistakes.json"
    f.write_text(json.dumps(PUBLISHED))
    store = ReviewStore(review_db)
    assert store.import_reference("paper", f) == 6
    ref = store.reference("paper")
    assert ref[N.format(2021)]["category"] == "fine_grained_oov"
    assert ref[N.format(2021)]["raw_category"] == "Fine-grained with OOV"
    assert ref[N.format(3002)]["category"] == "fine_grained"
    assert ref[N.format(3000)]["severity"] == "major"
    assert store.references_for(N.format(612)) == {"paper": ref[N.format(612)]}
    with pytest.raises(ReviewError, match="exists"):
        store.import_reference("paper", f)


def test_export_import_identity(tmp_path, review_db):
    store = ReviewStore(review_db)
    cats = [
        "fine_grained",
        "fine_grained_oov",
        "spurious_correlation",
        "non_prototypical",
        "other",
        "not_a_mistake",
    ]
    for k, c in enumerate(cats):
        store.save(_review(k=k + 1, category=c, severity=["major", "minor", "borderline"][k % 3]))
    store.save(_review(k=1, model="other-model"))
    with pytest.raises(ReviewError, match="choose --reviewer and --model"):
        store.export("json")
    exported = store.export("json", reviewer="ada", model="m")
    f = tmp_path / "export.json"
    f.write_text(exported)
    store.import_reference("back", f)
    back = store.reference("back")
    mine = {r.file_name: r for r in store.reviews(model="m", reviewer="ada")}
    assert set(back) == set(mine)
    for name, r in mine.items():
        assert (back[name]["category"], back[name]["severity"], back[name]["top_prediction"]) == (
            r.category,
            r.severity,
            r.top_prediction,
        )
    csv_text = store.export("csv")
    g = tmp_path / "export.csv"
    g.write_text(csv_text)
    with pytest.raises(ReviewError, match="appears twice"):  # two models reviewed image 1
        parse_reference_file(g)
    assert len(csv_text.strip().splitlines()) == 1 + 7


BAD_IMPORTS = {
    "empty.json": ("", "empty"),
    "list.json": ("[1, 2]", "expected an object"),
    "trunc.json": ('{"ILSVRC2012_val_00000001.JPEG": {"top_prediction": 1,', "not valid JSON"),
    "path.json": (json.dumps({"../../etc/passwd": PUBLISHED[N.format(612)]}), "not an ImageNet"),
    "html.json": (
        json.dumps(
            {
                N.format(1): {
                    **PUBLISHED[N.format(612)],
                    "failure category": "<script>alert(1)</script>",
                }
            }
        ),
        "unknown failure category",
    ),
    "range.json": (
        json.dumps({N.format(1): {**PUBLISHED[N.format(612)], "top_prediction": 1000}}),
        "not in 0..999",
    ),
    "bool.json": (
        json.dumps({N.format(1): {**PUBLISHED[N.format(612)], "top_prediction": True}}),
        "not in 0..999",
    ),
    "missing.json": (json.dumps({N.format(1): {"top_prediction": 3}}), "missing failure category"),
    "severity.json": (
        json.dumps({N.format(1): {**PUBLISHED[N.format(612)], "failure severity": "Huge"}}),
        "unknown failure severity",
    ),
    "binary.json": (b"\xff\xfe\x00\x01garbage", "not UTF-8"),
    "dup.csv": (
        "file_name,top_prediction,failure category,failure severity\n"
        f"{N.format(1)},3,Fine-grained error,Minor\n{N.format(1)},3,Fine-grained error,Minor\n",
        "appears twice",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_IMPORTS))
def test_bad_imports_change_nothing(tmp_path, review_db, name):
    content, message = BAD_IMPORTS[name]
    f = tmp_path / name
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    store = ReviewStore(review_db)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(PUBLISHED))
    store.import_reference("kept", good)
    with pytest.raises(ReviewError, match=message) as err:
        store.import_reference("new", f)
    assert str(err.value).startswith(str(f))
    assert store.reference_sets() == ["kept"] and len(store.reference("kept")) == 6


def _table():
    return AnnotationTable.from_records(
        [
            {
                "file_name": N.format(1),
                "original_label": 151,
                "correct_multi_labels": [151],
                "unclear_multi_labels": [],
                "wrong_multi_labels": [999],
                "is_problematic": False,
            },
            {
                "file_name": N.format(2),
                "original_label": 999,
                "correct_multi_labels": [999],
                "unclear_multi_labels": [],
                "wrong_multi_labels": [],
                "is_problematic": False,
                "in_imagenet_m": True,
            },
            {
                "file_name": N.format(3),
                "original_label": 0,
                "correct_multi_labels": [0],
                "unclear_multi_labels": [],
                "wrong_multi_labels": [],
                "is_problematic": True,
            },
        ]
    )


def test_suggestion_rule_on_hand_made_wordnet_cases():
    t = _table()
    # Chihuahua (151) vs Japanese spaniel (152): sibling toy dogs -> fine-grained.
    s = suggest(t, 0, 152)
    assert s["category"] == "fine_grained" and s["distance"] <= 3 and s["unjudged"]
    # Chihuahua vs toilet tissue (999): far apart; judged wrong by experts.
    s = suggest(t, 0, 999)
    assert s["category"] is None and s["distance"] > 3 and not s["unjudged"]
    # Crane the bird (134) vs crane the machine (517): same word, different branches.
    t2 = AnnotationTable.from_records(
        [
            {
                **{
                    "file_name": N.format(4),
                    "original_label": 134,
                    "correct_multi_labels": [134],
                    "unclear_multi_labels": [],
                    "wrong_multi_labels": [],
                    "is_problematic": False,
                }
            }
        ]
    )
    assert suggest(t2, 0, 517)["category"] is None


def test_queue_and_kappa():
    t = _table()
    top1 = np.array([152, 5, 7])  # wrong, wrong (ImageNet-M), problematic
    assert review_queue(t, top1).tolist() == [0, 1]
    assert review_queue(t, np.array([151, 999, 0])).tolist() == [1]  # ImageNet-M always
    k = cohen_kappa(["x", "x", "y", "y"], ["x", "y", "y", "y"])
    assert k == {"n": 4, "agree": 3, "kappa": pytest.approx(0.5)}
    res = agreement(
        {"a": {"category": "x", "severity": "major"}, "b": {"category": "y", "severity": "minor"}},
        {"a": {"category": "x", "severity": "major"}, "c": {"category": "x", "severity": "minor"}},
    )
    assert res["images"] == 1 and res["category"]["agree"] == 1


def test_held_lock_fails_after_one_timeout(tmp_path, monkeypatch):
    """Another program holding the write lock: one wait, then a clear error; nothing lost."""
    import sqlite3

    import data_access.reviews.db as R

    store = ReviewStore(tmp_path / "r.sqlite")
    store.save(_review(k=1))
    monkeypatch.setattr(R, "LOCK_TIMEOUT", 0.5)
    holder = sqlite3.connect(tmp_path / "r.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(ReviewError, match="busy: another program has held .* for 0.5 s"):
        store.save(_review(k=2))
    assert time.monotonic() - started < 5
    holder.execute("ROLLBACK")
    holder.close()
    store.save(_review(k=2))
    assert len(store.reviews(model="m")) == 2


def test_full_disk_reports_and_keeps_the_database(tmp_path, monkeypatch):
    """SQLite's "database or disk is full" mid-save: one clear error (not "cannot rollback"),
    the earlier reviews intact."""
    import sqlite3
    from contextlib import contextmanager

    store = ReviewStore(tmp_path / "r.sqlite")
    store.save(_review(k=1, note="kept"))
    from data_access.reviews.db import SqliteBackend

    real = SqliteBackend.connection

    class FullDisk:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
                self.con.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL
                raise sqlite3.OperationalError("database or disk is full")
            return self.con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.con, name)

    @contextmanager
    def full(self):
        with real(self) as con:
            yield FullDisk(con)

    monkeypatch.setattr(SqliteBackend, "connection", full)
    with pytest.raises(ReviewError, match="the disk is full: nothing was written"):
        store.save(_review(k=2))
    monkeypatch.setattr(SqliteBackend, "connection", real)
    assert [r.note for r in store.reviews(model="m")] == ["kept"]
    with sqlite3.connect(tmp_path / "r.sqlite") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reference_csv_with_old_mac_line_endings(tmp_path):
    from data_access.reviews import parse_reference_file

    f = tmp_path / "mistakes.csv"
    f.write_bytes(
        b"file_name,top_prediction,failure category,failure severity\r"
        b"ILSVRC2012_val_00000612.JPEG,192,Fine-grained error,Minor\r"
    )
    items = parse_reference_file(f)
    assert len(items) == 1 and items[0]["top_prediction"] == 192
    bad = tmp_path / "bad.csv"
    bad.write_text('file_name,top_prediction\n"ILSVRC2012_val_00000612.JPEG,192\n')
    with pytest.raises(ReviewError):
        parse_reference_file(bad)


def test_every_problem_of_a_review_is_listed_at_once():
    """The Review page shows all of them from the same rules the store enforces."""
    from data_access.reviews import review_problems

    r = Review("m", N.format(3), "  ", None, None, -1, [1, 2000], "x" * 5001)
    assert [what for _, what in review_problems(r)] == [
        "enter your name first (the reviewer must not be empty)",
        "choose a category",
        "choose a severity",
        "the model has no prediction to review",
        "proposed correct labels must be classes 0..999",
        "note longer than 5000 characters",
    ]
    assert review_problems(_review()) == []


def test_a_huge_reference_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "mistakes.json"
    with path.open("wb") as f:
        f.write(b"{")
        f.truncate((200 << 20) + 1)  # sparse
    monkeypatch.setattr("builtins.open", None)  # nothing may be read
    with pytest.raises(ReviewError, match="larger than a categorisation file can be"):
        parse_reference_file(path)
