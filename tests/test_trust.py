"""No silent wrong number: the ground truth saved next to a prediction, predictions paired with
the wrong images, and the Accuracy page's links, each against an independent computation.

Files are written by the libraries that write them for users (pandas, Hugging Face
``datasets``) or byte by byte as the tool does; every score is compared with the dataset
card's reference loop (``tests.test_metrics``) run on the predictions the test meant.
"""

from __future__ import annotations

import json
import os
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

from data_access.analysis import metrics
from data_access.analysis.evaluation import evaluate
from data_access.analysis.published import evaluated_rank
from data_access.browse.view import beats_view, mistakes_view, view_rows
from data_access.cli.main import main
from data_access.errors import PredictionFileError
from data_access.predictions import ReadOptions, load_predictions
from tests.helpers import fixture_jpeg
from tests.test_metrics import reference_for_rows


def _model_predictions(table, top1_rate: float, seed: int = 0) -> np.ndarray:
    """A plausible model: the original label on about ``top1_rate`` of the images, else a
    random class."""
    rng = np.random.default_rng(seed)
    other = rng.integers(0, 1000, len(table))
    return np.where(rng.random(len(table)) < top1_rate, table.original_label, other)


def _score(table, path, **options) -> tuple[float, object]:
    model = load_predictions(path, table, options=ReadOptions(**options))
    return metrics.multilabel_accuracy(table, model.top1), model


# --- 1. the ground-truth column -------------------------------------------------------------


@pytest.mark.parametrize("truth", ["label", "target", "true_label", "y_true", "gt"])
@pytest.mark.parametrize("truth_first", [True, False])
def test_ground_truth_column_beside_the_prediction_is_never_scored(
    tmp_path, demo, truth, truth_first
):
    table, _ = demo
    pred = _model_predictions(table, 0.74)
    cols = {"file_name": table.file_name, truth: table.original_label, "pred": pred}
    order = ["file_name", truth, "pred"] if truth_first else ["file_name", "pred", truth]
    path = tmp_path / "val.csv"
    pd.DataFrame(cols)[order].to_csv(path, index=False)
    score, model = _score(table, path)
    assert score == reference_for_rows(table, pred)  # 74% top-1, never 100%
    assert model.reading["columns"]["class ids"] == "pred"
    assert model.reading["columns"]["ground truth (not scored)"] == truth
    assert any(repr(truth) in n and "not scored" in n for n in model.notes)
    assert model.implausible is None


def test_ground_truth_named_so_is_set_aside_even_when_shuffled(tmp_path, demo):
    """By name alone: a ``target`` column in another order agrees with nothing."""
    table, _ = demo
    pred = _model_predictions(table, 0.6, seed=1)
    shuffled = np.random.default_rng(2).permutation(table.original_label)
    path = tmp_path / "val.csv"
    pd.DataFrame({"file_name": table.file_name, "target": shuffled, "pred": pred}).to_csv(
        path, index=False
    )
    score, model = _score(table, path)
    assert score == reference_for_rows(table, pred)
    assert any("'target' is named like the ground truth" in n for n in model.notes)


def test_a_plausible_label_column_is_the_prediction(tmp_path, demo):
    """timm and Hugging Face write the *prediction* under ``label``: kept when it is one."""
    table, _ = demo
    pred = _model_predictions(table, 0.9, seed=3)
    path = tmp_path / "timm.csv"
    pd.DataFrame({"filename": table.file_name, "label": pred}).to_csv(path, index=False)
    score, model = _score(table, path)
    assert score == reference_for_rows(table, pred)
    assert model.notes == ()


def test_only_the_ground_truth_is_refused_with_the_column_and_the_fix(tmp_path, demo):
    table, _ = demo
    path = tmp_path / "gt.csv"
    pd.DataFrame({"file_name": table.file_name, "label": table.original_label}).to_csv(
        path, index=False
    )
    with pytest.raises(PredictionFileError) as e:
        load_predictions(path, table)
    message = str(e.value)
    assert "column 'label' agrees with the original labels on 100.0%" in message
    assert "--prediction-column label --allow-implausible" in message
    assert "\n" not in message
    # Said on purpose: scored, and marked wherever its numbers are shown.
    score, model = _score(table, path, prediction_column="label", allow_implausible=True)
    assert score == reference_for_rows(table, table.original_label)
    result = evaluate(table, model, n_boot=0)
    assert result.implausible and "--allow-implausible" in result.implausible
    assert evaluated_rank(result) is None  # never placed among the published models
    assert model.notes[0] == model.implausible


