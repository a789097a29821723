"""Label reviews: a reviewer's verdict on the labels of one image.

The dataset's sets are themselves verdicts: experts judged each candidate class of an image
``correct``, ``unclear`` or ``wrong`` (:data:`data_access.schema.SET_NAMES`). A
:class:`LabelReview` is one reviewer's second look at one image: a verdict for any of its
labels (or for a class the experts did not list), whether the image is problematic and why,
and a note. A lead reviewer's decision on an image has the same shape (its ``reviewer`` is the
lead). Classes are named by wnid, as in the label JSON.

A verdict left out is an abstention, not a vote: the revision (:mod:`.revise`) counts only
what reviewers said.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from data_access.classes import load_classes, validation_position
from data_access.reviews.taxonomy import MAX_NAME, MAX_NOTE, ReviewError, reviewer_key
from data_access.schema import SET_NAMES

VERDICTS = SET_NAMES  # a reviewer's verdict on a label is one of the dataset's own sets
MAX_VERDICTS = 1000  # one per class at most


@dataclass
class LabelReview:
    """One reviewer's verdicts on one image (or a lead's decision on it).

    Attributes:
        file_name: the validation image.
        reviewer: who said it (the lead, for a decision).
        verdicts: wnid -> ``correct`` / ``unclear`` / ``wrong``; a label not listed is not
            judged.
        problematic: True (the image should be left out of the metric), False (it should
            not), None (no opinion).
        reason: why it is problematic (empty unless ``problematic``).
        note: free text.
        updated_at: when it was saved (set by the store).
        version: 1 for the first save, +1 each save (set by the store).
    """

    file_name: str
    reviewer: str
    verdicts: dict[str, str] = field(default_factory=dict)
    problematic: bool | None = None
    reason: str = ""
    note: str = ""
    updated_at: str = ""
    version: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "reviewer": self.reviewer,
            "verdicts": dict(self.verdicts),
            "problematic": self.problematic,
            "reason": self.reason,
            "note": self.note,
            "updated_at": self.updated_at,
            "version": self.version,
        }


def _name_problem(value: object) -> str | None:
    text = " ".join(str(value or "").split())
    if not text:
        return "enter your name first (the reviewer must not be empty)"
    if len(text) > MAX_NAME or any(ord(c) < 32 for c in str(value)):
        return f"at most {MAX_NAME} printable characters"
    return None


def label_review_problems(review: LabelReview) -> list[tuple[str, str]]:
    """Everything that keeps ``review`` from being saved, as (where, what); empty when it can
    be saved."""
    out = []
    problem = _name_problem(review.reviewer)
    if problem:
        out.append(("reviewer", problem))
    where = str(review.file_name)
    if not isinstance(review.file_name, str) or validation_position(review.file_name) < 0:
        out.append((where, "not an ImageNet validation file name"))
    known = load_classes().wnid_to_index
    if not isinstance(review.verdicts, dict) or len(review.verdicts) > MAX_VERDICTS:
        out.append((where, f"verdicts must map at most {MAX_VERDICTS} wnids to a verdict"))
    else:
        for wnid, v in review.verdicts.items():
            if wnid not in known:
                out.append((where, f"{str(wnid)[:20]!r} is not the wnid of an ImageNet class"))
            elif v not in VERDICTS:
                out.append(
                    (
                        where,
                        f"verdict {str(v)[:20]!r} for {wnid}: expected one of "
                        f"{', '.join(VERDICTS)}",
                    )
                )
    if review.problematic not in (True, False, None):
        out.append((where, "problematic must be yes, no or no opinion"))
    if review.problematic is True and not str(review.reason or "").strip():
        out.append((where, "give the reason the image is problematic"))
    for what, text, limit in (
        ("reason", review.reason, MAX_NAME * 2),
        ("note", review.note, MAX_NOTE),
    ):
        if not isinstance(text, str) or len(text) > limit:
            out.append((where, f"{what} must be text of at most {limit} characters"))
    if not out and not review.verdicts and review.problematic is None and not review.note:
        out.append(
            (
                where,
                "nothing to save: give a verdict, say whether it is problematic, or write a note",
            )
        )
    return out


def validate_label_review(review: LabelReview) -> LabelReview:
    """Checks a label review and normalises it (reviewer's name in its one form, the reason
    dropped unless problematic, verdicts in wnid order).

    Raises:
        ReviewError: the first of :func:`label_review_problems`.
    """
    problems = label_review_problems(review)
    if problems:
        raise ReviewError(*problems[0])
    review.reviewer = reviewer_key(review.reviewer)
    review.reason = review.reason.strip() if review.problematic else ""
    review.verdicts = dict(sorted(review.verdicts.items()))
    return review


def label_review_from_row(row: Any) -> LabelReview | None:
    """A stored row (file_name, reviewer, verdicts, problematic, reason, note, updated_at,
    version) as a LabelReview, or None when it is not one this app could have saved."""
    try:
        file_name, reviewer, verdicts, problematic, reason, note, updated, version = tuple(row)[:8]
        verdicts = json.loads(verdicts) if isinstance(verdicts, str) else None
    except (TypeError, ValueError, RecursionError):
        return None
    if problematic is not None and problematic not in (0, 1):
        return None
    if not (isinstance(updated, str) and isinstance(version, int)):
        return None
    review = LabelReview(
        file_name,
        reviewer,
        verdicts if isinstance(verdicts, dict) else {},
        None if problematic is None else bool(problematic),
        reason,
        note,
        updated,
        version,
    )
    if not isinstance(verdicts, dict) or label_review_problems(review):
        return None
    return review


def expert_verdicts(correct: list[str], unclear: list[str], wrong: list[str]) -> dict[str, str]:
    """The experts' verdict per wnid: the first set holding it, in the order correct,
    unclear, wrong (as :func:`data_access.schema.verdict` reads a class in two sets)."""
    out: dict[str, str] = {}
    for name, wnids in zip(VERDICTS, (correct, unclear, wrong), strict=True):
        for w in wnids:
            out.setdefault(w, name)
    return out


def form_labels(
    experts: dict[str, str], mine: LabelReview | None
) -> list[tuple[str, str | None, str | None]]:
    """The labels a reviewer's form shows for one image: (wnid, the experts' verdict or None
    for a class they did not list, the form's starting verdict).

    Every label the experts judged, in the order correct, unclear, wrong, then the classes
    this reviewer added. A label starts at the reviewer's own saved verdict, else at the
    experts' (the reviewer changes what they disagree with); None means not judged.
    """
    saved = mine.verdicts if mine is not None else {}
    order = sorted(experts, key=lambda w: VERDICTS.index(experts[w]))
    added = sorted(w for w in saved if w not in experts)
    if mine is not None:  # a saved review: what the reviewer left out stays left out
        return [(w, experts.get(w), saved.get(w)) for w in [*order, *added]]
    return [(w, experts[w], experts[w]) for w in order]
