"""Accuracy: every loaded model under the recommended protocol and its companions, per class,
by WordNet group, and the most frequent confusions."""

import altair as alt
import pandas as pd
import streamlit as st

from data_access.analysis import metrics
from data_access.analysis.evaluation import Evaluation
from data_access.analysis.published import evaluated_rank
from data_access.browse.url import to_params
from data_access.browse.view import BrowseState, mistakes_view
from data_access.classes import load_classes
from data_access.csv_safe import frame_csv
from data_access.i18n import N_
from ui import widgets
from ui.cache import evaluate_cached, per_class_cached
from ui.charts import LABEL_LIMIT, on_canvas
from ui.language import translator
from ui.leaderboard import leaderboard
from ui.models import is_upload
from ui.pages import BROWSE_PAGE
from ui.render import (
    missing_as_dash,
    no_models_prompt,
    page_header,
)
from ui.revised import rescore_section
from ui.state import context
from ui.text import md

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
classes = load_classes()
# Widgets that navigate away get fresh keys afterwards, so coming back does not jump again.
gen = st.session_state.setdefault("acc_gen", 0)


def go_browse(state: BrowseState) -> None:
    st.session_state.acc_gen = gen + 1
    st.switch_page(BROWSE_PAGE, query_params=to_params(state))


_ = translator()
page_header(_("Accuracy"), source, None)
if not models:
    no_models_prompt(source)
    st.divider()
    leaderboard(source, models)  # the published models alone are context worth a look
    st.stop()

# The summary's columns (English in the frame and its CSV; shown in the page's language).
HELP = {
    N_("multi-label accuracy"): N_(
        "The recommended protocol: problematic images skipped; a top-1 prediction in the "
        "correct or unclear set counts; per-class accuracies averaged over the 1000 classes. "
        "In %."
    ),
    N_("95% CI"): N_(
        "Seeded percentile bootstrap (1000 replicates) resampling images within classes."
    ),
    N_("strict"): N_("As the headline, but unclear labels count as wrong."),
    N_("per-image"): N_("Multi-label correctness averaged over images instead of classes."),
    N_("top-1 (same images)"): N_("Original ImageNet label, on the same non-problematic images."),
    N_("top-1 (all 20,000)"): N_("Original ImageNet label, on every annotated image."),
    N_("ML top-5"): N_("Any of the top 5 predictions accepted; class-averaged like the headline."),
    "ImageNet-M": N_(
        "Of the 68 hard images, how many the top-1 prediction gets right (correct or unclear)."
    ),
    "ReaL": N_(
        "ReaL accuracy (Beyer et al. 2020): over all 50,000 validation images that have a ReaL "
        "label, the share whose top-1 is among them. Empty when the file does not cover them "
        "all (not estimated)."
    ),
    N_("ReaL (annotated)"): N_(
        "ReaL accuracy on the annotated images only (missing predictions count as wrong)."
    ),
    N_("better than (published)"): N_(
        "Published models with a lower multi-label accuracy; published figures are from the "
        "real dataset."
    ),
    N_("coverage"): N_("Annotated images with a prediction; missing ones count as wrong."),
    N_("unjudged"): N_(
        "Non-problematic images whose predicted class is in no label set: nobody judged it "
        "(the sets came from a 67-model testbed)."
    ),
}


def _real_columns(e: Evaluation) -> dict:
    """ReaL columns when the source has ReaL labels; the published rank when known."""
    out = {}
    if table.real is not None:
        out["ReaL"] = None if e.real_accuracy is None else 100 * e.real_accuracy
        out["ReaL (annotated)"] = (
            None if e.real_accuracy_annotated is None else 100 * e.real_accuracy_annotated
        )
    rank = evaluated_rank(e)
    if rank:
        out["better than (published)"] = _("{k} of {n}").format(
            k=rank["better_than"], n=rank["total"]
        )
    return out


rows = []
for m in models.values():
    e = evaluate_cached(table, m)
    rows.append(
        {
            "model": m.name,
            "multi-label accuracy": 100 * e.multilabel_accuracy,
            "95% CI": f"{100 * e.ci95[0]:.2f}–{100 * e.ci95[1]:.2f}",
            "strict": 100 * e.multilabel_accuracy_strict,
            "per-image": 100 * e.multilabel_accuracy_per_image,
            "top-1 (same images)": 100 * e.top1_accuracy,
            "top-1 (all 20,000)": 100 * e.top1_accuracy_all,
            "ML top-5": None
            if e.multilabel_top5_accuracy is None
            else 100 * e.multilabel_top5_accuracy,
            "ImageNet-M": f"{e.imagenet_m_correct}/{e.imagenet_m_total}",
            **_real_columns(e),
            "coverage": 100 * e.coverage,
            "unjudged": e.unjudged_predictions,
        }
    )
