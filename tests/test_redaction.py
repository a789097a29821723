"""Error messages of files the server opens by path never show the file's content:
the CLI (and the visitor's own upload) get the value, the app's redacted message names the
file, the row or key and the problem only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from data_access.errors import HIDDEN, DataError
from data_access.predictions import load_predictions
from data_access.sources.labels_json import parse_label_json
from tests.helpers import plain

SECRET = "sk-live-SECRET-KEY-abc123"
N1, N2 = "ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00000002.JPEG"
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _npz(path: Path) -> None:
    np.savez(path, **{SECRET: np.zeros((3, 3, 3), dtype=np.float32)})


CASES = {
    "csv cell": ("p.csv", f"{N1},5\n{N2},{SECRET}\n", "line 2"),
    "csv number cell": ("p.csv", f"{N1},0.5,{SECRET}\n{N2},0.1,3\n", ""),
    "json value": ("p.json", json.dumps({N1: 3, N2: SECRET}), ""),
    "json repeated key": ("p.json", f'{{"{N1}": "{SECRET}", "{N1}": 4}}', ""),
    "records": ("p.json", json.dumps([{"file_name": N1, "label": [SECRET]}]), ""),
    "npz member": ("p.npz", _npz, ""),
}


@pytest.mark.parametrize("case", CASES)
def test_prediction_errors_hide_content_when_asked(tmp_path, demo, case):
    name, content, where = CASES[case]
    path = tmp_path / name
    content(path) if callable(content) else path.write_text(content)
    table, _ = demo
    with pytest.raises(DataError) as e:
        load_predictions(path, table)
    assert SECRET in str(e.value)  # the CLI user, the file's owner, sees the value
    hidden = e.value.redacted()
    assert SECRET not in hidden and "SECRET" not in hidden
    assert hidden.startswith(f"{path}: ") and where in hidden
    assert HIDDEN in hidden
    assert "\x02" not in str(e.value) and "\x03" not in str(e.value)


def test_notes_hide_unrecognised_names(tmp_path, demo):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({N1: 3, SECRET: 4}))
    model = load_predictions(path, demo[0])
    assert any(SECRET in n for n in model.shown_notes())
    hidden = model.shown_notes(hide_content=True)
    assert not any(SECRET in n for n in hidden)
    assert any("not ImageNet validation file names" in n for n in hidden)


def test_label_json_errors_hide_content(tmp_path, label_json):
    data = json.loads(label_json.read_text())
    first = next(k for k in data["initial_annots"] if k.startswith("ILSVRC"))
    data["initial_annots"][first]["correct"] = [SECRET]
    bad = tmp_path / "labels.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(DataError) as e:
        parse_label_json(bad)
    assert SECRET in str(e.value)
    hidden = e.value.redacted()
    assert SECRET not in hidden and f"initial_annots['{first}']" in hidden
    assert "is not one of the 1000 ImageNet class wnids" in hidden
    bad.write_text(json.dumps({SECRET: 1}))
    with pytest.raises(DataError) as e:
        parse_label_json(bad)
    assert SECRET in str(e.value) and SECRET not in e.value.redacted()
    assert "missing top-level key(s)" in e.value.redacted()


def test_the_app_hides_the_content_of_a_file_added_by_path(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])
    path = tmp_path / "p.csv"
    path.write_text(f"{N1},5\n{N2},{SECRET}\n")
    at = AppTest.from_file(APP, default_timeout=60).run()
    next(t for t in at.sidebar.text_input if t.label == "Add a prediction file by path").set_value(
        str(path)
    )
    next(b for b in at.sidebar.button if b.label == "Add").click().run()
    shown = " ".join(plain(e.value) for e in at.sidebar.error)
    assert "line 2" in shown and HIDDEN in shown and SECRET not in shown
    # And a label JSON chosen as the source.
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({SECRET: 1}))
    at.sidebar.radio[0].set_value("json")
    box = next(t for t in at.sidebar.text_input if t.label == "Label JSON path (json source)")
    box.set_value(str(labels))
    next(b for b in at.sidebar.button if b.label == "Open").click().run()
    shown = " ".join(plain(e.value) for e in at.sidebar.error)
    assert "missing top-level key(s)" in shown and SECRET not in shown
