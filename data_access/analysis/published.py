"""Published results of 962 models on this dataset, to place a loaded model among them.

The table is ``stats-imagenet/non_problematic_stats_all.csv`` from github
eth-sri/automated-error-analysis (Peychev et al. 2023, Apache-2.0, (c) 2023 SRI Lab, ETH
Zurich), shipped as ``data_access/data/published_models.csv`` and checked by size and SHA-256
on load. Per model it gives the original top-1 accuracy, the multi-label accuracy of the
recommended protocol on the 18,692 non-problematic images (``imagenet_mla_val_acc``, in %),
the number of the 68 ImageNet-M images it gets wrong, its parameters, training data and
architecture family, and counts of its error types.

These figures come from the real dataset: next to the synthetic demo they are context, never a
comparison.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from data_access.analysis.metrics import top1_accuracy

if TYPE_CHECKING:
    from data_access.analysis.evaluation import Evaluation
from data_access.annotations import AnnotationTable
from data_access.classes import validation_labels
from data_access.errors import DataError
from data_access.files import PACKAGE_DATA, read_shipped
from data_access.i18n import N_, Translate
from data_access.predictions import Model

PUBLISHED_CSV = PACKAGE_DATA / "published_models.csv"
PUBLISHED_SIZE = 284_640
PUBLISHED_SHA256 = "b13681452563ae7f39de434bee060ef28905b74bbc388b42438db43408b6cd57"
PUBLISHED_CITATION = N_(
    "Published results: Peychev et al. 2023, “Automated classification of model errors on "
    "ImageNet”, github.com/eth-sri/automated-error-analysis (Apache-2.0)"
)
IMAGENET_M_SIZE = 68

# column in the file -> (name here, type)
COLUMNS = {
    "model_dir_id": ("model", str),
    "num_params": ("parameters", int),
    "training_data": ("training_data", str),
    "arch": ("architecture", str),
    "arch_family": ("architecture_family", str),
    "top1_val_acc": ("top1_accuracy", float),
    "imagenet_mla_val_acc": ("multilabel_accuracy", float),
    "num_imagenet-m_errors": ("imagenet_m_errors", int),
    "num_all_samples": ("images", int),
}
ERROR_COLUMNS = {
    "num_ambiguous": "ambiguous",
    "num_same_superclass": "fine-grained (same superclass)",
    "num_common_co_occ": "common co-occurrence",
    "num_non_prototypical": "non-prototypical",
    "num_OOV_clip": "out of vocabulary",
    "num_not_classified": "not classified (major)",
}


class PublishedDataError(DataError):
    """The shipped table of published results cannot be used."""


@dataclass(frozen=True)
class Published:
    """The published models as columns (accuracies in %, as published).

    Attributes:
        columns: name -> array, the keys of :data:`COLUMNS` renamed, plus ``imagenet_m_correct``
            (68 minus the errors) and one column per :data:`ERROR_COLUMNS` entry.
    """

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["model"])

    def rank(self, multilabel_accuracy: float) -> dict:
        """Where a model with this multi-label accuracy (a fraction) stands.

        Returns:
            ``better_than``: published models with a strictly lower accuracy;
            ``rank``: 1 + published models with a strictly higher one (1 = best);
            ``total``: number of published models.
        """
        pct = 100.0 * multilabel_accuracy
        acc = self.columns["multilabel_accuracy"]
        return {
            "better_than": int((acc < pct).sum()),
            "rank": 1 + int((acc > pct).sum()),
            "total": len(self),
        }

    def imagenet_m_counts(self) -> np.ndarray:
        """int (69,): how many published models solve k of the 68 ImageNet-M images."""
        return np.bincount(self.columns["imagenet_m_correct"], minlength=IMAGENET_M_SIZE + 1)


def rank_sentence(rank: dict, synthetic: bool = False, _: Translate = str) -> str:
    """The rank in words, e.g. "better than 611 of 962 published models (would rank #352)"
    (``_``: the page's translation)."""
    text = _("better than {k} of {n} published models (would rank #{rank})").format(
        k=f"{rank['better_than']:,}", n=f"{rank['total']:,}", rank=f"{rank['rank']:,}"
    )
    if synthetic:
        text += " — " + _("published figures are from the real dataset: context, not a comparison")
    return text


def model_rank(multilabel_accuracy: float | None) -> dict | None:
    """:meth:`Published.rank` on the shipped table, or None without an accuracy (or table)."""
    if multilabel_accuracy is None or math.isnan(multilabel_accuracy):
        return None
    try:
        return published_models().rank(multilabel_accuracy)
    except (OSError, DataError):
        return None


def evaluated_rank(result: Evaluation) -> dict | None:
    """The rank of an :func:`~data_access.analysis.evaluation.evaluate` result among the
    published models; None for a model scored although implausible
    (``result.implausible``): its number is not a model's, so it is placed nowhere."""
    if result.implausible:
        return None
    return model_rank(result.multilabel_accuracy)


def leaderboard_top1(table: AnnotationTable, model: Model) -> tuple[float, str]:
    """The loaded model's top-1 accuracy to set beside the published ``top1_val_acc`` (all
    50,000 images): over all 50,000 when the file predicts every one, else over the annotated
    images; with a few words saying which."""
    by_position = model.top1_by_position
    if by_position is not None and (by_position >= 0).all():
        return float((by_position == validation_labels()).mean()), "all 50,000 images"
    return top1_accuracy(table, model.top1, all_images=True), f"the {len(table):,} annotated images"


@functools.lru_cache(maxsize=1)
def published_models() -> Published:
    """The shipped table, refused unless its size and checksum are the published file's."""
    data = read_shipped(PUBLISHED_CSV, PUBLISHED_SIZE, PUBLISHED_SHA256, PublishedDataError)
    return parse(data.decode("utf-8"), str(PUBLISHED_CSV))


def parse(text: str, where: str) -> Published:
    """Reads the CSV's columns (see :data:`COLUMNS`), every value checked.

    Raises:
        PublishedDataError: naming the row and column.
    """
    reader = csv.DictReader(io.StringIO(text))
    wanted = {**COLUMNS, **{k: (k, int) for k in ERROR_COLUMNS}}
    missing = [k for k in wanted if k not in (reader.fieldnames or [])]
    if missing:
        raise PublishedDataError(where, f"missing columns: {', '.join(missing)}")
    values: dict[str, list] = {name: [] for name, _ in wanted.values()}
    for line, row in enumerate(reader, start=2):
        for key, (name, kind) in wanted.items():
            try:
                v = kind(row[key])
            except (TypeError, ValueError):
                raise PublishedDataError(
                    where,
                    f"column {key}: expected {kind.__name__}, got {str(row[key])[:30]!r}",
                    f"line {line}",
                ) from None
            if kind is float and not 0 <= v <= 100:
                raise PublishedDataError(
                    where, f"column {key}: {v} is not a percentage", f"line {line}"
                )
            values[name].append(v)
    cols = {name: np.array(v) for name, v in values.items()}
    errors = cols["imagenet_m_errors"]
    if len(errors) == 0 or errors.min() < 0 or errors.max() > IMAGENET_M_SIZE:
        raise PublishedDataError(where, "ImageNet-M errors must be 0-68, and rows present")
    cols["imagenet_m_correct"] = IMAGENET_M_SIZE - errors
    for key, label in ERROR_COLUMNS.items():
        cols[label] = cols.pop(key)
    return Published(cols)
