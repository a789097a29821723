"""Every model scored against the original labels and a revised label file, side by side.

The revised file (:mod:`data_access.reviews.revise`) annotates the same images; each model's
headline is computed under both with the same protocol (:func:`.metrics.multilabel_accuracy`:
problematic images of *that* file skipped, correct or unclear accepted, averaged per original
class), and the change gets a paired bootstrap interval: images are resampled within their
original class, once per replicate, and both headlines are computed on the same resample. The
ranking of the loaded models is compared with Kendall's tau-b, and the pairs that swap are
named.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from data_access.analysis import metrics
from data_access.annotations import AnnotationTable
from data_access.classes import NUM_CLASSES
from data_access.errors import LabelFileError
from data_access.predictions.model import Model

CHUNK = 50  # bootstrap replicates drawn at once (CHUNK x 20,000 int64 indices: 8 MB)
CODES = 16  # a row's four yes/no facts in the paired interval, as one number


@dataclass(frozen=True)
class Rescored:
    """One model under the original and the revised labels.

    Attributes:
        model: its name.
        original, revised: the headline under each file.
        change: ``revised - original``; ``change_low``, ``change_high``: its paired 95%
            bootstrap interval (NaN without bootstrap).
        now_right, now_wrong: evaluated images whose top-1 became accepted / not accepted.
        now_excluded, now_included: images the revision made problematic / not problematic.
        imagenet_m_original, imagenet_m_revised: ImageNet-M images solved under each.
    """

    model: str
    original: float
    revised: float
    change: float
    change_low: float
    change_high: float
    now_right: int
    now_wrong: int
    now_excluded: int
    now_included: int
    imagenet_m_original: int
    imagenet_m_revised: int


def changed_images(original: AnnotationTable, revised: AnnotationTable) -> np.ndarray:
    """Rows whose label sets or problematic flag the revision changed."""
    sets = (original.label_state != revised.label_state).any(axis=1)
    return np.flatnonzero(sets | (original.is_problematic != revised.is_problematic))


def check_same_images(original: AnnotationTable, revised: AnnotationTable, path: object) -> None:
    """A revised file annotates exactly the images of the original, in the same rows.

    Raises:
        LabelFileError: other images (a revision never adds or drops one).
    """
    if len(original) != len(revised) or not np.array_equal(original.file_name, revised.file_name):
        extra = sorted(set(revised.file_name.tolist()) ^ set(original.file_name.tolist()))
        example = f", e.g. {extra[0]}" if extra else ""
        raise LabelFileError(
            path,
            f"annotates {len(revised):,} images, the opened labels {len(original):,}; a revised "
            f"file must annotate the same images{example}",
        )


def revised_table(original: AnnotationTable, data: object, path: object) -> AnnotationTable:
    """The table of a revised label file (checked as any label file), aligned to the opened
    one: the same images in the same rows, and the opened table's original labels (a
    revision changes the sets and the problematic flag, never the original label; the demo's
    original labels are its own).

    Raises:
        LabelFileError: not a label file, or other images than the opened one's.
    """
    from data_access.sources.labels_json import table_from_label_data

    revised = table_from_label_data(data, str(path))
    check_same_images(original, revised, path)
    return dataclasses.replace(revised, original_label=original.original_label, real=original.real)


def _paired_interval(
    original: AnnotationTable, revised: AnnotationTable, top1: np.ndarray, n_boot: int, seed: int
) -> tuple[float, float]:
    if n_boot <= 0:
        return math.nan, math.nan
    # Each row's four facts in one small code: counted and right under the original file
    # (bits 0, 1) and under the revised one (bits 2, 3). A replicate then needs one gather and
    # one count per (replicate, class, code), not four weighted counts.
    code = np.zeros(len(original), np.int64)
    for bit, t in enumerate((original, revised)):
        code |= t.evaluated.astype(np.int64) << (2 * bit)
        code |= (metrics.hits(t, top1) & t.evaluated).astype(np.int64) << (2 * bit + 1)
    labels = original.original_label.astype(np.int64)
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels, minlength=NUM_CLASSES)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    # Every row is drawn from its own class: start of the class + a uniform offset in it.
    row_class = labels[order]
    row_start, row_size, row_bin = starts[row_class], sizes[row_class], row_class * CODES
    # (code, fact) -> 1 when the code has that fact's bit: counted, right, counted, right.
    facts = ((np.arange(CODES)[:, None] >> np.arange(4)[None, :]) & 1).astype(np.float64)
    rng = np.random.default_rng(seed)
    diffs = []
    for done in range(0, n_boot, CHUNK):
        reps = min(CHUNK, n_boot - done)
        offset = (rng.random((reps, len(order))) * row_size).astype(np.int64)
        drawn = order[row_start + offset]  # (reps, n) rows, each of its own class
        bins = code[drawn] + row_bin + np.arange(reps)[:, None] * (NUM_CLASSES * CODES)
        per_code = np.bincount(bins.ravel(), minlength=reps * NUM_CLASSES * CODES)
        # (reps, classes, 4 facts); whole numbers, exact in float64.
        counts = per_code.reshape(reps, NUM_CLASSES, CODES).astype(np.float64) @ facts
        scores = []
        for images, hit in ((counts[..., 0], counts[..., 1]), (counts[..., 2], counts[..., 3])):
            with np.errstate(invalid="ignore"):  # a class with no image: 0 of 0, NaN
                scores.append(np.nanmean(hit / images, axis=1))
        diffs.append(scores[1] - scores[0])
    lo, hi = np.quantile(np.concatenate(diffs), [0.025, 0.975])
    return float(lo), float(hi)


def rescore(
    original: AnnotationTable,
    revised: AnnotationTable,
    models: dict[str, Model],
    n_boot: int = 1000,
    seed: int = 0,
) -> list[Rescored]:
    """Each model's headline under both files, the change and its paired interval."""
    out = []
    for name, model in models.items():
        top1 = model.top1
        a, b = (
            metrics.multilabel_accuracy(original, top1),
            metrics.multilabel_accuracy(revised, top1),
        )
        lo, hi = _paired_interval(original, revised, top1, n_boot, seed)
        ra, rb = (metrics.hits(t, top1) & t.evaluated for t in (original, revised))
        both = original.evaluated & revised.evaluated
        out.append(
            Rescored(
                model=name,
                original=a,
                revised=b,
                change=b - a,
                change_low=lo,
                change_high=hi,
                now_right=int((both & ~ra & rb).sum()),
                now_wrong=int((both & ra & ~rb).sum()),
                now_excluded=int((original.evaluated & ~revised.evaluated).sum()),
                now_included=int((~original.evaluated & revised.evaluated).sum()),
                imagenet_m_original=metrics.imagenet_m(original, top1)[0],
                imagenet_m_revised=metrics.imagenet_m(revised, top1)[0],
            )
        )
    return out


def kendall_tau_b(x: list[float], y: list[float]) -> float:
    """Kendall's tau-b of two score lists (ties corrected); NaN when either is constant."""
    concordant = discordant = ties_x = ties_y = 0
    for i, j in combinations(range(len(x)), 2):
        dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
        if dx == 0 and dy == 0:
            continue
        if dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx == dy:
            concordant += 1
        else:
            discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return (concordant - discordant) / denominator if denominator else math.nan


def ranking_change(results: list[Rescored]) -> dict[str, Any]:
    """Kendall's tau-b between the rankings under both files, and the pairs that swap order
    (``[a, b]``: a was above b and is now below it)."""
    tau = kendall_tau_b([r.original for r in results], [r.revised for r in results])
    swaps = []
    for a, b in combinations(results, 2):
        before, after = np.sign(a.original - b.original), np.sign(a.revised - b.revised)
        if before and after and before != after:
            first, second = (a, b) if before > 0 else (b, a)
            swaps.append([first.model, second.model])
    return {"kendall_tau": tau, "swaps": swaps, "models": len(results)}
