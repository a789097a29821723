"""Charts with many marks: drawn on one canvas and described as a whole.

Streamlit draws a Vega-Lite chart as SVG unless it has more than 2,000 data points, one DOM
element (with its own ARIA label) per mark. The leaderboard's 962 published models and the
per-class chart's 1,000 classes made the Accuracy page 4,700 elements, most of them dots that
a screen reader would read one by one and that the browser lays out on every rerun. On a
canvas the chart is one element with one description, and the table beside each chart holds
the same figures. Hover tooltips work as before.
"""

from __future__ import annotations

from typing import TypeVar

import altair as alt

ChartT = TypeVar("ChartT", alt.Chart, alt.LayerChart)


def on_canvas(chart: ChartT, description: str) -> ChartT:
    """``chart`` drawn on a canvas, with ``description`` as its text alternative."""
    return chart.properties(
        description=description, usermeta={"embedOptions": {"renderer": "canvas"}}
    )
