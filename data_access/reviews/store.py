"""Reviews of model mistakes, in the taxonomy of Vasudevan et al. 2022, kept in SQLite.

Every save is one ``BEGIN IMMEDIATE`` transaction that upserts the review and appends the
previous and new value to ``review_history`` (who, when, what it was): nothing is overwritten
without a trace, two sessions reviewing at once cannot lose each other's work, and a process
killed mid-write leaves the database as it was before that save (SQLite's WAL journal).
"""

from __future__ import annotations

import io
import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from data_access.csv_safe import SafeWriter
from data_access.reviews.reference import parse_reference_file
from data_access.reviews.taxonomy import (
    CATEGORIES,
    SEVERITIES,
    Review,
    ReviewError,
    _name_problem,
    _now,
    validate,
)

SCHEMA_VERSION = 1
DB_FILE = "reviews.sqlite"
LOCK_TIMEOUT = 30.0  # seconds a writer waits for another one's lock before giving up


def default_db_path() -> Path:
    from data_access.index import default_data_root

    return default_data_root() / DB_FILE


class ReviewStore:
    """The SQLite review database. One connection per operation: safe across threads."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connection() as con:
                self._create(con)
        except sqlite3.DatabaseError as e:
            raise ReviewError(self.path, f"not a usable review database ({e})") from e
        except OSError as e:
            raise ReviewError(self.path, f"cannot open: {e.strerror or e}") from e

    @contextmanager
    def _connection(self):
        con = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")  # a saved review survives a power cut
            con.execute("PRAGMA foreign_keys=ON")
            yield con
        finally:
            con.close()

    @contextmanager
    def _write(self):
        """One IMMEDIATE transaction: the write lock is taken up front, so concurrent savers
        queue (busy timeout) instead of failing half-way."""
        with self._connection() as con:
            # One wait of LOCK_TIMEOUT in all (SQLite's busy timeout, then short retries for
            # the "locked" answers that come at once), then a clear refusal: never minutes.
            deadline = time.monotonic() + LOCK_TIMEOUT
            while True:
                try:
                    con.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) and "busy" not in str(e):
                        raise
                    if time.monotonic() >= deadline:
                        raise ReviewError(
                            self.path,
                            f"busy: another program has held the review database's write lock "
                            f"for {LOCK_TIMEOUT:g} s; nothing was written, try again",
                        ) from e
                    time.sleep(0.05)
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as e:
                # On a full disk SQLite has already rolled back: a second ROLLBACK would hide
                # the real problem behind "no transaction is active".
                if con.in_transaction:
                    con.execute("ROLLBACK")
                if isinstance(e, sqlite3.OperationalError) and "full" in str(e):
                    raise ReviewError(
                        self.path,
                        "the disk is full: nothing was written; the reviews saved before are "
                        "intact",
                    ) from e
                raise

    @staticmethod
    def _create(con) -> None:
        con.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS reviews (
                model TEXT NOT NULL, file_name TEXT NOT NULL, reviewer TEXT NOT NULL,
                category TEXT NOT NULL, severity TEXT NOT NULL, top_prediction INTEGER NOT NULL,
                proposed_correct_labels TEXT NOT NULL, note TEXT NOT NULL,
                updated_at TEXT NOT NULL, version INTEGER NOT NULL,
                PRIMARY KEY (model, file_name, reviewer));
            CREATE TABLE IF NOT EXISTS review_history (
                id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL,
                file_name TEXT NOT NULL, reviewer TEXT NOT NULL, changed_at TEXT NOT NULL,
                old_value TEXT, new_value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS reference_sets (
                name TEXT PRIMARY KEY, source TEXT NOT NULL, imported_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS reference_items (
                set_name TEXT NOT NULL REFERENCES reference_sets(name) ON DELETE CASCADE,
                file_name TEXT NOT NULL, top_prediction INTEGER NOT NULL,
                category TEXT NOT NULL, severity TEXT NOT NULL,
                raw_category TEXT NOT NULL, raw_severity TEXT NOT NULL,
                PRIMARY KEY (set_name, file_name));
            """
        )
        row = con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            con.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise ReviewError("reviews", f"database schema {row[0]} is newer than this app's")

    # --- reviews -------------------------------------------------------------------------

    def save(self, review: Review) -> Review:
        """Saves (inserts or replaces) a review and records the change; one transaction."""
        review = validate(review)
        with self._write() as con:
            old = con.execute(
                "SELECT * FROM reviews WHERE model=? AND file_name=? AND reviewer=?",
                (review.model, review.file_name, review.reviewer),
            ).fetchone()
            old_review = _row_to_review(old) if old else None
            review.version = (old_review.version if old_review else 0) + 1
            review.updated_at = _now()
            con.execute(
                "INSERT OR REPLACE INTO reviews VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    review.model,
                    review.file_name,
                    review.reviewer,
                    review.category,
                    review.severity,
                    int(review.top_prediction),
                    json.dumps(review.proposed_correct_labels),
                    review.note,
                    review.updated_at,
                    review.version,
                ),
            )
            con.execute(
                "INSERT INTO review_history (model, file_name, reviewer, changed_at, old_value,"
                " new_value) VALUES (?,?,?,?,?,?)",
                (
                    review.model,
                    review.file_name,
                    review.reviewer,
                    review.updated_at,
                    json.dumps(asdict(old_review)) if old_review else None,
                    json.dumps(asdict(review)),
                ),
            )
        return review

    def reviews(
        self, model: str | None = None, reviewer: str | None = None, file_name: str | None = None
    ) -> list[Review]:
        where, args = [], []
        for col, val in (("model", model), ("reviewer", reviewer), ("file_name", file_name)):
            if val is not None:
                where.append(f"{col}=?")
                args.append(val)
        # Column names come from the fixed tuple above; values are bound parameters.
        sql = "SELECT * FROM reviews" + (" WHERE " + " AND ".join(where) if where else "")  # noqa: S608
        with self._connection() as con:
            return [_row_to_review(r) for r in con.execute(sql + " ORDER BY file_name", args)]

    def history(self, model: str, file_name: str) -> list[dict]:
        with self._connection() as con:
            rows = con.execute(
                "SELECT reviewer, changed_at, old_value, new_value FROM review_history "
                "WHERE model=? AND file_name=? ORDER BY id",
                (model, file_name),
            ).fetchall()
        return [
            {
                "reviewer": r[0],
                "changed_at": r[1],
                "old": json.loads(r[2]) if r[2] else None,
                "new": json.loads(r[3]),
            }
            for r in rows
        ]

    def reviewers(self) -> list[str]:
        with self._connection() as con:
            return [r[0] for r in con.execute("SELECT DISTINCT reviewer FROM reviews ORDER BY 1")]

    # --- reference sets ----------------------------------------------------------------------

    def import_reference(self, name: str, path: Path | str, replace: bool = False) -> int:
        """Imports a categorisation file (published JSON format, or CSV) as a read-only set.

        Everything is checked before anything is written; a bad file changes nothing.

        Returns:
            The number of images imported.
        """
        problem = _name_problem(name)
        if problem:
            raise ReviewError("--as", problem)
        name = str(name).strip()
        items = parse_reference_file(path)
        with self._write() as con:
            exists = con.execute("SELECT 1 FROM reference_sets WHERE name=?", (name,)).fetchone()
            if exists and not replace:
                raise ReviewError(
                    name,
                    "a reference set with this name exists; choose another name (or replace it)",
                )
            con.execute("DELETE FROM reference_sets WHERE name=?", (name,))
            con.execute("INSERT INTO reference_sets VALUES (?,?,?)", (name, str(path), _now()))
            con.executemany(
                "INSERT INTO reference_items VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        name,
                        i["file_name"],
                        i["top_prediction"],
                        i["category"],
                        i["severity"],
                        i["raw_category"],
                        i["raw_severity"],
                    )
                    for i in items
                ],
            )
        return len(items)

    def reference_sets(self) -> list[str]:
        with self._connection() as con:
            return [r[0] for r in con.execute("SELECT name FROM reference_sets ORDER BY 1")]

    def reference(self, name: str) -> dict[str, dict]:
        """One reference set: file_name -> its categorisation."""
        return self._reference_rows("set_name=?", name)

    def references_for(self, file_name: str) -> dict[str, dict]:
        """Every reference set's categorisation of one image: set name -> categorisation."""
        return self._reference_rows("file_name=?", file_name)

    def _reference_rows(self, where: str, value: str) -> dict[str, dict]:
        # The key column is whichever one the filter does not fix.
        key = "file_name" if where.startswith("set_name") else "set_name"
        with self._connection() as con:
            rows = con.execute(
                f"SELECT {key}, top_prediction, category, severity, raw_category, raw_severity "  # noqa: S608 (fixed column names)
                f"FROM reference_items WHERE {where} ORDER BY {key}",
                (value,),
            ).fetchall()
        return {
            r[0]: {
                "top_prediction": r[1],
                "category": r[2],
                "severity": r[3],
                "raw_category": r[4],
                "raw_severity": r[5],
            }
            for r in rows
        }

    # --- export ------------------------------------------------------------------------------

    def export(
        self, fmt: str = "json", reviewer: str | None = None, model: str | None = None
    ) -> str:
        """Reviews as published-format JSON (one entry per file name) or CSV (one row each).

        Raises:
            ReviewError: JSON asked for while several reviews share a file name (choose a
                reviewer and a model).
        """
        items = self.reviews(model=model, reviewer=reviewer)
        if fmt == "csv":
            out = io.StringIO()
            w = SafeWriter(out)
            w.writerow(
                [
                    "file_name",
                    "top_prediction",
                    "failure category",
                    "failure severity",
                    "model",
                    "reviewer",
                    "note",
                    "proposed_correct_labels",
                    "updated_at",
                ]
            )
            for r in items:
                w.writerow(
                    [
                        r.file_name,
                        r.top_prediction,
                        CATEGORIES[r.category],
                        SEVERITIES[r.severity],
                        r.model,
                        r.reviewer,
                        r.note,
                        " ".join(map(str, r.proposed_correct_labels)),
                        r.updated_at,
                    ]
                )
            return out.getvalue()
        if fmt != "json":
            raise ReviewError("--format", f"{fmt!r} is not json or csv")
        out: dict[str, dict] = {}
        for r in items:
            if r.file_name in out:
                raise ReviewError(
                    r.file_name,
                    "reviewed more than once (several models or reviewers); "
                    "choose --reviewer and --model for a JSON export, or use --format csv",
                )
            out[r.file_name] = {
                "top_prediction": r.top_prediction,
                "failure category": CATEGORIES[r.category],
                "failure severity": SEVERITIES[r.severity],
                "model": r.model,
                "reviewer": r.reviewer,
                "note": r.note,
                "proposed_correct_labels": r.proposed_correct_labels,
            }
        return json.dumps(out, indent=1, ensure_ascii=False)


def _row_to_review(row) -> Review:
    return Review(
        model=row[0],
        file_name=row[1],
        reviewer=row[2],
        category=row[3],
        severity=row[4],
        top_prediction=row[5],
        proposed_correct_labels=json.loads(row[6]),
        note=row[7],
        updated_at=row[8],
        version=row[9],
    )
