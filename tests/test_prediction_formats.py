"""Every real tool's prediction file, written as the tool writes it, gives the reference-loop
number; wrongly ordered or shifted files are refused with the option that fixes them."""

from __future__ import annotations

import json
import pickle
import re

import numpy as np
import pytest

from data_access.analysis.evaluation import evaluate
from data_access.classes import load_classes, validation_file_name, validation_labels
from data_access.predictions import PredictionFileError, ReadOptions, load_predictions
from data_access.predictions.vocab import vocabulary_lists
from data_access.sources.demo import demo_table
from tests import prediction_writers as W
from tests.helpers import built_once, top_k
from tests.test_metrics import _examples, reference_multilabel_accuracy


@pytest.fixture(scope="module")
def demo():
    return demo_table()


def _truth() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((50_000, 1000), dtype=np.float32)
    labels = validation_labels().astype(np.int64)
    boost = np.where(rng.random(50_000) < 0.7, labels, rng.integers(0, 1000, 50_000))
    logits[np.arange(50_000), boost] += 6.0
    top5 = top_k(logits, 5)
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    return {"top5": top5, "probs5": np.take_along_axis(probs, top5, 1), "logits": logits}


@pytest.fixture(scope="module")
def truth(tmp_path_factory):
    """Top-5 ids, their probabilities and the logits for all 50,000 validation images: the
    argmax is the original label for most images, so every reading but the right one is at
    chance. Built once per run, shared by the workers."""
    arrays = built_once(tmp_path_factory, "formats-truth", _truth)
    return arrays["top5"], arrays["probs5"], arrays["logits"]


@pytest.fixture(scope="module")
def annotated(demo, truth):
    """Names and top-5 of the annotated images (file-name order of the table)."""
    pos = demo.validation_position
    return demo.file_name.tolist(), truth[0][pos], truth[1][pos]


# Names that mean two classes in a vocabulary: timm / Hugging Face descriptions write "crane"
# for 134 and 517; Keras names also "maillot" for 638 and 639. Such predictions are not guessed.
CRANE = (134, 517)
KERAS_AMBIGUOUS = (134, 517, 638, 639)


@pytest.fixture(scope="module")
def reference(demo, truth):
    """The reference loop's number for the true top-1."""
    return _reference(demo, truth[0][demo.validation_position, 0])


def _reference(demo, top1):
    preds = {name.encode(): int(p) for name, p in zip(demo.file_name.tolist(), top1, strict=True)}
    return reference_multilabel_accuracy(list(_examples(demo)), preds)


def _assert_exact(model, demo, truth, reference, unresolved=()):
    """The model's top-1 is the truth's, except names that cannot be told apart (-1, counted
    wrong), and its headline is the reference loop's for exactly that."""
    top1 = truth[0][demo.validation_position, 0].astype(np.int64)
    if unresolved:
        top1 = np.where(np.isin(top1, unresolved), -1, top1)
        reference = _reference(demo, top1)
        assert (top1 == -1).any()  # the fixture really contains the ambiguous names
        assert "not guessed" in model.notes[0]
    assert model.top1.tolist() == top1.tolist()
    assert model.coverage.missing == int((top1 == -1).sum())
    assert evaluate(demo, model, n_boot=10).multilabel_accuracy == reference


TIMM_VARIANTS = {
    "defaults (description, top-1)": {},
    "top-5": {"topk": 5},
    "top-5 + index": {"topk": 5, "include_index": True},
    "top-5 separate columns": {"topk": 5, "include_index": True, "separate": True},
    "top-5 labels only, separate": {"topk": 5, "separate": True},
    "label-type none + index": {"topk": 5, "label_type": "none", "include_index": True},
    "label-type name (wnid)": {"topk": 3, "label_type": "name"},
    "label-type detailed": {"topk": 5, "label_type": "detailed"},
    "logits": {"topk": 5, "output_type": "logit"},
    "exclude-output": {"topk": 5, "include_index": True, "exclude_output": True},
    "custom columns": {
        "topk": 2,
        "include_index": True,
        "filename_col": "img",
        "index_col": "cls",
        "label_col": "name",
    },
    "json": {"topk": 5, "results_format": "json"},
    "json top-1": {"results_format": "json"},
    "json-split": {"topk": 5, "include_index": True, "results_format": "json-split"},
    "json-records (lines)": {"topk": 5, "results_format": "json-records"},
    "parquet": {"topk": 5, "include_index": True, "results_format": "parquet"},
    "parquet top-1": {"results_format": "parquet"},
}


