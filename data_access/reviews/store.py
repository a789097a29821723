"""Reviews of model mistakes, in the taxonomy of Vasudevan et al. 2022, kept in SQLite or
PostgreSQL (:mod:`data_access.reviews.db`).

Every save is one transaction that locks the review's key, upserts the review and appends the
previous and new value to ``review_history`` (who, when, what it was): nothing is overwritten
without a trace, two sessions reviewing at once cannot lose each other's work, and a process
killed mid-write leaves the database as it was before that save.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import asdict
from pathlib import Path

from data_access.csv_safe import SafeWriter
from data_access.reviews.db import migrations, open_backend, statements
from data_access.reviews.reference import parse_reference_file
from data_access.reviews.stored import history_entry, kept, reference_item_ok, review_from_row
from data_access.reviews.taxonomy import (
    CATEGORIES,
    SEVERITIES,
    Review,
    ReviewError,
    _name_problem,
    _now,
    validate,
)

DB_FILE = "reviews.sqlite"
DB_ENV = "IMLR_REVIEWS_DB"
SCHEMA_VERSION = max(v for v, _ in migrations())
# Insert, or replace the values of the review with the same key (SQLite and PostgreSQL).
UPSERT_REVIEW = (
    "INSERT INTO reviews (model, file_name, reviewer, category, severity, top_prediction, "
    "proposed_correct_labels, note, updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,?) "
    "ON CONFLICT (model, file_name, reviewer) DO UPDATE SET category = excluded.category, "
    "severity = excluded.severity, top_prediction = excluded.top_prediction, "
    "proposed_correct_labels = excluded.proposed_correct_labels, note = excluded.note, "
    "updated_at = excluded.updated_at, version = excluded.version"
)


def default_db_path() -> Path:
    from data_access.sources.index import default_data_root

    return default_data_root() / DB_FILE


def default_target() -> str:
    """``IMLR_REVIEWS_DB`` (a path or a PostgreSQL URL) if set, else the SQLite file in the
    data folder."""
    return os.environ.get(DB_ENV) or str(default_db_path())


_REFERENCE_COLUMNS = (
    "SELECT set_name, file_name, top_prediction, category, severity, raw_category, raw_severity "
    "FROM reference_items WHERE "
)
_REFERENCE_SQL = {  # the two filters the store uses; values are bound parameters
    "set_name=?": _REFERENCE_COLUMNS + "set_name=? ORDER BY 1, 2",
    "file_name=?": _REFERENCE_COLUMNS + "file_name=? ORDER BY 1, 2",
}


class ReviewStore:
    """The review database: a SQLite path or a ``postgresql://`` URL (default:
    :func:`default_target`). Safe across threads and processes.

    Attributes:
        where: the database as it may be shown (a URL's password hidden).
        path: the SQLite file (None on PostgreSQL).
    """

    def __init__(self, target: Path | str | None = None, migrate: bool = True):
        self.backend = open_backend(target or default_target())
        self.where = self.backend.where
        self.path = getattr(self.backend, "path", None)
        if migrate:
            self.migrate()

    def migrate(self) -> list[int]:
        """Brings the schema up to date (each migration once, in order, in one transaction).

        Returns:
            The versions applied now (empty when it was current).
        """
        try:
            with self.backend.write(lock_key="imlr:migrate") as con:
                con.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                row = con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                current = int(row[0]) if row else 0
                if current > SCHEMA_VERSION:
                    raise ReviewError(
                        self.where,
                        f"database schema {current} is newer than this app's ({SCHEMA_VERSION})",
                    )
                applied = []
                for version, sql in migrations():
                    if version > current:
                        for statement in statements(sql.format(identity=self.backend.identity)):
                            con.execute(statement)
                        applied.append(version)
                con.execute(
                    "INSERT INTO meta VALUES ('schema', ?) ON CONFLICT (key) DO UPDATE SET "
                    "value = excluded.value",
                    (str(max(current, SCHEMA_VERSION)),),
                )
                return applied
        except self.backend.database_errors() as e:
            raise ReviewError(self.where, f"not a usable review database ({e})") from e
        except OSError as e:
            raise ReviewError(self.where, f"cannot open: {e.strerror or e}") from e

    def _connection(self):
        return self.backend.connection()

    def _write(self, lock_key: str | None = None):
        return self.backend.write(lock_key)

    # --- reviews -------------------------------------------------------------------------

    def save(self, review: Review) -> Review:
        """Saves (inserts or replaces) a review and records the change; one transaction."""
        review = validate(review)
        key = "\x1f".join(("review", review.model, review.file_name, review.reviewer))
        with self._write(key) as con:
            old = con.execute(
                "SELECT * FROM reviews WHERE model=? AND file_name=? AND reviewer=?",
                (review.model, review.file_name, review.reviewer),
            ).fetchone()
            # An invalid stored row (another app version, a copy) is replaced, its version kept.
            old_review = review_from_row(old) if old else None
            old_version = old[9] if old and isinstance(old[9], int) else 0
            review.version = old_version + 1
            review.updated_at = _now()
            con.execute(
                UPSERT_REVIEW,
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
            rows = con.execute(sql + " ORDER BY file_name", args).fetchall()
        # Checked as read: a row another app version or a copied file wrote may be anything.
        return kept(rows, review_from_row, "reviews", self.where)

    def history(self, model: str, file_name: str) -> list[dict]:
        with self._connection() as con:
            rows = con.execute(
                "SELECT reviewer, changed_at, old_value, new_value FROM review_history "
                "WHERE model=? AND file_name=? ORDER BY id",
                (model, file_name),
            ).fetchall()
        return kept(rows, history_entry, "history entries", self.where)

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
        return self.import_reference_items(name, parse_reference_file(path), str(path), replace)

    def import_reference_items(
        self, name: str, items: list[dict], origin: str, replace: bool = False
    ) -> int:
        """Imports checked categorisations (:func:`parse_reference_text`'s items) as a set
        named ``name``; ``origin`` says where they came from. Returns how many."""
        problem = _name_problem(name)
        if problem:
            raise ReviewError("--as", problem)
        name = str(name).strip()
        with self._write("\x1f".join(("reference", name))) as con:
            exists = con.execute("SELECT 1 FROM reference_sets WHERE name=?", (name,)).fetchone()
            if exists and not replace:
                raise ReviewError(
                    name,
                    "a reference set with this name exists; choose another name (or replace it)",
                )
            con.execute("DELETE FROM reference_sets WHERE name=?", (name,))
            con.execute("INSERT INTO reference_sets VALUES (?,?,?)", (name, origin, _now()))
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
        # The key is whichever of set_name / file_name the filter does not fix.
        by_file = where.startswith("set_name")
        with self._connection() as con:
            rows = con.execute(_REFERENCE_SQL[where], (value,)).fetchall()
        rows = kept(
            rows, lambda r: r if reference_item_ok(r[1:]) else None, "reference items", self.where
        )
        return {
            (r[1] if by_file else r[0]): {
                "top_prediction": r[2],
                "category": r[3],
                "severity": r[4],
                "raw_category": r[5],
                "raw_severity": r[6],
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
        entries: dict[str, dict] = {}
        for r in items:
            if r.file_name in entries:
                raise ReviewError(
                    r.file_name,
                    "reviewed more than once (several models or reviewers); "
                    "choose --reviewer and --model for a JSON export, or use --format csv",
                )
            entries[r.file_name] = {
                "top_prediction": r.top_prediction,
                "failure category": CATEGORIES[r.category],
                "failure severity": SEVERITIES[r.severity],
                "model": r.model,
                "reviewer": r.reviewer,
                "note": r.note,
                "proposed_correct_labels": r.proposed_correct_labels,
            }
        return json.dumps(entries, indent=1, ensure_ascii=False)
