"""The image grid: a page of tiles as one element (a components-v2 component).

A page of 48 tiles as Streamlit elements (a picture, a Markdown block and a button each) is
~175 elements and 48 media requests, and the browser spent about a second laying them out
(``benchmarks/trace_browse.py``). Here the page is one element: the thumbnails travel inline
as JPEG data, the text as JSON that ``grid.js`` sets with ``textContent`` (never parsed as
HTML), and each tile's Details is an ordinary link to ``/image?image=...`` whose plain click
stays in the session (a trigger value read here, then :func:`st.switch_page`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from data_access.browse.records import flag_chips, image_description, label_chips, real_chips
from data_access.browse.url import to_params
from data_access.browse.view import PAGE_SIZES, BrowseState
from data_access.classes import load_classes
from data_access.i18n import Translate
from data_access.predictions import Model
from data_access.sources.source import Source
from ui.language import translator
from ui.pages import IMAGE_PAGE
from ui.render import data_url, no_picture

_HERE = Path(__file__).parent

# The grid's own paging, above and below the tiles (shown by grid.js on Browse only). It is
# Browse's only page control: a page the grid holds (the next one, pages seen) shows at once,
# where a Streamlit page widget would wait for a server run to redraw the view (~4x slower).
_NAV = (
    '<nav class="imlr-pages" aria-label="Pages ({where})" hidden>'
    '<button type="button" class="prev">← Previous page</button>'
    "{goto}"
    '<span class="where"{live}></span>'
    '<button type="button" class="next">Next page →</button>'
    "{size}</nav>"
)
_GOTO = (
    '<label class="goto">Go to page '
    '<input type="number" min="1" step="1" inputmode="numeric"></label>'
)
_SIZE = '<label class="size">Per page <select></select></label>'

_component = st.components.v2.component(
    "imlr_image_grid",
    html=(
        '<div class="imlr">'
        + _NAV.format(where="top", live=' aria-live="polite"', goto=_GOTO, size=_SIZE)
        + '<ul class="imlr-grid"></ul>'
        + _NAV.format(where="bottom", live="", goto="", size="")
        + "</div>"
    ),
    css="".join((_HERE / n).read_text(encoding="utf-8") for n in ("controls.css", "grid.css")),
    js=(_HERE / "grid.js").read_text(encoding="utf-8"),
)


def _picture(data: bytes | Exception, _: Translate) -> tuple[str | None, str | None]:
    """(data URL of the thumbnail, None) or (None, why there is no picture)."""
    if isinstance(data, Exception):
        return None, no_picture(data, _)
    return data_url(data), None


def tile_data(
    source: Source,
    models: dict[str, Model],
    row: int,
    view: dict,
    picture: bytes | Exception | None,
    heading: str = "",
    _: Translate = str,
) -> dict:
    """What one tile shows, as the JSON the grid renders (``view``: the view's query
    parameters, for the Details link; ``picture``: the thumbnail, why there is none, or None
    for a labels-only source; ``_``: the page's translation)."""
    table, c = source.table, load_classes()
    name = str(table.file_name[row])
    orig = int(table.original_label[row])
    src, no_picture = (
        (None, _("no image: labels only")) if picture is None else _picture(picture, _)
    )
    labels = label_chips(table, row, _)
    return {
        "name": name,
        "heading": heading,
        "src": src,
        "no_picture": no_picture,
        "alt": image_description(table, row, _),
        "original": c.names[orig],
        "title": _("original label: {label}").format(label=f"{c.names[orig]} ({c.wnids[orig]})"),
        "labels": [vars(x) for x in labels],
        "flags": [vars(x) for x in flag_chips(table, row, models, _)],
        "real": [vars(x) for x in real_chips(table, row, _)],
        # Relative to the current page, so it also works under a server.baseUrlPath.
        "href": "image?" + urlencode({**view, "image": name}, doseq=True),
    }


@dataclass(frozen=True)
class Paging:
    """Browse's paging, for the grid's own Previous / Next buttons.

    Attributes:
        page: the page shown (1-based); pages: how many there are.
        next_rows, prev_rows: the next and previous pages' rows, sent along when their
            thumbnails are ready so the grid can show either page at once (not the one
            shown just before this one, which the grid holds already).
        page_key, size_key: the session-state keys of the view's page and page size, which
            the grid's controls set (to a page of the view, a size of :data:`PAGE_SIZES`).
    """

    page: int
    pages: int
    next_rows: list[int]
    page_key: str
    size_key: str
    prev_rows: list[int] = field(default_factory=list)


def _tiles(source, models, rows, state, pictures, headings=None) -> list[dict]:
    view, _ = to_params(state.with_(image=None)), translator()  # once per page, not per tile
    return [
        tile_data(source, models, int(r), view, pictures[k], headings[k] if headings else "", _)
        for k, r in enumerate(rows)
    ]


def _held_page(source: Source, models, state: BrowseState, rows: list[int], page: int):
    """Page ``page``'s tiles (``rows``) if every thumbnail of it is ready (made ahead in the
    background), else None: waiting for them would slow the page on screen."""
    if not rows:
        return None
    names = [str(source.table.file_name[r]) for r in rows]
    if not source.has_images:
        pictures = [None] * len(names)
    else:
        pictures = source.thumbs.many(names, cached_only=True)
        if any(p is None for p in pictures):
            return None
    return _tiles(source, models, rows, state.with_(page=page), pictures)


def image_grid(
    source: Source,
    models: dict[str, Model],
    rows: list[int],
    state: BrowseState,
    key: str,
    *,
    columns: int = 6,
    label: str = "Images",
    headings: list[str] | None = None,
    paging: Paging | None = None,
) -> int | None:
    """Renders ``rows`` as one grid element; a plain click on a tile's Details (or its
    picture) opens the image page within ``state``; with ``paging``, the grid's own
    Previous / Next buttons page through the view (instantly when the page is held).

    Returns:
        With ``paging``, the page of this view shown just before this one (None: none, or
        another view), which the grid holds.
    """
    names = [str(source.table.file_name[r]) for r in rows]
    pictures = source.thumbs.many(names) if source.has_images else [None] * len(rows)
    tiles = _tiles(source, models, rows, state, pictures, headings)
    _ = translator()
    # The grid's own words, in the page's language ({page}, {pages}: filled in by grid.js).
    text = {
        "details": _("Details"),
        "previous": _("← Previous page"),
        "next": _("Next page →"),
        "goto": _("Go to page"),
        "size": _("Per page"),
        "where": _("Page {page} of {pages}"),
    }
    data: dict = {"tiles": tiles, "columns": columns, "label": label, "text": text}
    callbacks = {"on_open_change": _ignore}
    came_from = None
    if paging is not None:
        # Pages are kept per view: a new filter or sort starts afresh.
        view = urlencode(to_params(state.with_(page=1)), doseq=True)
        # The page shown before this one, in this view, is held by the grid: not sent again.
        before = st.session_state.get(f"{key}__shown")
        came_from = before[1] if before and before[0] == view else None
        st.session_state[f"{key}__shown"] = (view, paging.page)
        data["paging"] = {
            "view": view,
            "page": paging.page,
            "pages": paging.pages,
            "next": None
            if came_from == paging.page + 1
            else _held_page(source, models, state, paging.next_rows, paging.page + 1),
            "prev": None
            if came_from == paging.page - 1
            else _held_page(source, models, state, paging.prev_rows, paging.page - 1),
            "sizes": list(PAGE_SIZES),
            "size": state.page_size,
        }

        def _taking(field: str, valid, target: str):
            """A trigger's callback: runs before the next script run and takes the browser's
            value only when it is an int the view offers."""

            def callback() -> None:
                asked = (st.session_state.get(key) or {}).get(field)
                if type(asked) is int and valid(asked):
                    st.session_state[target] = asked

            return callback

        callbacks["on_page_change"] = _taking(
            "page", lambda n: 1 <= n <= paging.pages, paging.page_key
        )
        callbacks["on_size_change"] = _taking("size", PAGE_SIZES.__contains__, paging.size_key)
    result = _component(data=data, key=key, **callbacks)
    opened = getattr(result, "open", None)
    # The value comes from the browser: only a name on this grid opens anything.
    if isinstance(opened, str) and opened in set(names):
        st.switch_page(IMAGE_PAGE, query_params=to_params(state.with_(image=opened)))
    return came_from


def _ignore() -> None:
    """A trigger needs a callback to be reported; the grid reads it after mounting."""
