"""Label reviews and lead decisions in the review store (SQLite or PostgreSQL).

Same rules as the mistake reviews (:mod:`.store`): every save is one transaction that records
the change in ``label_history``; rows are checked as they are read. All label writes share
one lock, so two reviewers saving at once queue and a bulk import is all or nothing.

The extra correct labels proposed on the Review page count as verdicts of ``correct`` for the
added classes (:func:`all_label_reviews`); a reviewer's own label review of the same class
overrides its proposal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from data_access.classes import load_classes
from data_access.reviews.labels import LabelReview, label_review_from_row, validate_label_review
from data_access.reviews.store import ReviewStore
from data_access.reviews.stored import history_entry, kept
from data_access.reviews.taxonomy import _now

LOCK = "imlr:labels"
_TABLES = {"review": ("label_reviews", "reviewer"), "decision": ("label_decisions", "lead")}
_COLUMNS = "file_name, {who}, verdicts, problematic, reason, note, updated_at, version"


def _save_all(store: ReviewStore, reviews: Iterable[LabelReview], kind: str) -> list[LabelReview]:
    table, who = _TABLES[kind]
    checked = [validate_label_review(r) for r in reviews]
    now = _now()
    columns = _COLUMNS.format(who=who)
    with store.backend.write(LOCK) as con:
        for r in checked:
            key = "file_name=?" if kind == "decision" else "file_name=? AND reviewer=?"
            args = (r.file_name,) if kind == "decision" else (r.file_name, r.reviewer)
            old = con.execute(f"SELECT {columns} FROM {table} WHERE {key}", args).fetchone()  # noqa: S608
            old_review = label_review_from_row(old) if old else None
            r.version = (old[7] if old and isinstance(old[7], int) else 0) + 1
            r.updated_at = now
            values = (
                r.file_name,
                r.reviewer,
                json.dumps(r.verdicts),
                None if r.problematic is None else int(r.problematic),
                r.reason,
                r.note,
                r.updated_at,
                r.version,
            )
            conflict = "file_name" if kind == "decision" else "file_name, reviewer"
            con.execute(
                f"INSERT INTO {table} ({columns}) VALUES (?,?,?,?,?,?,?,?) "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {who}=excluded.{who}, "
                "verdicts=excluded.verdicts, problematic=excluded.problematic, "
                "reason=excluded.reason, note=excluded.note, updated_at=excluded.updated_at, "
                "version=excluded.version",
                values,
            )
            con.execute(
                "INSERT INTO label_history (kind, file_name, reviewer, changed_at, old_value, "
                "new_value) VALUES (?,?,?,?,?,?)",
                (
                    kind,
                    r.file_name,
                    r.reviewer,
                    now,
                    json.dumps(old_review.as_dict()) if old_review else None,
                    json.dumps(r.as_dict()),
                ),
            )
    return checked


def save_label_review(store: ReviewStore, review: LabelReview) -> LabelReview:
    """Saves one reviewer's label review of one image (inserted or replaced), with history.

    Raises:
        ReviewError: the review cannot be saved (the first problem), or the store failed.
    """
    return _save_all(store, [review], "review")[0]


def save_label_reviews(store: ReviewStore, reviews: Iterable[LabelReview]) -> int:
    """Saves many label reviews in one transaction (an import): all or none.

    Returns:
        How many were saved.
    """
    return len(_save_all(store, reviews, "review"))


def save_decision(store: ReviewStore, decision: LabelReview) -> LabelReview:
    """Saves a lead reviewer's decision on an image (``decision.reviewer`` is the lead)."""
    return _save_all(store, [decision], "decision")[0]


def _read(store: ReviewStore, kind: str, where: str = "", args: tuple = ()) -> list[LabelReview]:
    table, who = _TABLES[kind]
    sql = f"SELECT {_COLUMNS.format(who=who)} FROM {table}{where} ORDER BY file_name, {who}"  # noqa: S608
    with store.backend.connection() as con:
        rows = con.execute(sql, args).fetchall()
    return kept(rows, label_review_from_row, f"label {kind}s", store.where)


def label_reviews(
    store: ReviewStore, file_name: str | None = None, reviewer: str | None = None
) -> list[LabelReview]:
    """The saved label reviews (of one image and/or one reviewer), by image then reviewer."""
    where, args = [], []
    for column, value in (("file_name", file_name), ("reviewer", reviewer)):
        if value is not None:
            where.append(f"{column}=?")
            args.append(value)
    return _read(store, "review", " WHERE " + " AND ".join(where) if where else "", tuple(args))


def decisions(store: ReviewStore) -> dict[str, LabelReview]:
    """Every lead decision, by image."""
    return {d.file_name: d for d in _read(store, "decision")}


def label_history(store: ReviewStore, file_name: str) -> list[dict]:
    """Every change of the image's label reviews and decision, oldest first."""
    with store.backend.connection() as con:
        rows = con.execute(
            "SELECT reviewer, changed_at, old_value, new_value, kind FROM label_history "
            "WHERE file_name=? ORDER BY id",
            (file_name,),
        ).fetchall()
    out = []
    for row in rows:
        entry = history_entry(row)
        if entry is not None:
            out.append({**entry, "kind": row[4]})
    return out


def all_label_reviews(store: ReviewStore) -> list[LabelReview]:
    """Every reviewer's verdicts: the label reviews, and the correct labels proposed on the
    Review page as verdicts of ``correct`` (one review per image and reviewer; the label
    review's own verdict on a class wins over a proposal of it)."""
    merged = {(r.file_name, r.reviewer): r for r in label_reviews(store)}
    wnids = load_classes().wnids
    for review in store.reviews():
        if not review.proposed_correct_labels:
            continue
        key = (review.file_name, review.reviewer)
        target = merged.setdefault(
            key, LabelReview(review.file_name, review.reviewer, updated_at=review.updated_at)
        )
        for label in review.proposed_correct_labels:
            target.verdicts.setdefault(wnids[label], "correct")
    return sorted(merged.values(), key=lambda r: (r.file_name, r.reviewer))