@pytest.mark.parametrize("variant", sorted(TIMM_VARIANTS))
def test_timm_inference_outputs(tmp_path, demo, truth, annotated, reference, variant):
    kw = TIMM_VARIANTS[variant]
    names, top5, probs = annotated
    # --fullname for half of the variants: ImageFolder-style paths.
    if len(variant) % 2:
        names = [f"/data/val/{load_classes().wnids[0]}/{n}" for n in names]
    values = probs if kw.get("output_type", "prob") == "prob" else np.log(probs) + 3.0
    suffix = {"parquet": ".parquet", "csv": ".csv"}.get(kw.get("results_format", "csv"), ".json")
    path = W.write_timm(tmp_path / f"resnet50-224{suffix}", names, top5, values, **kw)
    model = load_predictions(path, demo)
    by_index = kw.get("include_index") or kw.get("label_type") in ("name", "detailed")
    _assert_exact(model, demo, truth, reference, () if by_index else CRANE)
    k = kw.get("topk", 1)
    assert (model.top_k.shape[1] if model.top_k is not None else 1) == k
    if kw.get("exclude_output"):
        assert model.scores is None and model.reading["scores"] is None
    elif kw.get("output_type") == "logit":
        assert model.scores is None and model.reading["scores"] == "logits"
    else:
        np.testing.assert_allclose(model.scores[:, 0], probs[:, 0], rtol=1e-5)
    assert model.reading["top_k"] == k


def test_timm_csv_cells_are_numpy_printouts(tmp_path, annotated):
    """The fixture really has the shape users see (wrapped lists, quoted names)."""
    names, top5, probs = annotated
    path = W.write_timm(tmp_path / "r.csv", names, top5, probs, topk=5, include_index=True)
    text = path.read_text()
    assert text.startswith("filename,index,label,prob\n")
    assert ("\n " in text and "['" in text and "[  " in text) or "[ " in text


def test_hugging_face_and_keras(tmp_path, demo, truth, annotated, reference):
    names, top5, probs = annotated
    hf = W.hf_pipeline(top5, probs)
    keras = W.keras_decoded(top5, probs)
    files = {
        "hf dict": W.write_json(tmp_path / "hf.json", dict(zip(names, hf, strict=True))),
        "hf records": W.write_json(
            tmp_path / "hf_records.json",
            [{"file_name": n, "predictions": p} for n, p in zip(names, hf, strict=True)],
        ),
        "keras triples": W.write_json(tmp_path / "k.json", dict(zip(names, keras, strict=True))),
        "keras names": W.write_json(
            tmp_path / "kn.json",
            {n: [W.keras_name(int(c)) for c in ids] for n, ids in zip(names, top5, strict=True)},
        ),
        "paper records": W.write_json(
            tmp_path / "paper.json",
            {
                n: {"top_prediction": int(ids[0]), "failure category": "fine-grained"}
                for n, ids in zip(names, top5, strict=True)
            },
        ),
    }
    lines = tmp_path / "hf.jsonl"

    lines.write_text(
        "\n".join(
            json.dumps({"image": n, "predictions": p}) for n, p in zip(names, hf, strict=True)
        )
    )
    files["hf jsonl"] = lines
    unresolved = {"hf dict": CRANE, "hf records": CRANE, "hf jsonl": CRANE}
    unresolved["keras names"] = KERAS_AMBIGUOUS
    for label, path in files.items():
        model = load_predictions(path, demo)
        _assert_exact(model, demo, truth, reference, unresolved.get(label, ()))
        if label.startswith("hf") or label == "keras triples":
            np.testing.assert_allclose(model.scores, probs, rtol=1e-6, err_msg=label)


