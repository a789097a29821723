"""Teach's pieces: the URL state of a slide, the answer panel, the quiz score and the
presentation style. Texts go through ``_`` (:mod:`ui.language`); data through ``md``."""

from __future__ import annotations

import streamlit as st

from data_access.annotations import AnnotationTable
from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.i18n import Translate
from data_access.predictions import Model
from data_access.teach.lessons import BY_ORIGINAL, WHY, Answer, answer_items
from ui.text import md

# Large, high-contrast type for the back of a room, and one screen at 1280x720 and 1920x1080:
# the sidebar, the header and the page title are hidden, the picture is as tall as the screen
# leaves room for (never taller), and the controls sit beside it.
PRESENTATION_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stMain"] h1 { display: none !important; }
.block-container { max-width: 100% !important; padding: 0.75rem 2rem 0 2rem !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stWidgetLabel"] p, [data-testid="stRadio"] label p {
  font-size: 1.5rem !important; line-height: 1.35 !important; color: #000 !important; }
[data-testid="stMain"] h3 { font-size: 1.9rem !important; color: #000 !important;
  padding: 0.2rem 0 !important; }
[data-testid="stMain"] button p { font-size: 1.25rem !important; }
[data-testid="stImage"] img { max-height: calc(100vh - 13rem) !important; width: auto !important;
  max-width: 100% !important; object-fit: contain; }
[data-testid="stImage"] [data-testid="stImageCaption"], [data-testid="stCaptionContainer"] {
  font-size: 0.85rem !important; color: #222 !important; }
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
    _: Translate,
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


def quiz_feedback(a: Answer, table: AnnotationTable, row: int, _: Translate) -> None:
    """After an answer: right or wrong by the dataset's rule, why (the experts' verdict on the
    class picked), and what the original label alone would have said."""
    names = load_classes().names
    picked = names[a.choice] if a.choice >= 0 else "?"
    st.markdown(f"### {md(_('Right') if a.multilabel else _('Wrong'))}")
    st.markdown(md(_(WHY.get(a.verdict, WHY["unjudged"])).format(label=picked)))
    original = names[int(table.original_label[row])]
    st.markdown(
        md(_(BY_ORIGINAL).format(label=original, verdict=_("right") if a.original else _("wrong")))
    )


def quiz_end(answers: dict, slides: int, key: str, _: Translate) -> None:
    """Every slide answered: the score by the dataset's rule and by the original label, the
    images missed (each a button back to its slide), and "Again"."""
    n = len(answers)
    ml = sum(a.multilabel for a in answers.values())
    orig = sum(a.original for a in answers.values())
    with st.container(border=True):
        st.markdown(f"## {md(_('Quiz complete'))}")
        left, right = st.columns(2)
        left.metric(
            _("By the dataset's rule (correct or unclear accepted)"),
            _("{k} of {n}").format(k=ml, n=n),
        )
        right.metric(_("By the original label alone"), _("{k} of {n}").format(k=orig, n=n))
        missed = sorted(i for i, a in answers.items() if not a.multilabel)
        st.markdown(f"**{md(_('Images you missed'))}**")
        if not missed:
            st.markdown(md(_("None: every answer counts as right.")))
        else:
            row = st.container(horizontal=True, wrap=True)
            for i in missed:
                row.button(
                    _("Image {k}").format(k=i), key=f"quiz_missed_{i}", on_click=go,
                    kwargs={"i": str(i)},
                )  # fmt: skip
        st.button(_("Again"), type="primary", key="quiz_again", on_click=_again, args=(key, slides))
    st.caption(md(_("{k} of {n}").format(k=n, n=slides)))


def _again(key: str, slides: int) -> None:
    """Forget the quiz's answers and reveals, and start at the first slide."""
    st.session_state.pop(f"teach_answers_{key}", None)
    revealed = st.session_state.get("teach_revealed", set())
    st.session_state.teach_revealed = {k for k in revealed if not k.startswith(f"{key}|")}
    for i in range(1, slides + 1):
        st.session_state.pop(f"teach_pick_{key}|{i}", None)
    go(i="1")
