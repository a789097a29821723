"""Overview: what the dataset is, what the loaded source holds, and the loaded models."""

import numpy as np
import pandas as pd
import streamlit as st

from data_access.analysis.real import DISAGREEMENTS
from data_access.browse.view import BrowseState
from data_access.i18n import N_
from ui.charts import bars
from ui.grid import image_grid
from ui.language import translator
from ui.pages import BROWSE_PAGE
from ui.render import first_rows, headline_table, metric_under_text, page_header
from ui.state import context
from ui.text import md

ctx = context()
source, models = ctx.source, ctx.models
info = source.info()
table = source.table

_ = translator()
page_header(_("ImageNet Multi-Label Review"), source, models)
st.caption(md(_(source.description)))
st.markdown(
    _(
        "ImageNet's validation labels give one class per image, yet many images show several "
        "classes, and some original labels are simply wrong. Experts judged the candidate "
        "labels of 20,000 validation images as **correct**, **unclear** or **wrong** "
        "([Shankar et al. 2020](https://arxiv.org/abs/2006.07888)) and flagged *problematic* "
        "images. The dataset's recommended **multi-label accuracy** skips problematic images, "
        "accepts a prediction in the correct or unclear set, and averages per-class "
        "accuracies. **ImageNet-M** is the 68 images on which top models still make major "
        "mistakes ([Vasudevan et al. 2022](https://arxiv.org/abs/2205.04596))."
    )
)

# Two rows of three: six columns cut "Multi-label images" and "Mean accepted labels" short
# at 1280 pixels wide (a metric's label is one line).
cols = [*st.columns(3), *st.columns(3)]
cols[0].metric(_("Images"), f"{info['images']:,}")
cols[1].metric(
    _("Problematic"),
    f"{info['problematic']:,}",
    help=_("Skipped by the recommended multi-label accuracy."),
)
cols[2].metric("ImageNet-M", f"{info['imagenet_m']:,}")
cols[3].metric(_("Classes"), f"{info['classes']:,}")
cols[4].metric(
    _("Multi-label images"),
    f"{info['multi_label_images']:,}",
    help=_("Non-problematic images with more than one accepted (correct or unclear) label."),
)
cols[5].metric(
    _("Mean accepted labels"),
    f"{info['mean_accepted_labels']:.3f}",
    help=_("Distinct correct or unclear labels per non-problematic image."),
)

if not source.has_images:
    st.info(
        _(
            "This source has labels only: no pictures. Give an image folder or the validation "
            "tar in the sidebar to see them."
        )
    )
elif info.get("images_missing"):
    st.warning(
        _("{n} annotated images were not found among the images, for example {examples}.").format(
            n=f"{info['images_missing']:,}", examples=md(", ".join(info["missing_examples"]))
        )
    )

st.subheader(_("Loaded models"))
if models:
    # A plain table (real HTML text, readable by screen readers and copy-paste).
    st.table(headline_table(source, models).set_index(_("model")))
    st.caption(
        _(
            "Multi-label accuracy is the recommended protocol (in %); the interval is a seeded "
            "bootstrap over images within classes. Original top-1 is on the same "
            "non-problematic images, for comparison only."
        )
    )
else:
    st.info(_("No predictions loaded: upload prediction files in the sidebar."))

st.subheader(_("The label sets"))
c1, c2 = st.columns(2)
keep = table.evaluated
images_axis = _("images")
accepted = pd.Series(table.num_accepted[keep]).value_counts().sort_index()
bars(
    c1,
    _("Accepted labels per non-problematic image"),
    accepted,
    label_title=_("accepted labels"),
    count_title=images_axis,
)
per_class = np.bincount(table.original_label[table.is_problematic], minlength=1000)
bars(
    c2,
    _("Classes by number of problematic images"),
    pd.Series(per_class).value_counts().sort_index(),
    label_title=_("problematic images in the class"),
    count_title=_("classes"),
)
# The reasons are sentences: their chart has the page's width, so none is cut short.
reasons = pd.Series(table.problematic_reason[table.is_problematic]).replace("", N_("not recorded"))
if len(reasons):
    by_reason = reasons.value_counts().rename(index=_)
    bars(
        st,
        _("Problematic images by reason"),
        by_reason,
        label_title="",
        count_title=images_axis,
        horizontal=True,
    )
else:
    st.caption(_("Problematic images by reason"))
    st.caption(_("none"))

if table.real_disagreements is not None:
    st.subheader(_("The experts and ReaL"))
    who = (
        _("a synthetic stand-in for the ReaL labels (demo)")
        if table.real.synthetic
        else _("the ReaL labels (Beyer et al. 2020)")
    )
    st.markdown(
        _(
            "A second re-annotation of the same images, {who}, accepts its own set of labels "
            "per image. Where the two disagree, on this source's {n} images:"
        ).format(who=who, n=f"{len(table):,}")
    )
    kinds = [*st.columns(2), *st.columns(2)]  # two by two: the labels are sentences
    for col, (kind, words) in zip(kinds, DISAGREEMENTS.items(), strict=True):
        # The Hindi sentences were cut short at 1024 pixels wide as one-line metric labels.
        metric_under_text(col, _(words), f"{int(table.real_disagreements[kind].sum()):,}")
        col.page_link(BROWSE_PAGE, label=_("Show in Browse"), query_params={"real": kind})
    st.caption(md(_(table.real.citation)))

st.subheader(_("Examples from this source"))
examples = {
    _("Several correct labels"): first_rows(table, keep & (table.correct_multi_labels.lengths > 1)),
    _("Unclear labels"): first_rows(table, keep & (table.unclear_multi_labels.lengths > 0)),
    _("Problematic"): first_rows(table, table.is_problematic),
    "ImageNet-M": first_rows(table, table.in_imagenet_m),
}
found = {title: rows[0] for title, rows in examples.items() if rows}
image_grid(
    source,
    models,
    list(found.values()),
    BrowseState(),
    key="overview_examples",
    columns=4,
    label=_("Examples from this source"),
    headings=list(found),
)
missing = [title for title, rows in examples.items() if not rows]
if missing:
    st.caption(md(_("None in this source: ") + ", ".join(missing)))