def test_torchvision_names_and_hf_dataset_file_names(tmp_path, demo, truth, annotated, reference):
    names, top5, _ = annotated
    tv = vocabulary_lists()["torchvision"]
    assert tv[134] == "crane bird" and tv[639] == "maillot tank suit" and tv[517] == "crane"
    wnids = load_classes().wnids
    orig = demo.original_label.tolist()
    rows = ["image,top1"]
    for n, ids, o in zip(names, top5, orig, strict=True):
        hf_name = n.replace(".JPEG", f"_{wnids[o]}.JPEG")  # Hugging Face datasets' names
        rows.append(f"{hf_name},{tv[int(ids[0])]}")
    # "crane" (517) is unambiguous once "crane bird" shows the torchvision vocabulary.
    (tmp_path / "tv.csv").write_text("\n".join(rows) + "\n")
    _assert_exact(load_predictions(tmp_path / "tv.csv", demo), demo, truth, reference)
    # .jpg / .png names, and pandas' to_csv with its row index.
    import pandas as pd

    df = pd.DataFrame({"file": [n.replace(".JPEG", ".png") for n in names], "pred": top5[:, 0]})
    df.to_csv(tmp_path / "pd.csv")
    model = load_predictions(tmp_path / "pd.csv", demo)
    _assert_exact(model, demo, truth, reference)
    assert "(row index)" in model.reading["columns"]["ignored"]


def test_numpy_variants(tmp_path, demo, truth, reference):
    top5, _, logits = truth
    # The ImageNet-M paper's vit3b.npz: .npy bytes under an .npz name.
    with open(tmp_path / "vit3b.npz", "wb") as f:
        np.save(f, logits)
    model = load_predictions(tmp_path / "vit3b.npz", demo)
    _assert_exact(model, demo, truth, reference)
    assert ".npy bytes under an .npz name" in model.reading["format"]
    # eth-sri: preds.npz in the model's folder, samples_info.npz one folder up, ImageFolder order.
    folder = tmp_path / "imagenet" / "timm--resnet50"
    folder.mkdir(parents=True)
    perm = np.argsort(validation_labels(), kind="stable")
    wnids = load_classes().wnids
    files = [f"{wnids[validation_labels()[p]]}/{validation_file_name(p)}" for p in perm]
    np.savez_compressed(
        folder.parent / "samples_info.npz",
        sample_files=np.array(files),
        targets=validation_labels()[perm],
    )
    np.savez_compressed(folder / "preds.npz", top1=top5[perm, 0], top5=top5[perm])
    model = load_predictions(folder / "preds.npz", demo)
    _assert_exact(model, demo, truth, reference)
    assert "eth-sri" in model.reading["format"] and model.top_k.shape[1] == 5
    # --file-names FILE for the same preds.npz elsewhere.
    lone = tmp_path / "preds.npz"
    lone.write_bytes((folder / "preds.npz").read_bytes())
    opts = ReadOptions(file_names=str(folder.parent / "samples_info.npz"))
    _assert_exact(load_predictions(lone, demo, options=opts), demo, truth, reference)
    # A plain JSON list of 50,000 top-5 lists in validation order.
    W.write_json(tmp_path / "ids.json", top5.tolist())
    _assert_exact(load_predictions(tmp_path / "ids.json", demo), demo, truth, reference)


