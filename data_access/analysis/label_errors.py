"""Which original labels are likely wrong, from the loaded models' predictions.

The published definitions (Northcutt, Jiang & Chuang 2021, "Confident Learning";
Northcutt, Athalye & Mueller 2021, "Pervasive Label Errors in Test Sets"), written here in a
few lines of NumPy each; cleanlab implements them too, but under the AGPL-3.0, which does not
fit this Apache-2.0 app served over a network. For image ``i`` with original label ``y``
and the models' probabilities ``p`` (the mean over the models; logits go through a softmax
first, probabilities are used as they are):

* **self-confidence**: ``p[i, y]``, the probability of the original label;
* **normalized margin**: ``p[i, y] - max_{k != y} p[i, k]``;
* **confident learning**: the threshold of class ``j`` is ``t[j]``, the mean of ``p[:, j]``
  over the images labelled ``j``; image ``i`` is a suspect when some other class ``k``
  clears its own threshold (``p[i, k] >= t[k]``) and the original label does not
  (``p[i, y] < t[y]``);
* **vote** (files with only top-1 or top-k): how many models put ``y`` outside their top-k,
  and how many of those agree on one other class.

Every method gives a *suspicion* score, higher meaning more likely a label error, so that
they rank the same way: ``1 - self_confidence``; ``-normalized_margin``; for confident
learning, ``1`` for a suspect plus ``1 - self_confidence`` (suspects first, then by
self-confidence); for the vote, ``votes + agree / (models + 1)``. Images without a
prediction from every model get no score (NaN) and are left out of the ranking.

A ranking is measured against the experts (:attr:`AnnotationTable.original_label_error`):
the precision of its top ``k`` beside the base rate over the ranked images, and the
precision-recall curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from data_access.errors import DataError
from data_access.i18n import N_

METHODS = {
    "self_confidence": N_("self-confidence"),
    "normalized_margin": N_("normalized margin"),
    "confident": N_("confident learning"),
    "vote": N_("vote of the models' top-k"),
}
# The methods that need every class's probability (a file of 1000 scores per row).
PROBABILITY_METHODS = ("self_confidence", "normalized_margin", "confident")
_CHUNK_ROWS = 1024


class LabelErrorInputError(DataError):
    """Predictions a label-error score cannot be computed from, with what is needed."""

    def __init__(self, problem: str):
        super().__init__("label-error scores", problem)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax (float64), shifted by the row's maximum so that it never overflows."""
    x = np.asarray(logits, dtype=np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def mean_probabilities(matrices: Sequence[np.ndarray], rows: slice = slice(None)) -> np.ndarray:
    """The mean of several models' (n, C) probabilities over ``rows`` (float64); a row is NaN
    when any model has no prediction for it (a NaN row), so that every score stands on the
    same models."""
    if not matrices:
        raise LabelErrorInputError("no model with a probability for every class")
    if len(matrices) == 1 and matrices[0].dtype == np.float64:
        return matrices[0][rows]  # already the mean (a view: the callers only read it)
    total = np.array(matrices[0][rows], dtype=np.float64)
    for m in matrices[1:]:
        total += m[rows]  # NaN rows stay NaN
    total /= len(matrices)
    return total


def self_confidence(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``p[i, labels[i]]`` (NaN where the row is NaN)."""
    return probs[np.arange(len(labels)), np.asarray(labels, dtype=np.int64)]


def normalized_margin(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``p[i, y] - max_{k != y} p[i, k]`` with ``y = labels[i]``: negative when another class
    is more likely than the original label."""
    rows = np.arange(len(labels))
    labels = np.asarray(labels, dtype=np.int64)
    others = np.array(probs, dtype=np.float64)
    others[rows, labels] = -np.inf
    return probs[rows, labels] - others.max(axis=1)


def class_thresholds(p_label: np.ndarray, labels: np.ndarray, width: int) -> np.ndarray:
    """``t[j]``: the mean of ``p_label`` (each image's probability of its original label)
    over the scored images labelled ``j``, that is the mean probability of class ``j`` on
    the images labelled ``j``; NaN for a class with no such image (it never clears it)."""
    labels = np.asarray(labels, dtype=np.int64)
    keep = ~np.isnan(p_label)
    count = np.bincount(labels[keep], minlength=width).astype(np.float64)
    total = np.bincount(labels[keep], weights=p_label[keep], minlength=width)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def confident_suspects(probs: np.ndarray, labels: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """bool (n,): some other class clears its own threshold and the original label does not
    (False for unscored rows)."""
    labels = np.asarray(labels, dtype=np.int64)
    rows = np.arange(len(labels))
    with np.errstate(invalid="ignore"):
        clears = probs >= thresholds[None, :]  # NaN (no threshold, unscored row) never clears
    original = clears[rows, labels].copy()
    clears[rows, labels] = False
    return clears.any(axis=1) & ~original & ~np.isnan(probs).any(axis=1)


def vote(top_ks: Sequence[np.ndarray], labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(votes, agree): per image, how many models put the original label outside their top-k,
    and the largest number of those that share one top-1 class. Both -1 where any model has
    no prediction."""
    if not top_ks:
        raise LabelErrorInputError("no model to vote")
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    outside = np.zeros((n, len(top_ks)), dtype=bool)
    firsts = np.full((n, len(top_ks)), -1, dtype=np.int64)
    missing = np.zeros(n, dtype=bool)
    for m, top_k in enumerate(top_ks):
        k = np.asarray(top_k, dtype=np.int64).reshape(n, -1)
        missing |= k[:, 0] < 0
        outside[:, m] = ~(k == labels[:, None]).any(axis=1)
        firsts[:, m] = np.where(outside[:, m], k[:, 0], -1)
    votes = outside.sum(axis=1)
    agree = _largest_run(np.sort(firsts, axis=1))
    return np.where(missing, -1, votes), np.where(missing, -1, agree)


def _largest_run(sorted_values: np.ndarray) -> np.ndarray:
    """Per row of a row-sorted matrix, the longest run of one non-negative value."""
    run = (sorted_values[:, 0] >= 0).astype(np.int64)
    best = run.copy()
    for j in range(1, sorted_values.shape[1]):
        here = sorted_values[:, j]
        same = (here == sorted_values[:, j - 1]) & (here >= 0)
        run = np.where(same, run + 1, (here >= 0).astype(np.int64))
        best = np.maximum(best, run)
    return best


@dataclass(frozen=True)
class Suspicion:
    """One method's scores over the annotation table.

    Attributes:
        method: a key of :data:`METHODS`.
        score: float64 (n,), higher is more suspect; NaN where not scored.
        flagged: bool (n,): the method's own suspects (confident learning's; for the other
            probability methods, another class more likely than the original label; for the
            vote, a majority of the models).
        models: the models it was computed from.
    """

    method: str
    score: np.ndarray
    flagged: np.ndarray
    models: tuple[str, ...]

    def ranked(self) -> np.ndarray:
        """Scored rows, most suspect first; ties keep table (file-name) order."""
        rows = np.flatnonzero(~np.isnan(self.score))
        return rows[np.argsort(-self.score[rows], kind="stable")]


def suspicion(
    method: str,
    labels: np.ndarray,
    models: Sequence[str],
    probabilities: Sequence[np.ndarray] = (),
    top_ks: Sequence[np.ndarray] = (),
) -> Suspicion:
    """The suspicion score of ``method`` (see the module's docstring).

    Args:
        method: a key of :data:`METHODS`.
        labels: int (n,) original labels.
        models: the models' names (for the record).
        probabilities: per model, float (n, 1000) probabilities (NaN rows: no prediction);
            needed by the probability methods.
        top_ks: per model, int (n, k) top-k class ids (-1: none); needed by the vote.

    Raises:
        LabelErrorInputError: an unknown method, or predictions it cannot use.
    """
    if method not in METHODS:
        raise LabelErrorInputError(
            f"unknown method {method[:40]!r}: expected one of {', '.join(METHODS)}"
        )
    if method == "vote":
        votes, agree = vote(top_ks, labels)
        score = np.where(votes < 0, np.nan, votes + agree / (len(top_ks) + 1))
        return Suspicion(method, score, votes * 2 > len(top_ks), tuple(models))
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    p_label = np.empty(n)
    margin = np.empty(n)
    # Chunks of rows bound the working memory (the mean of 50 models at full size is 160 MB).
    chunks = [slice(a, min(a + _CHUNK_ROWS, n)) for a in range(0, n, _CHUNK_ROWS)]
    for rows in chunks:
        probs = mean_probabilities(probabilities, rows)
        p_label[rows] = self_confidence(probs, labels[rows])
        margin[rows] = normalized_margin(probs, labels[rows])
    if method == "self_confidence":
        score, flagged = 1.0 - p_label, margin < 0
    elif method == "normalized_margin":
        score, flagged = -margin, margin < 0
    else:
        t = class_thresholds(p_label, labels, np.shape(probabilities[0])[1])
        flagged = np.zeros(n, dtype=bool)
        for rows in chunks:
            probs = mean_probabilities(probabilities, rows)
            flagged[rows] = confident_suspects(probs, labels[rows], t)
        score = flagged + (1.0 - p_label)
    return Suspicion(method, score, flagged & ~np.isnan(score), tuple(models))


@dataclass(frozen=True)
class Measured:
    """A ranking measured against the experts' verdicts.

    Attributes:
        method: the method.
        ranked: int (m,) table rows, most suspect first (every scored image).
        scores: float64 (m,) their suspicion scores.
        hits: bool (m,): whether each ranked image's original label is an error by the
            experts' verdicts.
        base_rate: the share of label errors among the ranked images (what a random order
            finds).
        flagged: how many of them the method flags.
    """

    method: str
    ranked: np.ndarray
    scores: np.ndarray
    hits: np.ndarray
    base_rate: float
    flagged: int

    def precision_at(self, k: int) -> float:
        """The share of label errors among the top ``k`` (all ranked images when fewer)."""
        top = self.hits[: max(0, int(k))]
        return float(top.mean()) if len(top) else float("nan")

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """(precision, recall) after each ranked image: precision at k and the share of all
        the ranked images' label errors found in the top k, for k = 1 .. m."""
        found = np.cumsum(self.hits)
        k = np.arange(1, len(self.hits) + 1)
        total = found[-1] if len(found) else 0
        recall = found / total if total else np.zeros(len(k))
        return found / k, recall

    def average_precision(self) -> float:
        """The mean of the precision at each label error's rank (the area under the
        precision-recall curve as a step function); NaN when there is none."""
        precision, _ = self.curve()
        return float(precision[self.hits].mean()) if self.hits.any() else float("nan")


def measure(s: Suspicion, label_error: np.ndarray) -> Measured:
    """``s``'s ranking against ``label_error`` (bool (n,): the experts corrected the original
    label; :attr:`AnnotationTable.original_label_error`)."""
    ranked = s.ranked()
    hits = np.asarray(label_error, dtype=bool)[ranked]
    base = float(hits.mean()) if len(hits) else float("nan")
    return Measured(s.method, ranked, s.score[ranked], hits, base, int(s.flagged[ranked].sum()))
