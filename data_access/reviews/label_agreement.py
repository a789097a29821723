"""How far label reviewers agree: with each other, with the v3.0.0 experts, and where not.

* Between reviewers: Krippendorff's alpha for nominal data over the units (image, wnid) that
  two or more reviewers judged, and over the images' problematic opinions; it allows any
  number of reviewers per unit and abstentions (Krippendorff 2011, "Computing Krippendorff's
  Alpha-Reliability"). Alpha is 1 for perfect agreement, 0 at chance, and undefined (NaN) when
  every value is the same (there is no variation to agree on).
* Each reviewer with the experts: the share of the reviewer's verdicts on labels the experts
  judged that match the experts' verdict, and Cohen's kappa; classes the reviewer added are
  counted apart.
* The disagreement queue: images where reviewers disagree, or a reviewer disagrees with the
  experts, for a lead reviewer to decide.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from data_access.annotations import AnnotationTable
from data_access.classes import load_classes
from data_access.reviews.agreement import cohen_kappa
from data_access.reviews.labels import LabelReview, expert_verdicts


def krippendorff_alpha(units: Iterable[Sequence[Hashable]]) -> dict[str, Any]:
    """Krippendorff's alpha (nominal) of units, each the list of the values its coders gave.

    Units with fewer than two values are not pairable and are left out.

    Returns:
        ``alpha`` (NaN without variation or without a pairable unit), ``units`` (pairable
        units) and ``values`` (pairable values, Krippendorff's n).
    """
    coincidence: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    pairable = 0
    for values in units:
        m = len(values)
        if m < 2:
            continue
        pairable += 1
        counts = Counter(values)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                coincidence[(c, k)] += pairs / (m - 1)
    n = sum(coincidence.values())
    totals: dict[Hashable, float] = defaultdict(float)
    for (c, _), o in coincidence.items():
        totals[c] += o
    observed = sum(o for (c, k), o in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    alpha = 1.0 - (n - 1) * observed / expected if expected else math.nan
    return {"alpha": alpha, "units": pairable, "values": round(n)}


def expert_view(
    table: AnnotationTable, names: Iterable[str]
) -> tuple[dict[str, dict[str, str]], set[str]]:
    """The experts' verdicts (file_name -> wnid -> verdict) of the images ``names`` and which
    of them the experts marked problematic, from the opened table."""
    wnids = load_classes().wnids
    wanted = set(names)
    rows = {n: i for i, n in enumerate(table.file_name.tolist()) if n in wanted}
    sets = (table.correct_multi_labels, table.unclear_multi_labels, table.wrong_multi_labels)
    experts = {
        n: expert_verdicts(*([wnids[c] for c in s.row(i).tolist()] for s in sets))
        for n, i in rows.items()
    }
    return experts, {n for n, i in rows.items() if table.is_problematic[i]}


def _experts(expert_sets: dict[str, dict[str, str]], file_name: str) -> dict[str, str]:
    return expert_sets.get(file_name, {})


def reviewer_agreement(
    reviews: list[LabelReview],
    expert_sets: dict[str, dict[str, str]],
    expert_problematic: set[str],
) -> dict[str, Any]:
    """Agreement between reviewers and of each reviewer with the experts.

    Args:
        reviews: every label review.
        expert_sets: file_name -> wnid -> the experts' verdict
            (:func:`.labels.expert_verdicts`), for the reviewed images.
        expert_problematic: the images the experts marked problematic.

    Returns:
        ``labels`` and ``problematic``: Krippendorff's alpha between reviewers with counts;
        ``reviewers``: per reviewer, ``images``, ``judged`` (verdicts on expert labels),
        ``agree``, ``kappa`` with the experts, ``added`` (verdicts on classes the experts did
        not list).
    """
    by_unit: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_image: dict[str, list[bool]] = defaultdict(list)
    per_reviewer: dict[str, dict[str, Any]] = {}
    for r in reviews:
        for wnid, v in r.verdicts.items():
            by_unit[(r.file_name, wnid)].append(v)
        if r.problematic is not None:
            by_image[r.file_name].append(r.problematic)
        mine = per_reviewer.setdefault(r.reviewer, {"images": 0, "pairs": [], "added": 0})
        mine["images"] += 1
        experts = _experts(expert_sets, r.file_name)
        for wnid, v in r.verdicts.items():
            if wnid in experts:
                mine["pairs"].append((v, experts[wnid]))
            else:
                mine["added"] += 1
        if r.problematic is not None:
            mine["pairs"].append((_flag(r.problematic), _flag(r.file_name in expert_problematic)))
    out_reviewers = {}
    for name, mine in sorted(per_reviewer.items()):
        kappa = cohen_kappa([a for a, _ in mine["pairs"]], [b for _, b in mine["pairs"]])
        out_reviewers[name] = {
            "images": mine["images"],
            "judged": kappa["n"],
            "agree": kappa["agree"],
            "kappa": kappa["kappa"],
            "added": mine["added"],
        }
    return {
        "labels": krippendorff_alpha(by_unit.values()),
        "problematic": krippendorff_alpha(by_image.values()),
        "reviewers": out_reviewers,
    }


def _flag(problematic: bool) -> str:
    return "problematic" if problematic else "not problematic"


def disagreements(
    reviews: list[LabelReview],
    expert_sets: dict[str, dict[str, str]],
    expert_problematic: set[str],
    decided: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """The images a lead should decide: reviewers disagree on a label or on the problematic
    flag, or a reviewer's verdict differs from the experts'.

    Returns:
        One entry per image (``file_name``, ``between_reviewers``: labels or ``problematic``
        the reviewers disagree on, ``with_experts``: those where a reviewer differs from the
        experts, ``reviewers``, ``decided``), images with disagreement between reviewers
        first, then by how many labels are disputed, then by name.
    """
    decided = set(decided)
    by_image: dict[str, list[LabelReview]] = defaultdict(list)
    for r in reviews:
        by_image[r.file_name].append(r)
    queue = []
    for name, rs in by_image.items():
        experts = _experts(expert_sets, name)
        votes: dict[str, set[str]] = defaultdict(set)
        for r in rs:
            for wnid, v in r.verdicts.items():
                votes[wnid].add(v)
            if r.problematic is not None:
                votes["problematic"].add(_flag(r.problematic))
        expert = {**experts, "problematic": _flag(name in expert_problematic)}
        between = sorted(k for k, vs in votes.items() if len(vs) > 1)
        # A class the experts did not list is a difference with them (an added label).
        against = sorted(k for k, vs in votes.items() if vs != {expert.get(k)})
        if between or against:
            queue.append(
                {
                    "file_name": name,
                    "between_reviewers": between,
                    "with_experts": against,
                    "reviewers": sorted({r.reviewer for r in rs}),
                    "decided": name in decided,
                }
            )
    return sorted(
        queue,
        key=lambda e: (
            not e["between_reviewers"],
            -len(e["between_reviewers"]),
            -len(e["with_experts"]),
            e["file_name"],
        ),
    )
