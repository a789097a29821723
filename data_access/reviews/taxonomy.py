"""The failure taxonomy of Vasudevan et al. 2022 (categories, severities and their
aliases) and the checks a review passes before it is saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from data_access.classes import NUM_CLASSES, validation_position
from data_access.errors import DataError
from data_access.i18n import N_

CATEGORIES = {
    "fine_grained": N_("Fine-grained error"),
    "fine_grained_oov": N_("Fine-grained error with OOV"),
    "spurious_correlation": N_("Spurious Correlation"),
    "non_prototypical": N_("Non-prototypical"),
    "other": N_("Other model failure"),
    "not_a_mistake": N_("Not a mistake: the prediction is also correct"),
}
SEVERITIES = {"major": N_("Major"), "minor": N_("Minor"), "borderline": N_("Borderline")}
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


def _name_problem(value: object) -> str | None:
    value = str(value or "").strip()
    if not value:
        return "must not be empty"
    if len(value) > MAX_NAME or any(ord(c) < 32 for c in value):
        return f"at most {MAX_NAME} printable characters"
    return None


def review_problems(review: Review) -> list[tuple[str, str]]:
    """Everything that keeps ``review`` from being saved, as (where, what) in words a reviewer
    can act on; empty when it can be saved. The one set of rules: :func:`validate` raises the
    first, the Review page lists them all."""
    out = []
    for what in ("reviewer", "model"):
        problem = _name_problem(getattr(review, what))
        if problem and what == "reviewer" and problem.startswith("must not"):
            problem = "enter your name first (the reviewer must not be empty)"
        if problem:
            out.append((what, problem))
    where = str(review.file_name)
    if validation_position(where) < 0:
        out.append((where, "not an ImageNet validation file name"))
    if review.category is None:
        out.append((where, "choose a category"))
    elif review.category not in CATEGORIES:
        out.append((where, f"unknown category {review.category!r}"))
    if review.severity is None:
        out.append((where, "choose a severity"))
    elif review.severity not in SEVERITIES:
        out.append((where, f"unknown severity {review.severity!r}"))
    pred = int(review.top_prediction)
    if pred < 0:
        out.append((where, "the model has no prediction to review"))
    elif pred >= NUM_CLASSES:
        out.append((where, f"top_prediction {pred} not 0..999"))
    if any(not 0 <= int(x) < NUM_CLASSES for x in review.proposed_correct_labels):
        out.append((where, "proposed correct labels must be classes 0..999"))
    if len(review.note) > MAX_NOTE:
        out.append((where, f"note longer than {MAX_NOTE} characters"))
    return out


def reviewer_key(name: str) -> str:
    """The one form a reviewer's name or e-mail address is kept and compared in: inner white
    space folded, the ends trimmed, and an e-mail address case-folded (``"  ADA@lab.org "``
    is ``ada@lab.org``); a plain name keeps its letter case for display."""
    text = " ".join(str(name).split())
    return text.casefold() if "@" in text else text


def same_reviewer(a: str, b: str) -> bool:
    """Whether two names or addresses are the same reviewer (case ignored, as the allow-list
    compares them)."""
    return reviewer_key(a).casefold() == reviewer_key(b).casefold()


def validate(review: Review) -> Review:
    """Checks a review before it is saved and normalises it (names stripped, proposed
    labels sorted and unique).

    Raises:
        ReviewError: the first of :func:`review_problems`.
    """
    problems = review_problems(review)
    if problems:
        raise ReviewError(*problems[0])
    review.model = str(review.model).strip()
    review.reviewer = reviewer_key(review.reviewer)
    review.proposed_correct_labels = sorted({int(x) for x in review.proposed_correct_labels})
    return review
