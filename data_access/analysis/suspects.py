"""Label-error suspects from loaded models: which methods their files allow, each method's
scores over the annotation table, and how each ranking fares against the experts.

The scores themselves are :mod:`data_access.analysis.label_errors`; this module chooses the
models' arrays for them. The probability methods use the models whose files hold a score for
every class (loaded with ``keep_probabilities=True``), and their mean; the vote uses every
model's top-k (top-1 when that is all a file has).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

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
from data_access.predictions.probabilities import AlignedScores, add_probabilities

# Precision is shown at these ranks (the CLI's --top adds its own).
TOP_KS = (10, 100, 1000)
# Scores held in memory before they are summed (about 13 models' logits at full size: the
# fewer passes over the running sum, the faster; the more held, the more memory).
PENDING_BYTES = 1 << 30
_PENDING_MODELS = 64  # and at most this many (memory-mapped files hold an open file each)


class ProbabilityMean:
    """The mean of models' every-class probabilities, added one model at a time.

    A model's scores are held as read (a memory-mapped file costs nothing) until
    :data:`PENDING_BYTES` of them are in memory, or :meth:`mean` is asked for; then they are
    summed into the running total in one pass over the images
    (:func:`~data_access.predictions.probabilities.add_probabilities`), which never holds a
    model's probabilities whole. So 50 models at full size cost the running sum (160 MB) and
    at most about :data:`PENDING_BYTES` of scores, never 4 GB. A row is NaN when any added
    model has no prediction for it."""

    def __init__(self, pending_bytes: int = PENDING_BYTES) -> None:
        self.names: list[str] = []
        self._limit = pending_bytes
        self._pending: list[AlignedScores] = []
        self._total: np.ndarray | None = None
        self._mean: np.ndarray | None = None

    def add(self, model: Model) -> Model:
        """Adds ``model``'s probabilities, if it has them; returns it without them."""
        if model.probabilities is None:
            return model
        if self._pending and model.probabilities.n != self._pending[0].n:
            raise LabelErrorInputError("models lined up with different tables cannot be averaged")
        self._pending.append(model.probabilities)
        self.names.append(model.name)
        self._mean = None
        held = sum(s.in_memory_bytes for s in self._pending)
        if held > self._limit or len(self._pending) >= _PENDING_MODELS:
            self._flush()
        return replace(model, probabilities=None)

    def _flush(self) -> None:
        if self._pending:
            self._total = add_probabilities(self._pending, self._total)
            self._pending = []

    def mean(self) -> np.ndarray | None:
        """float64 (n, 1000), or None when no model had probabilities (computed once)."""
        if self._mean is None:
            self._flush()
            if self._total is not None:
                self._mean = self._total / len(self.names)
        return self._mean


def _mean_of(models: Sequence[Model]) -> ProbabilityMean:
    """The mean of the probabilities ``models`` carry (read with ``keep_probabilities``)."""
    mean = ProbabilityMean()
    for m in with_probabilities(models):
        mean.add(m)
    return mean


def with_probabilities(models: Sequence[Model]) -> list[Model]:
    """The models whose files give every class's probability."""
    return [m for m in models if m.probabilities is not None]


def available_methods(models: Sequence[Model], mean: ProbabilityMean | None = None) -> tuple:
    """The methods ``models`` allow: the probability methods when one of their files has
    every class's score (or ``mean`` holds some), and the vote whenever there is a model."""
    if not models:
        return ()
    full = any(m.every_class or m.probabilities is not None for m in models)
    full = full or (mean is not None and bool(mean.names))
    return (*(PROBABILITY_METHODS if full else ()), "vote")


def default_method(models: Sequence[Model], mean: ProbabilityMean | None = None) -> str:
    """Confident learning when the files allow it, else the vote."""
    return "confident" if len(available_methods(models, mean)) > 1 else "vote"


def score_models(
    table: AnnotationTable,
    models: Sequence[Model],
    method: str,
    mean: ProbabilityMean | None = None,
) -> Suspicion:
    """``method``'s scores for every image of ``table`` from ``models`` (their
    probabilities, or those already added to ``mean``).

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
        mean = mean if mean is not None else _mean_of(models)
        matrix = mean.mean()
        if matrix is None and any(m.every_class for m in models):
            raise LabelErrorInputError(
                f"{METHODS[method]} needs every class's probability: read the files with "
                "load_predictions(..., keep_probabilities=True)"
            )
        if matrix is None:
            raise LabelErrorInputError(
                f"{METHODS[method]} needs every class's probability, and these files have "
                "only their top-k: load a file of 1000 scores per image (logits or "
                "probabilities, e.g. an (N, 1000) .npy), or use the vote (--method vote on "
                "the command line)"
            )
        return suspicion(method, labels, mean.names, probabilities=[matrix])
    top_ks = [m.top_k if m.top_k is not None else m.top1[:, None] for m in models]
    return suspicion("vote", labels, [m.name for m in models], top_ks=top_ks)


def measure_all(
    table: AnnotationTable, models: Sequence[Model], mean: ProbabilityMean | None = None
) -> dict[str, Measured]:
    """Every available method's ranking measured against the experts' corrections."""
    mean = mean if mean is not None else _mean_of(models)
    return {
        method: measure(score_models(table, models, method, mean), table.original_label_error)
        for method in available_methods(models, mean)
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
