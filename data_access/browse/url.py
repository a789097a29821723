"""How a Browse view lives in a URL: :func:`to_params` / :func:`from_params` turn a
:class:`~data_access.browse.view.BrowseState` into query parameters and back. Bad parameters give
a sane default and a message, never an exception."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from data_access.analysis.label_errors import METHODS
from data_access.analysis.suspects import available_methods
from data_access.annotations import AnnotationTable
from data_access.browse.choices import ASCII_NUMBER
from data_access.browse.filters import FILTERS
from data_access.browse.view import DEFAULT_PAGE_SIZE, PAGE_SIZES, SORTS, BrowseState
from data_access.classes import validation_position
from data_access.i18n import Translate
from data_access.predictions import Model


@dataclass
class Parsed:
    """The state read from a URL, and what was wrong with the URL (shown to the user)."""

    state: BrowseState
    problems: list[str] = field(default_factory=list)


def to_params(state: BrowseState) -> dict[str, str | list[str]]:
    """Query parameters for a state; defaults are left out so links stay short."""
    out: dict[str, str | list[str]] = {}
    for f in FILTERS:
        texts = [f.encode(v) for v in f.values(getattr(state, f.name))]
        if texts:
            out[f.key] = texts if f.multiple else texts[0]
    d = BrowseState()
    if state.model:
        out["model"] = state.model
    if state.vs:
        out["vs"] = state.vs
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
    return out


def from_params(
    params: Mapping[str, str | list[str]],
    models: Mapping[str, Model] | None = None,
    table: AnnotationTable | None = None,
    _: Translate = str,
) -> Parsed:
    """Reads a state from query parameters; anything unusable is dropped with a message (in
    the page's language: ``_``)."""
    problems: list[str] = []

    def values(key: str) -> list[str]:
        v = params.get(key)
        if v is None:
            return []
        return [str(x) for x in (v if isinstance(v, list | tuple) else [v])]

    def one(key: str) -> str | None:
        v = values(key)
        return v[-1] if v else None

    chosen: dict[str, object] = {}
    for f in FILTERS:
        chosen[f.name], unknown = f.read(values(f.key))
        problems += [
            _("unknown {what} {text} in the link was ignored").format(
                what=_(f.what), text=repr(text[:40])
            )
            for text in unknown
        ]
    model = one("model")
    if model is not None and models is not None and model not in models:
        problems.append(
            _("model {name} from the link is not loaded; showing the first").format(
                name=repr(model[:60])
            )
        )
        model = None
    vs = one("vs")
    if vs is not None and models is not None and vs not in models:
        problems.append(
            _("compared model {name} from the link is not loaded").format(name=repr(vs[:60]))
        )
        vs = None
    sort = one("sort") or "file_name"
    if sort not in SORTS:
        problems.append(
            _("unknown sort {name} in the link; sorted by file name").format(name=repr(sort[:40]))
        )
        sort = "file_name"
    if models is not None:
        loaded = list(models.values())
        if sort == "suspicion" and not loaded:
            problems.append(_("sorting by likely label error needs a loaded model; by file name"))
            sort = "file_name"
        suspect = chosen.get("suspect")
        if suspect and loaded and suspect not in available_methods(loaded):
            problems.append(
                _(
                    "{method} needs a prediction file with every class's scores; the "
                    "label-error filter from the link was ignored"
                ).format(method=_(METHODS[str(suspect)]))
            )
            chosen["suspect"] = None
    descending = one("desc") in ("1", "true")
    page = _int(one("page"), 1, _("page"), problems, _)
    page_size = _int(one("size"), DEFAULT_PAGE_SIZE, _("page size"), problems, _)
    if page_size not in PAGE_SIZES:
        problems.append(
            _("page size {size} is not one of {sizes}; using 48").format(
                size=page_size, sizes=PAGE_SIZES
            )
        )
        page_size = DEFAULT_PAGE_SIZE
    if page < 1:
        problems.append(_("page numbers start at 1"))
        page = 1
    image = one("image")
    if image is not None and (
        validation_position(image) < 0 or (table is not None and image not in table.row_of)
    ):
        problems.append(
            _("image {name} from the link is not an annotated image").format(name=repr(image[:60]))
        )
        image = None
    state = BrowseState(
        **chosen,  # type: ignore[arg-type]  # each filter's decode gives its field's type
        model=model,
        vs=vs,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
        image=image,
    )
    return Parsed(state, problems)


def _int(raw: str | None, default: int, what: str, problems: list[str], _: Translate) -> int:
    if raw is None:
        return default
    if ASCII_NUMBER.fullmatch(raw):
        return int(raw)
    problems.append(
        _("{what} {text} in the link is not a number; using {default}").format(
            what=what, text=repr(raw[:20]), default=default
        )
    )
    return default
