"""Browse: which images a view shows, and in which order.

A :class:`BrowseState` is everything that defines a Browse view (filters, sort, page, the
open image). :func:`filter_rows` and :func:`sort_rows` are pure and vectorised, so the app,
the tests and the benchmarks compute the same rows. How a view lives in a URL is
:mod:`data_access.browse.url`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from data_access.analysis.label_errors import Suspicion
from data_access.analysis.suspects import ProbabilityMean, default_method, score_models
from data_access.annotations import AnnotationTable
from data_access.bounded import Recent
from data_access.browse.filters import FILTERS, Filter, model_named
from data_access.i18n import N_
from data_access.predictions import Model

PAGE_SIZES = (24, 48, 96)
DEFAULT_PAGE_SIZE = 48
SORTS = {
    "file_name": N_("file name"),
    "class": N_("class"),
    "labels": N_("number of accepted labels"),
    "confidence": N_("model confidence"),
    "suspicion": N_("likely label error"),
}


@dataclass(frozen=True)
class BrowseState:
    """One Browse view: the value of each filter of
    :data:`~data_access.browse.filters.FILTERS` (one field each, named by the filter), then
    how the rows are shown.

    Attributes:
        classes: original-label class indices to keep (empty: all).
        group: a WordNet synset id; keep images whose original class is under it.
        states: keys of :data:`~data_access.browse.filters.LABEL_STATES`, all must hold.
        real: a key of :data:`~data_access.browse.filters.REAL_FILTERS`: keep images where
            the experts' sets and the ReaL labels disagree (in that way).
        verdict: a key of :data:`~data_access.browse.filters.VERDICTS`, or None.
        predicted: keep images whose top-1 prediction (by ``model``) is this class.
        suspect: a key of :data:`~data_access.analysis.label_errors.METHODS`: keep the
            images that method flags as likely label errors and nobody has label-reviewed.
        images: keep these images, by the number in their file name (a list another page
            chose: the images a revision changed, a review queue).
        model: the model the verdict and confidence refer to (None: the first loaded).
        vs: the compared model for the ``beats`` / ``loses`` verdicts.
        sort: a key of :data:`SORTS`; ``descending`` reverses it. ``suspicion`` puts the
            most suspect first, by the ``suspect`` method (default: the models' best one).
        page: 1-based page number; page_size: one of :data:`PAGE_SIZES`.
        image: the file name of the open image (detail view), or None.
    """

    # The filters' values (data_access.browse.filters.FILTERS, in its order).
    classes: tuple[int, ...] = ()
    group: str | None = None
    states: tuple[str, ...] = ()
    real: str | None = None
    verdict: str | None = None
    predicted: int | None = None
    suspect: str | None = None
    images: tuple[int, ...] = ()
    # What the verdict filter and the confidence sort refer to.
    model: str | None = None
    vs: str | None = None
    # How the rows are shown.
    sort: str = "file_name"
    descending: bool = False
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    image: str | None = None

    def with_(self, **changes) -> BrowseState:
        return replace(self, **changes)


def mistakes_view(model: str, original: int, predicted: int | None = None) -> BrowseState:
    """The Browse view behind a per-class or confusion count of the Accuracy page: the
    evaluated (non-problematic) images of class ``original`` that ``model`` gets wrong under
    the recommended rule (with ``predicted``: only those it puts in that class). It opens
    exactly the images the count was made from."""
    return BrowseState(
        classes=(int(original),),
        states=("not_problematic",),
        verdict="wrong",
        model=model,
        predicted=None if predicted is None else int(predicted),
    )


def beats_view(model: str, vs: str) -> BrowseState:
    """The Browse view behind Compare's "only A right" count: the evaluated images that
    ``model`` gets right and ``vs`` gets wrong (:func:`data_access.analysis.metrics.paired`'s
    ``a_only``)."""
    return BrowseState(verdict="beats", model=model, vs=vs, states=("not_problematic",))


def model_for(state: BrowseState, models: Mapping[str, Model]) -> Model | None:
    """The model the view's verdict and confidence refer to: ``state.model`` when loaded,
    else the first loaded one (None: no model)."""
    return model_named(models, state.model)


@dataclass(frozen=True)
class Evidence:
    """What a view may need beyond the table and the models, worked out by the caller
    (:func:`evidence_for`; the app caches it, since reading every class's probability of the
    models' files takes seconds).

    Attributes:
        suspicion: the label-error scores of :func:`suspicion_method`'s method.
        reviewed: bool (n,): images with a label review (they leave the suspects' list).
    """

    suspicion: Suspicion | None = None
    reviewed: np.ndarray | None = None


def suspicion_method(state: BrowseState, models: Mapping[str, Model]) -> str | None:
    """The label-error method the view's filter or sort needs (None: neither is set; the
    sort alone uses the best the models allow)."""
    if state.suspect:
        return state.suspect
    if state.sort == "suspicion" and models:
        return default_method(list(models.values()))
    return None


def evidence_for(
    table: AnnotationTable,
    models: Mapping[str, Model],
    state: BrowseState,
    mean: ProbabilityMean | None = None,
    reviewed: np.ndarray | None = None,
) -> Evidence | None:
    """The :class:`Evidence` ``state`` needs, computed (None when it needs none).

    Raises:
        LabelErrorInputError: the method cannot be computed from these models.
    """
    method = suspicion_method(state, models)
    if method is None:
        return None
    suspicion = score_models(table, list(models.values()), method, mean)
    return Evidence(suspicion, reviewed)


def filter_rows(
    table: AnnotationTable,
    models: Mapping[str, Model],
    state: BrowseState,
    evidence: Evidence | None = None,
) -> np.ndarray:
    """Rows of the table that every set filter of :data:`~data_access.browse.filters.FILTERS`
    keeps, in table (file-name) order."""
    keep = np.ones(len(table), dtype=bool)
    for f in FILTERS:
        if f.is_set(getattr(state, f.name)):
            keep &= _mask(f, table, models, state, evidence)
    return np.flatnonzero(keep)


# The masks of the filters that read the table alone, kept per (table content, filter, value):
# a filter change computes the mask of the filter that changed, not the others'. A mask that
# reads a model or label-error scores is computed each time (its inputs change with uploads).
MASKS_KEPT = 64  # about 20 KB each at 20,000 images
_masks: Recent[tuple, np.ndarray] = Recent(MASKS_KEPT)


def _mask(f: Filter, table, models, state, evidence) -> np.ndarray:
    if f.needs == "models":
        return f.mask(table, models, state, evidence)
    key = (table.content_key, f.name, getattr(state, f.name))
    mask = _masks.get(key)
    if mask is None:
        mask = np.array(f.mask(table, models, state, evidence), dtype=bool)
        mask.flags.writeable = False
        _masks.put(key, mask)
    return mask


def sort_rows(
    table: AnnotationTable,
    models: Mapping[str, Model],
    rows: np.ndarray,
    state: BrowseState,
    evidence: Evidence | None = None,
) -> np.ndarray:
    """``rows`` in the view's order (stable: ties keep file-name order)."""
    if state.sort == "file_name":
        key = None
    elif state.sort == "class":
        key = table.original_label[rows].astype(np.float64)
    elif state.sort == "labels":
        key = table.num_accepted[rows].astype(np.float64)
    elif state.sort == "confidence":
        model = model_for(state, models)
        if model is None or model.scores is None:
            key = None
        else:
            key = np.nan_to_num(model.scores[rows, 0].astype(np.float64), nan=-1.0)
    elif state.sort == "suspicion":
        if evidence is None or evidence.suspicion is None:
            # evidence_for gives what the view needs: a caller's bug, never a silent order.
            raise ValueError("sorting by likely label error needs the label-error scores")
        # Most suspect first; unscored images last.
        key = np.nan_to_num(-evidence.suspicion.score[rows], nan=np.inf)
    else:
        key = None
    if key is None:
        return rows[::-1] if state.descending else rows
    order = np.argsort(-key if state.descending else key, kind="stable")
    return rows[order]


def view_rows(
    table: AnnotationTable,
    models: Mapping[str, Model],
    state: BrowseState,
    evidence: Evidence | None = None,
):
    """Filtered and sorted rows of the view (``evidence``: what :func:`evidence_for` gives,
    when the view filters or sorts by label-error scores)."""
    return sort_rows(table, models, filter_rows(table, models, state, evidence), state, evidence)


def page_of(rows: np.ndarray, page: int, page_size: int) -> tuple[np.ndarray, int, int]:
    """(rows on the page, the page actually shown (clamped), number of pages)."""
    pages = max(1, -(-len(rows) // page_size))
    page = min(max(1, page), pages)
    start = (page - 1) * page_size
    return rows[start : start + page_size], page, pages


def step_in_view(rows: np.ndarray, row: int, step: int, *, clamp: bool = False) -> int | None:
    """The row ``step`` places after ``row`` in the view's ``rows`` (before it when
    negative): the Image page's Previous / Next. None when ``row`` is not in the view; a step
    that leaves it (no wrapping around) gives None, or with ``clamp`` the end it went past."""
    where = np.flatnonzero(rows == row)
    if not len(where):
        return None
    k = int(where[0]) + step
    if clamp:
        k = min(max(k, 0), len(rows) - 1)
    return int(rows[k]) if 0 <= k < len(rows) else None
