"""Browse: which images a view shows, in which order, and how the view lives in a URL.

A :class:`BrowseState` is everything that defines a Browse view (filters, sort, page, the
open image). :func:`filter_rows` and :func:`sort_rows` are pure and vectorised, so the app,
the tests and the benchmarks compute the same rows. :func:`to_params` / :func:`from_params`
turn a state into URL query parameters and back; bad parameters give a sane default and a
message, never an exception.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import load_classes, validation_position
from data_access.metrics import hits, unjudged
from data_access.predictions import Model
from data_access.real import ANY_DISAGREEMENT, DISAGREEMENTS, disagreement_mask
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


@dataclass
class Parsed:
    """The state read from a URL, and what was wrong with the URL (shown to the user)."""

    state: BrowseState
    problems: list[str] = field(default_factory=list)


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
    ``model`` gets right and ``vs`` gets wrong (:func:`data_access.metrics.paired`'s
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


def to_params(state: BrowseState) -> dict[str, str | list[str]]:
    """Query parameters for a state; defaults are left out so links stay short."""
    wnids = load_classes().wnids
    d = BrowseState()
    out: dict[str, str | list[str]] = {}
    if state.classes:
        out["class"] = [wnids[c] for c in state.classes]
    if state.group:
        out["group"] = state.group
    if state.states:
        out["state"] = list(state.states)
    if state.verdict:
        out["verdict"] = state.verdict
    if state.model:
        out["model"] = state.model
    if state.sort != d.sort:
        out["sort"] = state.sort
    if state.descending:
        out["desc"] = "1"
    if state.page != d.page:
        out["page"] = str(state.page)
    if state.page_size != d.page_size:
        out["size"] = str(state.page_size)
    if state.image:
        out["image"] = state.image
    if state.predicted is not None:
        out["pred"] = wnids[state.predicted]
    if state.vs:
        out["vs"] = state.vs
    if state.real:
        out["real"] = state.real
    return out


def from_params(
    params: Mapping[str, str | list[str]],
    models: Mapping[str, Model] | None = None,
    table: AnnotationTable | None = None,
) -> Parsed:
    """Reads a state from query parameters; anything unusable is dropped with a message."""
    classes_meta = load_classes()
    problems: list[str] = []

    def values(key: str) -> list[str]:
        v = params.get(key)
        if v is None:
            return []
        return [str(x) for x in (v if isinstance(v, list | tuple) else [v])]

    def one(key: str) -> str | None:
        v = values(key)
        return v[-1] if v else None

    classes = []
    for w in values("class"):
        idx = classes_meta.wnid_to_index.get(w)
        if idx is None and _ASCII_NUMBER.fullmatch(w) and int(w) < 1000:
            idx = int(w)
        if idx is None:
            problems.append(f"unknown class {w[:40]!r} in the link was ignored")
        elif idx not in classes:
            classes.append(idx)
    group = one("group")
    if group is not None and group not in classes_meta.ancestor_names:
        problems.append(f"unknown WordNet group {group[:40]!r} in the link was ignored")
        group = None
    states = []
    for s in values("state"):
        if s in LABEL_STATES:
            if s not in states:
                states.append(s)
        else:
            problems.append(f"unknown label filter {s[:40]!r} in the link was ignored")
    verdict = one("verdict")
    if verdict is not None and verdict not in VERDICTS:
        problems.append(f"unknown verdict filter {verdict[:40]!r} in the link was ignored")
        verdict = None
    model = one("model")
    if model is not None and models is not None and model not in models:
        problems.append(f"model {model[:60]!r} from the link is not loaded; showing the first")
        model = None
    sort = one("sort") or "file_name"
    if sort not in SORTS:
        problems.append(f"unknown sort {sort[:40]!r} in the link; sorted by file name")
        sort = "file_name"
    descending = one("desc") in ("1", "true")
    page = _int(one("page"), 1, "page", problems)
    page_size = _int(one("size"), DEFAULT_PAGE_SIZE, "page size", problems)
    if page_size not in PAGE_SIZES:
        problems.append(f"page size {page_size} is not one of {PAGE_SIZES}; using 48")
        page_size = DEFAULT_PAGE_SIZE
    if page < 1:
        problems.append("page numbers start at 1")
        page = 1
    image = one("image")
    if image is not None and (
        validation_position(image) < 0 or (table is not None and image not in table.row_of)
    ):
        problems.append(f"image {image[:60]!r} from the link is not an annotated image")
        image = None
    predicted = None
    pred = one("pred")
    if pred is not None:
        predicted = classes_meta.wnid_to_index.get(pred)
        if predicted is None:
            problems.append(f"unknown predicted class {pred[:40]!r} in the link was ignored")
    vs = one("vs")
    if vs is not None and models is not None and vs not in models:
        problems.append(f"compared model {vs[:60]!r} from the link is not loaded")
        vs = None
    real = one("real")
    if real is not None and real not in REAL_FILTERS:
        problems.append(f"unknown ReaL filter {real[:40]!r} in the link was ignored")
        real = None
    state = BrowseState(
        real=real,
        classes=tuple(classes),
        group=group,
        states=tuple(states),
        verdict=verdict,
        model=model,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
        image=image,
        predicted=predicted,
        vs=vs,
    )
    return Parsed(state, problems)


# A number in a link is ASCII digits only: Python's int() also takes "²"-like digits of
# other scripts ("٣"), signs, spaces and "1_000", and str.isdigit() says yes to "²", which
# int() then refuses.
_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")


def _int(raw: str | None, default: int, what: str, problems: list[str]) -> int:
    if raw is None:
        return default
    if _ASCII_NUMBER.fullmatch(raw):
        return int(raw)
    problems.append(f"{what} {raw[:20]!r} in the link is not a number; using {default}")
    return default
