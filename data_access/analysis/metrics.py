"""Metrics over the annotation table: pure, vectorised NumPy.

The headline is the dataset's recommended multi-label accuracy (TFDS ``imagenet2012_multilabel``
card, the protocol the README's "Evaluating predictions" states):

1. skip every image with ``is_problematic``;
2. a top-1 prediction is correct if it is in ``correct_multi_labels`` OR
   ``unclear_multi_labels`` (lenient with unclear);
3. group the remaining images by ``original_label``, compute each class's accuracy, and average
   the per-class accuracies over the 1000 classes.

Images without a prediction (class -1) count as wrong. The final average is summed with
Python's built-in ``sum`` over the classes in index order, exactly as the reference loop does,
so the result equals the reference to the last digit on the same Python. When a table lacks
classes (small test sets), the average is over the classes present and ``classes_evaluated``
says how many that was.

Companions, always labelled as such: strict (unclear counts as wrong), per-image (micro)
average, original top-1 accuracy on the same non-problematic images and on all annotated
images, multi-label top-5 (any of the top 5 accepted; same class averaging), and ReaL accuracy
(:mod:`data_access.analysis.real`: over the images with a ReaL list, the share whose
top-1 is in it; over all 50,000 images when the file covers them, and over the annotated images).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from data_access.analysis.real import in_real
from data_access.annotations import AnnotationTable
from data_access.classes import NUM_CLASSES, load_classes
from data_access.predictions import Model
from data_access.schema import ACCEPTED, CORRECT

# WordNet groups offered by default (synset id -> shown name).
DEFAULT_GROUPS = {
    "n00004475": "organisms",
    "n00021939": "artifacts",
    "n02084071": "dogs",
    "n01503061": "birds",
    "n01661091": "reptiles",
    "n02159955": "insects",
    "n01317541": "domestic animals",
    "n04576211": "wheeled vehicles",
    "n03183080": "devices",
    "n00021265": "food",
    "n03051540": "clothing",
    "n03800933": "musical instruments",
}


def _safe(predictions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predictions with -1 (missing) replaced by 0 for indexing, and the mask of present ones."""
    predictions = np.asarray(predictions)
    present = predictions >= 0
    return np.where(present, predictions, 0).astype(np.int64), present


def hits(
    table: AnnotationTable, predictions: np.ndarray, flags: int | np.integer = ACCEPTED
) -> np.ndarray:
    """bool (n,) [or (n, k)]: the prediction's class carries one of ``flags`` for the image.

    ``flags=ACCEPTED`` (correct or unclear) is the recommended rule; ``CORRECT`` is strict.
    Missing predictions (-1) are never hits.
    """
    safe, present = _safe(predictions)
    rows = np.arange(len(table))
    if safe.ndim == 2:
        rows = rows[:, None]
    return ((table.label_state[rows, safe] & flags) != 0) & present


def class_counts(table: AnnotationTable, keep: np.ndarray, correct: np.ndarray):
    """Images and correct images per original class, over the rows in ``keep``."""
    labels = table.original_label[keep].astype(np.int64)
    images = np.bincount(labels, minlength=NUM_CLASSES)
    right = np.bincount(labels, weights=correct[keep].astype(np.float64), minlength=NUM_CLASSES)
    return images, right.astype(np.int64)


def class_average(images: np.ndarray, right: np.ndarray) -> float:
    """Mean of per-class accuracies, summed like the reference loop.

    Each class's accuracy is ``right / images`` (a correctly rounded division, as Python's
    ``int / int``); the sum is Python's ``sum`` over classes in index order, then divided by
    the number of classes with images (1000 on the real split).
    """
    present = np.flatnonzero(images > 0)
    if len(present) == 0:
        return float("nan")
    per_class = (right[present] / images[present]).tolist()
    return sum(per_class) / len(present)


def multilabel_accuracy(
    table: AnnotationTable, top1: np.ndarray, flags: int | np.integer = ACCEPTED
) -> float:
    """The recommended multi-label accuracy (see the module docstring); ``flags=CORRECT``
    gives the strict variant."""
    keep = table.evaluated
    images, right = class_counts(table, keep, hits(table, top1, flags))
    return class_average(images, right)


