"""The Image page's picture, with Previous / Next within the Browse view (a components-v2
component).

The view's previous and next images travel with the page as JPEG data, and ``viewer.js``
decodes them while the current one is looked at: Previous / Next then only swap in a picture
the browser holds, and tell the server (a trigger value), whose run draws the rest of the page
for the new image. A picture sent in the session's last run is held by the browser and not
sent again. Text is set with ``textContent`` (never parsed as HTML).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

import numpy as np
import streamlit as st

from data_access.browse.records import image_description
from data_access.browse.url import to_params
from data_access.browse.view import BrowseState, step_in_view
from data_access.errors import DataError
from data_access.i18n import Translate
from data_access.sources.images import check_image
from data_access.sources.source import Source
from ui.language import translator
from ui.render import data_url, no_picture, photo_caption

log = logging.getLogger(__name__)
_HERE = Path(__file__).parent

# A neighbour larger than this is not sent ahead (a click on it asks the server instead), so
# that a page of huge photographs does not send three of them on every run.
HOLD_BYTES = 2_000_000
# Pictures a session keeps ready on the server (as data URLs): this run's three and the last.
KEEP = 4
# The longest id of a step the browser may give (viewer.js makes "count-milliseconds",
# about twenty characters).
ID_CHARS = 32

_component = st.components.v2.component(
    "imlr_image_viewer",
    html=(
        '<div class="imlr-viewer">'
        '<nav class="steps" hidden><button type="button" class="prev"></button>'
        '<span class="where" aria-live="polite"></span>'
        '<button type="button" class="next"></button></nav>'
        '<p class="outside" hidden></p>'
        '<figure><div class="picture"></div><figcaption></figcaption></figure>'
        "</div>"
    ),
    css="".join((_HERE / n).read_text(encoding="utf-8") for n in ("controls.css", "viewer.css")),
    js=(_HERE / "viewer.js").read_text(encoding="utf-8"),
)


def _data_url(source: Source, name: str) -> str | Exception:
    """The picture of ``name`` as a data URL, or why there is none (kept for a few images
    per session: a neighbour of this run is the current image of the next)."""
    ready: OrderedDict = st.session_state.setdefault("imlr_viewer_pictures", OrderedDict())
    key = (source.table.content_key, name)
    if key in ready:
        ready.move_to_end(key)
        return ready[key]
    out: str | Exception
    try:
        out = data_url(check_image(source.image_bytes(name), name))
    except DataError as e:
        out = e
    except Exception as e:  # an unreadable image is one line on the page, never a traceback
        log.warning("cannot show %s: %r", name, e)
        out = e
    ready[key] = out
    while len(ready) > KEEP:
        ready.popitem(last=False)
    return out


def picture(source: Source, name: str, _: Translate, *, send: bool = True) -> dict:
    """What the viewer shows for ``name``: its picture (``src``; left out when not ``send``,
    or a neighbour over :data:`HOLD_BYTES`), or one line saying why there is none, with its
    text alternative and caption."""
    row = source.table.row_of.get(name)
    out: dict = {
        "name": name,
        "alt": image_description(source.table, row, _) if row is not None else name,
        "caption": photo_caption(source, name),
        "src": None,
        "no_picture": None,
    }
    if not source.has_images:
        out["no_picture"] = _("no image: labels only")
    elif send:
        got = _data_url(source, name)
        if isinstance(got, Exception):
            out["no_picture"] = no_picture(got, _)
        else:
            out["src"] = got
    return out


def step_asked(asked: object, table, rows: np.ndarray | None) -> str | None:
    """The image a Previous / Next from the browser lands on: ``asked`` is ``{"from": the
    image it steps from, "step": a whole number}``. The step is -1 or 1, or their sum when
    the browser stepped again while it waited for the server (so the image it stepped from
    is still ``from``): a step past either end of the view lands on that end. None unless
    ``from`` is in the view's ``rows`` (the value comes from the browser: anything else is
    ignored). The same step asked twice lands on the same image."""
    if rows is None or not isinstance(asked, dict):
        return None
    start, step = asked.get("from"), asked.get("step")
    if not isinstance(start, str) or type(step) is not int:
        return None
    start_row = table.row_of.get(start)
    target = None if start_row is None else step_in_view(rows, start_row, step, clamp=True)
    return None if target is None else str(table.file_name[target])


def answered(asked: object) -> str | None:
    """The browser's name for a step it asked (``asked["id"]``: a short string), which the
    next run sends back so that the viewer knows the run answers that step; None for
    anything else."""
    got = asked.get("id") if isinstance(asked, dict) else None
    return got if isinstance(got, str) and 0 < len(got) <= ID_CHARS else None


def image_viewer(
    source: Source, name: str, rows: np.ndarray | None, state: BrowseState, key: str
) -> None:
    """Shows ``name``'s picture; with the view's ``rows`` (None: the image is not in the
    view), Previous / Next move through them, changing the page's ``image`` parameter."""
    _ = translator()
    table = source.table
    row = table.row_of[name]
    namespace = str(table.content_key)
    sent_before = st.session_state.get(f"{key}__sent", (None, ()))
    held = sent_before[1] if sent_before[0] == namespace else ()
    data: dict = {
        "source": namespace,
        "current": picture(source, name, _),
        "text": {
            "previous": _("← Previous"),
            "next": _("Next →"),
            "where": _("{k} of {n} in the current Browse view"),
            "outside": _("This image is not in the current Browse view's filters."),
        },
        "position": None,
        "answered": st.session_state.get(f"{key}__answered"),
    }
    sent = [name]
    if rows is not None:
        data["position"] = int(np.flatnonzero(rows == row)[0])
        data["total"] = len(rows)
        for side, step in (("prev", -1), ("next", 1)):
            other = step_in_view(rows, row, step)
            if other is None:
                data[side] = None
                continue
            other_name = str(table.file_name[other])
            entry = picture(source, other_name, _, send=other_name not in held)
            if entry["src"] is not None and len(entry["src"]) > HOLD_BYTES * 4 // 3:
                entry["src"] = None  # too large to send ahead: asked for on the click
            elif entry["src"] is not None or other_name in held:
                sent.append(other_name)
            entry["held"] = other_name in held
            data[side] = entry
    st.session_state[f"{key}__sent"] = (namespace, tuple(sent))

    def go() -> None:
        """The browser's Previous / Next: the page's image becomes the one it asked for."""
        asked = (st.session_state.get(key) or {}).get("go")
        st.session_state[f"{key}__answered"] = answered(asked)
        target = step_asked(asked, table, rows)
        if target is not None:
            st.query_params.from_dict(to_params(state.with_(image=target)))

    _component(data=data, key=key, on_go_change=go)