def test_imagefolder_order_is_refused_then_read(tmp_path, demo, truth, reference):
    top5, _, logits = truth
    perm = np.argsort(validation_labels(), kind="stable")
    np.save(tmp_path / "folder_order.npy", top5[perm, 0])
    with pytest.raises(PredictionFileError, match="pass --order imagefolder") as err:
        load_predictions(tmp_path / "folder_order.npy", demo)
    assert "in validation order with 0-based ids" in str(err.value)
    opts = ReadOptions(order="imagefolder")
    model = load_predictions(tmp_path / "folder_order.npy", demo, options=opts)
    _assert_exact(model, demo, truth, reference)
    assert model.reading["order"].startswith("imagefolder")
    # The same for logits in ImageFolder order, from the testbed's pickle (opt-in only).
    with open(tmp_path / "testbed.pickle", "wb") as f:
        pickle.dump({"model": "resnet50", "eval-setting": "val", "logits": logits[perm]}, f)
    with pytest.raises(PredictionFileError, match="--allow-pickle"):
        load_predictions(tmp_path / "testbed.pickle", demo)
    opts = ReadOptions(order="imagefolder", allow_pickle=True)
    _assert_exact(
        load_predictions(tmp_path / "testbed.pickle", demo, options=opts), demo, truth, reference
    )


def test_shifted_ids_and_background_column(tmp_path, demo, truth, reference):
    top5, _, logits = truth
    np.save(tmp_path / "one_based.npy", top5[:, 0] + 1)
    with pytest.raises(PredictionFileError, match="pass --drop-background"):
        load_predictions(tmp_path / "one_based.npy", demo)
    opts = ReadOptions(drop_background=True)
    _assert_exact(
        load_predictions(tmp_path / "one_based.npy", demo, options=opts), demo, truth, reference
    )
    wide = np.concatenate([np.zeros((50_000, 1), np.float32), logits], axis=1)
    np.save(tmp_path / "wide.npy", wide)
    with pytest.raises(PredictionFileError, match=r"drop column 0 \(background class\)"):
        load_predictions(tmp_path / "wide.npy", demo)
    _assert_exact(
        load_predictions(tmp_path / "wide.npy", demo, options=opts), demo, truth, reference
    )
    # 1-based ids by name are caught too.
    rows = [
        f"{n},{int(top5[p, 0]) + 1}"
        for n, p in zip(demo.file_name.tolist(), demo.validation_position.tolist(), strict=True)
    ]
    (tmp_path / "one_based.csv").write_text("\n".join(rows))
    with pytest.raises(PredictionFileError, match="pass --drop-background"):
        load_predictions(tmp_path / "one_based.csv", demo)


def test_unordered_random_array_is_refused(tmp_path, demo):
    np.save(tmp_path / "r.npy", np.random.default_rng(0).integers(0, 1000, 50_000))
    with pytest.raises(PredictionFileError, match="cannot be confirmed"):
        load_predictions(tmp_path / "r.npy", demo)
    # Naming the order is not saying that chance is intended: the gate still refuses.
    with pytest.raises(PredictionFileError, match="chance level"):
        load_predictions(tmp_path / "r.npy", demo, options=ReadOptions(order="validation"))
    opts = ReadOptions(order="validation", allow_implausible=True)
    assert load_predictions(tmp_path / "r.npy", demo, options=opts).coverage.missing == 0


