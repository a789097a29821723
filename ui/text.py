"""Showing user-controlled text (paths, file names, messages) literally.

Streamlit renders the text of ``st.error``, ``st.caption``, ``st.markdown`` and friends as
Markdown (with ``$...$`` as LaTeX). A path such as ``/data/**new**/$HOME.json`` or a name with
``<script>`` must appear exactly as typed, so every such string goes through :func:`md`.
"""

import re

# Every character with a meaning in Streamlit's Markdown: CommonMark punctuation, "$" (math),
# "~" (strike-through), ":" (emoji and colour shortcodes) and "<" / ">" (HTML-looking text).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^])")


def md(text: object) -> str:
    """``text`` with Markdown specials escaped, for any element that renders Markdown."""
    return _SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")