def multilabel_accuracy_per_image(table: AnnotationTable, top1: np.ndarray) -> float:
    """Per-image (micro) average of multi-label correctness over non-problematic images."""
    keep = table.evaluated
    n = int(keep.sum())
    return int(hits(table, top1)[keep].sum()) / n if n else float("nan")


def top1_accuracy(table: AnnotationTable, top1: np.ndarray, *, all_images: bool = False) -> float:
    """Original-label top-1 accuracy, per image: on the non-problematic images (the same
    images as the headline) or, with ``all_images``, on every annotated image."""
    keep = np.ones(len(table), bool) if all_images else table.evaluated
    n = int(keep.sum())
    return int((np.asarray(top1)[keep] == table.original_label[keep]).sum()) / n if n else math.nan


def multilabel_topk_accuracy(table: AnnotationTable, top_k: np.ndarray, k: int = 5) -> float:
    """Multi-label top-k: an image counts if any of its top-k predictions is accepted;
    problematic images skipped; averaged per class like the headline."""
    any_hit = np.asarray(hits(table, np.asarray(top_k)[:, :k]).any(axis=1))
    images, right = class_counts(table, table.evaluated, any_hit)
    return class_average(images, right)


def imagenet_m(table: AnnotationTable, top1: np.ndarray) -> tuple[int, int, np.ndarray]:
    """ImageNet-M: (solved, total, rows of the ImageNet-M images with a bool 'solved' each).

    An image is solved when its top-1 prediction is in correct ∪ unclear (no problematic
    filter; none of the 68 is problematic).
    """
    rows = np.flatnonzero(table.in_imagenet_m)
    solved = hits(table, top1)[rows]
    return int(solved.sum()), len(rows), np.stack([rows, solved.astype(np.int64)], axis=1)


def unjudged(table: AnnotationTable, top1: np.ndarray) -> np.ndarray:
    """Rows (non-problematic) whose predicted class is in none of the three label sets.

    The label sets came from a 67-model testbed, so a new model can predict a class nobody
    judged: such a prediction counts as wrong, but is worth a look.
    """
    safe, present = _safe(top1)
    state = table.label_state[np.arange(len(table)), safe]
    return np.flatnonzero((state == 0) & present & table.evaluated)