def test_names_match_exactly_and_ambiguity_is_reported(tmp_path, demo):
    names = demo.file_name.tolist()
    # Case matters: Cardigan the dog is 264, cardigan the sweater 474 (Keras names).
    (tmp_path / "case.csv").write_text(
        f"{names[0]},Cardigan\n{names[1]},cardigan\n{names[2]},great_white_shark\n"
    )
    m = load_predictions(tmp_path / "case.csv", demo)
    assert m.top1[:3].tolist() == [264, 474, 2]
    # "crane" in a file of Keras names: 134 or 517, reported with its rows, never guessed.
    (tmp_path / "crane.csv").write_text(f"{names[0]},tench\n{names[1]},crane\n{names[2]},crane\n")
    m = load_predictions(tmp_path / "crane.csv", demo)
    assert m.top1[:3].tolist() == [0, -1, -1]
    assert "2 rows predict 'crane' (line 2, line 3), the name of class 134" in m.notes[0]
    assert "or 517" in m.notes[0] and "in Keras names or torchvision categories" in m.notes[0]
    assert m.reading["ambiguous"] == m.notes[0]
    # With a name only torchvision writes, "crane" is the machine (517).
    (tmp_path / "tv.csv").write_text(f"{names[0]},crane bird\n{names[1]},crane\n")
    assert load_predictions(tmp_path / "tv.csv", demo).top1[:2].tolist() == [134, 517]
    # "maillot" is 638 for timm descriptions (639 is "maillot, tank suit").
    (tmp_path / "d.csv").write_text(
        f'{names[0]},"tench, Tinca tinca"\n{names[1]},maillot\n{names[2]},"maillot, tank suit"\n'
    )
    assert load_predictions(tmp_path / "d.csv", demo).top1[:3].tolist() == [0, 638, 639]
    # --vocabulary decides where the file cannot.
    m = load_predictions(
        tmp_path / "crane.csv", demo, options=ReadOptions(vocabulary="torchvision")
    )
    assert m.top1[1] == 517
    # Index and name columns that disagree (an off-by-one index column).
    (tmp_path / "x.csv").write_text(f"filename,index,label\n{names[0]},1,tench\n")
    with pytest.raises(PredictionFileError, match="the class id 1 and the class name 'tench'"):
        load_predictions(tmp_path / "x.csv", demo)


def test_zero_overlap_shows_examples(tmp_path, demo):
    (tmp_path / "z.csv").write_text("filename,label\nholiday.jpg,tench\nbeach.jpg,tench\n")
    with pytest.raises(
        PredictionFileError, match="no column of ImageNet validation file names"
    ) as err:
        load_predictions(tmp_path / "z.csv", demo)
    assert "holiday.jpg" in str(err.value)