summary = pd.DataFrame(rows)
pct = {"format": "%.2f"}
# A number that does not exist (ReaL over a file that does not cover every image) shows as an
# em dash, its column's help says why; the CSV keeps it empty.
shown, missing = missing_as_dash(summary, "%.2f")
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    key="summary",
    column_config={
        "model": st.column_config.TextColumn(_("model")),
        **{
            k: st.column_config.NumberColumn(_(k), help=_(HELP[k]), **pct)
            for k in (
                "multi-label accuracy",
                "strict",
                "per-image",
                "top-1 (same images)",
                "top-1 (all 20,000)",
                "ML top-5",
                "ReaL",
                "ReaL (annotated)",
            )
        },
        "better than (published)": st.column_config.TextColumn(
            _("better than (published)"), help=_(HELP["better than (published)"])
        ),
        "95% CI": st.column_config.TextColumn(_("95% CI"), help=_(HELP["95% CI"])),
        "ImageNet-M": st.column_config.TextColumn("ImageNet-M", help=_(HELP["ImageNet-M"])),
        "coverage": st.column_config.NumberColumn(
            _("coverage"), help=_(HELP["coverage"]), format="%.1f %%"
        ),
        "unjudged": st.column_config.NumberColumn(_("unjudged"), help=_(HELP["unjudged"])),
        **{k: st.column_config.TextColumn(_(k), help=_(HELP[k])) for k in missing if k in HELP},
    },
)
st.download_button(
    _("Download this table (CSV)"),
    frame_csv(summary).encode(),
    file_name="accuracy_summary.csv",
    mime="text/csv",
)
rescore_section(table, models, ctx.args.revised_labels)
for m in models.values():
    for note in m.shown_notes(hide_content=not is_upload(m.source), _=_):
        st.warning(md(f"{m.name}: {note}"))
classes_evaluated = e.classes_evaluated  # the same for every model of this source
if classes_evaluated < 1000:
    st.warning(
        _(
            "Only {n} of 1000 classes have non-problematic images in this source: the numbers "
            "average over those classes; the recommended protocol needs all 1000."
        ).format(n=classes_evaluated)
    )

st.divider()
name = widgets.selectbox(st, _("Details for model"), list(models), key="acc_model")
model = models[name]
pc = per_class_cached(table, model)
present = pc[pc["images"] > 0]

st.subheader(_("Per class"))
chart_data = present.sort_values("multilabel_accuracy").reset_index(drop=True)
chart_data["rank"] = range(len(chart_data))
base = alt.Chart(chart_data).encode(
    x=alt.X("rank:Q", title=_("classes, sorted by multi-label accuracy")),
    tooltip=[
        "name",
        "wnid",
        alt.Tooltip("multilabel_accuracy", format=".3f"),
        alt.Tooltip("top1_accuracy", format=".3f"),
        alt.Tooltip("gap", format="+.3f"),
    ],
)
chart = alt.layer(
    base.mark_rule(color="#f58518", opacity=0.5).encode(
        y=alt.Y("top1_accuracy:Q", title=_("accuracy")), y2="multilabel_accuracy:Q"
    ),
    base.mark_point(color="#4c78a8", filled=True, size=12).encode(y="multilabel_accuracy:Q"),
).properties(height=260)
chart = on_canvas(
    chart,
    _(
        "Multi-label accuracy of {model} per class ({n} classes, sorted), with the gap to "
        "original top-1 accuracy; the per-class table below gives every figure."
    ).format(model=name, n=len(chart_data)),
)
st.altair_chart(chart, width="stretch")
st.caption(
    _(
        "Blue: multi-label accuracy per class. Orange bars: the gap to original top-1 accuracy "
        "on the same images (long bars: the original labels undercount the model)."
    )
)

query = st.text_input(_("Search classes (name, synonym or wnid)"), key="acc_search")
shown = present
if query.strip():
    from data_access.browse.choices import search_classes

    shown = present[present["index"].isin(search_classes(query))]
