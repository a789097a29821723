"""Browse: which images a view shows, and in which order.

A :class:`BrowseState` is everything that defines a Browse view (filters, sort, page, the
open image). :func:`filter_rows` and :func:`sort_rows` are pure and vectorised, so the app,
the tests and the benchmarks compute the same rows. How a view lives in a URL is
:mod:`data_access.browse.url`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from data_access.analysis.metrics import hits, unjudged
from data_access.analysis.real import ANY_DISAGREEMENT, DISAGREEMENTS, disagreement_mask
from data_access.annotations import AnnotationTable
from data_access.classes import load_classes
from data_access.predictions import Model
from data_access.schema import CORRECT, WRONG

PAGE_SIZES = (24, 48, 96)
DEFAULT_PAGE_SIZE = 48

LABEL_STATES = {
    "multi": "more than one accepted label",
    "unclear": "has unclear labels",
    "orig_not_correct": "original label not among correct",
    "orig_wrong": "original label judged wrong",
    "problematic": "problematic",
    "not_problematic": "not problematic",
    "imagenet_m": "ImageNet-M",
}
VERDICTS = {
    "right": "right (multi-label)",
    "wrong": "wrong (multi-label)",
    "right_ml_wrong_top1": "right under multi-label, wrong under original top-1",
    "wrong_ml_right_top1": "wrong under multi-label, right under original top-1",
    "unjudged": "unjudged prediction (in no label set)",
    "disagree": "loaded models disagree (multi-label)",
    "beats": "right where the compared model is wrong",
    "loses": "wrong where the compared model is right",
}
REAL_FILTERS = {ANY_DISAGREEMENT: "experts and ReaL disagree (any way)", **DISAGREEMENTS}
SORTS = {
    "file_name": "file name",
    "class": "class",
    "labels": "number of accepted labels",
    "confidence": "model confidence",
}


@dataclass(frozen=True)
class BrowseState:
    """One Browse view.

    Attributes:
        classes: original-label class indices to keep (empty: all).
        group: a WordNet synset id; keep images whose original class is under it.
        states: label-state filters from :data:`LABEL_STATES`, all must hold.
        verdict: a model-verdict filter from :data:`VERDICTS`, or None.
        model: the model the verdict and confidence refer to (None: the first loaded).
        sort: a key of :data:`SORTS`; ``descending`` reverses it.
        page: 1-based page number; page_size: one of :data:`PAGE_SIZES`.
        image: the file name of the open image (detail view), or None.
        predicted: keep images whose top-1 prediction (by ``model``) is this class.
        vs: the compared model for the ``beats`` / ``loses`` verdicts.
        real: a key of :data:`REAL_FILTERS`: keep images where the experts' sets and the
            ReaL labels disagree (in that way); no image matches without ReaL labels.
    """

    classes: tuple[int, ...] = ()
    group: str | None = None
    states: tuple[str, ...] = ()
    verdict: str | None = None
    model: str | None = None
    sort: str = "file_name"
    descending: bool = False
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    image: str | None = None
    predicted: int | None = None
    vs: str | None = None
    real: str | None = None

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
    if state.model and state.model in models:
        return models[state.model]
    return next(iter(models.values()), None)


def filter_rows(
    table: AnnotationTable, models: Mapping[str, Model], state: BrowseState
) -> np.ndarray:
    """Rows of the table that the view's filters keep, in table (file-name) order."""
    keep = np.ones(len(table), dtype=bool)
    if state.classes:
        keep &= np.isin(table.original_label, np.array(state.classes, dtype=np.int64))
    if state.group:
        mask = load_classes().group_mask(state.group)
        keep &= mask[table.original_label]
    for s in state.states:
        keep &= _state_mask(table, s)
    if state.verdict:
        keep &= verdict_mask(table, models, state)
    if state.predicted is not None:
        model = model_for(state, models)
        keep &= (model.top1 == state.predicted) if model is not None else False
    if state.real:
        keep &= disagreement_mask(table.real_disagreements, len(table), state.real)
    return np.flatnonzero(keep)


