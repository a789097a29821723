"""The Labels page's "Likely label errors" tab: how well each label-error method would have
found the experts' own corrections on this data, and the queue of its top suspects."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from data_access.analysis.label_errors import METHODS
from data_access.analysis.suspects import TOP_KS, default_method, summary_row
from data_access.browse.url import to_params
from data_access.browse.view import BrowseState
from data_access.errors import DataError
from data_access.predictions import Model
from data_access.sources.source import Source
from ui import widgets
from ui.language import translator
from ui.pages import BROWSE_PAGE, LABELS_PAGE
from ui.render import DASH
from ui.suspects import measured
from ui.text import md, message_of

_CURVE_POINTS = 400  # points per method in the chart (the curve has one per ranked image)


def _pct(x: float) -> str:
    """A share as a percentage; a dash when it does not exist (no label error to find)."""
    return DASH if x != x else f"{100 * x:.1f}%"


def label_error_tab(source: Source, models: Mapping[str, Model]) -> None:
    """The methods against the experts, the precision-recall curves, and the queue links."""
    _ = translator()
    if not models:
        st.info(_("Load a model's predictions in the sidebar: the suspects come from models."))
        return
    try:
        results = measured(source, models)
    except DataError as e:
        st.error(md(message_of(e)))
        return
    first = next(iter(results.values()))
    st.markdown(
        _(
            "Ranked: the **{n}** annotated images with a prediction from every model. A *label "
            "error* is an image whose original ImageNet label the experts did not accept (in "
            "neither their correct nor their unclear set) or that they marked problematic: "
            "**{errors}** of them, a base rate of **{rate}**, what a random order finds."
        ).format(
            n=f"{len(first.ranked):,}",
            errors=f"{int(first.hits.sum()):,}",
            rate=_pct(first.base_rate),
        )
    )
    rows = []
    for method, m in results.items():
        row = summary_row(m)
        rows.append(
            {
                _("method"): _(METHODS[method]),
                _("flagged"): row["flagged"],
                **{
                    _("precision of the top {k}").format(k=f"{k:,}"): _pct(row[f"precision_at_{k}"])
                    for k in TOP_KS
                },
                _("average precision"): _pct(row["average_precision"]),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(
        _(
            "Precision of the top k: the share of label errors among the k most suspect images. "
            "Flagged: the images the method itself calls suspects (confident learning: another "
            "class clears its own threshold and the original label does not; the other "
            "probability methods: another class is more likely; the vote: most models leave "
            "the original label out of their top-k). Probabilities are the mean of the models "
            "whose files have every class's score; logits go through a softmax."
        )
    )
    curves = []
    for method, m in results.items():
        precision, recall = m.curve()
        pick = np.unique(np.linspace(0, len(precision) - 1, _CURVE_POINTS).astype(int))
        curves.append(
            pd.DataFrame(
                {
                    "recall": recall[pick],
                    "precision": precision[pick],
                    "method": _(METHODS[method]),
                }
            )
        )
    # The lines say nothing the table does not (its numbers are the text alternative); the
    # chart as a whole is described, its marks are not announced one by one.
    chart = (
        alt.Chart(pd.concat(curves))
        .mark_line(aria=False)
        .encode(
            x=alt.X("recall:Q", title=_("recall (share of the label errors found)")),
            y=alt.Y("precision:Q", title=_("precision"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("method:N", title=_("method"), legend=alt.Legend(labelLimit=0)),
        )
        .properties(
            height=320,
            description=_(
                "Precision against recall of each label-error method, most suspect images "
                "first; the table above gives the same figures."
            ),
        )
    )
    st.altair_chart(chart, width="stretch")
    options = list(results)
    method = widgets.selectbox(
        st,
        _("Queue by"),
        options,
        index=options.index(default_method(list(models.values()))),
        format_func=lambda k: _(METHODS[k]),
        key="suspect_method",
    )
    if method is None:
        return
    view = BrowseState(suspect=method, sort="suspicion")
    row = st.container(horizontal=True)
    row.page_link(
        LABELS_PAGE,
        label=_("Review the top suspects"),
        icon=":material/fact_check:",
        query_params=to_params(view),
    )
    row.page_link(
        BROWSE_PAGE,
        label=_("See them in Browse"),
        icon=":material/grid_view:",
        query_params=to_params(view),
    )
    st.caption(
        _(
            "The queue holds the method's flagged images, most suspect first; an image leaves "
            "it once someone has reviewed its labels."
        )
    )
