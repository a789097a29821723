"""Overview: what the loaded source holds."""

import pandas as pd
import streamlit as st

from ui.state import current_source
from ui.text import md

source = current_source()
info = source.info()

st.title("ImageNet Multi-Label Review")
if source.synthetic:
    st.warning(
        "**Synthetic demo data.** The labels and pictures are generated; they only have the "
        "shape of the real `imagenet2012_multilabel` split. Open a real source in the sidebar.",
        icon=":material/science:",
    )
st.caption(md(source.description))

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

table = source.table
counts = pd.Series(table.num_accepted[~table.is_problematic]).value_counts().sort_index()
st.subheader("Accepted labels per non-problematic image")
st.bar_chart(
    pd.DataFrame({"images": counts.values}, index=counts.index.astype(str)),
    x_label="accepted labels",
    y_label="images",
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

with st.expander("Source details"):
    st.json(info)
