"""Overview: what the dataset is, what the loaded source holds, and the loaded models."""

import numpy as np
import pandas as pd
import streamlit as st

from data_access.analysis.real import DISAGREEMENTS
from data_access.browse.view import BrowseState
from ui.grid import image_grid
from ui.language import translator
from ui.pages import BROWSE_PAGE
from ui.render import first_rows, headline_table, page_header
from ui.state import context
from ui.text import md

ctx = context()
source, models = ctx.source, ctx.models
info = source.info()
table = source.table

page_header("ImageNet Multi-Label Review", source, models)
st.caption(md(source.description))
_ = translator()
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

cols = st.columns(6)
cols[0].metric("Images", f"{info['images']:,}")
cols[1].metric(
    "Problematic",
    f"{info['problematic']:,}",
    help="Skipped by the recommended multi-label accuracy.",
)
cols[2].metric("ImageNet-M", f"{info['imagenet_m']:,}")
cols[3].metric("Classes", f"{info['classes']:,}")
cols[4].metric(
    "Multi-label images",
    f"{info['multi_label_images']:,}",
    help="Non-problematic images with more than one accepted (correct or unclear) label.",
)
cols[5].metric(
    "Mean accepted labels",
    f"{info['mean_accepted_labels']:.3f}",
    help="Distinct correct or unclear labels per non-problematic image.",
)

if not source.has_images:
    st.info(
        "This source has labels only: no pictures. Give an image folder or the validation "
        "tar in the sidebar to see them."
    )
elif info.get("images_missing"):
    st.warning(
        f"{info['images_missing']:,} annotated images were not found among the images, "
        f"for example {md(', '.join(info['missing_examples']))}."
    )

st.subheader("Loaded models")
if models:
    # A plain table (real HTML text, readable by screen readers and copy-paste).
    st.table(headline_table(source, models).set_index("model"))
    st.caption(
        "Multi-label accuracy is the recommended protocol (in %); the interval is a seeded "
        "bootstrap over images within classes. Original top-1 is on the same non-problematic "
        "images, for comparison only."
    )
else:
    st.info("No predictions loaded: upload prediction files in the sidebar.")

st.subheader("The label sets")
c1, c2, c3 = st.columns(3)
keep = table.evaluated
counts = pd.Series(table.num_accepted[keep]).value_counts().sort_index()
c1.caption("Accepted labels per non-problematic image")
c1.bar_chart(
    pd.DataFrame({"images": counts.values}, index=counts.index.astype(str)),
    x_label="accepted labels",
    y_label="images",
)
reasons = pd.Series(table.problematic_reason[table.is_problematic]).replace("", "not recorded")
c2.caption("Problematic images by reason")
if len(reasons):
    rc = reasons.value_counts()
    c2.bar_chart(
        pd.DataFrame({"images": rc.values}, index=rc.index),
        horizontal=True,
        x_label="images",
        y_label="",
    )
else:
    c2.caption("none")
per_class = np.bincount(table.original_label[table.is_problematic], minlength=1000)
hist = pd.Series(per_class).value_counts().sort_index()
c3.caption("Classes by number of problematic images")
c3.bar_chart(
    pd.DataFrame({"classes": hist.values}, index=hist.index.astype(str)),
    x_label="problematic images in the class",
    y_label="classes",
)

if table.real_disagreements is not None:
    st.subheader("The experts and ReaL")
    who = (
        "a synthetic stand-in for the ReaL labels (demo)"
        if table.real.synthetic
        else "the ReaL labels (Beyer et al. 2020)"
    )
    st.markdown(
        f"A second re-annotation of the same images, {who}, accepts its own set of labels per "
        f"image. Where the two disagree, on this source's {len(table):,} images:"
    )
    kinds = [*st.columns(2), *st.columns(2)]  # two by two: the labels are sentences
    for col, (kind, words) in zip(kinds, DISAGREEMENTS.items(), strict=True):
        col.metric(words, f"{int(table.real_disagreements[kind].sum()):,}")
        col.page_link(BROWSE_PAGE, label="Show in Browse", query_params={"real": kind})
    st.caption(md(table.real.citation))

st.subheader("Examples from this source")
examples = {
    "Several correct labels": first_rows(table, keep & (table.correct_multi_labels.lengths > 1)),
    "Unclear labels": first_rows(table, keep & (table.unclear_multi_labels.lengths > 0)),
    "Problematic": first_rows(table, table.is_problematic),
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
    label="Examples from this source",
    headings=list(found),
)
missing = [title for title, rows in examples.items() if not rows]
if missing:
    st.caption(md("None in this source: " + ", ".join(missing)))
