"""Charts: those with many marks drawn on one canvas and described as a whole, and plain
bar charts drawn without Altair's per-rerun validation.

Streamlit draws a Vega-Lite chart as SVG unless it has more than 2,000 data points, one DOM
element (with its own ARIA label) per mark. The leaderboard's 962 published models and the
per-class chart's 1,000 classes made the Accuracy page 4,700 elements, most of them dots that
a screen reader would read one by one and that the browser lays out on every rerun. On a
canvas the chart is one element with one description, and the table beside each chart holds
the same figures. Hover tooltips work as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import pandas as pd

if TYPE_CHECKING:  # Altair takes half a second to import; the pages that draw with it do.
    import altair as alt

ChartT = TypeVar("ChartT", "alt.Chart", "alt.LayerChart")

# How wide (pixels) a category's name may be on an axis before Vega cuts it short with "…"
# (its default, 180, cut every problematic reason and the longer WordNet groups, in Hindi
# more). A chart with such names gets a row of its own, so the bars keep their room.
LABEL_LIMIT = 400


def on_canvas(chart: ChartT, description: str) -> ChartT:
    """``chart`` drawn on a canvas, with ``description`` as its text alternative."""
    return chart.properties(
        description=description, usermeta={"embedOptions": {"renderer": "canvas"}}
    )


def bars(
    container,
    caption: str,
    counts: pd.Series,
    *,
    label_title: str,
    count_title: str,
    horizontal: bool = False,
) -> None:
    """``caption``, then one bar per entry of ``counts`` (label -> count), in its order, from
    a Vega-Lite spec written here; the caption is also the chart's text alternative.

    ``st.bar_chart`` builds an Altair chart and validates it against the Vega-Lite schema
    on every rerun: 25 ms of CPU for the Overview's three charts, 40% of that page's rerun.
    This spec draws the same bars without it, titles the count axis whichever way the bars
    lie, and keeps the given order (string labels would sort "10" before "2").
    """
    container.caption(caption)
    label = {
        "field": "label",
        "type": "ordinal",
        "title": label_title,
        "sort": None,
        "axis": {"grid": False, "labelLimit": LABEL_LIMIT},
    }
    count = {
        "field": "count",
        "type": "quantitative",
        "title": count_title,
        "axis": {"grid": True, "tickMinStep": 1},
    }
    spec = {
        "description": caption,
        "mark": {"type": "bar"},
        "encoding": {
            "x": count if horizontal else label,
            "y": label if horizontal else count,
            "tooltip": [
                {"field": "label", "type": "nominal", "title": label_title},
                {"field": "count", "type": "quantitative", "title": count_title},
            ],
        },
    }
    frame = pd.DataFrame({"label": [str(x) for x in counts.index], "count": counts.tolist()})
    container.vega_lite_chart(frame, spec, width="stretch")
