"""Label-error suspects from loaded models: which methods their files allow, each method's
scores over the annotation table, and how each ranking fares against the experts.

The scores themselves are :mod:`data_access.analysis.label_errors`; this module chooses the
models' arrays for them. The probability methods use the models whose files hold a score for
every class (loaded with ``keep_probabilities=True``), and their mean; the vote uses every
model's top-k (top-1 when that is all a file has).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from data_access.analysis.label_errors import (
    METHODS,
    PROBABILITY_METHODS,
    LabelErrorInputError,
    Measured,
    Suspicion,
    measure,
    suspicion,
)
from data_access.annotations import AnnotationTable
from data_access.predictions import Model

# Precision is shown at these ranks (the CLI's --top adds its own).
TOP_KS = (10, 100, 1000)


def with_probabilities(models: Sequence[Model]) -> list[Model]:
    """The models whose files give every class's probability."""
    return [m for m in models if m.probabilities is not None]


def available_methods(models: Sequence[Model]) -> tuple[str, ...]:
    """The methods ``models`` allow: the probability methods when one of them has every
    class's probability, and the vote whenever there is a model."""
    if not models:
        return ()
    probability = PROBABILITY_METHODS if with_probabilities(models) else ()
    return (*probability, "vote")


def default_method(models: Sequence[Model]) -> str:
    """Confident learning when the files allow it, else the vote."""
    return "confident" if with_probabilities(models) else "vote"


def score_models(table: AnnotationTable, models: Sequence[Model], method: str) -> Suspicion:
    """``method``'s scores for every image of ``table`` from ``models``.

    Raises:
        LabelErrorInputError: no model, an unknown method, or a probability method without a
            file that has every class's probability.
    """
    if method not in METHODS:
        raise LabelErrorInputError(
            f"unknown method {method[:40]!r}: expected one of {', '.join(METHODS)}"
        )
    if not models:
        raise LabelErrorInputError("no model is loaded: label-error scores come from models")
    labels = table.original_label
    if method in PROBABILITY_METHODS:
        full = with_probabilities(models)
        if not full:
            raise LabelErrorInputError(
                f"{METHODS[method]} needs every class's probability, and these files have "
                "only their top-k: load a file of 1000 scores per image (logits or "
                "probabilities, e.g. an (N, 1000) .npy), or use the vote"
            )
        probabilities = [m.probabilities for m in full if m.probabilities is not None]
        return suspicion(method, labels, [m.name for m in full], probabilities=probabilities)
    top_ks = [m.top_k if m.top_k is not None else m.top1[:, None] for m in models]
    return suspicion("vote", labels, [m.name for m in models], top_ks=top_ks)


def measure_all(table: AnnotationTable, models: Sequence[Model]) -> dict[str, Measured]:
    """Every available method's ranking measured against the experts' corrections."""
    return {
        method: measure(score_models(table, models, method), table.original_label_error)
        for method in available_methods(models)
    }


def summary_row(m: Measured, tops: Sequence[int] = TOP_KS) -> dict:
    """One method's numbers as a flat record (the app's table, the CLI's JSON)."""
    row: dict = {
        "method": m.method,
        "ranked": len(m.ranked),
        "label_errors": int(m.hits.sum()),
        "base_rate": m.base_rate,
        "flagged": m.flagged,
    }
    for k in tops:
        row[f"precision_at_{k}"] = m.precision_at(k)
    row["average_precision"] = m.average_precision()
    return row


def reviewed_rows(table: AnnotationTable, file_names: Sequence[str]) -> np.ndarray:
    """bool (n,): the images among ``file_names`` (those with a label review)."""
    out = np.zeros(len(table), dtype=bool)
    row_of = table.row_of
    rows = [row_of[f] for f in file_names if f in row_of]
    out[rows] = True
    return out
