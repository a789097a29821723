"""Every CSV the project writes neutralises formula cells (OWASP: = + - @ tab CR), in the CLI
and the review store; the app's downloads are checked in tests/e2e/test_metrics_browser.py."""

import csv
import io
import json

import pytest

from data_access.cli.main import main
from data_access.csv_safe import frame_csv, read_cell, safe_cell
from data_access.reviews import Review, ReviewStore

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_cells_are_prefixed_and_read_back(value):
    assert safe_cell(value) == "'" + value
    assert read_cell(safe_cell(value)) == value


def test_plain_cells_and_numbers_unchanged():
    for v in ("resnet50", "tench, Tinca tinca", "", "'quoted", -0.5, 3):
        assert safe_cell(v) == v
    assert read_cell("'quoted") == "'quoted"  # only a prefix before a formula is removed


def test_frame_csv_covers_cells_headers_and_index():
    import pandas as pd

    df = pd.DataFrame({"=cmd": ["@x", "ok"], "n": [-1.5, 2.0]}, index=["+a", "b"])
    rows = list(csv.reader(io.StringIO(frame_csv(df, index=True))))
    assert rows[0] == ["", "'=cmd", "n"]
    assert rows[1] == ["'+a", "'@x", "-1.5"] and rows[2] == ["b", "ok", "2.0"]


def _demo_csv(path):
    from data_access.sources.demo import demo_predictions, demo_table

    t = demo_table()
    top1 = demo_predictions()["demo-medium"]["top_k"][:, 0]
    path.write_text("\n".join(f"{n},{int(k)}" for n, k in zip(t.file_name, top1, strict=True)))
    return path


def test_cli_evaluate_csv_and_per_class(capsys, tmp_path):
    f = _demo_csv(tmp_path / "m.csv")
    name = HOSTILE[0]
    per_class = tmp_path / "pc.csv"
    argv = ["evaluate", str(f), "--name", name, "--format", "csv", "--bootstrap", "10"]
    assert main([*argv, "--per-class", str(per_class)]) == 0
    out = capsys.readouterr().out
    row = next(csv.DictReader(io.StringIO(out)))
    assert row["model"] == "'" + name
    rows = list(csv.DictReader(per_class.open()))
    assert len(rows) == 1000 and {r["model"] for r in rows} == {"'" + name}


def test_review_csv_export_and_reimport(tmp_path):
    store = ReviewStore(tmp_path / "r.sqlite")
    name = "ILSVRC2012_val_00000612.JPEG"
    note = "=cmd|' /C calc'!A0"
    store.save(Review("@model", name, "+reviewer", "fine_grained", "minor", 151, [], note))
    text = store.export("csv")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["note"] == "'" + note and row["model"] == "'@model"
    assert row["reviewer"] == "'+reviewer"
    f = tmp_path / "export.csv"
    f.write_text(text)
    store.import_reference("back", f)
    back = store.reference("back")[name]
    assert back["category"] == "fine_grained" and back["top_prediction"] == 151
    assert json.dumps(back).find("'=cmd") == -1  # the prefix is read back off
