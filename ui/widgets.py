"""Choice widgets whose value is always one the page offered.

Streamlit's select box, radio and multiselect hand back whatever string a browser sends when
it matches no option (``SelectboxSerde.deserialize`` returns the raw value): a visitor who
crafts a websocket message can put any text where the page expects one of its own options (a
shared file, a model name, a lesson). Every choice widget of the app goes through these
wrappers, which take the value only when it is one of the options and otherwise use the
widget's default, with a short note, never a crash or a path read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st


def is_offered(value: Any, options: Sequence[Any]) -> bool:
    """Whether ``value`` is one of ``options`` (by equality; hashable options by set)."""
    try:
        return value in set(options)
    except TypeError:  # unhashable options: compare one by one
        return any(value == o for o in options)


def _ignored(where: Any, label: str) -> None:
    from ui.language import translator  # here: the language selector is one of these widgets

    _ = translator()
    where.caption(
        _("Ignored a value for “{label}” that this page did not offer.").format(label=label)
    )


def _default(options: Sequence[Any], index: int | None) -> Any:
    return options[index] if index is not None and 0 <= index < len(options) else None


def _in_language(kwargs: dict) -> None:
    """A keyed choice whose language changed since it was last drawn gets its value set
    again, so that Streamlit sends it to the browser worded in the new language (the browser
    kept showing the old wording until a reload). Not for a widget given its own ``index`` or
    ``default``: Streamlit would warn that its value was set twice."""
    key = kwargs.get("key")
    if key is None or kwargs.get("index") not in (None, 0) or kwargs.get("default"):
        return
    from ui.language import current_language  # here: the language selector is one of these

    language, drawn_in = current_language(), f"_language_of_{key}"
    if key in st.session_state and st.session_state.get(drawn_in, language) != language:
        st.session_state[key] = st.session_state[key]
    st.session_state[drawn_in] = language


def _one_of(where: Any, kind: str, label: str, options: Sequence[Any], kwargs: dict) -> Any:
    """``where.<kind>(label, options, **kwargs)`` (a select box or radio), its value one of
    ``options``, or None where the widget allows no choice; else the widget's default."""
    options = list(options)
    _in_language(kwargs)
    value = getattr(where, kind)(label, options, **kwargs)
    if value is None or is_offered(value, options):
        return value
    _ignored(where, label)
    return _default(options, kwargs.get("index", 0))


def selectbox(where: Any, label: str, options: Sequence[Any], **kwargs: Any) -> Any:
    """``where.selectbox(...)``, its value one of ``options`` (see :func:`_one_of`)."""
    return _one_of(where, "selectbox", label, options, kwargs)


def radio(where: Any, label: str, options: Sequence[Any], **kwargs: Any) -> Any:
    """``where.radio(...)``, its value one of ``options`` (see :func:`_one_of`)."""
    return _one_of(where, "radio", label, options, kwargs)


def multiselect(where: Any, label: str, options: Sequence[Any], **kwargs: Any) -> list[Any]:
    """``where.multiselect(label, options, **kwargs)``, only the offered values kept."""
    options = list(options)
    _in_language(kwargs)
    values = where.multiselect(label, options, **kwargs)
    kept = [v for v in values if is_offered(v, options)]
    if len(kept) != len(values):
        _ignored(where, label)
    return kept


def classes(where: Any, label: str, **kwargs: Any) -> list[int]:
    """A searchable multiselect of the 1000 classes (name, wnid, synonyms), as indices."""
    from data_access.browse.choices import class_options

    labels = class_options()
    return multiselect(
        where, label, list(range(len(labels))), format_func=lambda i: labels[i], **kwargs
    )
