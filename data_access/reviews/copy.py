"""Moving a review history between stores (a single user's SQLite file into a lab's
PostgreSQL): every review, label review, lead decision, history entry and reference set,
nothing lost and nothing duplicated, so running it twice changes nothing the second time.

Rules: a history entry is copied unless the target has the same one (same key, time and
values). A review (or label review, or decision) absent from the target is copied; one present with
other values keeps the later of the two (by ``updated_at``), since both versions are in the
history anyway. A
reference set absent from the target is copied; one present with the same items is skipped;
one present with other items is refused (rename it first) before anything is written.
"""

from __future__ import annotations

from data_access.classes import validation_position
from data_access.reviews.label_store import INSERT_HISTORY as INSERT_LABEL_HISTORY
from data_access.reviews.label_store import TABLES
from data_access.reviews.labels import label_review_from_row
from data_access.reviews.store import UPSERT_REVIEW, ReviewStore
from data_access.reviews.stored import history_entry, reference_item_ok, review_from_row
from data_access.reviews.taxonomy import ReviewError

SELECT_REVIEWS = (
    "SELECT model, file_name, reviewer, category, severity, top_prediction, "
    "proposed_correct_labels, note, updated_at, version FROM reviews"
)
SELECT_HISTORY = (
    "SELECT model, file_name, reviewer, changed_at, old_value, new_value FROM review_history"
)
INSERT_HISTORY = (
    "INSERT INTO review_history (model, file_name, reviewer, changed_at, old_value, new_value) "
    "VALUES (?,?,?,?,?,?)"
)
SELECT_ITEMS = (
    "SELECT file_name, top_prediction, category, severity, raw_category, raw_severity "
    "FROM reference_items WHERE set_name=? ORDER BY file_name"
)


def _rows(store: ReviewStore, sql: str, args=()) -> list[tuple]:
    with store._connection() as con:
        return [tuple(r) for r in con.execute(sql, args).fetchall()]


def _history_ok(row: tuple) -> bool:
    model, file_name, *rest = row
    return (
        isinstance(model, str)
        and isinstance(file_name, str)
        and validation_position(file_name) >= 0
        and history_entry(rest) is not None
    )


SELECT_LABEL_HISTORY = (
    "SELECT kind, file_name, reviewer, changed_at, old_value, new_value FROM label_history"
)


def _label_history_ok(row: tuple) -> bool:
    return row[0] in TABLES and _history_ok(row)  # (kind, file_name, ...) as (model, ...)


def _copy_labels(source: ReviewStore, con, counts: dict[str, int]) -> None:
    """The label reviews, decisions and their history (see the module's rules)."""
    for kind, table in TABLES.items():
        rows = _rows(source, f"SELECT {table.columns} FROM {table.name} ORDER BY 1, 2")  # noqa: S608
        good = [r for r in rows if label_review_from_row(r) is not None]
        counts["invalid"] += len(rows) - len(good)
        for row in good:
            theirs = con.execute(table.select_one, table.key_of(row)).fetchone()
            if theirs is not None and (tuple(theirs) == row or theirs[6] >= row[6]):
                counts[f"label_{kind}s_present"] += 1
                continue
            con.execute(table.upsert, row)
            counts[f"label_{kind}s"] += 1
    rows = _rows(source, SELECT_LABEL_HISTORY + " ORDER BY id")
    good = [h for h in rows if _label_history_ok(h)]
    counts["invalid"] += len(rows) - len(good)
    for entry in good:
        same = con.execute(
            "SELECT 1 FROM label_history WHERE kind=? AND file_name=? AND reviewer=? AND "
            "changed_at=? AND new_value=?",
            (*entry[:4], entry[5]),
        ).fetchone()
        if same:
            counts["label_history_present"] += 1
            continue
        con.execute(INSERT_LABEL_HISTORY, entry)
        counts["label_history"] += 1


def copy_reviews(source: ReviewStore, target: ReviewStore) -> dict[str, int]:
    """Copies ``source`` into ``target`` in one transaction of the target.

    Returns:
        Counts: ``reviews`` copied or updated, ``history`` entries copied, ``reference_sets``
        copied, ``label_reviews``, ``label_decisions`` and ``label_history`` the same way,
        how many of each were already there (``*_present``), and the ``invalid`` rows of the
        source left out.

    Raises:
        ReviewError: a reference set of the same name with other items (nothing written).
    """
    # Every row is checked as the app's own writes are; an invalid one is left out and counted
    # (a hostile or damaged source must not make the target's pages fail).
    all_reviews = _rows(source, SELECT_REVIEWS + " ORDER BY 1, 2, 3")
    reviews = [r for r in all_reviews if review_from_row(r) is not None]
    all_history = _rows(source, SELECT_HISTORY + " ORDER BY id")
    history = [h for h in all_history if _history_ok(h)]
    all_sets = _rows(source, "SELECT name, source, imported_at FROM reference_sets ORDER BY name")
    sets = [s for s in all_sets if all(isinstance(v, str) for v in s) and s[0].strip()]
    all_items = {name: _rows(source, SELECT_ITEMS, (name,)) for name, *_ in sets}
    items = {name: [i for i in rows if reference_item_ok(i)] for name, rows in all_items.items()}
    counts = dict.fromkeys(
        ("reviews", "reviews_present", "history", "history_present", "reference_sets",
         "reference_sets_present", "label_reviews", "label_reviews_present", "label_decisions",
         "label_decisions_present", "label_history", "label_history_present"), 0,
    )  # fmt: skip
    counts["invalid"] = (
        len(all_reviews) - len(reviews)
        + len(all_history) - len(history)
        + len(all_sets) - len(sets)
        + sum(len(all_items[n]) - len(items[n]) for n in items)
    )  # fmt: skip
    with target._write("imlr:copy") as con:
        for name, origin, imported_at in sets:
            theirs = [tuple(r) for r in con.execute(SELECT_ITEMS, (name,)).fetchall()]
            exists = con.execute("SELECT 1 FROM reference_sets WHERE name=?", (name,)).fetchone()
            if exists and theirs != items[name]:
                raise ReviewError(
                    target.where,
                    f"reference set {name!r} exists with other items; rename one of them "
                    "first (nothing was copied)",
                )
            if exists:
                counts["reference_sets_present"] += 1
                continue
            con.execute("INSERT INTO reference_sets VALUES (?,?,?)", (name, origin, imported_at))
            for item in items[name]:
                con.execute("INSERT INTO reference_items VALUES (?,?,?,?,?,?,?)", (name, *item))
            counts["reference_sets"] += 1
        for entry in history:
            same = con.execute(
                "SELECT 1 FROM review_history WHERE model=? AND file_name=? AND reviewer=? AND "
                "changed_at=? AND new_value=?",
                (*entry[:4], entry[5]),
            ).fetchone()
            if same:
                counts["history_present"] += 1
                continue
            con.execute(INSERT_HISTORY, entry)
            counts["history"] += 1
        for review in reviews:
            theirs = con.execute(
                SELECT_REVIEWS + " WHERE model=? AND file_name=? AND reviewer=?", review[:3]
            ).fetchone()
            if theirs is not None and (tuple(theirs) == review or theirs[8] >= review[8]):
                counts["reviews_present"] += 1
                continue
            con.execute(UPSERT_REVIEW, review)
            counts["reviews"] += 1
        _copy_labels(source, con, counts)
    return counts
