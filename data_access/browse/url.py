"""How a Browse view lives in a URL: :func:`to_params` / :func:`from_params` turn a
:class:`~data_access.browse.view.BrowseState` into query parameters and back. Bad parameters give
a sane default and a message, never an exception."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from data_access.annotations import AnnotationTable
from data_access.browse.view import (
    DEFAULT_PAGE_SIZE,
    LABEL_STATES,
    PAGE_SIZES,
    REAL_FILTERS,
    SORTS,
    VERDICTS,
    BrowseState,
)
from data_access.classes import load_classes, validation_position
from data_access.predictions import Model


@dataclass
class Parsed:
    """The state read from a URL, and what was wrong with the URL (shown to the user)."""

    state: BrowseState
    problems: list[str] = field(default_factory=list)


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
