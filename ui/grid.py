"""The image grid: a page of tiles as one element (a components-v2 component).

A page of 48 tiles as Streamlit elements (a picture, a Markdown block and a button each) is
~175 elements and 48 media requests, and the browser spent about a second laying them out
(``benchmarks/trace_browse.py``). Here the page is one element: the thumbnails travel inline
as JPEG data, the text as JSON that ``grid.js`` sets with ``textContent`` (never parsed as
HTML), and each tile's Details is an ordinary link to ``/image?image=...`` whose plain click
stays in the session (a trigger value read here, then :func:`st.switch_page`).
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from data_access.browse import BrowseState, to_params
from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.predictions import Model
from data_access.sources import Source
from data_access.views import flag_chips, image_description, label_chips

IMAGE_PAGE = "app_pages/image.py"
_HERE = Path(__file__).parent

_component = st.components.v2.component(
    "imlr_image_grid",
    html='<div class="imlr"><ul class="imlr-grid"></ul></div>',
    css=(_HERE / "grid.css").read_text(encoding="utf-8"),
    js=(_HERE / "grid.js").read_text(encoding="utf-8"),
)


def _picture(data: bytes | Exception) -> tuple[str | None, str | None]:
    """(data URL of the thumbnail, None) or (None, why there is no picture)."""
    if isinstance(data, DataError):
        return None, f"No picture: {data.problem}"
    if isinstance(data, Exception):
        return None, f"No picture: {type(data).__name__}"
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii"), None


def image_link(state: BrowseState, name: str) -> str:
    """The image page's address for ``name`` within the view ``state``, relative to the
    current page (so it also works under a ``server.baseUrlPath``)."""
    return "image?" + urlencode(to_params(state.with_(image=name)), doseq=True)


def tile_data(
    source: Source,
    models: dict[str, Model],
    row: int,
    state: BrowseState,
    picture: bytes | Exception | None,
    heading: str = "",
) -> dict:
    """What one tile shows, as the JSON the grid renders (``picture``: the thumbnail, why
    there is none, or None for a labels-only source)."""
    table, c = source.table, load_classes()
    name = str(table.file_name[row])
    orig = int(table.original_label[row])
    src, no_picture = (None, "no image: labels only") if picture is None else _picture(picture)
    labels = label_chips(table, row)
    return {
        "name": name,
        "heading": heading,
        "src": src,
        "no_picture": no_picture,
        "alt": image_description(table, row),
        "original": c.names[orig],
        "title": f"original label: {c.names[orig]} ({c.wnids[orig]})",
        "labels": [vars(x) for x in labels],
        "flags": [vars(x) for x in flag_chips(table, row, models)],
        "href": image_link(state, name),
    }


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
) -> None:
    """Renders ``rows`` as one grid element; a plain click on a tile's Details (or its
    picture) opens the image page within ``state``."""
    names = [str(source.table.file_name[r]) for r in rows]
    pictures = source.thumbnails(names) if source.has_images else [None] * len(rows)
    tiles = [
        tile_data(source, models, int(r), state, pictures[k], headings[k] if headings else "")
        for k, r in enumerate(rows)
    ]
    result = _component(
        data={"tiles": tiles, "columns": columns, "label": label},
        key=key,
        on_open_change=lambda: None,
    )
    opened = getattr(result, "open", None)
    # The value comes from the browser: only a name on this grid opens anything.
    if isinstance(opened, str) and opened in {t["name"] for t in tiles}:
        st.switch_page(IMAGE_PAGE, query_params=to_params(state.with_(image=opened)))
