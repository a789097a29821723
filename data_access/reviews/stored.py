"""Rows read back from a review store, checked like the app's own writes.

A store can hold what this app never wrote: another version of the app on the same database,
a hand edit, or a hostile SQLite file given to ``reviews copy``. Every row is checked as it is
read (types, JSON, the same rules as :func:`data_access.reviews.taxonomy.review_problems`);
a row that fails is left out and counted, never shown half-read, so that no page and no export
fails on a stored row.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeGuard

from data_access.classes import NUM_CLASSES, validation_position
from data_access.reviews.taxonomy import CATEGORIES, SEVERITIES, Review, review_problems

_LOG = logging.getLogger(__name__)


def _text(value: object) -> TypeGuard[str]:
    return isinstance(value, str)


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _labels(raw: object) -> list[int] | None:
    try:
        labels = json.loads(raw) if _text(raw) else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(labels, list) or not all(
        _integer(x) and 0 <= x < NUM_CLASSES for x in labels
    ):
        return None
    return labels


def review_from_row(row: Any) -> Review | None:
    """A ``reviews`` row (model, file_name, reviewer, category, severity, top_prediction,
    proposed_correct_labels, note, updated_at, version) as a Review, or None when it is not
    one this app could have saved."""
    try:
        fields = tuple(row)
    except TypeError:
        return None
    if len(fields) < 10:
        return None
    model, file_name, reviewer, category, severity, top, proposed, note, updated, version = fields[
        :10
    ]
    if not all(map(_text, (model, file_name, reviewer, category, severity, note, updated))):
        return None
    if not (_integer(top) and _integer(version)):
        return None
    labels = _labels(proposed)
    if labels is None:
        return None
    review = Review(model, file_name, reviewer, category, severity, top, labels, note, updated,
                    version)  # fmt: skip
    return None if review_problems(review) else review


def reference_item_ok(item: Any) -> bool:
    """A ``reference_items`` row (file_name, top_prediction, category, severity, raw_category,
    raw_severity) that the importer could have written."""
    try:
        file_name, top, category, severity, raw_category, raw_severity = tuple(item)[:6]
    except (TypeError, ValueError):
        return False
    return (
        _text(file_name)
        and validation_position(file_name) >= 0
        and _integer(top)
        and 0 <= top < NUM_CLASSES
        and category in CATEGORIES
        and severity in SEVERITIES
        and _text(raw_category)
        and _text(raw_severity)
    )


def history_entry(row: Any) -> dict[str, Any] | None:
    """A history row (reviewer, changed_at, old_value, new_value) with its JSON read, or
    None when it is not one this app wrote."""
    try:
        reviewer, changed_at, old, new = tuple(row)[:4]
        old_value = json.loads(old) if old else None
        new_value = json.loads(new) if _text(new) else None
    except (TypeError, ValueError, RecursionError):
        return None
    if not (_text(reviewer) and _text(changed_at) and isinstance(new_value, dict)):
        return None
    if old_value is not None and not isinstance(old_value, dict):
        return None
    return {"reviewer": reviewer, "changed_at": changed_at, "old": old_value, "new": new_value}


def kept(rows: list[Any], read: Callable[[Any], Any], what: str, where: str) -> list[Any]:
    """``read(row)`` for each row (None: the row is invalid); the invalid ones are left out
    and logged with their count."""
    out = [value for value in map(read, rows) if value is not None]
    if len(out) != len(rows):
        _LOG.warning("%s: left out %d invalid %s", where, len(rows) - len(out), what)
    return out