event = st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key=f"per_class_{name}_{gen}",
    column_config={
        "index": st.column_config.NumberColumn(_("index")),
        "name": st.column_config.TextColumn(_("class")),
        "images": st.column_config.NumberColumn(_("images")),
        "multilabel_accuracy": st.column_config.NumberColumn(_("multi-label"), format="%.3f"),
        "strict_accuracy": st.column_config.NumberColumn(_("strict"), format="%.3f"),
        "top1_accuracy": st.column_config.NumberColumn(_("top-1"), format="%.3f"),
        "gap": st.column_config.NumberColumn(
            _("gap"), format="%+.3f", help=_("multi-label minus top-1")
        ),
        "real_accuracy": st.column_config.NumberColumn(
            "ReaL", format="%.3f", help=_("annotated images of the class with a ReaL label")
        ),
        "real_images": st.column_config.NumberColumn(_("ReaL images")),
    },
)
selected = event.selection.rows if event else []
if selected:
    row_class = int(shown["index"].iloc[selected[0]])
    go_browse(mistakes_view(name, row_class))
c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
choice = widgets.selectbox(
    c1,
    _("Show a class's mistakes in Browse"),
    shown["index"].tolist(),
    index=None,
    format_func=lambda i: f"{classes.names[i]} ({classes.wnids[i]})",
    key=f"acc_class_{gen}",
    placeholder=_("select a row above or pick a class"),
)
if c2.button(_("Open in Browse"), disabled=choice is None) and choice is not None:
    go_browse(mistakes_view(name, int(choice)))
st.download_button(
    _("Download per-class CSV"),
    frame_csv(shown).encode(),
    file_name=f"per_class_{name}.csv",
    mime="text/csv",
)

st.subheader(_("By WordNet group"))
groups = pd.DataFrame(metrics.groups(table, model))
# The table, then its chart under it at the page's width: the longer group names need room.
st.dataframe(
    groups,
    hide_index=True,
    width="stretch",
    column_config={
        "group": st.column_config.TextColumn(_("group")),
        "classes": st.column_config.NumberColumn(_("classes")),
        "multilabel_accuracy": st.column_config.NumberColumn(_("multi-label"), format="%.3f"),
        "top1_accuracy": st.column_config.NumberColumn(_("top-1"), format="%.3f"),
    },
)
melted = groups.melt(
    id_vars=["group"],
    value_vars=["multilabel_accuracy", "top1_accuracy"],
    var_name="metric",
    value_name="accuracy",
)
metric_names = {"multilabel_accuracy": _("multi-label"), "top1_accuracy": _("top-1")}
melted["metric"] = melted["metric"].map(metric_names)
st.altair_chart(
    alt.Chart(melted)
    .mark_bar()
    .encode(
        y=alt.Y("group:N", sort="-x", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        x=alt.X("accuracy:Q", title=_("accuracy")),
        yOffset="metric:N",
        color=alt.Color("metric:N", title=None),
        tooltip=[
            alt.Tooltip("group:N", title=_("group")),
            alt.Tooltip("metric:N", title=_("metric")),
            alt.Tooltip("accuracy:Q", title=_("accuracy"), format=".3f"),
        ],
    )
    .properties(height=320),
    width="stretch",
)

st.subheader(_("Most frequent confusions among multi-label mistakes"))
conf = pd.DataFrame(metrics.confusions(table, model.top1, limit=20))
if conf.empty:
    st.caption(_("No mistakes on non-problematic images."))
else:
    conf["original class"] = [classes.names[i] for i in conf["original"]]
    conf["predicted class"] = [classes.names[i] for i in conf["predicted"]]
    st.dataframe(
        conf[["original class", "predicted class", "count"]],
        hide_index=True,
        width="stretch",
        column_config={
            "original class": st.column_config.TextColumn(_("original class")),
            "predicted class": st.column_config.TextColumn(_("predicted class")),
            "count": st.column_config.NumberColumn(_("count")),
        },
    )
    pick = widgets.selectbox(
        st,
        _("Show a confusion's images in Browse"),
        list(range(len(conf))),
        index=None,
        format_func=lambda k: (
            f"{conf['original class'][k]} → {conf['predicted class'][k]} ({conf['count'][k]})"
        ),
        key=f"acc_conf_{gen}",
        placeholder=_("pick a confusion"),
    )
    if pick is not None:
        go_browse(mistakes_view(name, int(conf["original"][pick]), int(conf["predicted"][pick])))

st.divider()
leaderboard(source, models)
