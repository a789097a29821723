"""The app's side of "no silent wrong number": a file with the ground truth beside the
prediction, a file of the ground truth alone, and the implausible model scored on purpose."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers import plain
from tests.test_metrics import reference_for_rows

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _argv(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])


def _add_by_path(path: Path) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    box = next(t for t in at.sidebar.text_input if t.label == "Add a prediction file by path")
    box.set_value(str(path))
    next(b for b in at.sidebar.button if b.label == "Add").click().run()
    assert not at.exception, at.exception
    return at


def _models_status(at) -> str:
    return next(c.value for c in at.sidebar.caption if "images ·" in c.value)


def test_ground_truth_beside_the_prediction_is_named_and_not_scored(tmp_path, demo):
    table, models = demo
    pred = models["demo-weak"].top1.astype(np.int64)
    path = tmp_path / "val_loop.csv"
    pd.DataFrame(
        {"file_name": table.file_name, "label": table.original_label, "pred": pred}
    ).to_csv(path, index=False)
    at = _add_by_path(path)
    warning = plain(" ".join(w.value for w in at.sidebar.warning))
    assert "column 'label' agrees with the original labels on 100.0%" in warning
    assert "not scored" in warning
    next(b for b in at.sidebar.button if b.label == "Add model").click().run()
    assert "4 models" in _models_status(at)
    expected = reference_for_rows(table, pred)
    assert at.table[0].value.loc["val_loop", "multi-label accuracy"] == f"{100 * expected:.2f}"


def test_the_ground_truth_alone_is_refused_until_chosen_on_purpose(tmp_path, demo):
    table, _ = demo
    path = tmp_path / "labels.csv"
    pd.DataFrame({"file_name": table.file_name, "label": table.original_label}).to_csv(
        path, index=False
    )
    at = _add_by_path(path)
    error = plain(at.sidebar.error[0].value)
    assert "the ground truth" in error and "--prediction-column label --allow-implausible" in error
    assert not [b for b in at.sidebar.button if b.label == "Add model"]
    # Choosing the column alone is not enough: the gate still refuses it ...
    at.sidebar.text_input(key="read_prediction_column").set_value("label").run()
    assert "no model reaches 99%" in plain(at.sidebar.error[0].value)
    # ... until the user says it is intended; then every page that shows it says so.
    at.sidebar.checkbox(key="read_allow_implausible").check().run()
    assert not at.sidebar.error
    next(b for b in at.sidebar.button if b.label == "Add model").click().run()
    assert "4 models" in _models_status(at)
    for page in ("app_pages/overview.py", "app_pages/imagenet_m.py", "app_pages/compare.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        banners = [plain(w.value) for w in at.warning]
        assert any(
            b.startswith("**labels** — implausible, scored only because") for b in banners
        ), (
            page,
            banners,
        )
    at.switch_page("app_pages/accuracy.py").run()
    table_value = at.dataframe[0].value.set_index("model")
    assert pd.isna(table_value.loc["labels"].get("better than (published)"))
    assert any("implausible" in plain(w.value) for w in at.warning)


def test_a_refused_file_is_not_read_again_on_each_rerun(tmp_path, demo, monkeypatch):
    import data_access.predictions.loader as loader

    table, _ = demo
    path = tmp_path / "labels.csv"
    pd.DataFrame({"file_name": table.file_name, "label": table.original_label}).to_csv(
        path, index=False
    )
    reads: list[str] = []
    real = loader.parse
    monkeypatch.setattr(
        loader, "parse", lambda p, *a, **k: reads.append(str(p)) or real(p, *a, **k)
    )
    at = _add_by_path(path)
    assert "the ground truth" in plain(at.sidebar.error[0].value)
    for _ in range(3):
        at.run()
        assert "the ground truth" in plain(at.sidebar.error[0].value)
    assert reads == [str(path)]
    # Another reading is another question: the file is read again for it.
    at.sidebar.text_input(key="read_prediction_column").set_value("label").run()
    assert reads == [str(path), str(path)]
