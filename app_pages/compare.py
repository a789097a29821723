"""Compare two models: paired numbers on the same images, a per-class scatter, and the images
one gets right and the other wrong."""

import altair as alt
import pandas as pd
import streamlit as st

from data_access.analysis import metrics
from data_access.browse.url import to_params
from data_access.browse.view import beats_view
from ui import widgets
from ui.cache import evaluate_cached, per_class_cached
from ui.charts import on_canvas
from ui.language import translator
from ui.pages import BROWSE_PAGE
from ui.render import (
    no_models_prompt,
    page_header,
)
from ui.state import context
from ui.text import md

ctx = context()
source, models = ctx.source, ctx.models
table = source.table

_ = translator()
page_header(_("Compare two models"), source, models)
if len(models) < 2:
    if not models:
        no_models_prompt(source)
    else:
        st.info(_("Load a second prediction file in the sidebar to compare two models."))
    st.stop()

names = list(models)
c1, c2 = st.columns(2)
a_name = widgets.selectbox(c1, _("Model A"), names, index=0, key="cmp_a")
others = [n for n in names if n != a_name]
b_name = widgets.selectbox(c2, _("Model B"), others, index=0, key="cmp_b")
a, b = models[a_name], models[b_name]
ea = evaluate_cached(table, a)
eb = evaluate_cached(table, b)
res = metrics.paired(table, a, b)

# A row that wraps, each metric as wide as its label: five fixed columns cut the longer
# labels off ("Classes A better/worse…") at 1280 pixels.
row = st.container(horizontal=True, wrap=True, gap="large")
m = [row] * 5
m[0].metric(
    f"A: {md(a_name)}",
    f"{100 * ea.multilabel_accuracy:.2f}",
    help=_("Multi-label accuracy, recommended protocol, %."),
)
m[1].metric(f"B: {md(b_name)}", f"{100 * eb.multilabel_accuracy:.2f}")
m[2].metric(
    "A − B",
    f"{100 * (ea.multilabel_accuracy - eb.multilabel_accuracy):+.2f}",
    help=_("Difference of the headline numbers, percentage points."),
)
p_text = "< 1e-16" if res.p_value < 1e-16 else f"{res.p_value:.3g}"
m[3].metric(
    "McNemar p",
    p_text,
    help=_(
        "Exact two-sided McNemar test on per-image multi-label correctness over the "
        "non-problematic images: are the discordant images split evenly?"
    ),
)
m[4].metric(
    _("Classes where A is better / worse / equal"),
    f"{res.class_wins}/{res.class_losses}/{res.class_ties}",
    help=_("Per-class multi-label accuracy, A against B."),
)

st.markdown(
    _(
        "On the {n} non-problematic images: both right **{both}**, both wrong **{neither}**, "
        "only A right **{a}**, only B right **{b}**."
    ).format(
        n=f"{res.both + res.neither + res.a_only + res.b_only:,}",
        both=f"{res.both:,}",
        neither=f"{res.neither:,}",
        a=f"{res.a_only:,}",
        b=f"{res.b_only:,}",
    )
)
# One under the other: a button's label is one line, and side by side the Hindi ones were
# cut short at 1024 pixels wide (a projector's).
only_a = _("Browse the {n} images only A gets right").format(n=f"{res.a_only:,}")
if st.button(only_a, disabled=not res.a_only):
    st.switch_page(BROWSE_PAGE, query_params=to_params(beats_view(a_name, b_name)))
only_b = _("Browse the {n} images only B gets right").format(n=f"{res.b_only:,}")
if st.button(only_b, disabled=not res.b_only):
    st.switch_page(BROWSE_PAGE, query_params=to_params(beats_view(b_name, a_name)))

st.subheader(_("Per class"))
CLASS, IMAGES = _("class"), _("images")
pa = per_class_cached(table, a)
pb = per_class_cached(table, b)
scatter = pd.DataFrame(
    {
        CLASS: pa["name"],
        "wnid": pa["wnid"],
        "A": pa["multilabel_accuracy"],
        "B": pb["multilabel_accuracy"],
        IMAGES: pa["images"],
    }
)
scatter = scatter[scatter[IMAGES] > 0]
scatter["A − B"] = scatter["A"] - scatter["B"]
points = (
    alt.Chart(scatter)
    .mark_circle(size=36, opacity=0.8)
    .encode(
        x=alt.X("A:Q", title=f"A: {a_name}", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("B:Q", title=f"B: {b_name}", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("A − B:Q", scale=alt.Scale(scheme="redblue", domain=[-0.5, 0.5])),
        tooltip=[
            alt.Tooltip(f"{CLASS}:N"),
            "wnid",
            alt.Tooltip("A", format=".3f"),
            alt.Tooltip("B", format=".3f"),
            alt.Tooltip(f"{IMAGES}:Q"),
        ],
    )
)
diagonal = (
    alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]}))
    .mark_line(color="gray", strokeDash=[4, 4])
    .encode(x="x", y="y")
)
chart = on_canvas(
    (diagonal + points).properties(height=420),
    _(
        "Per-class multi-label accuracy of {a} (x) against {b} (y), one dot per class; the "
        "table below gives every figure."
    ).format(a=a_name, b=b_name),
)
st.altair_chart(chart, width="stretch")
st.caption(
    _(
        "Each point is a class's multi-label accuracy; above the diagonal {b} does better, "
        "below it {a}."
    ).format(a=md(a_name), b=md(b_name))
)
st.dataframe(
    scatter.sort_values("A − B"),
    hide_index=True,
    width="stretch",
    column_config={k: st.column_config.NumberColumn(format="%.3f") for k in ("A", "B", "A − B")},
)
