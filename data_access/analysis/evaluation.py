"""One model's headline numbers on one source, as one frozen :class:`Evaluation`: what the
Accuracy page's table, the leaderboard, ``python -m data_access evaluate`` and the notebook
API's ``evaluate`` show. Every number comes from :mod:`data_access.analysis.metrics`.

>>> from data_access.sources.source import open_source
>>> from data_access.sources.demo import demo_model
>>> table = open_source("demo").table
>>> e = evaluate(table, demo_model(table, "demo-medium"), n_boot=0)
>>> round(100 * e.multilabel_accuracy, 2), e.imagenet_m_total, e.ci95
(79.56, 68, (None, None))
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from data_access.analysis.metrics import (
    bootstrap_ci,
    imagenet_m,
    multilabel_accuracy,
    multilabel_accuracy_per_image,
    multilabel_topk_accuracy,
    top1_accuracy,
    unjudged,
)
from data_access.analysis.real import real_accuracy, real_accuracy_rows
from data_access.annotations import AnnotationTable
from data_access.classes import NUM_CLASSES
from data_access.predictions import Model
from data_access.schema import CORRECT


@dataclass(frozen=True)
class Evaluation:
    """Every headline number of one model on one source (:func:`evaluate`). Accuracies are
    fractions in [0, 1], unrounded.

    Attributes:
        model: the model's name.
        multilabel_accuracy: the recommended number: over the non-problematic images, a top-1
            in the correct or unclear set is right; the mean of the per-class accuracies.
        multilabel_accuracy_strict: the same with only the correct set accepted.
        multilabel_accuracy_per_image: the same images and rule, averaged over images.
        top1_accuracy: original-label top-1 on the same (non-problematic) images;
            ``top1_accuracy_all``: on every annotated image.
        multilabel_top5_accuracy: any of the top 5 accepted (None with fewer than 5 columns).
        imagenet_m_correct / imagenet_m_total: ImageNet-M images right under the rule.
        coverage: the share of annotated images with a prediction; ``missing_predictions``:
            how many have none (each counts as wrong).
        ci95: the 95% bootstrap interval of ``multilabel_accuracy`` ((None, None) without
            replicates).
        unjudged_predictions: evaluated images whose top-1 is in no label set.
        non_problematic_images: the images evaluated; classes_evaluated: the classes that
            have one (the mean runs over these).
        implausible: why the numbers cannot be trusted, when scored anyway; else None.
        real_accuracy: ReaL accuracy over all 50,000 images (None without ReaL labels, or
            when the file does not cover them); real_accuracy_annotated: over the annotated
            images with a ReaL list.
    """

    model: str
    multilabel_accuracy: float
    multilabel_accuracy_strict: float
    multilabel_accuracy_per_image: float
    top1_accuracy: float
    top1_accuracy_all: float
    multilabel_top5_accuracy: float | None
    imagenet_m_correct: int
    imagenet_m_total: int
    coverage: float
    missing_predictions: int
    ci95: tuple[float | None, float | None]
    unjudged_predictions: int
    non_problematic_images: int
    classes_evaluated: int
    implausible: str | None = None
    real_accuracy: float | None = None
    real_accuracy_annotated: float | None = None

    def as_dict(self) -> dict:
        """The numbers as JSON-ready values, in field order: ``ci95`` a list; the ReaL
        numbers left out when there are none (as the command line's ``--format json``)."""
        out = dataclasses.asdict(self)
        out["ci95"] = list(self.ci95)
        for key in ("real_accuracy", "real_accuracy_annotated"):
            if out[key] is None:
                del out[key]
        return out


def evaluate(table: AnnotationTable, model: Model, n_boot: int = 1000, seed: int = 0) -> Evaluation:
    """Every headline number for one model (see :class:`Evaluation`)."""
    top1 = model.top1
    m_solved, m_total, _ = imagenet_m(table, top1)
    keep = table.evaluated
    classes_evaluated = int(
        (np.bincount(table.original_label[keep], minlength=NUM_CLASSES) > 0).sum()
    )
    cov = model.coverage
    return Evaluation(
        model=model.name,
        multilabel_accuracy=multilabel_accuracy(table, top1),
        multilabel_accuracy_strict=multilabel_accuracy(table, top1, CORRECT),
        multilabel_accuracy_per_image=multilabel_accuracy_per_image(table, top1),
        top1_accuracy=top1_accuracy(table, top1),
        top1_accuracy_all=top1_accuracy(table, top1, all_images=True),
        multilabel_top5_accuracy=multilabel_topk_accuracy(table, model.top_k, 5)
        if model.top_k is not None and model.top_k.shape[1] >= 5
        else None,
        imagenet_m_correct=m_solved,
        imagenet_m_total=m_total,
        coverage=cov.fraction if cov else 1.0,
        missing_predictions=cov.missing if cov else 0,
        # No interval without replicates (--bootstrap 0): None, never NaN (not valid JSON).
        ci95=bootstrap_ci(table, top1, n_boot=n_boot, seed=seed) if n_boot else (None, None),
        unjudged_predictions=len(unjudged(table, top1)),
        non_problematic_images=int(keep.sum()),
        classes_evaluated=classes_evaluated,
        implausible=model.implausible,
        **real_metrics(table, model),
    )


def real_metrics(table: AnnotationTable, model: Model) -> dict:
    """``real_accuracy`` (all 50,000 images; only when the file has a prediction for every
    image with a ReaL list: a partial file is left out, not estimated) and
    ``real_accuracy_annotated`` (the annotated images with a ReaL list; a missing prediction
    counts as wrong), both absent without ReaL labels."""
    if table.real is None:
        return {}
    out = {}
    if model.top1_by_position is not None:
        acc = real_accuracy(table.real, model.top1_by_position)
        if acc is not None:
            out["real_accuracy"] = acc
    if table.real_rows is not None:
        out["real_accuracy_annotated"] = real_accuracy_rows(table.real_rows, model.top1)
    return out
