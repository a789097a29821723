import json
import subprocess
import sys

import pytest

from data_access.analysis.evaluation import evaluate
from data_access.cli.main import main
from tests.helpers import HEADLINE_KEYS


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_json_demo(capsys):
    code, out, _ = _run(capsys, "info", "--format", "json")
    info = json.loads(out)
    assert code == 0
    for key in (
        "images",
        "problematic",
        "imagenet_m",
        "classes",
        "multi_label_images",
        "mean_accepted_labels",
    ):
        assert key in info
    assert info["images"] == 20_000 and info["imagenet_m"] == 68 and info["synthetic"] is True


def test_info_json_source_numbers(capsys, label_json, val_tar, table):
    code, out, _ = _run(
        capsys,
        "info",
        "--source",
        "json",
        "--labels-json",
        str(label_json),
        "--images",
        str(val_tar[0]),
        "--format",
        "json",
    )
    info = json.loads(out)
    assert code == 0
    assert info == {**info, **table.summary()}
    assert info["images_found"] == len(table)


def test_info_table(capsys, label_json):
    code, out, _ = _run(capsys, "info", "--source", "json", "--labels-json", str(label_json))
    assert code == 0
    assert "images                 33" in out and "labels only" in out and "(built now)" in out
    code, out, _ = _run(capsys, "info")
    assert out.startswith("NOTE: Synthetic demo data")


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["info", "--source", "json", "--labels-json", "/nonexistent/l.json"],
            "error: /nonexistent/l.json: file not found",
        ),
        (
            ["info", "--source", "tfds", "--data-dir", "/nonexistent"],
            "no prepared imagenet2012_multilabel",
        ),
        (["prepare", "--manual-dir", "/nonexistent"], "ILSVRC2012_img_val.tar not found"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_download_labels_403(capsys, tmp_path):
    import http.server
    import threading

    class Forbidden(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_error(403)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forbidden)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/human_accuracy_v3.0.0.json"
        code, _, err = _run(
            capsys, "download-labels", "--url", url, "--out", str(tmp_path / "x.json")
        )
    finally:
        server.shutdown()
        server.server_close()
    assert code == 2 and "HTTP 403" in err and "--labels-json" in err
    assert not (tmp_path / "x.json").exists()


def test_module_entry_point(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "data_access",
            "info",
            "--source",
            "json",
            "--labels-json",
            str(tmp_path / "missing.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: {tmp_path / 'missing.json'}: file not found"


def _demo_csv(path, model="demo-medium", every=1):
    from data_access.sources.demo import demo_predictions, demo_table

    t = demo_table()
    top1 = demo_predictions()[model]["top_k"][:, 0]
    lines = ["file_name,prediction"] + [
        f"{n},{int(k)}"
        for i, (n, k) in enumerate(zip(t.file_name, top1, strict=True))
        if i % every == 0
    ]
    path.write_text("\n".join(lines))
    return path


def test_evaluate_json_matches_data_access(capsys, tmp_path):
    from data_access.predictions import load_predictions
    from data_access.sources.demo import demo_table

    a = _demo_csv(tmp_path / "medium.csv")
    b = _demo_csv(tmp_path / "weak.csv", "demo-weak", every=2)
    code, out, err = _run(
        capsys,
        "evaluate",
        str(a),
        str(b),
        "--format",
        "json",
        "--name",
        "M",
        "--name",
        "W",
        "--per-class",
        str(tmp_path / "pc.csv"),
    )
    assert code == 0
    results = json.loads(out)
    assert [r["model"] for r in results] == ["M", "W"]
    t = demo_table()
    expected = evaluate(t, load_predictions(a, t, name="M"))
    extra = {"real_accuracy_annotated", "published_rank", "published_total",
             "published_better_than"}  # fmt: skip
    got = {k: v for k, v in results[0].items() if k not in extra}
    assert got == json.loads(json.dumps(expected.as_dict()))
    assert extra <= set(results[0]) and "real_accuracy" not in results[0]
    for key in HEADLINE_KEYS:
        assert key in results[1]
    assert results[1]["coverage"] == 0.5
    assert "10,000 of 20,000 annotated images have no prediction" in err
    assert "Synthetic demo data" in err
    pc = (tmp_path / "pc.csv").read_text().splitlines()
    assert pc[0].startswith("model,index,wnid,name,images,multilabel_accuracy")
    assert len(pc) == 1 + 2 * 1000


def test_evaluate_table_and_csv(capsys, tmp_path):
    a = _demo_csv(tmp_path / "medium.csv")
    code, out, _ = _run(capsys, "evaluate", str(a))
    assert code == 0 and out.splitlines()[1].startswith("medium") and "recommended protocol" in out
    code, out, _ = _run(capsys, "evaluate", str(a), "--format", "csv")
    header, row = out.strip().splitlines()
    assert header.split(",")[:3] == ["model", "multilabel_accuracy", "ci95_low"]
    # The number is the reference loop's on the same predictions, not read off the code.
    from data_access.sources.demo import demo_predictions, demo_table
    from tests.test_metrics import _examples, reference_multilabel_accuracy

    t = demo_table()
    top1 = demo_predictions()["demo-medium"]["top_k"][:, 0]
    preds = {n.encode(): int(k) for n, k in zip(t.file_name, top1, strict=True)}
    expected = reference_multilabel_accuracy(list(_examples(t)), preds)
    name, value = row.split(",")[:2]
    assert name == "medium" and float(value) == expected  # written with repr: exact


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate", "/nonexistent.csv"], "error: /nonexistent.csv: file not found"),
        (["evaluate", "a.csv", "b.csv", "--name", "x"], "give one name per prediction file"),
        (["evaluate", "a.csv", "--bootstrap", "-1"], "--bootstrap takes a whole number from 0"),
        (["evaluate", "a.csv", "--bootstrap", "10000000"], "from 0 to 100,000"),
        (["evaluate", "a.csv", "--seed", "-1"], "--seed takes a whole number from 0"),
        (["evaluate", "a.csv", "--nonsense"], "unrecognized arguments: --nonsense"),
        (["predictions", "describe", "a.csv", "--order", "x"], "argument --order: invalid choice"),
    ],
)
def test_evaluate_bad_input(capsys, argv, message):
    try:
        code = main(argv)
    except SystemExit as e:  # argument errors leave through argparse, as one line
        code = e.code
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_evaluate_bad_file_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ILSVRC2012_val_00000001.JPEG;4\n")
    code, out, err = _run(capsys, "evaluate", str(bad))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {bad}: line 1: expected at least 2 columns")
    assert err.count("\n") == 1


def test_reviews_import_export(capsys, tmp_path):
    pub = {
        "ILSVRC2012_val_00000612.JPEG": {
            "top_prediction": 192,
            "failure category": "Fine-grained error",
            "failure severity": "Minor",
        }
    }
    f = tmp_path / "vit3b_mistakes.json"
    f.write_text(json.dumps(pub))
    db = str(tmp_path / "r.sqlite")
    code, out, _ = _run(capsys, "reviews", "--db", db, "import", str(f), "--as", "paper")
    assert code == 0 and "imported 1 categorised images as reference set 'paper'" in out
    code, out, err = _run(capsys, "reviews", "--db", db, "import", str(f), "--as", "paper")
    assert code == 2 and "exists" in err and err.count("\n") == 1
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}')
    code, _, err = _run(capsys, "reviews", "--db", db, "import", str(bad), "--as", "bad")
    assert code == 2 and "'x' is not an ImageNet validation file name" in err
    from data_access.reviews import Review, ReviewStore

    ReviewStore(db).save(Review("m", "ILSVRC2012_val_00000001.JPEG", "ada", "other", "major", 3))
    code, out, _ = _run(capsys, "reviews", "--db", db, "export", "--reviewer", "ada")
    exported = json.loads(out)
    assert exported["ILSVRC2012_val_00000001.JPEG"]["failure category"] == "Other model failure"
    code, out, _ = _run(
        capsys, "reviews", "--db", db, "export", "--format", "csv", "--out", str(tmp_path / "x.csv")
    )
    assert code == 0 and (tmp_path / "x.csv").read_text().startswith("file_name,top_prediction")


