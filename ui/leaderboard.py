"""The published models as context: the leaderboard chart and table (Accuracy) and the
published distribution of ImageNet-M scores (ImageNet-M), with the loaded models placed on them.

Every chart says where its figures come from; next to the synthetic demo it says they are
context, not a comparison.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from data_access.analysis import published as pub
from data_access.i18n import N_
from data_access.predictions import Model
from data_access.sources.source import Source
from ui import widgets
from ui.cache import evaluate_cached
from ui.charts import on_canvas
from ui.language import translator
from ui.text import md, message_of

VIEWS = {
    N_("Multi-label accuracy vs top-1"): ("multilabel_accuracy", N_("multi-label accuracy (%)")),
    N_("ImageNet-M errors vs top-1"): ("imagenet_m_errors", N_("ImageNet-M errors (of 68)")),
}
COLOUR_BY = {
    N_("training data"): "training_data",
    N_("architecture family"): "architecture_family",
}
SHOWN_COLUMNS = {
    "model": N_("model"),
    "training_data": N_("training data"),
    "architecture_family": N_("family"),
    "architecture": N_("architecture"),
    "parameters": N_("parameters"),
    "top1_accuracy": N_("top-1 (%)"),
    "multilabel_accuracy": N_("multi-label (%)"),
    "imagenet_m_errors": N_("ImageNet-M errors"),
}


@st.cache_data(max_entries=1, show_spinner=False)
def published_frame() -> pd.DataFrame:
    """The shipped published results as a DataFrame (raises PublishedDataError)."""
    return pd.DataFrame(pub.published_models().columns)


def _context_note(source: Source) -> None:
    _ = translator()
    text = (
        _(
            "Published figures are measured on the real ImageNet validation images (18,692 "
            "non-problematic). "
        )
        + _(pub.PUBLISHED_CITATION)
        + "."
    )
    if source.synthetic:
        st.info(
            _(
                "This source is the synthetic demo: the published models are context for what "
                "the numbers mean on the real dataset, not a comparison with the demo models. "
            )
            + text
        )
    else:
        st.caption(text)


def loaded_points(source: Source, models: dict[str, Model]) -> pd.DataFrame:
    """One row per loaded model: its top-1 (all 50,000 images when the file covers them, else
    the annotated ones, as ``top1_basis`` says), multi-label accuracy, ImageNet-M errors and
    rank among the published models."""
    _ = translator()
    out = []
    for m in models.values():
        e = evaluate_cached(source.table, m)
        top1, basis = pub.leaderboard_top1(source.table, m)
        rank = pub.evaluated_rank(e)
        out.append(
            {
                "model": m.name,
                "top1_accuracy": 100 * top1,
                "top1_basis": basis,
                "multilabel_accuracy": 100 * e.multilabel_accuracy,
                "imagenet_m_errors": e.imagenet_m_total - e.imagenet_m_correct,
                "rank": pub.rank_sentence(rank, _=_)
                if rank
                else (_("not ranked: implausible predictions") if m.implausible else ""),
            }
        )
    return pd.DataFrame(out)


def leaderboard(source: Source, models: dict[str, Model]) -> None:
    """Chart, ranks in words and a searchable table of the published models."""
    _ = translator()
    st.subheader(_("Among published models"))
    try:
        frame = published_frame()
    except (OSError, ValueError) as e:
        st.warning(md(_("Published results unavailable: ") + message_of(e)))
        return
    _context_note(source)
    mine = loaded_points(source, models) if models else pd.DataFrame()
    for row in mine.itertuples():
        st.markdown(f"**{md(row.model)}**: {md(row.rank)}")
    c1, c2 = st.columns(2)
    view = widgets.radio(c1, _("View"), list(VIEWS), format_func=_, horizontal=True, key="lb_view")
    colour = widgets.radio(
        c2, _("Colour by"), list(COLOUR_BY), format_func=_, horizontal=True, key="lb_colour"
    )
    y, y_title = VIEWS[view][0], _(VIEWS[view][1])
    field = COLOUR_BY[colour]
    x = alt.X("top1_accuracy:Q", title=_("top-1 accuracy (%)"), scale=alt.Scale(zero=False))
    y_enc = alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False))
    dots = (
        alt.Chart(frame)
        .mark_circle(size=28, opacity=0.6)
        .encode(
            x=x,
            y=y_enc,
            color=alt.Color(f"{field}:N", title=_(colour), legend=alt.Legend(labelLimit=0)),
            tooltip=[
                "model",
                "training_data",
                "architecture",
                "top1_accuracy",
                "multilabel_accuracy",
                "imagenet_m_errors",
            ],
        )
    )
    layers = [dots]
    if len(mine):
        base = alt.Chart(mine).encode(x=x, y=y_enc, tooltip=["model", "top1_basis", "rank"])
        layers += [
            base.mark_point(shape="diamond", size=220, filled=True, color="#111111"),
            base.mark_text(align="left", dx=9, fontWeight="bold", color="#111111").encode(
                text="model"
            ),
        ]
    chart = on_canvas(
        alt.layer(*layers).properties(height=420),
        _(
            "Scatter plot of {n} published models, top-1 accuracy against {y}; the loaded "
            "models are black diamonds. The table below lists every published model."
        ).format(n=f"{len(frame):,}", y=y_title),
    )
    st.altair_chart(chart, width="stretch")
    st.caption(
        _(
            "{n} published models (dots) and the loaded models (black diamonds, named). Loaded "
            "models' top-1 is over all 50,000 validation images when their file covers them, "
            "otherwise over the annotated images (hover for which)."
        ).format(n=f"{len(frame):,}")
    )
    query = st.text_input(
        _("Search published models (name, training data, architecture)"), key="lb_search"
    )
    shown = frame
    if query.strip():
        q = query.strip().lower()
        text = (
            frame["model"]
            + " "
            + frame["training_data"]
            + " "
            + frame["architecture"]
            + " "
            + frame["architecture_family"]
        ).str.lower()
        shown = frame[text.str.contains(q, regex=False)]
    st.caption(_("{k} of {n} published models").format(k=f"{len(shown):,}", n=f"{len(frame):,}"))
    st.dataframe(
        shown[list(SHOWN_COLUMNS)].sort_values("multilabel_accuracy", ascending=False),
        hide_index=True,
        width="stretch",
        key="lb_table",
        column_config={
            **{k: st.column_config.Column(_(label)) for k, label in SHOWN_COLUMNS.items()},
            "top1_accuracy": st.column_config.NumberColumn(_("top-1 (%)"), format="%.2f"),
            "multilabel_accuracy": st.column_config.NumberColumn(
                _("multi-label (%)"), format="%.2f"
            ),
        },
    )


def imagenet_m_distribution(source: Source, scores: dict[str, int], total: int) -> None:
    """Bar chart: published models per ImageNet-M score k/68, loaded models' scores marked."""
    _ = translator()
    st.subheader(_("Published models' ImageNet-M scores"))
    try:
        counts = pub.published_models().imagenet_m_counts()
    except (OSError, ValueError) as e:
        st.warning(md(_("Published results unavailable: ") + message_of(e)))
        return
    _context_note(source)
    bars = pd.DataFrame({"solved": range(len(counts)), "models": counts})
    bars = bars[(bars["solved"] <= max(40, *scores.values())) if scores else bars["solved"] <= 40]
    chart = (
        alt.Chart(bars)
        .mark_bar(color="#7a8da6")
        .encode(
            x=alt.X(
                "solved:O",
                title=_("images solved (of {n})").format(n=pub.IMAGENET_M_SIZE),
            ),
            y=alt.Y("models:Q", title=_("published models")),
            tooltip=[
                alt.Tooltip("solved:O", title=_("images solved")),
                alt.Tooltip("models:Q", title=_("published models")),
            ],
        )
    )
    layers = [chart]
    if scores:
        marks = pd.DataFrame({"solved": list(scores.values()), "model": list(scores)})
        rule = alt.Chart(marks).encode(x="solved:O")
        layers += [
            rule.mark_rule(color="#111111", strokeWidth=2),
            rule.mark_text(angle=270, align="left", dx=4, dy=-4, color="#111111").encode(
                text="model", y=alt.value(4)
            ),
        ]
    st.altair_chart(alt.layer(*layers).properties(height=260), width="stretch")
    best = int(max(k for k, c in enumerate(counts) if c))
    median = int(pd.Series(pub.published_models().columns["imagenet_m_correct"]).median())
    mine = "; ".join(f"{name}: {k}/{total}" for name, k in scores.items())
    st.caption(
        _("Published: median {median}/68, best {best}/68 (bars). ").format(median=median, best=best)
        + (_("Loaded (black lines): {models}.").format(models=md(mine)) if scores else "")
    )
