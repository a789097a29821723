"""ImageNet-M: the 68 hard images, each model's score, a pass/fail matrix and a gallery."""

import numpy as np
import pandas as pd
import streamlit as st

from data_access.analysis import metrics
from data_access.browse.url import to_params
from data_access.browse.view import BrowseState
from data_access.classes import load_classes
from data_access.csv_safe import frame_csv
from data_access.errors import DataError
from data_access.i18n import N_
from ui import widgets
from ui.grid import image_grid
from ui.language import translator
from ui.leaderboard import imagenet_m_distribution
from ui.pages import LABELS_PAGE
from ui.render import metric_under_text, page_header
from ui.revised import rescore_section
from ui.state import context
from ui.text import md, message_of

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
classes = load_classes()

_ = translator()
page_header("ImageNet-M", source, models)
rows = np.flatnonzero(table.in_imagenet_m)
st.markdown(
    _(
        "The **{n}** images on which top models still make major mistakes (Vasudevan et al. "
        "2022). A model solves an image when its top-1 prediction is in the correct or unclear "
        "set; the score is k of 68."
    ).format(n=len(rows))
)
if not len(rows):
    st.info(_("This source has no ImageNet-M images."))
    st.stop()

SCORES_PER_ROW = 3
solved = {name: metrics.hits(table, m.top1)[rows] for name, m in models.items()}
if models:
    # Three scores a row, each model's name above its score where it can wrap: six to a row
    # cut the scores at a projector's 1024 pixels, and a metric's own label cut timm names.
    names = list(solved)
    for start in range(0, len(names), SCORES_PER_ROW):
        row = st.columns(SCORES_PER_ROW, vertical_alignment="bottom")
        for col, name in zip(row, names[start : start + SCORES_PER_ROW], strict=False):
            metric_under_text(col, name, f"{int(solved[name].sum())}/{len(rows)}")
else:
    st.info(_("No predictions loaded: the gallery shows the images and their labels only."))
rescore_section(table, models, ctx.args.revised_labels, imagenet_m=True)
st.page_link(
    LABELS_PAGE,
    label=_("Review the labels of these images"),
    query_params=to_params(BrowseState(states=("imagenet_m",))),
)
# On demand: a chart costs the browser more than the rest of the page's first load.
if st.toggle(_("Compare with the published models' ImageNet-M scores"), key="m_published"):
    imagenet_m_distribution(source, {n: int(ok.sum()) for n, ok in solved.items()}, len(rows))

counts = np.sum(list(solved.values()), axis=0) if models else np.zeros(len(rows), int)
SHOW = {
    "all": N_("all"),
    "solved by no model": N_("solved by no model"),
    "solved by some models": N_("solved by some models"),
    "solved by every model": N_("solved by every model"),
}
which = widgets.radio(
    st,
    _("Show"),
    list(SHOW),
    format_func=lambda k: _(SHOW[k]),
    horizontal=True,
    key="m_filter",
    disabled=not models,
)
keep = {
    "all": np.ones(len(rows), bool),
    "solved by no model": counts == 0,
    "solved by some models": (counts > 0) & (counts < len(models)),
    "solved by every model": (counts == len(models)) & (len(models) > 0),
}[which]
shown = rows[keep]
st.caption(_("{k} of {n} images").format(k=len(shown), n=len(rows)))

# Imported reference categorisations (e.g. the paper's), shown next to each image.
try:
    db = ctx.reviews()
    references = {name: db.reference(name) for name in db.reference_sets()}
except DataError as e:
    st.warning(md(_("Reference categorisations unavailable: ") + message_of(e)))
    references = {}


def _ref_text(ref: dict | None) -> str:
    return f"{ref['raw_category']} / {ref['raw_severity']}" if ref else ""


if models or references:
    matrix = pd.DataFrame(
        {name: np.where(ok[keep], "✓", "✗") for name, ok in solved.items()},
        index=[str(table.file_name[r]) for r in shown],
    )
    matrix.insert(0, "class", [classes.names[int(table.original_label[r])] for r in shown])
    matrix.insert(1, "models solving", counts[keep])
    for set_name, ref in references.items():
        matrix[f"reference: {set_name}"] = [
            _ref_text(ref.get(str(table.file_name[r]))) for r in shown
        ]
    # On screen in the page's language; the CSV keeps its English column names for scripts.
    shown_matrix = matrix.rename(
        columns={"class": _("class"), "models solving": _("models solving")}
        | {f"reference: {n}": _("reference: {name}").format(name=n) for n in references}
    )
    title = _("Pass/fail matrix (models × images) and reference categories")
    with st.expander(title, expanded=True):
        st.dataframe(shown_matrix, width="stretch")
        st.download_button(
            _("Download the matrix (CSV)"),
            frame_csv(matrix, index=True).encode(),
            file_name="imagenet_m_matrix.csv",
            mime="text/csv",
        )

image_grid(
    source,
    models,
    shown.tolist(),
    BrowseState(states=("imagenet_m",)),
    key="imagenet_m_grid",
    label=_("ImageNet-M images: {which}").format(which=_(SHOW[which])),
)