def _folder_order_file(tmp_path):
    """The demo's medium model as a (50000,) array in ImageFolder order, and its reference
    number: the literal loop over the demo's annotations."""
    import numpy as np

    from data_access.classes import validation_labels
    from data_access.sources.demo import demo_predictions, demo_table
    from tests.test_metrics import _examples, reference_multilabel_accuracy

    t = demo_table()
    top1 = demo_predictions()["demo-medium"]["top_k"][:, 0].astype(np.int64)
    full = validation_labels().astype(np.int64)  # images outside the demo: their own label
    full[t.validation_position] = top1
    perm = np.argsort(validation_labels(), kind="stable")
    np.save(tmp_path / "folder.npy", full[perm])
    preds = {n.encode(): int(k) for n, k in zip(t.file_name.tolist(), top1, strict=True)}
    return tmp_path / "folder.npy", reference_multilabel_accuracy(list(_examples(t)), preds)


def _headline(capsys, *argv) -> float:
    code, out, _ = _run(capsys, "evaluate", *argv, "--format", "json", "--bootstrap", "10")
    assert code == 0
    return json.loads(out)[0]["multilabel_accuracy"]


def test_predictions_describe_and_reading_flags(capsys, tmp_path):
    path, reference = _folder_order_file(tmp_path)
    code, out, err = _run(capsys, "predictions", "describe", str(path))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "pass --order imagefolder" in err and "% in imagefolder order with 0-based ids" in err
    code, out, _ = _run(capsys, "predictions", "describe", str(path), "--order", "imagefolder")
    assert code == 0
    lines = dict(line.split(None, 1) for line in out.splitlines() if not line.startswith("order"))
    assert lines["format"] == "NumPy .npy"
    assert lines["rows"].startswith("50,000 read imagefolder")
    assert lines["coverage"].startswith("20,000 of 20,000 annotated images (100.0%)")
    code, out, _ = _run(
        capsys, "predictions", "describe", str(path), "--order", "imagefolder", "--format", "json"
    )
    reading = json.loads(out)
    assert (
        reading["order_agreement"]["imagefolder"] > 0.5 > reading["order_agreement"]["validation"]
    )
    assert reading["top_k"] == 1 and reading["classes"] == "index"
    assert _headline(capsys, str(path), "--order", "imagefolder") == reference