def _state_mask(table: AnnotationTable, name: str) -> np.ndarray:
    if name == "multi":
        return table.num_accepted > 1
    if name == "unclear":
        return table.unclear_multi_labels.lengths > 0
    if name == "orig_not_correct":
        return ~hits(table, table.original_label, CORRECT)
    if name == "orig_wrong":
        return hits(table, table.original_label, WRONG)
    if name == "problematic":
        return table.is_problematic
    if name == "not_problematic":
        return table.evaluated
    if name == "imagenet_m":
        return table.in_imagenet_m
    raise KeyError(name)


def verdict_mask(
    table: AnnotationTable, models: Mapping[str, Model], state: BrowseState
) -> np.ndarray:
    """Rows matching the view's verdict filter (all rows when no model is loaded)."""
    if state.verdict == "disagree":
        if len(models) < 2:
            return np.zeros(len(table), dtype=bool)
        right = np.stack([hits(table, m.top1) for m in models.values()])
        return np.asarray(right.any(axis=0) & ~right.all(axis=0))
    model = model_for(state, models)
    if model is None:
        return np.zeros(len(table), dtype=bool)
    right = hits(table, model.top1)
    if state.verdict == "right":
        return right
    if state.verdict == "wrong":
        return ~right
    if state.verdict == "right_ml_wrong_top1":
        return right & (model.top1 != table.original_label)
    if state.verdict == "wrong_ml_right_top1":
        return ~right & (model.top1 == table.original_label)
    if state.verdict in ("beats", "loses"):
        other = models.get(state.vs) if state.vs else None
        if other is None or other is model:
            return np.zeros(len(table), dtype=bool)
        other_right = hits(table, other.top1)
        return right & ~other_right if state.verdict == "beats" else ~right & other_right
    if state.verdict == "unjudged":
        out = np.zeros(len(table), dtype=bool)
        out[unjudged(table, model.top1)] = True
        return out
    raise KeyError(state.verdict)


def sort_rows(
    table: AnnotationTable, models: Mapping[str, Model], rows: np.ndarray, state: BrowseState
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
    else:
        key = None
    if key is None:
        return rows[::-1] if state.descending else rows
    order = np.argsort(-key if state.descending else key, kind="stable")
    return rows[order]


def view_rows(table: AnnotationTable, models: Mapping[str, Model], state: BrowseState):
    """Filtered and sorted rows of the view."""
    return sort_rows(table, models, filter_rows(table, models, state), state)


def page_of(rows: np.ndarray, page: int, page_size: int) -> tuple[np.ndarray, int, int]:
    """(rows on the page, the page actually shown (clamped), number of pages)."""
    pages = max(1, -(-len(rows) // page_size))
    page = min(max(1, page), pages)
    start = (page - 1) * page_size
    return rows[start : start + page_size], page, pages


@functools.lru_cache(maxsize=1)
def class_options() -> tuple[str, ...]:
    """One searchable label per class: name, wnid and synonyms (index = class)."""
    c = load_classes()
    out = []
    for name, wnid, syn in zip(c.names, c.wnids, c.synonyms, strict=True):
        others = [s for s in syn if s != name]
        out.append(f"{name} · {wnid}" + (f" · {', '.join(others)}" if others else ""))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def group_options() -> tuple[tuple[str, str], ...]:
    """(wnid, label) of every WordNet ancestor holding two or more classes, by name."""
    c = load_classes()
    counts: dict[str, int] = {}
    for anc in c.ancestors:
        for a in anc:
            counts[a] = counts.get(a, 0) + 1
    items = [(a, f"{c.ancestor_names[a]} · {a} · {k} classes") for a, k in counts.items() if k >= 2]
    return tuple(sorted(items, key=lambda x: x[1].lower()))


def search_classes(query: str) -> list[int]:
    """Classes whose name, synonyms or wnid contain ``query`` (case-insensitive)."""
    q = query.strip().lower()
    if not q:
        return []
    return [i for i, label in enumerate(class_options()) if q in label.lower()]


# --- URL ---------------------------------------------------------------------------------------
