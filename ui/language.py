"""The app's language: one selector in the sidebar, kept in the session and in the URL
(``?lang=hi``), read by the navigation, the sidebar and every page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from data_access import i18n
from data_access.i18n import N_, Translate
from ui import widgets

# The page's language for the browser: <html lang> (WCAG 3.1.1) and the few words Streamlit
# draws itself (the upload field's); a components-v2 script in the page, run on every run.
_page_language = st.components.v2.component(
    "imlr_page_language",
    html="<span hidden></span>",
    js=(Path(__file__).parent / "language.js").read_text(encoding="utf-8"),
)


# Streamlit's own accessible names, tooltips and placeholders (whole), and those it starts with
# words of its own before the app's text ({rest}).
_STREAMLIT_NAMES = (
    N_("App pages"),
    N_("Sidebar"),
    N_("Collapse sidebar"),
    N_("Expand sidebar"),
    N_("Link to heading"),
    N_("Open"),
    N_("Choose an option"),
    N_("Choose options"),
    N_("Clear all"),
    N_("Help"),
    N_("progress"),
    N_("file upload"),
    N_("Download as CSV"),
    N_("Search"),
    N_("Fullscreen"),
    N_("Close fullscreen"),
    N_("Show/hide columns"),
    N_("Show data"),
    N_("Download as PNG"),
    N_("Copy Vega-Lite spec"),
    N_("Vega visualization"),
)
_STREAMLIT_PREFIXES = {
    "Help for ": N_("Help for {rest}"),
    "Fullscreen: ": N_("Fullscreen: {rest}"),
    "Shortcut ": N_("Shortcut {rest}"),
}


def _streamlit_words(_: Translate) -> dict | None:
    """The words language.js puts in place of Streamlit's own (None: Streamlit's English)."""
    if current_language() == i18n.DEFAULT_LANGUAGE:
        return None
    return {
        "upload": _("Upload"),
        "per_file": _("{size} per file"),
        "press_apply": _("Press {keys} to apply"),
        "press_submit": _("Press {keys} to submit form"),
        "exact": {name: _(name) for name in _STREAMLIT_NAMES},
        "prefix": {english: _(ours) for english, ours in _STREAMLIT_PREFIXES.items()},
    }


def _to_url() -> None:
    if st.session_state.lang == i18n.DEFAULT_LANGUAGE:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = st.session_state.lang


def language_selector() -> None:
    """The sidebar's selector; a ``?lang=`` in the URL wins over the session's choice."""
    url = st.query_params.get("lang")
    if url is not None:
        st.session_state.lang = i18n.language(url)
    st.session_state.setdefault("lang", i18n.DEFAULT_LANGUAGE)
    _ = translator()
    widgets.selectbox(
        st,
        "Language · भाषा",
        list(i18n.LANGUAGES),
        format_func=i18n.LANGUAGES.get,
        key="lang",
        on_change=_to_url,
        help=_("The language of the app (class names stay as WordNet gives them)."),
    )
    _page_language(
        data={"lang": current_language(), "words": _streamlit_words(_)}, key="imlr_page_language"
    )


def current_language() -> str:
    """The session's language; a ``?lang=`` in the URL wins (as in the selector), so that what
    runs before the sidebar (the navigation) already speaks it."""
    url = st.query_params.get("lang")
    return i18n.language(url if url is not None else st.session_state.get("lang"))


def translator() -> Translate:
    """``_`` for the session's language."""
    return i18n.gettext_for(current_language())
