"""AppTest of the Accuracy, Compare and ImageNet-M pages with 0, 1, 3 and 20 models."""

import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from data_access.analysis import metrics
from data_access.analysis.evaluation import evaluate
from data_access.browse.url import from_params
from data_access.browse.view import BrowseState, view_rows
from data_access.predictions import load_predictions
from tests.helpers import grid_tiles
from ui.text import md

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _argv(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])


def _run(page: str, specs=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    if specs is not None:
        at.session_state["model_specs"] = specs
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _params(at) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def test_accuracy_numbers_equal_data_access(demo):
    table, models = demo
    at = _run("app_pages/accuracy.py")
    summary = at.dataframe[0].value.set_index("model")
    for name, m in models.items():
        e = evaluate(table, m)
        row = summary.loc[name]
        assert row["multi-label accuracy"] == pytest.approx(100 * e.multilabel_accuracy, abs=1e-9)
        assert row["strict"] == pytest.approx(100 * e.multilabel_accuracy_strict, abs=1e-9)
        assert row["per-image"] == pytest.approx(100 * e.multilabel_accuracy_per_image, abs=1e-9)
        assert row["top-1 (same images)"] == pytest.approx(100 * e.top1_accuracy, abs=1e-9)
        assert row["top-1 (all 20,000)"] == pytest.approx(100 * e.top1_accuracy_all, abs=1e-9)
        assert row["ImageNet-M"] == f"{e.imagenet_m_correct}/68"
        assert row["95% CI"] == f"{100 * e.ci95[0]:.2f}–{100 * e.ci95[1]:.2f}"
        assert row["unjudged"] == e.unjudged_predictions
    per_class = at.dataframe[1].value
    expected = metrics.per_class(table, models["demo-strong"])
    got = per_class.set_index("index")["multilabel_accuracy"]
    assert np.allclose(got.values, expected["multilabel_accuracy"][got.index.values])
    groups = at.dataframe[2].value.set_index("group")
    dogs = next(g for g in metrics.groups(table, models["demo-strong"]) if g["group"] == "dogs")
    assert groups.loc["dogs", "multilabel_accuracy"] == pytest.approx(dogs["multilabel_accuracy"])


def test_accuracy_search_and_class_to_browse(demo):
    table, models = demo
    at = _run("app_pages/accuracy.py")
    at.text_input(key="acc_search").set_value("tinca").run()
    assert at.dataframe[1].value["index"].tolist() == [0]
    at.selectbox(key="acc_model").select_index(1).run()  # demo-medium
    gen = at.session_state["acc_gen"]
    at.selectbox(key=f"acc_class_{gen}").select_index(0).run()
    next(b for b in at.button if b.label == "Open in Browse").click().run()
    params = _params(at)
    state = from_params(params, models, table).state
    assert state == BrowseState(
        classes=(0,), states=("not_problematic",), verdict="wrong", model="demo-medium"
    )
    # The link opens the images its number counts: the class's evaluated images minus right.
    row = metrics.per_class(table, models["demo-medium"])
    mistakes = row["images"][0] - round(row["multilabel_accuracy"][0] * row["images"][0])
    count = next(m.value for m in at.markdown if " of 20,000 images" in m.value)
    assert count.startswith(f"**{mistakes:,}**")
    assert len(view_rows(table, models, state)) == mistakes


def test_confusion_to_browse(demo):
    table, models = demo
    at = _run("app_pages/accuracy.py")
    gen = at.session_state["acc_gen"]
    at.selectbox(key=f"acc_conf_{gen}").select_index(0).run()
    state = from_params(_params(at), models, table).state
    top = metrics.confusions(table, models["demo-strong"].top1, limit=1)[0]
    assert state.classes == (top["original"],) and state.predicted == top["predicted"]
    count = next(m.value for m in at.markdown if " of 20,000 images" in m.value)
    assert count.startswith(f"**{top['count']:,}**")


def test_compare_numbers_and_browse(demo):
    table, models = demo
    at = _run("app_pages/compare.py")
    res = metrics.paired(table, models["demo-strong"], models["demo-medium"])
    values = {m.label: m.value for m in at.metric}
    assert (
        values["Classes where A is better / worse / equal"]
        == f"{res.class_wins}/{res.class_losses}/{res.class_ties}"
    )
    assert (
        values["A: " + md("demo-strong")]
        == f"{100 * metrics.multilabel_accuracy(table, models['demo-strong'].top1):.2f}"
    )
    assert any(f"only A right **{res.a_only:,}**" in m.value for m in at.markdown)
    next(
        b for b in at.button if b.label.startswith("Browse the") and "only A" in b.label
    ).click().run()
    count = next(m.value for m in at.markdown if " of 20,000 images" in m.value)
    assert count.startswith(f"**{res.a_only:,}**")


def test_imagenet_m_page(demo):
    table, models = demo
    at = _run("app_pages/imagenet_m.py")
    values = {m.label: m.value for m in at.metric}
    for name, m in models.items():
        k, total, _ = metrics.imagenet_m(table, m.top1)
        assert values[md(name)] == f"{k}/{total}"
    at.radio(key="m_filter").set_value("solved by no model").run()
    rows = np.flatnonzero(table.in_imagenet_m)
    solved = sum(metrics.hits(table, m.top1)[rows].astype(int) for m in models.values())
    assert any(c.value == f"{int((solved == 0).sum())} of 68 images" for c in at.caption)
    matrix = at.dataframe[0].value
    assert len(matrix) == int((solved == 0).sum())
    assert set(matrix["demo-strong"]) <= {"✗"}
    # The gallery is one grid of exactly those images, each tile with every model's ✗.
    tiles = grid_tiles(at, "imagenet_m_grid")
    assert [t["name"] for t in tiles] == [str(table.file_name[r]) for r in rows[solved == 0]]
    for t in tiles:
        verdicts = [c["text"] for c in t["flags"] if c["kind"] not in ("problematic", "imagenet_m")]
        assert len(verdicts) == len(models) and all(v.startswith("✗ ") for v in verdicts)
        assert t["href"] == f"image?state=imagenet_m&image={t['name']}"


@pytest.mark.parametrize(
    "page",
    [
        "app_pages/accuracy.py",
        "app_pages/compare.py",
        "app_pages/imagenet_m.py",
        "app_pages/browse.py",
    ],
)
def test_pages_with_no_models(page):
    at = _run(page, specs=[])
    assert not at.exception
    if page != "app_pages/browse.py":
        assert any("No predictions loaded" in i.value for i in at.info)


def test_pages_with_one_model(demo):
    at = _run("app_pages/compare.py", specs=[{"name": "only", "path": "demo:demo-weak"}])
    assert any("second prediction file" in i.value for i in at.info)
    at.switch_page("app_pages/accuracy.py").run()
    assert not at.exception and at.dataframe[0].value["model"].tolist() == ["only"]


def test_pages_with_twenty_models(tmp_path, demo):
    table, models = demo
    rng = np.random.default_rng(0)
    specs = []
    for k in range(20):
        top1 = models["demo-medium"].top1.copy()
        flip = rng.random(len(top1)) < 0.02 * k
        top1[flip] = rng.integers(0, 1000, int(flip.sum()))
        arr = np.zeros(50_000, np.int64)
        arr[table.validation_position] = top1
        np.save(tmp_path / f"m{k:02d}.npy", arr)
        specs.append({"name": f"m{k:02d}", "path": str(tmp_path / f"m{k:02d}.npy")})
    at = _run("app_pages/accuracy.py", specs=specs)
    summary = at.dataframe[0].value.set_index("model")
    assert len(summary) == 20
    m7 = load_predictions(tmp_path / "m07.npy", table)
    assert summary.loc["m07", "multi-label accuracy"] == pytest.approx(
        100 * metrics.multilabel_accuracy(table, m7.top1), abs=1e-9
    )
    for page in ("app_pages/compare.py", "app_pages/imagenet_m.py", "app_pages/browse.py"):
        at.switch_page(page).run()
        assert not at.exception


PAGES = [
    "app_pages/overview.py",
    "app_pages/browse.py",
    "app_pages/accuracy.py",
    "app_pages/compare.py",
    "app_pages/imagenet_m.py",
    "app_pages/review.py",
    "app_pages/image.py",
]


def test_every_page_on_a_small_labels_only_source(monkeypatch, tmp_path, label_json, table):
    """A real (json, labels-only) source with 33 images and two models: no page may fail."""
    names = table.file_name.tolist()
    for k, shift in enumerate((0, 7)):
        (tmp_path / f"m{k}.csv").write_text(
            "\n".join(
                f"{n},{(int(c) + shift) % 1000}"
                for n, c in zip(names, table.original_label, strict=True)
            )
        )
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "app.py",
            "--source",
            "json",
            "--labels-json",
            str(label_json),
            "--predictions",
            str(tmp_path / "m0.csv"),
            str(tmp_path / "m1.csv"),
            "--reviews-db",
            str(tmp_path / "r.sqlite"),
        ],
    )
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    for page in PAGES:
        at.query_params["image"] = names[0]
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
    at.switch_page("app_pages/accuracy.py").run()
    summary = at.dataframe[0].value.set_index("model")
    assert summary.loc["m0", "top-1 (same images)"] == 100.0
    assert any("of 1000 classes" in w.value for w in at.warning)
