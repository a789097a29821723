"""From reviewers' verdicts to a revised label file, in the shape of the original.

The revision starts from the label JSON the app opened (``initial_annots``,
``problematic_images``, ``imagenet_m``; for the demo and TFDS sources, the same dict made from
the table by :func:`data_access.sources.labels_json.label_data_from_table`) and changes only
the images the verdicts decide:

* ``majority``: a label takes the verdict more than half of the reviewers who judged it gave
  (a tie changes nothing); the image is problematic when more than half of those with an
  opinion say so, and stops being problematic when more than half say it is not;
* ``unanimous``: every reviewer who judged the label gave the same verdict;
* ``adjudicated``: a lead reviewer's decision where there is one; elsewhere only what the
  reviewers agreed on unanimously (the images they disagree on wait for the lead).

A label or an image needs at least ``min_reviewers`` reviewers who judged it. A verdict not
given is an abstention. A label the verdicts do not decide keeps its sets exactly as they were
(a class in two sets stays in both); a decided label sits in the one set of its verdict.
Unchanged images keep their entries untouched, so they serialise to the same bytes; a changed
entry lists its sets with the empty ones left out, as the original does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_access.annotations import AnnotationTable
from data_access.reviews.labels import VERDICTS, LabelReview, expert_verdicts
from data_access.reviews.taxonomy import ReviewError

POLICIES = ("majority", "unanimous", "adjudicated")


def revision_base(table: AnnotationTable, labels_json: Path | str | None = None) -> dict[str, Any]:
    """The label JSON a revision starts from: the file the source was read from, when there
    is one (its other entries, e.g. ImageNetV2's, and its problematic details kept), else the
    table's sets in that shape (the demo; a TFDS build without its label JSON).

    Raises:
        LabelFileError: the file cannot be read as JSON.
    """
    from data_access.sources.labels_json import label_data_from_table, load_json_file

    if labels_json and Path(labels_json).is_file():
        data = load_json_file(Path(labels_json))
        if isinstance(data, dict):
            return data
    return label_data_from_table(table)


@dataclass
class Decided:
    """What the verdicts decide for one image.

    Attributes:
        verdicts: wnid -> the decided verdict (only the labels decided).
        problematic: True, False, or None (not decided).
        reason: the reason, when decided problematic.
        reviewers: who decided it (the reviewers counted, or the lead).
        how: ``majority of 3``, ``unanimous (2)``, ``lead ada``.
        marked_by: who called it problematic (the label file's ``reviewer``).
        time: when the last of them said so (``time_marked``).
    """

    verdicts: dict[str, str] = field(default_factory=dict)
    problematic: bool | None = None
    reason: str = ""
    reviewers: list[str] = field(default_factory=list)
    how: str = ""
    marked_by: list[str] = field(default_factory=list)
    time: str = ""


def _winner(votes: list[Any], policy: str, min_reviewers: int) -> Any:
    """The value the votes decide under the policy, or None."""
    if len(votes) < min_reviewers or not votes:
        return None
    (top, k), *rest = Counter(votes).most_common()
    if policy == "majority":
        return top if 2 * k > len(votes) else None
    return top if not rest else None  # unanimous


def decide(reviews: list[LabelReview], policy: str, min_reviewers: int) -> Decided:
    """What one image's reviews decide under ``majority`` or ``unanimous``."""
    decided = Decided()
    by_label: dict[str, list[str]] = defaultdict(list)
    for r in reviews:
        for wnid, v in r.verdicts.items():
            by_label[wnid].append(v)
    for wnid, votes in sorted(by_label.items()):
        winner = _winner(votes, policy, min_reviewers)
        if winner is not None:
            decided.verdicts[wnid] = winner
    opinions = [r for r in reviews if r.problematic is not None]
    decided.problematic = _winner([r.problematic for r in opinions], policy, min_reviewers)
    if decided.problematic:
        yes = [r for r in opinions if r.problematic]
        counts = Counter(r.reason for r in yes)
        decided.reason = min(counts, key=lambda reason: (-counts[reason], reason))
        decided.time = max(r.updated_at for r in yes)
        decided.marked_by = sorted({r.reviewer for r in yes})
    decided.reviewers = sorted({r.reviewer for r in reviews})
    decided.how = (
        f"majority of {len(reviews)}" if policy == "majority" else f"unanimous ({len(reviews)})"
    )
    return decided


def _from_decision(d: LabelReview) -> Decided:
    return Decided(
        dict(d.verdicts),
        d.problematic,
        d.reason,
        [d.reviewer],
        f"lead {d.reviewer}",
        [d.reviewer],
        d.updated_at,
    )


def _entry_after(entry: dict[str, list[str]], verdicts: dict[str, str]) -> dict[str, list[str]]:
    """The image's sets with the decided labels moved; None-changes give the same dict."""
    expert = expert_verdicts(*(entry.get(k, []) for k in VERDICTS))
    moved = {
        w: v
        for w, v in verdicts.items()
        if expert.get(w) != v or sum(w in entry.get(k, []) for k in VERDICTS) > 1
    }
    if not moved:
        return entry
    after = {k: [w for w in entry.get(k, []) if w not in moved] for k in VERDICTS}
    for w, v in sorted(moved.items()):
        after[v].append(w)
    order = [k for k in entry if k in VERDICTS] + [k for k in VERDICTS if k not in entry]
    return {k: after[k] for k in order if after[k]}


def _state(entry: dict[str, list[str]], problem: dict[str, Any] | None) -> dict[str, Any]:
    return {
        **{k: list(entry.get(k, [])) for k in VERDICTS},
        "problematic": problem is not None,
        "reason": (problem or {}).get("reason", "") if problem else "",
    }


@dataclass
class Revision:
    """A revised label file and what changed.

    Attributes:
        labels: the revised label JSON (the original's shape).
        changelog: one entry per changed image: file_name, before, after, how, reviewers,
            verdicts (each reviewer's verdicts on the image).
        skipped: images reviewed that the label file does not annotate.
    """

    labels: dict[str, Any]
    changelog: list[dict[str, Any]]
    skipped: list[str]


def revise(
    base: dict[str, Any],
    reviews: list[LabelReview],
    decisions: dict[str, LabelReview] | None = None,
    policy: str = "majority",
    min_reviewers: int = 1,
) -> Revision:
    """Applies the reviewers' verdicts to a label JSON (see the module docstring).

    Args:
        base: the original label JSON (not changed).
        reviews: every reviewer's label reviews (:func:`.label_store.all_label_reviews`).
        decisions: the lead's decisions by image (``adjudicated``).
        policy: ``majority``, ``unanimous`` or ``adjudicated``.
        min_reviewers: reviewers needed to decide a label or the problematic flag.

    Raises:
        ReviewError: an unknown policy or a minimum below 1.
    """
    if policy not in POLICIES:
        raise ReviewError("--policy", f"{policy!r} is not one of {', '.join(POLICIES)}")
    if not isinstance(min_reviewers, int) or min_reviewers < 1:
        raise ReviewError("--min-reviewers", f"expected a whole number >= 1, got {min_reviewers}")
    decisions = decisions or {}
    # Entries are replaced, never changed in place: copying the two dicts leaves the base as
    # it was (a deep copy of the real file's 50,000 entries would copy what does not change).
    annots = dict(base.get("initial_annots", {}))
    problematic = dict(base.get("problematic_images", {}))
    labels = {**base, "initial_annots": annots, "problematic_images": problematic}
    by_image: dict[str, list[LabelReview]] = defaultdict(list)
    for r in reviews:
        by_image[r.file_name].append(r)
    changelog, skipped = [], []
    for name in sorted(set(by_image) | (set(decisions) if policy == "adjudicated" else set())):
        if name not in annots:
            skipped.append(name)
            continue
        if policy == "adjudicated" and name in decisions:
            decided = _from_decision(decisions[name])
        else:
            rule = "unanimous" if policy == "adjudicated" else policy
            decided = decide(by_image[name], rule, min_reviewers)
        before = _state(annots[name], problematic.get(name))
        annots[name] = _entry_after(annots[name], decided.verdicts)
        if decided.problematic is True and name not in problematic:
            marked = {"reason": decided.reason, "reviewer": ", ".join(decided.marked_by)}
            problematic[name] = marked | ({"time_marked": decided.time} if decided.time else {})
        elif decided.problematic is False and name in problematic:
            del problematic[name]
        after = _state(annots[name], problematic.get(name))
        if after != before:
            changelog.append(
                {
                    "file_name": name,
                    "before": before,
                    "after": after,
                    "how": decided.how,
                    "reviewers": decided.reviewers,
                    "verdicts": [
                        {
                            "reviewer": r.reviewer,
                            "verdicts": r.verdicts,
                            "problematic": r.problematic,
                            "reason": r.reason,
                        }
                        for r in by_image.get(name, [])
                    ],
                }
            )
    if not problematic and "problematic_images" not in base:
        del labels["problematic_images"]
    return Revision(labels, changelog, skipped)
