"""The published results of 962 models: the shipped table, the rank counted by hand, the CLI's
rank line and fields, and the Accuracy and ImageNet-M pages with 0 and 3 models."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.analysis import published
from data_access.analysis.evaluation import evaluate
from data_access.cli.main import main
from data_access.sources.source import open_source
from tests.helpers import plain

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HEADER = (
    "model_dir_id,num_params,training_data,arch,arch_family,top1_val_acc,"
    "imagenet_mla_val_acc,num_imagenet-m_errors,num_all_samples,num_ambiguous,"
    "num_same_superclass,num_common_co_occ,num_non_prototypical,num_OOV_clip,num_not_classified"
)


def _row(name: str, top1: str, mla: str, m_errors: str) -> str:
    return f"{name},100,ImageNet-1k (1.2M),resnet,cnn,{top1},{mla},{m_errors},18692,1,2,3,4,5,6"


FOUR = "\n".join(
    [
        HEADER,
        _row("a", "70.0", "85.5", "50"),
        _row("b", "75.0", "88.25", "45"),
        _row("c", "80.0", "90.0", "40"),
        _row("d", "85.0", "93.75", "35"),
    ]
)


def test_rank_against_a_hand_count():
    table = published.parse(FOUR, "four.csv")
    # 0.9 = 90.0 %: above a and b (2), equal to c (neither above nor below), below d (1).
    assert table.rank(0.9) == {"better_than": 2, "rank": 2, "total": 4}
    assert table.rank(0.95) == {"better_than": 4, "rank": 1, "total": 4}
    assert table.rank(0.5) == {"better_than": 0, "rank": 5, "total": 4}
    assert table.rank(0.89) == {"better_than": 2, "rank": 3, "total": 4}
    assert published.rank_sentence(table.rank(0.89)) == (
        "better than 2 of 4 published models (would rank #3)"
    )
    assert "context, not a comparison" in published.rank_sentence(table.rank(0.89), True)
    assert table.imagenet_m_counts()[[18, 23, 28, 33]].tolist() == [1, 1, 1, 1]
    assert table.columns["imagenet_m_correct"].tolist() == [18, 23, 28, 33]


def test_the_shipped_table_is_the_published_one():
    data = published.PUBLISHED_CSV.read_bytes()
    assert len(data) == 284_640
    assert hashlib.sha256(data).hexdigest() == (
        "b13681452563ae7f39de434bee060ef28905b74bbc388b42438db43408b6cd57"
    )
    rows = list(csv.DictReader(data.decode().splitlines()))
    table = published.published_models()
    assert len(table) == len(rows) == 962
    # SPEC's sanity figures: torchvision ResNet-50 90.16 and 19/68; the best model 33/68.
    i = table.columns["model"].tolist().index("torchvision--resnet50")
    assert round(table.columns["multilabel_accuracy"][i], 2) == 90.16
    assert table.columns["imagenet_m_correct"][i] == 19
    assert table.columns["imagenet_m_correct"].max() == 33
    # The rank, counted with the csv module on the file itself.
    for acc in (0.85, 0.9016, 0.93, 0.97):
        lower = sum(float(r["imagenet_mla_val_acc"]) < 100 * acc for r in rows)
        higher = sum(float(r["imagenet_mla_val_acc"]) > 100 * acc for r in rows)
        assert table.rank(acc) == {"better_than": lower, "rank": higher + 1, "total": 962}


@pytest.mark.parametrize(
    "text, message",
    [
        ("model_dir_id\nx\n", "missing columns: num_params"),
        (HEADER + "\n" + _row("a", "seventy", "85", "50"), "line 2: column top1_val_acc"),
        (HEADER + "\n" + _row("a", "70", "185", "50"), "185.0 is not a percentage"),
        (HEADER + "\n" + _row("a", "70", "85", "69"), "ImageNet-M errors must be 0-68"),
        (HEADER + "\n", "ImageNet-M errors must be 0-68, and rows present"),
    ],
)
def test_bad_tables(text, message):
    with pytest.raises(published.PublishedDataError, match=message):
        published.parse(text, "bad.csv")


def test_a_changed_table_is_refused(tmp_path, monkeypatch):
    changed = tmp_path / "p.csv"
    changed.write_bytes(published.PUBLISHED_CSV.read_bytes().replace(b"83.826", b"93.826", 1))
    monkeypatch.setattr(published, "PUBLISHED_CSV", changed)
    published.published_models.cache_clear()
    try:
        with pytest.raises(published.PublishedDataError, match="expected the published file"):
            published.published_models()
        assert published.model_rank(0.9) is None  # no rank rather than a wrong one
    finally:
        published.published_models.cache_clear()


def _hand_rank(acc: float) -> tuple[int, int]:
    rows = list(csv.DictReader(published.PUBLISHED_CSV.read_text().splitlines()))
    lower = sum(float(r["imagenet_mla_val_acc"]) < 100 * acc for r in rows)
    higher = sum(float(r["imagenet_mla_val_acc"]) > 100 * acc for r in rows)
    return lower, higher + 1


def test_cli_rank_line_and_json_fields(capsys, tmp_path):
    from data_access.sources.demo import demo_predictions

    table = open_source("demo").table
    top1 = demo_predictions()["demo-strong"]["top_k"][:, 0]
    path = tmp_path / "strong.csv"
    path.write_text(
        "file_name,label\n"
        + "".join(f"{n},{int(k)}\n" for n, k in zip(table.file_name, top1, strict=True))
    )
    assert main(["evaluate", str(path), "--bootstrap", "0", "--format", "json"]) == 0
    out, _ = capsys.readouterr()
    result = json.loads(out)[0]
    lower, rank = _hand_rank(result["multilabel_accuracy"])
    assert (result["published_rank"], result["published_total"]) == (rank, 962)
    assert result["published_better_than"] == lower
    assert "real_accuracy" not in result  # the file covers the annotated images only
    assert 0 < result["real_accuracy_annotated"] < 1
    assert main(["evaluate", str(path), "--bootstrap", "0"]) == 0
    out, _ = capsys.readouterr()
    line = f"strong: better than {lower:,} of 962 published models (would rank #{rank:,})"
    assert line + " — published figures are from the real dataset" in out
    assert main(["evaluate", str(path), "--bootstrap", "0", "--format", "csv"]) == 0
    out, _ = capsys.readouterr()
    header, row = out.strip().splitlines()
    got = dict(zip(header.split(","), row.split(","), strict=True))
    assert got["published_rank"] == str(rank) and got["real_accuracy"] == ""


@pytest.fixture
def _argv(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])


def _page(page: str, specs) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.session_state["model_specs"] = specs
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _charts(at) -> list:
    return list(at.get("vega_lite_chart"))


@pytest.mark.usefixtures("_argv")
def test_accuracy_page_with_no_models_shows_the_published_models():
    at = _page("app_pages/accuracy.py", [])
    assert any("No predictions loaded" in i.value for i in at.info)
    assert any("context for what the numbers mean" in i.value for i in at.info)
    assert len(_charts(at)) == 1  # the leaderboard
    frame = at.dataframe[0].value
    assert len(frame) == 962 and frame["multilabel_accuracy"].is_monotonic_decreasing
    at.text_input(key="lb_search").input("LAION").run()
    assert len(at.dataframe[0].value) == 25  # 23 LAION-2B and 2 LAION-400M rows
    assert not [m for m in at.markdown if "published models (would rank" in plain(m.value)]


@pytest.mark.usefixtures("_argv")
def test_accuracy_page_with_three_models_places_and_ranks_them():
    from data_access.analysis import metrics
    from data_access.api import demo_model

    specs = [{"name": n, "path": f"demo:{n}"} for n in ("demo-strong", "demo-medium", "demo-weak")]
    at = _page("app_pages/accuracy.py", specs)
    source = open_source("demo")
    table = source.table
    models = {n: demo_model(source, n) for n in ("demo-strong", "demo-medium", "demo-weak")}
    summary = at.dataframe[0].value.set_index("model")
    raw = [m.value for m in at.markdown if "published models (would rank" in plain(m.value)]
    assert len(raw) == 3 and all(r.startswith("**") for r in raw)  # bold, not escaped stars
    lines = [plain(r) for r in raw]
    for name, model in models.items():
        acc = metrics.multilabel_accuracy(table, model.top1)
        lower, rank = _hand_rank(acc)
        assert (
            f"**{name}**: better than {lower:,} of 962 published models (would rank #{rank})"
            in lines
        )
        assert summary.loc[name, "better than (published)"] == f"{lower} of 962"
        e = evaluate(table, model, n_boot=0)
        assert summary.loc[name, "ReaL (annotated)"] == pytest.approx(
            100 * e.real_accuracy_annotated, abs=1e-9
        )
        # Demo models cover 20,000 images only: no ReaL over all 50,000, shown as a dash.
        assert summary.loc[name, "ReaL"] == "—"
    spec = _charts(at)[-1].proto.spec
    layers = json.loads(spec)["layer"]  # the published dots, then the loaded models, named
    assert [la["mark"]["type"] for la in layers] == ["circle", "point", "text"]
    assert (
        layers[1]["mark"]["shape"] == "diamond"
        and layers[2]["encoding"]["text"]["field"] == "model"
    )
    at.radio(key="lb_view").set_value("ImageNet-M errors vs top-1").run()
    assert "imagenet_m_errors" in _charts(at)[-1].proto.spec
    at.radio(key="lb_colour").set_value("architecture family").run()
    assert "architecture_family" in _charts(at)[-1].proto.spec
    at.switch_page("app_pages/imagenet_m.py").run()
    assert not at.exception and not _charts(at)  # the published scores come on demand
    at.toggle(key="m_published").set_value(True).run()
    assert len(_charts(at)) == 1
    caption = next(plain(c.value) for c in at.caption if "Published: median" in plain(c.value))
    for name, model in models.items():
        k = int(metrics.imagenet_m(table, model.top1)[0])
        assert f"{name}: {k}/68" in caption
    assert "best 33/68" in caption