def test_prediction_column_chooses_and_names_the_offer(tmp_path, demo):
    table, _ = demo
    a, b = _model_predictions(table, 0.7, seed=4), _model_predictions(table, 0.5, seed=5)
    path = tmp_path / "two.csv"
    pd.DataFrame({"file_name": table.file_name, "resnet": a, "vit": b}).to_csv(path, index=False)
    assert _score(table, path, prediction_column="vit")[0] == reference_for_rows(table, b)
    with pytest.raises(PredictionFileError, match=r"'deit' is not one of its class columns "
                       r"\('resnet', 'vit'\)"):  # fmt: skip
        load_predictions(path, table, options=ReadOptions(prediction_column="deit"))


def _hf_dataset(table, pred: np.ndarray, folder):
    """A Hugging Face ``datasets`` Dataset as an ImageNet validation export has it: the
    images by path, the dataset's own ``label`` (ClassLabel), and the model's column."""
    import datasets

    features = datasets.Features(
        {
            "image": datasets.Image(),
            "label": datasets.ClassLabel(num_classes=1000),
            "prediction": datasets.Value("int64"),
        }
    )
    # datasets reads each image's size when it writes: one tiny JPEG, linked under every name.
    (folder / "val").mkdir()
    one = folder / "one.jpg"
    one.write_bytes(fixture_jpeg("ILSVRC2012_val_00000001.JPEG", (4, 3)))
    paths = [str(folder / "val" / f) for f in table.file_name]
    for p in paths:
        os.link(one, p)
    return datasets.Dataset.from_dict(
        {"image": paths, "label": table.original_label.tolist(), "prediction": pred.tolist()},
        features=features,
    )


@pytest.mark.parametrize("writer", ["to_parquet", "to_json", "to_csv"])
def test_datasets_export_reads_nested_names_and_skips_its_label(tmp_path, demo, writer):
    table, _ = demo
    pred = _model_predictions(table, 0.8, seed=6)
    ds = _hf_dataset(table, pred, tmp_path)
    path = tmp_path / {"to_parquet": "p.parquet", "to_json": "p.jsonl", "to_csv": "p.csv"}[writer]
    getattr(ds, writer)(str(path))
    score, model = _score(table, path)
    assert score == reference_for_rows(table, pred)
    assert model.reading["columns"]["file names"] == "image.path"
    assert model.reading["columns"]["ground truth (not scored)"] == "label"


def test_nested_file_names_in_json_records(tmp_path, demo):
    table, _ = demo
    pred = _model_predictions(table, 0.8, seed=7)
    records = [
        {"image": {"path": f"/data/val/{f}", "size": [500, 375]}, "pred": int(p)}
        for f, p in zip(table.file_name, pred, strict=True)
    ]
    path = tmp_path / "nested.json"
    path.write_text(json.dumps(records))
    assert _score(table, path)[0] == reference_for_rows(table, pred)


# --- 2. the gate: chance and impossible agreement --------------------------------------------


def test_names_paired_with_another_order_are_refused_at_chance(tmp_path, demo):
    table, _ = demo
    pred = _model_predictions(table, 0.8, seed=8)
    path = tmp_path / "shifted.csv"
    # The names of one order beside the predictions of another (a shifted row).
    pd.DataFrame({"file_name": table.file_name, "pred": np.roll(pred, 1)}).to_csv(path, index=False)
    with pytest.raises(PredictionFileError) as e:
        load_predictions(path, table)
    message = str(e.value)
    assert "chance level" in message and "paired with the wrong images" in message
    assert "--allow-implausible" in message
    score, model = _score(table, path, allow_implausible=True)
    assert score == reference_for_rows(table, np.roll(pred, 1))
    assert "chance" in model.implausible


