"""Every prediction format gives identical numbers; every malformed file a clear error."""

import json

import numpy as np
import pytest

from data_access.analysis.evaluation import evaluate
from data_access.classes import load_classes, validation_file_name
from data_access.predictions import PredictionFileError, ReadOptions, load_predictions
from data_access.sources.demo import demo_table
from tests.helpers import built_once, top_k


@pytest.fixture(scope="module")
def demo():
    return demo_table()


def _truth() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((50_000, 1000), dtype=np.float32)
    demo = demo_table()
    pos = demo.validation_position
    # Make the annotated images' argmax mostly their original label, sometimes not.
    boost = np.where(
        rng.random(len(pos)) < 0.7, demo.original_label, rng.integers(0, 1000, len(pos))
    )
    logits[pos, boost] += 6.0
    return {"logits": logits, "top5": top_k(logits, 5)}


@pytest.fixture(scope="module")
def truth(tmp_path_factory):
    """Top-5 ids and logits for all 50,000 validation images (the demo table is a subset).
    Built once per run, shared by the workers."""
    arrays = built_once(tmp_path_factory, "predictions-truth", _truth)
    return arrays["logits"], arrays["top5"]


def _expected_top1(demo, truth):
    return truth[1][demo.validation_position, 0]


def _write_csv(path, demo, ids, header=True, wnid=False, delimiter=","):
    wnids = load_classes().wnids
    lines = [f"file_name{delimiter}prediction"] if header else []
    for name, k in zip(demo.file_name.tolist(), ids.tolist(), strict=True):
        lines.append(f"{name}{delimiter}{wnids[k] if wnid else k}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_every_format_gives_identical_numbers(tmp_path, demo, truth):
    logits, top5 = truth
    pos = demo.validation_position
    top1 = top5[pos, 0]
    wnids = load_classes().wnids
    files = {
        "csv index": _write_csv(tmp_path / "a.csv", demo, top1),
        "csv wnid, no header": _write_csv(tmp_path / "b.csv", demo, top1, header=False, wnid=True),
        "tsv": _write_csv(tmp_path / "c.tsv", demo, top1, delimiter="\t"),
    }
    # TSV with top-5 and scores, folders and no extension in names.
    rows = [
        "image\tpred_1\tpred_2\tpred_3\tpred_4\tpred_5\tscore_1\tscore_2\tscore_3\tscore_4\tscore_5"
    ]
    for name, p in zip(demo.file_name.tolist(), pos.tolist(), strict=True):
        ids = top5[p].tolist()
        rows.append("\t".join([f"val/{name[:-5]}", *map(str, ids), *["0.2"] * 5]))
    (tmp_path / "d.tsv").write_text("\n".join(rows))
    files["tsv top-5 + scores"] = tmp_path / "d.tsv"
    (tmp_path / "e.json").write_text(
        json.dumps(dict(zip(demo.file_name.tolist(), top1.tolist(), strict=True)))
    )
    files["json object"] = tmp_path / "e.json"
    (tmp_path / "f.json").write_text(
        json.dumps(
            [
                {"file_name": n, "prediction": wnids[k]}
                for n, k in zip(demo.file_name.tolist(), top1.tolist(), strict=True)
            ]
        )
    )
    files["json records"] = tmp_path / "f.json"
    np.save(tmp_path / "g.npy", top5[:, 0].astype(np.int64))
    files["npy ids"] = tmp_path / "g.npy"
    np.save(tmp_path / "h.npy", top5.astype(np.int32))
    files["npy top-5"] = tmp_path / "h.npy"
    for dt in ("float16", "float32", "float64"):
        np.save(
            tmp_path / f"i_{dt}.npy",
            logits.astype(dt) if dt != "float16" else (logits / 4).astype(dt),
        )
        files[f"npy logits {dt}"] = tmp_path / f"i_{dt}.npy"
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    np.savez(tmp_path / "j.npz", probs=probs.astype(np.float32))
    files["npz probabilities"] = tmp_path / "j.npz"
    # Another length with its names: the annotated images only, shuffled.
    order = np.random.default_rng(1).permutation(len(demo))
    np.savez(tmp_path / "k.npz", predictions=top1[order], file_names=demo.file_name[order])
    files["npz + file_names"] = tmp_path / "k.npz"
    np.save(tmp_path / "l.npy", top1[order].astype(np.int16))
    (tmp_path / "l.file_names.txt").write_text("\n".join(demo.file_name[order].tolist()))
    files["npy + side file"] = tmp_path / "l.npy"

    reference = evaluate(demo, load_predictions(files["csv index"], demo), n_boot=100)
    for label, path in files.items():
        model = load_predictions(path, demo)
        assert model.top1.tolist() == top1.tolist(), label
        assert model.coverage.missing == 0, label
        got = evaluate(demo, model, n_boot=100)
        for key in (
            "multilabel_accuracy",
            "multilabel_accuracy_strict",
            "top1_accuracy",
            "imagenet_m_correct",
            "ci95",
        ):
            assert getattr(got, key) == getattr(reference, key), (label, key)
    # Score files keep top-5 ids and probabilities, never logits.
    m = load_predictions(files["npy logits float32"], demo)
    assert m.top_k.shape == (len(demo), 5) and m.top_k.tolist() == top5[pos].tolist()
    assert m.scores.dtype == np.float32 and np.all(np.diff(m.scores, axis=1) <= 0)
    np.testing.assert_allclose(m.scores, np.take_along_axis(probs[pos], top5[pos], 1), rtol=1e-4)
    mp = load_predictions(files["npz probabilities"], demo)
    np.testing.assert_allclose(mp.scores, m.scores, rtol=1e-4)


def test_coverage_partial_and_outside(tmp_path, demo):
    names = demo.file_name.tolist()
    # A plausible model: the original label, except on every fifth image.
    pred = [(int(c) + (i % 5 == 0)) % 1000 for i, c in enumerate(demo.original_label)]
    rows = [f"{n},{pred[i]}" for i, n in enumerate(names) if i % 4]
    annotated = set(names)
    others = [validation_file_name(p) for p in range(0, 50_000, 997)]
    rows += [f"{o},1" for o in others if o not in annotated]
    rows += ["holiday.jpg,3"]
    (tmp_path / "p.csv").write_text("\n".join(rows))
    m = load_predictions(tmp_path / "p.csv", demo)
    cov = m.coverage
    assert cov.missing == len([i for i in range(len(names)) if i % 4 == 0])
    assert cov.predicted == len(demo) - cov.missing
    assert cov.unrecognised == 1 and cov.unrecognised_examples == ("holiday.jpg",)
    assert cov.ignored_outside > 0
    # One note for each thing that is off: the images without a prediction, then the rows
    # that are no validation file name.
    assert m.top1[0] == -1 and "count as wrong" in m.notes[0] and "holiday.jpg" in m.notes[1]


def test_identical_duplicates_are_fine(tmp_path, demo):
    name = demo.file_name[0]
    (tmp_path / "d.csv").write_text(f"{name},5\n{name},5\n")
    assert load_predictions(tmp_path / "d.csv", demo).top1[0] == 5


def _bad(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, np.ndarray):
        np.save(path, content, allow_pickle=True)
    else:
        path.write_text(content)
    return path


N0 = "ILSVRC2012_val_00000001.JPEG"


def _bad_cases(demo):
    n = demo.file_name[0]
    annotated = set(demo.file_name.tolist())
    outside = next(
        validation_file_name(p) for p in range(50_000) if validation_file_name(p) not in annotated
    )
    return {
        "empty": ("e.csv", "", "the file is empty"),
        "blank": ("e2.csv", "\n\n", "the file is empty"),
        "header only": ("h.csv", "file_name,prediction\n", "only a header"),
        "semicolons": ("s.csv", f"{n};5\n{n};5\n", "expected at least 2 columns"),
        "binary": ("b.csv", b"\x00\x01\x02garbage\xff" * 50, "binary data"),
        "latin-1": ("l.csv", f"{n},caf\xe9\n".encode("latin-1"), "not UTF-8"),
        "out of range": ("r.csv", f"{n},1000\n", "class 1000 is out of range 0..999"),
        "negative": ("n.csv", f"{n},-3\n", "class -3 is out of range"),
        "unknown wnid": (
            "w.csv",
            f"{n},n99999999\n",
            "'n99999999' is not the wnid of an ImageNet class",
        ),
        "not a class": (
            "x.csv",
            f"{n},cat\n",
            "'cat' is not a class index (0..999), wnid or class name",
        ),
        "ragged": ("g.csv", f"{n},1,2\n{n},1\n", "2 columns, expected 3"),
        "conflicting duplicate": ("d.csv", f"{n},1\n{n},2\n", "appears twice with different"),
        "zero overlap": (
            "z.csv",
            f"{outside},1\nfoo.jpg,2\n",
            "none of its predictions",
        ),
        "json list of numbers": ("j.json", "[1, 2, 3]", "3 rows but no file names"),
        "json bad": ("k.json", '{"a": ', "not valid JSON"),
        "json string": ("s.json", '"hello"', "expected an object file_name -> prediction"),
        "json bool": ("t.json", json.dumps({n: True}), "True is not a class index"),
        "text named .parquet": ("p.parquet", "x", "(named .parquet but holds CSV text, not "),
        "npy garbage": ("g.npy", b"\x93NUMPY garbage" * 10, "not a readable NumPy"),
        "npy 3-d": (
            "3.npy",
            np.zeros((50_000, 2, 2), np.float32),
            "expected (N,), (N, k) or (N, 1000)",
        ),
        "npy bool": ("bo.npy", np.zeros(50_000, bool), "must hold integer class ids"),
        "npy complex": (
            "c.npy",
            np.zeros((50_000, 1000), np.complex64),
            "expected integers or floats",
        ),
        "npy object": ("o.npy", np.array([None] * 50_000, dtype=object), "not a readable NumPy"),
        "npy float wrong width": (
            "f.npy",
            np.zeros((50_000, 999), np.float32),
            "expected (N, 1000) scores",
        ),
        "npy wrong length": ("wl.npy", np.zeros(49_999, np.int64), "49,999 rows but no file names"),
        "npy ids out of range": (
            "io.npy",
            np.full(50_000, 1000, np.int64),
            "class 1000 is out of range",
        ),
        "npy NaN": ("nan.npy", _nan_logits(), "NaN or infinite score"),
        "npy empty": ("em.npy", np.zeros((0,), np.int64), "empty or scalar"),
    }


def _nan_logits():
    a = np.zeros((50_000, 1000), np.float32)
    a[12_345, 7] = np.nan
    return a


@pytest.mark.parametrize("case", sorted(_bad_cases(demo_table())))
def test_bad_files_name_file_row_and_problem(tmp_path, demo, case):
    name, content, expected = _bad_cases(demo)[case]
    path = _bad(tmp_path, name, content)
    with pytest.raises(PredictionFileError) as err:
        load_predictions(path, demo)
    assert str(err.value).startswith(str(path))
    assert expected in str(err.value)
    if case == "npy NaN":
        assert "row 12345" in str(err.value)
    if case == "conflicting duplicate":
        assert "line 2" in str(err.value)


def test_missing_file_and_folder(tmp_path, demo):
    with pytest.raises(PredictionFileError, match="file not found"):
        load_predictions(tmp_path / "none.csv", demo)
    with pytest.raises(PredictionFileError, match="is a folder"):
        load_predictions(tmp_path, demo)


def test_npz_problems(tmp_path, demo, monkeypatch):
    np.savez(tmp_path / "two.npz", a=np.zeros(50_000, np.int64), b=np.zeros(50_000, np.int64))
    with pytest.raises(PredictionFileError, match="several arrays"):
        load_predictions(tmp_path / "two.npz", demo)
    np.savez(tmp_path / "mis.npz", preds=np.zeros(10, np.int64), file_names=np.array([N0] * 9))
    with pytest.raises(PredictionFileError, match="10 rows but 9 file names"):
        load_predictions(tmp_path / "mis.npz", demo)
    np.savez(tmp_path / "big.npz", logits=np.zeros((50_000, 1000), np.float32))
    import data_access.predictions.arrays as A

    monkeypatch.setattr(A, "MAX_MEMBER_BYTES", 10 * 2**20)
    with pytest.raises(PredictionFileError, match=r"shape \(50000, 1000\) \(191 MiB\): not a"):
        load_predictions(tmp_path / "big.npz", demo)


def test_huge_text_file_is_refused_without_reading(tmp_path, demo, monkeypatch):
    import data_access.predictions.registry as P

    path = tmp_path / "huge.csv"
    path.write_text(f"{N0},1\n" * 100)
    monkeypatch.setattr(P, "MAX_TEXT_BYTES", 1000)
    with pytest.raises(PredictionFileError, match="too large for a text prediction file"):
        load_predictions(path, demo)


def test_logits_load_without_a_full_copy(tmp_path, demo):
    """A (50000, 1000) float32 .npy is memory-mapped and read in chunks."""
    import tracemalloc

    a = np.random.default_rng(0).normal(size=(50_000, 1000)).astype(np.float32)
    np.save(tmp_path / "l.npy", a)
    del a
    tracemalloc.start()
    # Random logits fit no order and score at chance: the test says both are intended.
    options = ReadOptions(order="validation", allow_implausible=True)
    load_predictions(tmp_path / "l.npy", demo, options=options)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 200e6 / 4  # far below one copy of the 200 MB array


def test_json_has_its_own_cap_checked_before_reading(tmp_path, demo):
    """JSON is read whole (its text and its objects in memory), so it stops at 96 MiB; the size is
    checked on a sparse file, which is never read."""
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.write(b'{"' + N0.encode() + b'": 1' + b" " * 5000)  # text where it is sniffed
        f.truncate((96 << 20) + 1)
    with pytest.raises(
        PredictionFileError, match="100,663,297 bytes: over the 96 MiB limit for a JSON"
    ):
        load_predictions(path, demo)


def test_json_object_of_score_lists_is_read_as_scores(tmp_path, demo):
    """``{file_name: logits.tolist()}``: 1000 numbers that are not whole are scores."""
    rng = np.random.default_rng(1)
    names = demo.file_name.tolist()[:50]
    logits = rng.normal(0, 2, (50, 1000)).round(4)
    logits[np.arange(40), demo.original_label[:40]] += 10  # a model: right on 40 of 50
    path = tmp_path / "logits.json"
    path.write_text(json.dumps({n: row.tolist() for n, row in zip(names, logits, strict=True)}))
    m = load_predictions(path, demo)
    assert m.top1[:50].tolist() == logits.argmax(axis=1).tolist()
    assert m.reading["columns"]["scores"] == "scores" and "argmax" in m.reading["classes"]
