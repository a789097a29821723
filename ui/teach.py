"""Teach's pieces: the URL state of a slide, the answer panel, the quiz score and the
presentation style. Texts go through ``_`` (:mod:`ui.language`); data through ``md``."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from data_access.annotations import AnnotationTable
from data_access.errors import DataError
from data_access.predictions import Model
from data_access.teach.lessons import answer_items
from ui.text import md

# Large type for the back of a room; the sidebar and the controls are hidden.
PRESENTATION_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"] { display: none !important; }
.block-container { max-width: 100% !important; padding-top: 1rem !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: 1.6rem !important; line-height: 1.4 !important; }
h1 { font-size: 2.6rem !important; } h3 { font-size: 2rem !important; }
</style>
"""


def go(**params: str | None) -> None:
    """A callback: set (or, with None, drop) query parameters; the next run reads them."""
    for key, value in params.items():
        if value is None:
            st.query_params.pop(key, None)
        else:
            st.query_params[key] = value


def answer_panel(
    table: AnnotationTable,
    row: int,
    models: dict[str, Model],
    reviews: list[dict],
    _: Callable[[str], str],
) -> None:
    """What Reveal shows: the original label, the three sets by name, the problematic reason,
    each model's top-1 and verdict, the ReaL labels, and reviews of the image."""
    for label, value in answer_items(table, row, models, _):
        st.markdown(f"**{md(label)}:** {md(value)}")
    for r in reviews:
        st.markdown(f"**{md(r['by'])}:** {md(r['category'])} / {md(r['severity'])}")


def image_reviews(ctx, file_name: str) -> list[dict]:
    """Saved reviews and imported reference categorisations of the image (empty if the
    review store cannot be read: a slide never fails for it)."""
    try:
        db = ctx.reviews()
        out = [
            {"by": set_name, "category": ref["raw_category"], "severity": ref["raw_severity"]}
            for set_name, ref in db.references_for(file_name).items()
        ]
        out += [
            {"by": r.reviewer, "category": r.category, "severity": r.severity}
            for r in db.reviews(file_name=file_name)
        ]
        return out
    except (DataError, TypeError):
        return []
