"""No page shows a literal "None" or "nan": a number that does not exist is an em dash (with
the column's help saying why), on every page of the demo with its three models."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.pages import PAGES
from ui.render import DASH, missing_as_dash

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _argv(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["app.py", "--reviews-db", str(tmp_path / "r.sqlite")])


def _bad(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in ("none", "nan", "null")


@pytest.mark.parametrize("page", [p.path for p in PAGES], ids=lambda p: Path(p).stem)
def test_no_table_or_text_shows_none_or_nan(page):
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    if page.endswith("image.py"):
        at.query_params["image"] = "ILSVRC2012_val_00000001.JPEG"
    at.switch_page(page).run()
    assert not at.exception, at.exception
    for frame in [d.value for d in at.dataframe] + [t.value for t in at.table]:
        bad = [(c, v) for c in frame.columns for v in frame[c].tolist() if _bad(v)]
        assert not bad, f"{page}: {bad[:5]}"
    for element in [*at.markdown, *at.caption, *at.metric]:
        text = str(getattr(element, "value", ""))
        assert " None" not in text and " nan" not in text, f"{page}: {text[:120]}"


def test_missing_numbers_become_a_dash_and_the_rest_keep_their_format():
    import pandas as pd

    frame = pd.DataFrame(
        {"a": [91.5678, None], "b": [1.0, 2.0], "c": ["x", None], "d": [float("nan"), 3.0]}
    )
    shown, changed = missing_as_dash(frame, "%.2f")
    assert changed == ["a", "d"]
    assert shown["a"].tolist() == ["91.57", DASH] and shown["d"].tolist() == [DASH, "3.00"]
    assert shown["b"].tolist() == [1.0, 2.0] and shown["c"].equals(frame["c"])  # not numbers