def test_truncated_files_never_raise_anything_else(tmp_path, demo, annotated):
    """Every format cut at several points: loaded, or one PredictionFileError; nothing else."""
    names, top5, probs = annotated
    k = 300
    sources = [
        W.write_timm(
            tmp_path / "a.csv", names[:k], top5[:k], probs[:k], topk=5, include_index=True
        ),
        W.write_timm(
            tmp_path / "b.json", names[:k], top5[:k], probs[:k], topk=5, results_format="json"
        ),
        W.write_timm(
            tmp_path / "c.parquet", names[:k], top5[:k], probs[:k], topk=5, results_format="parquet"
        ),
        W.write_json(
            tmp_path / "d.json",
            dict(zip(names[:k], W.hf_pipeline(top5[:k], probs[:k]), strict=True)),
        ),
    ]
    np.savez(tmp_path / "e.npz", predictions=top5[:k], file_names=np.array(names[:k]))
    sources.append(tmp_path / "e.npz")
    for src in sources:
        data = src.read_bytes()
        for cut in (1, 7, len(data) // 3, len(data) // 2, len(data) - 3):
            bad = tmp_path / f"cut{cut}{src.suffix}"
            bad.write_bytes(data[:cut])
            try:
                load_predictions(bad, demo)
            except PredictionFileError as e:
                assert str(e).startswith(str(bad)), e


def test_shipped_vocabularies_agree_with_class_metadata():
    classes = load_classes()
    lists = vocabulary_lists()
    assert lists["description"] == [", ".join(s) for s in classes.synonyms]
    assert lists["keras"] == [s[0].replace(" ", "_") for s in classes.synonyms]
    assert lists["detailed"] == [W.detailed(i) for i in range(1000)]
    tv = lists["torchvision"]
    assert len(set(tv)) == 1000
    differs = [i for i in range(1000) if tv[i] != classes.synonyms[i][0]]
    assert differs == [134, 639]


def test_parquet_bomb_is_refused_before_inflating(tmp_path, demo, monkeypatch):
    import data_access.predictions.binary as B

    names = demo.file_name.tolist()
    path = W.write_timm(
        tmp_path / "p.parquet",
        names,
        np.zeros((len(names), 1), np.int64),
        np.ones((len(names), 1)),
        results_format="parquet",
    )
    monkeypatch.setattr(B, "MAX_INFLATED", 1000)
    with pytest.raises(PredictionFileError, match="MiB uncompressed: more than a prediction file"):
        load_predictions(path, demo)


N1, N2 = "ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00000002.JPEG"
HOSTILE = {
    "cr.csv": (f"{N1},5\r{N2},6\r", None),  # old Mac line endings: read
    "quote.csv": (f'{N1},"tench\n', "not readable as CSV (unexpected end of data)"),
    "bigfield.csv": (f'{N1},"' + "x" * (17 << 20) + '"\n', "field larger than field limit"),
    "bigint.json": (f'{{"{N1}": {"9" * 5000}}}', "not usable JSON: Exceeds the limit"),
    "scores.json": (
        json.dumps([{"file_name": N1, "prediction": [1, 2], "scores": ["a", 1]}]),
        "item 0: a score is not a number",
    ),
    "deep.json": ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
    "split.json": ('{"columns": 5, "data": 3}', "a split-orient JSON needs 'columns'"),
    "split2.json": ('{"columns": ["a"], "data": [[1, 2]]}', "'data' must be rows of 1 values"),
    "mixed.json": ('[1, "a", null]', "item 1: 'a' is not a class index"),
    "nan.json": (
        json.dumps({N1: [{"label": "tench, Tinca tinca", "score": float("nan")}]}),
        "a score is NaN or infinite",
    ),
    "jsonl.jsonl": (json.dumps({"file_name": N1, "label": 1}) + "\n{oops\n", "line 2: not a JSON"),
    "par.parquet": (b"PAR1garbagePAR1", "not a readable Parquet file"),
    "html.csv": (f"{N1},<script>alert(1)</script>\n", "is not a class index (0..999), wnid"),
    "floatidx.json": (json.dumps({N1: 1.5}), "1.5 is not a class index"),
    "wholefloat.json": (json.dumps({N1: 3.0}), None),
    "hugeid.csv": (f"{N1},99999999999999999999999\n", "out of range 0..999"),
    "badwnid.json": (json.dumps({N1: [["n99999999", "x", 0.5]]}), "is not the wnid of an"),
    "utf16.csv": (f"{N1},5\n".encode("utf-16"), "binary data"),
    "zip.npz": (b"PK\x03\x04" + b"\x00" * 100, "not a readable NumPy file"),
    "pickle.pkl": (b"\x80\x04K\x01.", "pass --allow-pickle"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_and_malformed_files_give_one_line(tmp_path, demo, name):
    content, expected = HOSTILE[name]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    if expected is None:
        assert load_predictions(path, demo).coverage.predicted >= 1
        return
    with pytest.raises(PredictionFileError) as err:
        load_predictions(path, demo)
    message = str(err.value)
    assert message.startswith(str(path)) and "\n" not in message and expected in message


def test_an_explicit_order_is_refused_when_another_fits_never_overruled(tmp_path, demo, truth):
    """--order validation on a file in ImageFolder order: refused with the reading that fits;
    never silently read in the order that fits (the user said otherwise)."""
    top5, _, _ = truth
    perm = np.argsort(validation_labels(), kind="stable")
    np.save(tmp_path / "folder_order.npy", top5[perm, 0])
    with pytest.raises(PredictionFileError) as err:
        load_predictions(
            tmp_path / "folder_order.npy", demo, options=ReadOptions(order="validation")
        )
    assert "rows read as validation order would be scored at chance" in str(err.value)
    assert "pass --order imagefolder" in str(err.value)


def test_drop_background_on_zero_based_ids_is_refused_with_the_opposite_advice(
    tmp_path, demo, truth
):
    top5, _, _ = truth
    # No class 0 in the file, so that every id is in range 1..1000 once shifted: only the
    # agreement with the original labels can tell that the ids were 0-based after all.
    rows = [
        f"{n},{int(top5[p, 0]) or 5}"
        for n, p in zip(demo.file_name.tolist(), demo.validation_position.tolist(), strict=True)
    ]
    path = tmp_path / "zero_based.csv"
    path.write_text("\n".join(rows))
    with pytest.raises(PredictionFileError) as err:
        load_predictions(path, demo, options=ReadOptions(drop_background=True))
    # Word for word, from the file's name on.
    assert str(err.value).startswith(f"{path}: class ids look 0-based: ")
    assert re.search(_message(
        "class ids look 0-based: top-1 agrees with the original labels on P of images as read "
        "but P as written; leave out --drop-background (in the app: 'Reading options')"),
        str(err.value))  # fmt: skip


def _message(template: str) -> str:
    """A whole error message as a regex: ``P`` stands for a percentage such as 81.3%."""
    return re.escape(template).replace("P", r"\d{1,3}\.\d%") + "$"


def test_order_and_offset_messages_say_exactly_what_to_pass(tmp_path, demo, truth):
    """The whole message of each order and offset refusal, word for word: the flags it
    advises are what the user types next."""
    top5, _, _ = truth
    top1 = np.where(top5[:, 0] == 999, 5, top5[:, 0])  # every id stays in range once shifted
    perm = np.argsort(validation_labels(), kind="stable")
    np.save(tmp_path / "both.npy", top1[perm] + 1)
    with pytest.raises(PredictionFileError) as err:
        load_predictions(tmp_path / "both.npy", demo)
    assert re.search(_message(
        "rows read as validation order would be scored at chance: top-1 agrees with the "
        "original labels on P in validation order with 0-based ids but P in imagefolder "
        "order with ids shifted by one; pass --order imagefolder --drop-background "
        "(in the app: 'Reading options')"), str(err.value))  # fmt: skip
    np.save(tmp_path / "plain.npy", top1)
    with pytest.raises(PredictionFileError) as err:
        load_predictions(tmp_path / "plain.npy", demo, options=ReadOptions(order="imagefolder"))
    assert re.search(_message(
        "rows read as imagefolder order would be scored at chance: top-1 agrees with the "
        "original labels on P in imagefolder order with 0-based ids but P in validation "
        "order with 0-based ids; pass --order validation (in the app: 'Reading options')"),
        str(err.value))  # fmt: skip
    np.save(tmp_path / "random.npy", np.random.default_rng(1).integers(0, 1000, 50_000))
    with pytest.raises(PredictionFileError) as err:
        load_predictions(tmp_path / "random.npy", demo)
    assert re.search(_message(
        "the order of its 50,000 rows cannot be confirmed: top-1 agrees with the original "
        "labels on at most P of images in validation or ImageFolder order; give the file "
        "names, or pass --order validation|imagefolder to score it as it is"), str(err.value))  # fmt: skip
    # By name, 1-based ids that all stay in range: only the agreement tells.
    rows = [
        f"{n},{int(top1[p]) + 1}"
        for n, p in zip(demo.file_name.tolist(), demo.validation_position.tolist(), strict=True)
    ]
    (tmp_path / "one_based.csv").write_text("\n".join(rows))
    with pytest.raises(PredictionFileError) as err:
        load_predictions(tmp_path / "one_based.csv", demo)
    assert re.search(_message(
        "class ids look shifted by one (1-based, or class 0 = background): top-1 agrees with "
        "the original labels on P of images as read but P minus one; pass --drop-background "
        "(in the app: 'Reading options')"), str(err.value))  # fmt: skip


def test_the_order_check_reads_its_readings_back():
    from data_access.predictions.order import OrderCheck

    check = OrderCheck({("validation", 1): 0.5, ("imagefolder", 0): 0.125}, ("validation", 0))
    assert check.as_dict() == {"validation-1": 0.5, "imagefolder": 0.125}
    assert check.text(("validation", 1)) == "50.0% in validation order with ids shifted by one"
    assert check.text(("imagefolder", 0)) == "12.5% in imagefolder order with 0-based ids"