@pytest.mark.parametrize(
    ("agree", "n", "refused"),
    [
        (0, 49, False),  # too few images to judge
        (0, 50, True),
        (1, 51, True),  # 1.96%
        (1, 50, False),  # 2.0%: the first plausible share
        (3, 100, False),  # a weak but real model
        (98, 100, False),
        (99, 100, True),  # 99%: no model reaches it
        (98, 99, False),  # 99.0% of 99 images: too few to call it the ground truth
    ],
)
def test_gate_thresholds_by_hand(table, agree, n, refused):
    """The gate on hand-built agreement counts (the table's first ``n`` rows, ``agree`` of
    them predicting the original label)."""
    from data_access.annotations import AnnotationTable
    from data_access.classes import validation_file_name
    from data_access.predictions.sanity import gate

    sub = AnnotationTable.from_records(
        {
            "file_name": validation_file_name(i),
            "original_label": i % 1000,
            "correct_multi_labels": [i % 1000],
            "unclear_multi_labels": [],
            "wrong_multi_labels": [],
            "is_problematic": False,
            "in_imagenet_m": False,
        }
        for i in range(n)
    )
    top1 = (sub.original_label.astype(np.int64) + 1) % 1000  # never the original label
    top1[:agree] = sub.original_label[:agree]
    share = agree / n
    if refused:
        with pytest.raises(PredictionFileError, match=f"{share:.1%}"):
            gate("f.csv", sub, top1, allow=False)
        assert gate("f.csv", sub, top1, allow=True).startswith("implausible")
    else:
        assert gate("f.csv", sub, top1, allow=False) is None


def test_positional_array_in_a_stated_order_at_chance_is_refused(tmp_path, demo):
    """--order validation said the order, not that chance is intended."""
    table, _ = demo
    ids = np.random.default_rng(9).integers(0, 1000, 50_000)
    path = tmp_path / "random.npy"
    np.save(path, ids)
    with pytest.raises(PredictionFileError, match="chance level"):
        load_predictions(path, table, options=ReadOptions(order="validation"))
    model = load_predictions(
        path, table, options=ReadOptions(order="validation", allow_implausible=True)
    )
    assert model.implausible


# --- 3. one definition of "evaluated": every Accuracy link opens its number -------------------


def test_evaluated_is_the_non_problematic_rows_and_read_only(demo):
    table, _ = demo
    hand = [i for i in range(len(table)) if not table.is_problematic[i]]
    assert np.flatnonzero(table.evaluated).tolist() == hand
    with pytest.raises(ValueError):
        table.evaluated[0] = False


def test_every_accuracy_link_opens_as_many_images_as_its_number(demo):
    table, models = demo
    model = models["demo-medium"]
    names = {name: m for name, m in models.items()}
    per_class = metrics.per_class(table, model)
    # Hand count of the class mistakes, plain Python over the rows.
    mistakes: dict[int, int] = {}
    accepted = [
        set(table.correct_multi_labels.row(i).tolist())
        | set(table.unclear_multi_labels.row(i).tolist())
        for i in range(len(table))
    ]
    for i in range(len(table)):
        if table.is_problematic[i]:
            continue
        c = int(table.original_label[i])
        if int(model.top1[i]) not in accepted[i]:
            mistakes[c] = mistakes.get(c, 0) + 1
    problematic_classes = set(table.original_label[table.is_problematic].tolist())
    checked = 0
    for c in sorted(problematic_classes)[:40]:
        shown = len(view_rows(table, names, mistakes_view("demo-medium", c)))
        images = int(per_class["images"][c])
        right = round(per_class["multilabel_accuracy"][c] * images)
        assert shown == images - right == mistakes.get(c, 0)
        checked += 1
    assert checked == 40
    for conf in metrics.confusions(table, model.top1, limit=20):
        view = mistakes_view("demo-medium", conf["original"], conf["predicted"])
        assert len(view_rows(table, names, view)) == conf["count"]
    pair = metrics.paired(table, models["demo-strong"], model)
    assert len(view_rows(table, names, beats_view("demo-strong", "demo-medium"))) == pair.a_only


# --- 4. the smaller items ----------------------------------------------------------------------


def _demo_csv(path, table, pred) -> str:
    pd.DataFrame({"file_name": table.file_name, "pred": pred}).to_csv(path, index=False)
    return str(path)


