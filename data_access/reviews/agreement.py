"""Suggestions for a mistake (WordNet distance), agreement between two sets of
categorisations (Cohen's kappa), and the review queue.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import load_classes
from data_access.schema import is_accepted

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
    from data_access.analysis.metrics import hits

    wrong = ~hits(table, top1) & table.evaluated
    return np.flatnonzero(wrong | table.in_imagenet_m)
