"""The failure taxonomy of Vasudevan et al. 2022 (categories, severities and their
aliases) and the checks a review passes before it is saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from data_access.classes import NUM_CLASSES, validation_position
from data_access.errors import DataError

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
