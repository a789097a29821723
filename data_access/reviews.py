"""Reviews of model mistakes, in the taxonomy of Vasudevan et al. 2022, kept in SQLite.

Every save is one ``BEGIN IMMEDIATE`` transaction that upserts the review and appends the
previous and new value to ``review_history`` (who, when, what it was): nothing is overwritten
without a trace, two sessions reviewing at once cannot lose each other's work, and a process
killed mid-write leaves the database as it was before that save (SQLite's WAL journal).

Reference sets (for example the paper's published categorisation of ViT-3B and Greedy Soups
mistakes) are imported read-only under a name. The exchange format is the published one:
``{file_name: {"top_prediction": int, "failure category": str, "failure severity": str}}``;
exports add ``model``, ``reviewer``, ``note`` and ``proposed_correct_labels`` to each entry,
which the importer accepts too.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import NUM_CLASSES, load_classes, validation_position
from data_access.csv_safe import SafeWriter, read_cell
from data_access.errors import DataError
from data_access.schema import is_accepted

SCHEMA_VERSION = 1
DB_FILE = "reviews.sqlite"

CATEGORIES = {
    "fine_grained": "Fine-grained error",
    "fine_grained_oov": "Fine-grained error with OOV",
    "spurious_correlation": "Spurious Correlation",
    "non_prototypical": "Non-prototypical",
    "other": "Other model failure",
    "not_a_mistake": "Not a mistake: the prediction is also correct",
}
SEVERITIES = {"major": "Major", "minor": "Minor", "borderline": "Borderline"}
# Spellings found in the published files (and ours), lower-cased -> category key.
_CATEGORY_ALIASES = {
    **{v.lower(): k for k, v in CATEGORIES.items()},
    **{k: k for k in CATEGORIES},
    "fine-grained": "fine_grained",
    "fine-grained with oov": "fine_grained_oov",
    "fine-grained error with out-of-vocabulary object": "fine_grained_oov",
    "fine-grained with multilabel options": "fine_grained",
    "spurious correlation": "spurious_correlation",
    "non-prototypical instance": "non_prototypical",
    "not a mistake": "not_a_mistake",
}
_SEVERITY_ALIASES = {**{v.lower(): k for k, v in SEVERITIES.items()}, **{k: k for k in SEVERITIES}}
MAX_NOTE = 5000
MAX_NAME = 100


LOCK_TIMEOUT = 30.0  # seconds a writer waits for another one's lock before giving up


class ReviewError(DataError):
    """A review, an import file or a store that cannot be used as it is."""


@dataclass
class Review:
    """One reviewer's judgement of one model's prediction on one image."""

    model: str
    file_name: str
    reviewer: str
    category: str
    severity: str
    top_prediction: int
    proposed_correct_labels: list[int] = field(default_factory=list)
    note: str = ""
    updated_at: str = ""
    version: int = 0


def default_db_path() -> Path:
    from data_access.index import default_data_root

    return default_data_root() / DB_FILE


def category_key(text: str) -> str | None:
    return _CATEGORY_ALIASES.get(str(text).strip().lower())


def severity_key(text: str) -> str | None:
    return _SEVERITY_ALIASES.get(str(text).strip().lower())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _check_name(what: str, value: str) -> str:
    value = str(value).strip()
    if not value:
        raise ReviewError(what, "must not be empty")
    if len(value) > MAX_NAME or any(ord(c) < 32 for c in value):
        raise ReviewError(what, f"at most {MAX_NAME} printable characters")
    return value


def validate(review: Review) -> Review:
    """Checks a review before it is saved (raises :class:`ReviewError`)."""
    review.model = _check_name("model", review.model)
    review.reviewer = _check_name("reviewer", review.reviewer)
    if validation_position(review.file_name) < 0:
        raise ReviewError(review.file_name, "not an ImageNet validation file name")
    if review.category not in CATEGORIES:
        raise ReviewError(review.file_name, f"unknown category {review.category!r}")
    if review.severity not in SEVERITIES:
        raise ReviewError(review.file_name, f"unknown severity {review.severity!r}")
    if not 0 <= int(review.top_prediction) < NUM_CLASSES:
        raise ReviewError(review.file_name, f"top_prediction {review.top_prediction} not 0..999")
    labels = [int(x) for x in review.proposed_correct_labels]
    if any(not 0 <= x < NUM_CLASSES for x in labels):
        raise ReviewError(review.file_name, "proposed correct labels must be classes 0..999")
    review.proposed_correct_labels = sorted(set(labels))
    if len(review.note) > MAX_NOTE:
        raise ReviewError(review.file_name, f"note longer than {MAX_NOTE} characters")
    return review


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
        name = _check_name("--as", name)
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


def parse_reference_file(path: Path | str) -> list[dict]:
    """Reads and checks a categorisation file (JSON in the published format, or CSV)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise ReviewError(path, "file not found") from e
    except OSError as e:
        raise ReviewError(path, f"cannot read: {e.strerror or e}") from e
    if not raw.strip():
        raise ReviewError(path, "the file is empty")
    if len(raw) > 200 * 2**20:
        raise ReviewError(path, "larger than 200 MB: not a categorisation file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ReviewError(path, f"not UTF-8 text (byte {e.start})") from e
    if path.suffix.lower() == ".csv":
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # Windows and old Mac files
        reader = csv.DictReader(io.StringIO(text))
        try:
            rows = [
                {k: read_cell(v) if isinstance(v, str) else v for k, v in r.items()} for r in reader
            ]
        except csv.Error as e:
            raise ReviewError(path, f"not readable as CSV ({e})", f"line {reader.line_num}") from e
        entries = [(f"line {k + 2}", r.get("file_name"), r) for k, r in enumerate(rows)]
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ReviewError(path, f"not valid JSON at line {e.lineno}: {e.msg}") from e
        except RecursionError as e:
            raise ReviewError(path, "JSON nested too deeply") from e
        if not isinstance(data, dict):
            raise ReviewError(
                path,
                "expected an object {file_name: {top_prediction, failure "
                "category, failure severity}}",
            )
        entries = [(f"key {k!r}", k, v) for k, v in data.items()]
    items, seen = [], set()
    for where, name, entry in entries:
        if not isinstance(name, str) or validation_position(name) < 0:
            raise ReviewError(
                path, f"{str(name)[:60]!r} is not an ImageNet validation file name", where
            )
        if name in seen:
            raise ReviewError(path, f"{name} appears twice", where)
        seen.add(name)
        if not isinstance(entry, dict):
            raise ReviewError(
                path,
                "expected an object with top_prediction, failure category, failure severity",
                where,
            )
        missing = [
            k
            for k in ("top_prediction", "failure category", "failure severity")
            if entry.get(k) in (None, "")
        ]
        if missing:
            raise ReviewError(path, f"missing {', '.join(missing)}", where)
        try:
            pred = int(entry["top_prediction"])
        except (TypeError, ValueError) as e:
            raise ReviewError(
                path, f"top_prediction {entry['top_prediction']!r} is not a class index", where
            ) from e
        if not 0 <= pred < NUM_CLASSES or isinstance(entry["top_prediction"], bool):
            raise ReviewError(path, f"top_prediction {pred} is not in 0..999", where)
        cat, sev = str(entry["failure category"]), str(entry["failure severity"])
        if category_key(cat) is None:
            raise ReviewError(
                path,
                f"unknown failure category {cat[:60]!r}; expected one of "
                f"{', '.join(CATEGORIES.values())}",
                where,
            )
        if severity_key(sev) is None:
            raise ReviewError(
                path,
                f"unknown failure severity {sev[:60]!r}; expected Major, Minor or Borderline",
                where,
            )
        items.append(
            {
                "file_name": name,
                "top_prediction": pred,
                "category": category_key(cat),
                "severity": severity_key(sev),
                "raw_category": cat,
                "raw_severity": sev,
            }
        )
    if not items:
        raise ReviewError(path, "no entries")
    return items


# --- suggestions and agreement ---------------------------------------------------------------

FINE_GRAINED_MAX_STEPS = 3


def wordnet_distance(a: int, b: int) -> int:
    """Steps from class ``a`` up to the deepest shared ancestor on the primary hypernym paths
    (the larger of the two sides). 0 for the same class."""
    pa, pb = load_classes().paths[a], load_classes().paths[b]
    common = 0
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            break
        common += 1
    return max(len(pa), len(pb)) - common


def suggest(table: AnnotationTable, row: int, prediction: int) -> dict:
    """A suggestion for reviewing one mistake; never saved on its own.

    Rule: pre-select "fine-grained error" when the prediction is within
    :data:`FINE_GRAINED_MAX_STEPS` WordNet steps of one of the image's accepted labels (or of
    its original label when none is accepted) — a neighbouring class in the hierarchy, such as
    two dog breeds. An "unjudged" flag marks a prediction in none of the three label sets.
    """
    accepted = np.flatnonzero(is_accepted(table.label_state[row])).tolist() or [
        int(table.original_label[row])
    ]
    distance = min(wordnet_distance(prediction, a) for a in accepted)
    return {
        "category": "fine_grained" if distance <= FINE_GRAINED_MAX_STEPS else None,
        "distance": distance,
        "unjudged": bool(table.label_state[row, prediction] == 0),
    }


def cohen_kappa(a: Iterable[str], b: Iterable[str]) -> dict:
    """Cohen's kappa of two label sequences over the same items, with the counts."""
    a, b = list(a), list(b)
    n = len(a)
    if n == 0:
        return {"n": 0, "agree": 0, "kappa": float("nan")}
    labels = sorted(set(a) | set(b))
    agree = sum(x == y for x, y in zip(a, b, strict=True))
    po = agree / n
    pe = sum((a.count(k) / n) * (b.count(k) / n) for k in labels)
    kappa = 1.0 if pe == 1 else (po - pe) / (1 - pe)
    return {"n": n, "agree": agree, "kappa": kappa}


def agreement(first: dict[str, dict], second: dict[str, dict]) -> dict:
    """Agreement on category and on severity over the images both judged.

    Each argument maps file_name -> {"category", "severity"}.
    """
    common = sorted(set(first) & set(second))
    return {
        "images": len(common),
        "category": cohen_kappa(
            [first[f]["category"] for f in common], [second[f]["category"] for f in common]
        ),
        "severity": cohen_kappa(
            [first[f]["severity"] for f in common], [second[f]["severity"] for f in common]
        ),
    }


def review_queue(table: AnnotationTable, top1: np.ndarray) -> np.ndarray:
    """Rows to review for a model: its multi-label mistakes on non-problematic images, and
    every ImageNet-M image (in file-name order)."""
    from data_access.metrics import hits

    wrong = ~hits(table, top1) & ~table.is_problematic
    return np.flatnonzero(wrong | table.in_imagenet_m)
