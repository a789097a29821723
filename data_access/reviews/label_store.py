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
from dataclasses import dataclass

from data_access.classes import load_classes
from data_access.reviews.labels import LabelReview, label_review_from_row, validate_label_review
from data_access.reviews.store import ReviewStore
from data_access.reviews.stored import history_entry, kept
from data_access.reviews.taxonomy import _now

LOCK = "imlr:labels"


@dataclass(frozen=True)
class _Table:
    """A label table's SQL: ``review`` (one row per image and reviewer) or ``decision`` (one
    row per image, by its lead)."""

    name: str
    who: str
    key: tuple[str, ...]

    @property
    def columns(self) -> str:
        return f"file_name, {self.who}, verdicts, problematic, reason, note, updated_at, version"

    def key_of(self, row: tuple) -> tuple:
        """The key values of a row (:func:`row_values`' order): the key columns come first."""
        return row[: len(self.key)]

    @property
    def select_one(self) -> str:
        where = " AND ".join(f"{k}=?" for k in self.key)
        return f"SELECT {self.columns} FROM {self.name} WHERE {where}"  # noqa: S608

    @property
    def upsert(self) -> str:
        return (
            f"INSERT INTO {self.name} ({self.columns}) VALUES (?,?,?,?,?,?,?,?) "  # noqa: S608
            f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET {self.who}=excluded.{self.who}, "
            "verdicts=excluded.verdicts, problematic=excluded.problematic, "
            "reason=excluded.reason, note=excluded.note, updated_at=excluded.updated_at, "
            "version=excluded.version"
        )


# Table and column names are these constants; every value is a bound parameter.
TABLES = {
    "review": _Table("label_reviews", "reviewer", ("file_name", "reviewer")),
    "decision": _Table("label_decisions", "lead", ("file_name",)),
}
INSERT_HISTORY = (
    "INSERT INTO label_history (kind, file_name, reviewer, changed_at, old_value, new_value) "
    "VALUES (?,?,?,?,?,?)"
)


def row_values(r: LabelReview) -> tuple:
    """A label review as the table's row (``TABLES[...].columns``)."""
    problematic = None if r.problematic is None else int(r.problematic)
    return (
        r.file_name,
        r.reviewer,
        json.dumps(r.verdicts),
        problematic,
        r.reason,
        r.note,
        r.updated_at,
        r.version,
    )


def _merged(new: LabelReview, old: LabelReview) -> None:
    """``new`` added to what the reviewer said before: its verdicts win, the rest is kept."""
    new.verdicts = dict(sorted({**old.verdicts, **new.verdicts}.items()))
    if new.problematic is None:
        new.problematic, new.reason = old.problematic, old.reason
    new.note = new.note or old.note


def _save_all(
    store: ReviewStore, reviews: Iterable[LabelReview], kind: str, merge: bool = False
) -> list[LabelReview]:
    table = TABLES[kind]
    checked = [validate_label_review(r) for r in reviews]
    now = _now()
    with store.backend.write(LOCK) as con:
        for r in checked:
            old = con.execute(table.select_one, table.key_of(row_values(r))).fetchone()
            old_review = label_review_from_row(old) if old else None
            if merge and old_review is not None:  # read and written under the same lock
                _merged(r, old_review)
            r.version = (old[7] if old and isinstance(old[7], int) else 0) + 1
            r.updated_at = now
            con.execute(table.upsert, row_values(r))
            old_value = json.dumps(old_review.as_dict()) if old_review else None
            con.execute(
                INSERT_HISTORY,
                (kind, r.file_name, r.reviewer, now, old_value, json.dumps(r.as_dict())),
            )
    return checked


def save_label_review(store: ReviewStore, review: LabelReview) -> LabelReview:
    """Saves one reviewer's label review of one image (inserted or replaced), with history.

    Raises:
        ReviewError: the review cannot be saved (the first problem), or the store failed.
    """
    return _save_all(store, [review], "review")[0]


def save_label_reviews(
    store: ReviewStore, reviews: Iterable[LabelReview], merge: bool = False
) -> int:
    """Saves many label reviews in one transaction (an import): all or none.

    Args:
        merge: add each review to what its reviewer said of the image before (its verdicts
            win; earlier verdicts, flag and note are kept) instead of replacing it.

    Returns:
        How many were saved.
    """
    return len(_save_all(store, reviews, "review", merge))


def save_decision(store: ReviewStore, decision: LabelReview) -> LabelReview:
    """Saves a lead reviewer's decision on an image (``decision.reviewer`` is the lead)."""
    return _save_all(store, [decision], "decision")[0]


def _read(store: ReviewStore, kind: str, where: str = "", args: tuple = ()) -> list[LabelReview]:
    t = TABLES[kind]
    sql = f"SELECT {t.columns} FROM {t.name}{where} ORDER BY file_name, {t.who}"  # noqa: S608
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


def label_state(store: ReviewStore) -> tuple:
    """A token that changes whenever a label review, a decision or a review (its proposals
    are verdicts) is saved: per table, the row count and the latest save. Cheap, for caches
    of what is computed over every verdict."""
    with store.backend.connection() as con:
        return tuple(
            tuple(con.execute(f"SELECT COUNT(*), MAX(updated_at) FROM {table}").fetchone())  # noqa: S608
            for table in ("label_reviews", "label_decisions", "reviews")
        )
