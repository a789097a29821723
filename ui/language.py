"""The app's language: one selector in the sidebar, kept in the session and in the URL
(``?lang=hi``), read by the navigation, the sidebar and every page."""

from __future__ import annotations

import streamlit as st

from data_access import i18n
from data_access.i18n import Translate
from ui import widgets

# The page's language for the browser (WCAG 3.1.1): Streamlit's page says lang="en", so a
# screen reader would read the Hindi pages with an English voice. A components-v2 script runs
# in the page itself and sets <html lang> on every run.
_page_language = st.components.v2.component(
    "imlr_page_language",
    html="<span hidden></span>",
    js="export default function ({ data }) { document.documentElement.lang = data.lang; }",
)


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
    _page_language(data={"lang": current_language()}, key="imlr_page_language")


def current_language() -> str:
    """The session's language; a ``?lang=`` in the URL wins (as in the selector), so that what
    runs before the sidebar (the navigation) already speaks it."""
    url = st.query_params.get("lang")
    return i18n.language(url if url is not None else st.session_state.get("lang"))


def translator() -> Translate:
    """``_`` for the session's language."""
    return i18n.gettext_for(current_language())
