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

page_header("Compare two models", source, models)
if len(models) < 2:
    if not models:
        no_models_prompt(source)
    else:
        st.info("Load a second prediction file in the sidebar to compare two models.")
    st.stop()

names = list(models)
c1, c2 = st.columns(2)
a_name = widgets.selectbox(c1, "Model A", names, index=0, key="cmp_a")
b_name = widgets.selectbox(c2, "Model B", [n for n in names if n != a_name], index=0, key="cmp_b")
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
    help="Multi-label accuracy, recommended protocol, %.",
)
m[1].metric(f"B: {md(b_name)}", f"{100 * eb.multilabel_accuracy:.2f}")
m[2].metric(
    "A − B",
    f"{100 * (ea.multilabel_accuracy - eb.multilabel_accuracy):+.2f}",
    help="Difference of the headline numbers, percentage points.",
)
p_text = "< 1e-16" if res.p_value < 1e-16 else f"{res.p_value:.3g}"
m[3].metric(
    "McNemar p",
    p_text,
    help="Exact two-sided McNemar test on per-image multi-label correctness over the "
    "non-problematic images: are the discordant images split evenly?",
)
m[4].metric(
    "Classes where A is better / worse / equal",
    f"{res.class_wins}/{res.class_losses}/{res.class_ties}",
    help="Per-class multi-label accuracy, A against B.",
)

st.markdown(
    f"On the {res.both + res.neither + res.a_only + res.b_only:,} non-problematic images: "
    f"both right **{res.both:,}**, both wrong **{res.neither:,}**, only A right "
    f"**{res.a_only:,}**, only B right **{res.b_only:,}**."
)
b1, b2 = st.columns(2)
if b1.button(f"Browse the {res.a_only:,} images only A gets right", disabled=not res.a_only):
    st.switch_page(BROWSE_PAGE, query_params=to_params(beats_view(a_name, b_name)))
if b2.button(f"Browse the {res.b_only:,} images only B gets right", disabled=not res.b_only):
    st.switch_page(BROWSE_PAGE, query_params=to_params(beats_view(b_name, a_name)))

st.subheader("Per class")
pa = per_class_cached(table, a)
pb = per_class_cached(table, b)
scatter = pd.DataFrame(
    {
        "class": pa["name"],
        "wnid": pa["wnid"],
        "A": pa["multilabel_accuracy"],
        "B": pb["multilabel_accuracy"],
        "images": pa["images"],
    }
)
scatter = scatter[scatter["images"] > 0]
scatter["A − B"] = scatter["A"] - scatter["B"]
points = (
    alt.Chart(scatter)
    .mark_circle(size=36, opacity=0.8)
    .encode(
        x=alt.X("A:Q", title=f"A: {a_name}", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("B:Q", title=f"B: {b_name}", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("A − B:Q", scale=alt.Scale(scheme="redblue", domain=[-0.5, 0.5])),
        tooltip=[
            "class",
            "wnid",
            alt.Tooltip("A", format=".3f"),
            alt.Tooltip("B", format=".3f"),
            "images",
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
    f"Per-class multi-label accuracy of {a_name} (x) against {b_name} (y), one dot per class; "
    "the table below gives every figure.",
)
st.altair_chart(chart, width="stretch")
st.caption(
    md(
        f"Each point is a class's multi-label accuracy; above the diagonal {b_name} "
        f"does better, below it {a_name}."
    )
)
st.dataframe(
    scatter.sort_values("A − B"),
    hide_index=True,
    width="stretch",
    column_config={k: st.column_config.NumberColumn(format="%.3f") for k in ("A", "B", "A − B")},
)