def test_pickle_needs_allow_pickle(capsys, tmp_path):
    import pickle

    import numpy as np

    path, reference = _folder_order_file(tmp_path)
    logits = np.zeros((50_000, 1000), np.float32)
    logits[np.arange(50_000), np.load(path)] = 5.0
    with open(tmp_path / "testbed.pkl", "wb") as f:
        pickle.dump({"model": "m", "eval-setting": "val", "logits": logits}, f)
    code, out, err = _run(capsys, "evaluate", str(tmp_path / "testbed.pkl"))
    assert code == 2 and out == "" and "pass --allow-pickle" in err and err.count("\n") == 1
    pkl = str(tmp_path / "testbed.pkl")
    assert _headline(capsys, pkl, "--allow-pickle", "--order", "imagefolder") == reference


def test_bootstrap_zero_is_no_interval(capsys, tmp_path):
    a = _demo_csv(tmp_path / "m.csv")
    code, out, _ = _run(capsys, "evaluate", str(a), "--bootstrap", "0", "--format", "json")
    assert code == 0 and json.loads(out)[0]["ci95"] == [None, None]  # valid JSON, no NaN
    code, out, _ = _run(capsys, "evaluate", str(a), "--bootstrap", "0")
    assert code == 0 and out.splitlines()[1].split()[2] == "-"


def test_thumbnails_made_ahead_of_time(capsys, label_json, image_folder, tmp_path):
    """`thumbnails` makes every thumbnail once; Browse then reads them from the cache."""
    from data_access.sources.source import open_source

    root, _, missing = image_folder
    flags = ["--source", "json", "--labels-json", str(label_json), "--images", str(root),
             "--index-dir", str(tmp_path)]  # fmt: skip
    code, out, err = _run(capsys, "thumbnails", *flags)
    source = open_source("json", labels_json=label_json, images=root, index_root=tmp_path)
    thumbs = sorted(p.name for p in (source.index_dir / "thumbs").rglob("*.jpg"))
    expected = sorted(f"{n}.jpg" for n in source.table.file_name.tolist() if n != missing)
    assert code == 0 and thumbs == expected
    assert out.startswith(f"{len(expected):,} thumbnails in ") and "1 images could not" in out
    # A labels-only source has nothing to make: one line, exit 2.
    code, _, err = _run(capsys, "thumbnails", "--source", "json", "--labels-json",
                        str(label_json), "--index-dir", str(tmp_path))  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "no images on disk" in err