def test_repeated_predictions_flags_add_models(tmp_path, demo, capsys):
    from ui.cli_args import app_args

    table, _ = demo
    a = _demo_csv(tmp_path / "a.csv", table, _model_predictions(table, 0.7, seed=10))
    b = _demo_csv(tmp_path / "b.csv", table, _model_predictions(table, 0.6, seed=11))
    assert [p for p, _ in app_args(["--predictions", a, "--predictions", b]).predictions] == [a, b]
    code = main(["evaluate", "--predictions", a, "--predictions", b, "--bootstrap", "0",
                 "--format", "json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["model"] for r in out] == ["a", "b"]


def test_describe_names_the_layout_it_recognised(tmp_path, demo):
    table, _ = demo
    pred = _model_predictions(table, 0.8, seed=12)
    plain = tmp_path / "plain.csv"
    pd.DataFrame({"file_name": table.file_name, "label": pred}).to_csv(plain, index=False)
    timm = tmp_path / "timm.csv"
    pd.DataFrame({"filename": table.file_name, "label": pred}).to_csv(timm, index=False)
    assert load_predictions(plain, table).reading["format"] == "CSV"
    assert load_predictions(timm, table).reading["format"] == "timm inference.py CSV"


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("csv_bytes.json", "named .json but holds CSV text, not JSON"),
        ("csv_bytes.npy", "named .npy but holds CSV text, not NumPy data"),
    ],
)
def test_format_comes_from_the_bytes_and_a_misleading_name_is_noted(tmp_path, demo, name, note):
    table, _ = demo
    pred = _model_predictions(table, 0.8, seed=13)
    path = tmp_path / name
    _demo_csv(path, table, pred)
    score, model = _score(table, path)
    assert score == reference_for_rows(table, pred)
    assert note in " ".join(model.notes)


def test_pytorch_files_are_never_unpickled(tmp_path, demo):
    table, _ = demo
    marker = tmp_path / "ran"

    class Payload:  # unpickling this would create the marker file
        def __reduce__(self):
            return (open, (str(marker), "w"))

    legacy = tmp_path / "logits.pt"
    legacy.write_bytes(pickle.dumps(Payload(), protocol=2))
    zipped = tmp_path / "logits.pth"  # torch.save's zip layout (torch >= 1.6)
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("logits/data.pkl", pickle.dumps(Payload(), protocol=2))
        z.writestr("logits/version", "3\n")
    for path in (legacy, zipped):
        for allow in (False, True):
            with pytest.raises(PredictionFileError, match=r"np\.save\(path, tensor\.numpy\(\)\)"):
                load_predictions(path, table, options=ReadOptions(allow_pickle=allow))
    assert not marker.exists()


def test_pipeline_output_without_file_names_says_how_to_add_them(tmp_path, demo):
    table, _ = demo
    out = [[{"label": "tabby, tabby cat", "score": 0.9}, {"label": "tiger cat", "score": 0.05}]]
    for data in (out * 3, out[0]):
        path = tmp_path / "pipe.json"
        path.write_text(json.dumps(data))
        with pytest.raises(PredictionFileError, match=r"without file names.*zip\(files"):
            load_predictions(path, table)


def test_unknown_class_example_is_the_first_in_the_file(tmp_path, demo):
    table, _ = demo
    unknown = [f"not a class {k}" for k in range(30)][::-1]
    rows = [f"{table.file_name[i]},{unknown[i % 30]}" for i in range(60)]
    path = tmp_path / "unknown.csv"
    path.write_text("\n".join(rows) + "\n")
    for _ in range(2):
        with pytest.raises(PredictionFileError, match="'not a class 29' is not"):
            load_predictions(path, table)


def test_open_clip_class_names_are_a_vocabulary(tmp_path, demo):
    from data_access.predictions.vocab import vocabulary_lists

    names = vocabulary_lists()["open_clip"]
    # Facts of open_clip's IMAGENET_CLASSNAMES, checked by hand against its source.
    assert len(names) == 1000 and names[0] == "tench" and names[517] == "construction crane"
    assert names[657] == names[744] == "missile" and names[836] == names[837] == "sunglasses"
    table, _ = demo
    by_name = {4: "hammerhead shark", 7: "rooster", 15: "American robin", 517: "construction crane"}
    rows = [f"{table.file_name[i]},{by_name[c]}" for i, c in enumerate(by_name)]
    path = tmp_path / "clip.csv"
    path.write_text("file_name,prediction\n" + "\n".join(rows) + "\n")
    model = load_predictions(path, table)
    assert model.top1[: len(by_name)].tolist() == list(by_name)
    assert model.reading["classes"] == "open_clip"


def test_the_notebook_api_passes_the_same_gate(tmp_path, demo):
    import data_access as imlr

    table, _ = demo
    source = imlr.open_source("demo")
    path = tmp_path / "labels.csv"
    pd.DataFrame({"file_name": table.file_name, "y_true": table.original_label}).to_csv(
        path, index=False
    )
    with pytest.raises(imlr.DataError, match="column .y_true. agrees with the original labels"):
        imlr.load_predictions(path, source)
    model = imlr.load_predictions(path, source, prediction_column="y_true", allow_implausible=True)
    assert "no model reaches 99%" in imlr.evaluate(source, model, n_boot=0).implausible