def bootstrap_ci(
    table: AnnotationTable,
    top1: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Seeded percentile bootstrap interval for the headline, resampling images within classes.

    Resampling a class's n images with replacement makes its number of correct images
    Binomial(n, k/n), and classes are resampled independently. Classes that share the same
    (n, k) are therefore summed in one draw, Binomial(m * n, k/n) for m such classes (a sum of
    independent binomials with one p is binomial): exactly the distribution of resampling the
    images, with about 50 draws per replicate instead of 20,000.
    """
    keep = table.evaluated
    images, right = class_counts(table, keep, hits(table, top1))
    present = images > 0
    if not present.any():
        return math.nan, math.nan
    key, m = np.unique(images[present] * (NUM_CLASSES + 1) + right[present], return_counts=True)
    n, k = key // (NUM_CLASSES + 1), key % (NUM_CLASSES + 1)
    classes = int(m.sum())
    varies = (k > 0) & (k < n)  # all-right and all-wrong classes never vary
    fixed = float((m[~varies] * k[~varies] / n[~varies]).sum())
    rng = np.random.default_rng(seed)
    draws = rng.binomial((m * n)[varies], (k / n)[varies], size=(n_boot, int(varies.sum())))
    means = (draws @ (1.0 / n[varies]) + fixed) / classes
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


def per_class(table: AnnotationTable, model: Model) -> dict[str, np.ndarray]:
    """Per-class columns over non-problematic images (NaN where a class has no image).

    Keys: ``index``, ``wnid``, ``name``, ``images``, ``multilabel_accuracy``,
    ``strict_accuracy``, ``top1_accuracy``, ``gap`` (multi-label minus top-1); with ReaL
    labels also ``real_images`` and ``real_accuracy``: the class's annotated images with a
    ReaL list (problematic ones included, as ReaL's protocol has no such filter) and the share
    of them whose top-1 is in it.
    """
    classes = load_classes()
    keep = table.evaluated
    images, ml = class_counts(table, keep, hits(table, model.top1))
    _, strict = class_counts(table, keep, hits(table, model.top1, CORRECT))
    _, top1 = class_counts(table, keep, np.asarray(model.top1) == table.original_label)
    # A class with no image counts 0 of 0: NaN, quietly.
    with np.errstate(invalid="ignore"):
        ml_acc, strict_acc, top1_acc = ml / images, strict / images, top1 / images
    out = {
        "index": np.arange(NUM_CLASSES),
        "wnid": np.array(classes.wnids),
        "name": np.array(classes.names),
        "images": images,
        "multilabel_accuracy": ml_acc,
        "strict_accuracy": strict_acc,
        "top1_accuracy": top1_acc,
        "gap": ml_acc - top1_acc,
    }
    if table.real_rows is not None:
        labelled = np.asarray((table.real_rows >= 0).any(axis=1))
        real_images, real_right = class_counts(
            table, labelled, in_real(table.real_rows, model.top1)
        )
        with np.errstate(invalid="ignore"):
            out["real_accuracy"] = real_right / real_images
        out["real_images"] = real_images
    return out


def groups(
    table: AnnotationTable, model: Model, ancestors: dict[str, str] | None = None
) -> list[dict]:
    """Accuracy by WordNet group: the mean of per-class accuracies of the group's classes.

    Args:
        ancestors: ``{synset wnid: shown name}``; default :data:`DEFAULT_GROUPS`.
    """
    classes = load_classes()
    pc = per_class(table, model)
    out = []
    for wnid, label in (ancestors or DEFAULT_GROUPS).items():
        mask = classes.group_mask(wnid) & (pc["images"] > 0)
        out.append(
            {
                "group": label,
                "wnid": wnid,
                "classes": int(mask.sum()),
                "multilabel_accuracy": float(np.mean(pc["multilabel_accuracy"][mask]))
                if mask.any()
                else math.nan,
                "top1_accuracy": float(np.mean(pc["top1_accuracy"][mask]))
                if mask.any()
                else math.nan,
            }
        )
    return out


def confusions(table: AnnotationTable, top1: np.ndarray, limit: int = 20) -> list[dict]:
    """The most frequent (original class -> predicted class) pairs among multi-label mistakes
    on non-problematic images with a prediction."""
    safe, present = _safe(top1)
    wrong = present & table.evaluated & ~hits(table, top1)
    key = table.original_label[wrong].astype(np.int64) * NUM_CLASSES + safe[wrong]
    values, counts = np.unique(key, return_counts=True)
    order = np.lexsort((values, -counts))[:limit]
    return [
        {
            "original": int(values[i] // NUM_CLASSES),
            "predicted": int(values[i] % NUM_CLASSES),
            "count": int(counts[i]),
        }
        for i in order
    ]


@dataclass(frozen=True)
class Paired:
    """A paired comparison of models A and B on the non-problematic images."""

    a_only: int  # A right (multi-label), B wrong
    b_only: int
    both: int
    neither: int
    p_value: float  # exact two-sided McNemar (binomial) test
    class_wins: int  # classes where A's per-class accuracy is higher
    class_losses: int
    class_ties: int


def _binom_two_sided(k: int, n: int) -> float:
    """Exact two-sided p-value of k successes in n trials at p = 1/2."""
    if n == 0:
        return 1.0
    k = min(k, n - k)
    log_half_n = -n * math.log(2)
    terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + log_half_n
        for i in range(k + 1)
    ]
    top = max(terms)
    tail = math.exp(top) * sum(math.exp(t - top) for t in terms)
    return min(1.0, 2 * tail)


def paired(table: AnnotationTable, a: Model, b: Model) -> Paired:
    """McNemar's exact test on per-image multi-label correctness, plus per-class wins/losses."""
    keep = table.evaluated
    ha, hb = hits(table, a.top1)[keep], hits(table, b.top1)[keep]
    a_only, b_only = int((ha & ~hb).sum()), int((~ha & hb).sum())
    pa, pb = per_class(table, a), per_class(table, b)
    present = pa["images"] > 0
    da, db = pa["multilabel_accuracy"][present], pb["multilabel_accuracy"][present]
    return Paired(
        a_only=a_only,
        b_only=b_only,
        both=int((ha & hb).sum()),
        neither=int((~ha & ~hb).sum()),
        p_value=_binom_two_sided(min(a_only, b_only), a_only + b_only),
        class_wins=int((da > db).sum()),
        class_losses=int((da < db).sum()),
        class_ties=int((da == db).sum()),
    )
