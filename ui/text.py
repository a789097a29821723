"""Showing user-controlled text (paths, file names, messages) literally.

Streamlit renders the text of ``st.error``, ``st.caption``, ``st.markdown`` and friends as
Markdown (with ``$...$`` as LaTeX). A path such as ``/data/**new**/$HOME.json`` or a name with
``<script>`` must appear exactly as typed, so every such string goes through :func:`md`.
"""

import re

from data_access.errors import DataError
from ui.language import translator

# Every character with a meaning in Streamlit's Markdown: CommonMark punctuation, "$" (math),
# "~" (strike-through), ":" (emoji and colour shortcodes) and "<" / ">" (HTML-looking text).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")


# Streamlit turns :material/name: and :emoji: shortcodes into icons in the parsed text, where
# a backslash escape is already gone: a WORD JOINER (U+2060, invisible, no width) after such
# a colon keeps the shortcode from matching, which escaping cannot do.
_SHORTCODE = re.compile(r":(?=[\w+-])")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """``text`` with Markdown specials escaped, for any element that renders Markdown; a
    colon that could open a shortcode is followed by an invisible word joiner."""
    text = _SHORTCODE.sub(":" + WORD_JOINER, str(text))
    return _SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def message_of(e: Exception) -> str:
    """``str(e)`` in the page's language: a :class:`DataError`'s message translated (the
    values copied from a file stay as they are); not yet Markdown-safe (see :func:`md`)."""
    return e.message(_=translator()) if isinstance(e, DataError) else str(e)


def error_text(e: Exception, *, own_file: bool = False, with_source: bool = True) -> str:
    """What the app shows for a failed read, as Markdown-safe text.

    A file the server opened from a path (the source, a prediction file added by path or on
    the command line) may hold what the visitor must not see, so values copied from it are
    hidden; the visitor's own upload (``own_file``) is shown in full.
    """
    if isinstance(e, DataError):
        _ = translator()
        return md(e.message(hide_content=not own_file, with_source=with_source, _=_))
    return md(f"{type(e).__name__}")
