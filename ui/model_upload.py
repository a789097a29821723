"""Adding a prediction file in the app: the reading options, and a summary of how each new
file is read, shown before the model is added (the same lines as
``python -m data_access predictions describe``), with the same refusals.

A new file (upload or path) waits in the session as *pending* until the user adds or discards
it. It is re-read (through the bounded cache) with the current reading options on every run,
so changing an option after a refusal ("pass --order imagefolder") shows the new reading at
once. Pickles are never read here: a visitor's pickle could run code on the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict

import streamlit as st

from data_access.errors import DataError
from data_access.i18n import N_
from data_access.predictions import Model, ReadOptions, default_name
from data_access.predictions.describe import reading_headline, reading_lines
from data_access.predictions.vocab import VOCABULARIES
from ui import widgets
from ui.language import translator
from ui.text import error_text, md

_ORDERS = {
    None: N_("checked (validation order unless it fits another)"),
    "validation": N_("validation order (row i = ILSVRC2012_val_{i+1})"),
    "imagefolder": N_("ImageFolder order (class folders, then names)"),
}
_VOCABS = {None: N_("found from the file"), **VOCABULARIES}


def reading_options() -> ReadOptions:
    """The session's reading options (an expander in the sidebar)."""
    _ = translator()
    with st.expander(_("Reading options")):
        st.caption(
            _(
                "Only for what a file cannot say about itself; a file read the wrong way is "
                "refused, never scored."
            )
        )
        order = widgets.selectbox(
            st,
            _("Rows without file names"),
            list(_ORDERS),
            format_func=lambda k: _(_ORDERS[k]),
            key="read_order",
        )
        drop = st.checkbox(
            _("Class ids start at 1 (column 0 is background)"), key="read_drop_background"
        )
        vocabulary = widgets.selectbox(
            st,
            _("Class names"),
            list(_VOCABS),
            format_func=lambda k: _(_VOCABS[k]),
            key="read_vocabulary",
        )
        column = st.text_input(
            _("Prediction column"),
            key="read_prediction_column",
            placeholder=_("found from the file"),
            help=_(
                "Where a file has several class columns (one may be the ground truth), the "
                "name of the one that holds the model's predictions."
            ),
        ).strip()
        implausible = st.checkbox(
            _("Score it even if implausible"),
            key="read_allow_implausible",
            help=_(
                "A model whose top-1 agrees with the original labels at chance (rows paired "
                "with the wrong images) or on 99% or more (the ground truth) is refused; tick "
                "this only if that is intended. Its numbers are then marked wherever they are "
                "shown."
            ),
        )
    return ReadOptions(
        order=order,
        drop_background=drop,
        vocabulary=vocabulary,
        prediction_column=column or None,
        allow_implausible=implausible,
    )


def _pending() -> list[dict]:
    return st.session_state.setdefault("pending_models", [])


def queue(path: str, name: str, uploaded: bool) -> None:
    """A new file waits for the user's Add (or Discard) under its summary."""
    _pending().append({"id": uuid.uuid4().hex[:8], "path": path, "name": name, "up": uploaded})


def _discard(item: dict, release: Callable[[str], None]) -> None:
    _pending().remove(item)
    if item["up"]:
        release(item["path"])


def render_pending(
    options: ReadOptions,
    load: Callable[[str, str, ReadOptions], Model],
    add: Callable[[dict], None],
    release: Callable[[str], None],
) -> None:
    """Each pending file: how it is read (or why it is refused), then Add model / Discard."""
    for item in list(_pending()):
        with st.container(border=True):
            st.markdown(f"**{md(item['name'])}**")
            try:
                model = load(item["path"], item["name"], options)
            except Exception as e:
                model = None
                if not isinstance(e, DataError):
                    e = DataError(item["path"], f"cannot be read ({type(e).__name__})")
                st.error(
                    error_text(e, own_file=item["up"], with_source=e.source != item["path"]),
                    icon=":material/error:",
                )
            else:
                st.caption(md(reading_headline(model.reading)))
                with st.expander(translator()("How it is read")):
                    st.markdown(
                        "\n".join(
                            f"- **{label}**: {md(value)}"
                            for label, value in reading_lines(model.reading, notes=False)
                        )
                    )
                for note in model.shown_notes(hide_content=not item["up"], _=translator()):
                    st.warning(md(note), icon=":material/warning:")
            cols = st.columns(2)
            _ = translator()
            if model is not None and cols[0].button(_("Add model"), key=f"add_{item['id']}"):
                _pending().remove(item)
                add({"name": item["name"], "path": item["path"], "options": asdict(options)})
                st.rerun()
            if cols[1].button(_("Discard"), key=f"discard_{item['id']}"):
                _discard(item, release)
                st.rerun()


def shared_picker(errors: list[str], types: list[str], taken: Callable[[], set[str]]) -> None:
    """Server mode: the prediction files the operator shares (``--share-folder``), to pick."""
    from data_access.paths import shared_files
    from ui.cli_args import app_args

    files = shared_files(app_args().share_folders, types)
    if not app_args().share_folders:
        return
    _ = translator()
    if not files:
        st.caption(_("No shared prediction files on this server."))
        return
    names = [f.name for f in files]
    labels = [  # the same name in two shared folders: say which folder
        f"{f.name} ({f.parent.name})" if names.count(f.name) > 1 else f.name for f in files
    ]
    with st.form("add_shared", border=False):
        # The options are positions in the server's own list, never paths: what a browser
        # sends back can only pick one of these files (a crafted value is ignored).
        pick = widgets.selectbox(
            st,
            _("Shared prediction files"),
            list(range(len(files))),
            index=None,
            format_func=lambda k: labels[k] if isinstance(k, int) and 0 <= k < len(labels) else "?",
            placeholder=_("pick a file the operator shares"),
        )
        if st.form_submit_button(_("Add")) and pick is not None:
            errors.clear()
            chosen = str(files[pick])
            queue(chosen, default_name(chosen, taken()), uploaded=False)
            st.rerun()
