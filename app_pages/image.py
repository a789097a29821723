"""Image detail: one image with every label set, the problematic reason, each model's top-k
and verdict, and previous/next within the current Browse view. Linkable:
``/image?image=ILSVRC2012_val_00000001.JPEG`` plus any Browse filters."""

import numpy as np
import pandas as pd
import streamlit as st

from data_access.browse.url import from_params, to_params
from data_access.browse.view import view_rows
from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.i18n import N_
from data_access.reviews import CATEGORIES, SEVERITIES
from data_access.schema import LABEL_SETS, verdict_is_right
from ui.language import translator
from ui.pages import BROWSE_PAGE, LABELS_PAGE
from ui.render import (
    badges,
    original_label_line,
    page_header,
    query_params_dict,
    real_section,
    show_problems,
)
from ui.state import context
from ui.suspects import suspect_view
from ui.text import md, message_of
from ui.viewer import image_viewer

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
classes = load_classes()
parsed = from_params(query_params_dict(), models, table, translator())
state = parsed.state
show_problems(parsed.problems)

_ = translator()
if state.image is None:
    st.title(_("Image"))
    st.info(_("No image chosen. Pick one in Browse (its Details button)."))
    if st.button(_("Go to Browse")):
        st.switch_page(BROWSE_PAGE, query_params=to_params(state))
    st.stop()

name = state.image
row = table.row_of[name]
orig = int(table.original_label[row])
# The view the image was opened from, label-error scores included when it is ranked by them.
view, evidence = suspect_view(source, models, state.with_(image=None), quiet=True)
rows = view_rows(table, models, view, evidence)
in_view = bool((rows == row).any())

page_header(name, source, models)
nav = st.columns([1, 4], vertical_alignment="center")
if nav[0].button("← " + _("Browse")):
    st.switch_page(BROWSE_PAGE, query_params=to_params(state.with_(image=None)))
# The Labels page reviews the same view, starting at this image.
nav[1].page_link(
    LABELS_PAGE,
    label=_("Review this image's labels"),
    icon=":material/fact_check:",
    query_params=to_params(state),
)

left, right = st.columns([3, 2])
with left:
    # Previous / Next within the view: the neighbours' pictures are in the browser already.
    image_viewer(source, name, rows if in_view else None, state, key="image_viewer")
with right:
    original_label_line(table, row)
    if table.is_problematic[row]:
        reason = _(str(table.problematic_reason[row]) or N_("reason not recorded in this source"))
        st.warning(
            _("**Problematic**: {reason}. Skipped by the recommended metric.").format(
                reason=md(reason)
            )
        )
    b = badges(table, row, {})
    if b:
        st.markdown(b)
    sets = []
    for label_set in LABEL_SETS:
        for k in getattr(table, label_set.field).row(row).tolist():
            sets.append(
                {
                    _("set"): _(label_set.name),
                    _("class"): classes.names[k],
                    "wnid": classes.wnids[k],
                    _("index"): k,
                }
            )
    st.subheader(_("Expert labels"))
    if sets:
        st.dataframe(pd.DataFrame(sets), hide_index=True, width="stretch")
    else:
        st.caption(_("No labels were judged for this image."))
    if table.real_rows is not None:
        real_section(table, row)

st.subheader(_("Models"))
if not models:
    st.info(_("No predictions loaded: add prediction files in the sidebar."))
for mname, m in models.items():
    pred = int(m.top1[row])
    v = table.verdict(row, pred)
    ok = verdict_is_right(v)
    badge = f":green-badge[✓ {_('right')}]" if ok else f":red-badge[✗ {_('wrong')}]"
    predicted = md(classes.names[pred]) if pred >= 0 else _("nothing")
    said = _("**{model}** predicts {predicted}").format(model=md(mname), predicted=predicted)
    if ok and pred != orig:
        said += " — " + _("right under multi-label, wrong under original top-1")
    st.markdown(f"{badge} {said}")
    ks = m.top_k[row] if m.top_k is not None else np.array([pred])
    scores = m.scores[row] if m.scores is not None else None
    table_rows = []
    for rank, k in enumerate(ks.tolist()):
        if k < 0:
            continue
        score = None if scores is None or np.isnan(scores[rank]) else float(scores[rank])
        table_rows.append(
            {
                _("rank"): rank + 1,
                _("class"): classes.names[k],
                "wnid": classes.wnids[k],
                _("experts"): _(table.verdict(row, k)),
                _("score"): score,
            }
        )
    if table_rows:
        st.dataframe(
            pd.DataFrame(table_rows),
            hide_index=True,
            width="stretch",
            column_config={_("score"): st.column_config.NumberColumn(format="%.4f")},
        )
    else:
        st.caption(_("No prediction for this image (counts as wrong)."))

st.subheader(_("Reviews and reference categorisations"))
try:
    db = ctx.reviews()
    refs = db.references_for(name)
    reviews = db.reviews(file_name=name)
except DataError as e:
    st.warning(md(_("Reviews unavailable: ") + message_of(e)))
    refs, reviews = {}, []
items = [
    {
        _("by"): _("reference: {name}").format(name=set_name),
        _("model prediction"): classes.names[r["top_prediction"]],
        _("category"): r["raw_category"],
        _("severity"): r["raw_severity"],
        _("note"): "",
    }
    for set_name, r in refs.items()
] + [
    {
        _("by"): _("{reviewer} (model {model})").format(reviewer=r.reviewer, model=r.model),
        _("model prediction"): classes.names[r.top_prediction],
        _("category"): CATEGORIES[r.category],
        _("severity"): SEVERITIES[r.severity],
        _("note"): r.note,
    }
    for r in reviews
]
if items:
    st.dataframe(pd.DataFrame(items), hide_index=True, width="stretch")
else:
    st.caption(_("No review or reference categorisation of this image yet (see the Review page)."))
