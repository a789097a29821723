"""The tfds source against the genuine ``imagenet2012_multilabel`` builder.

The builds are prepared by TFDS's own ``download_and_prepare`` from a generated
``ILSVRC2012_img_val.tar`` and label JSON (conftest); only the label download is answered
with the local file.
"""

import hashlib
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from data_access.classes import validation_labels
from data_access.errors import LabelFileError, TfdsSourceError
from data_access.sources.source import open_source
from data_access.sources.tfds import dataset_dir, prepare, read_split
from tests.helpers import python_child

# One worker runs this file: its session fixtures prepare genuine TFDS builds (TensorFlow,
# tens of seconds each), which every xdist worker would otherwise make again.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("tfds")]
FORMATS = ["tfds_array_record", "tfds_tfrecord"]


@pytest.mark.parametrize("build", FORMATS)
def test_tfds_source_matches_json_field_by_field(request, build, val_tar, table):
    """The ArrayRecord build is prepared from the fixture's label JSON, the TFRecord one from
    a revised label file (``labels revise``): each matches its own file opened as a source."""
    data_dir = request.getfixturevalue(build)
    label_json = request.getfixturevalue(
        "label_json" if build == "tfds_array_record" else "revised_label_json"
    )
    s = open_source("tfds", data_dir=data_dir)
    j = open_source("json", labels_json=label_json)
    assert s.info()["file_format"] == build.removeprefix("tfds_")
    assert s.table.file_name.tolist() == j.table.file_name.tolist()
    for key in ("original_label", "is_problematic", "in_imagenet_m"):
        assert getattr(s.table, key).tolist() == getattr(j.table, key).tolist(), key
    for key in ("correct_multi_labels", "unclear_multi_labels", "wrong_multi_labels"):
        assert getattr(s.table, key).to_lists() == getattr(j.table, key).to_lists(), key
    # Original labels are validation_labels.txt's, by file-name position.
    assert (validation_labels()[s.table.validation_position] == s.table.original_label).all()
    # The imagenet_m split is exactly the JSON's list, with the same fields.
    m = read_split(data_dir, "imagenet_m")
    expected_m = json.loads(label_json.read_text())["imagenet_m"]
    assert sorted(m["file_name"]) == sorted(expected_m)
    for k, name in enumerate(m["file_name"]):
        row = j.table.row_of[name]
        assert m["correct_multi_labels"][k] == j.table.correct_multi_labels.row(row).tolist()
        assert m["is_problematic"][k] is False
    # Every image comes back byte for byte as it was in the tar.
    for name in table.file_name.tolist():
        assert s.image_bytes(name) == val_tar[1][name]
    assert s.thumbs.one(table.file_name[0], 32)[:2] == b"\xff\xd8"
    if build == "tfds_tfrecord":  # the revision reached TFDS: three images differ, as intended
        first = int(table.correct_multi_labels.row(0)[0])
        assert first not in s.table.correct_multi_labels.row(0).tolist()
        assert first in s.table.wrong_multi_labels.row(0).tolist()
        flipped = np.flatnonzero(s.table.is_problematic != table.is_problematic)
        assert flipped.tolist() == sorted(
            [
                int(np.flatnonzero(~table.is_problematic)[1]),
                int(np.flatnonzero(table.is_problematic)[0]),
            ]
        )


@pytest.fixture(autouse=True)
def _tensorflow_stays_out():
    yield
    assert "tensorflow" not in sys.modules, "a test imported TensorFlow into the test process"


def test_tfrecord_offsets_agree_with_tfds_tf_data_reader(tfds_tfrecord):
    """Cross-check the record scan against TFDS's own tf.data reader of the same build."""
    code = (
        "import hashlib, json, tensorflow_datasets as tfds\n"
        f"b = tfds.builder('imagenet2012_multilabel', data_dir={str(tfds_tfrecord)!r})\n"
        "ds = b.as_dataset(split='validation', decoders={'image': tfds.decode.SkipDecoding()})\n"
        "for ex in tfds.as_numpy(ds):\n"
        "    print(json.dumps([ex['file_name'].decode(), hashlib.sha256(ex['image']).hexdigest(),\n"
        "        int(ex['original_label']), ex['correct_multi_labels'].tolist(),\n"
        "        bool(ex['is_problematic'])]))\n"
    )
    s = open_source("tfds", data_dir=tfds_tfrecord)
    n = 0
    for line in python_child(code).splitlines():
        name, digest, original, correct, problematic = json.loads(line)
        row = s.table.row_of[name]
        assert hashlib.sha256(s.image_bytes(name)).hexdigest() == digest
        assert original == int(s.table.original_label[row])
        assert correct == s.table.correct_multi_labels.row(row).tolist()
        assert problematic == bool(s.table.is_problematic[row])
        n += 1
    assert n == len(s.table)


def test_opening_a_build_does_not_import_tensorflow(tfds_tfrecord, tmp_path):
    code = (
        "import sys; from data_access.sources.source import open_source;"
        f"s = open_source('tfds', data_dir={str(tfds_tfrecord)!r});"
        "s.image_bytes(s.table.file_name[0]);"
        "print(len(s.table), 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"IMLR_INDEX_DIR": str(tmp_path), "PATH": ""},
        check=True,
    )
    assert out.stdout.split() == ["33", "False"]


def _copy(src, tmp_path):
    dst = tmp_path / "build"
    shutil.copytree(src, dst)
    return dst


def test_reasons_from_a_label_json_alongside(tfds_array_record, label_json, table):
    plain = open_source("tfds", data_dir=tfds_array_record)
    assert (plain.table.problematic_reason == "").all()  # TFDS keeps no reasons
    s = open_source("tfds", data_dir=tfds_array_record, labels_json=label_json)
    assert s.table.problematic_reason.tolist() == table.problematic_reason.tolist()
    assert s.index_dir != plain.index_dir
    with pytest.raises(LabelFileError, match="file not found"):
        open_source("tfds", data_dir=tfds_array_record, labels_json=label_json.parent / "x.json")


def test_changed_build_is_reindexed(tfds_tfrecord, tmp_path):
    data_dir = _copy(tfds_tfrecord, tmp_path)
    assert open_source("tfds", data_dir=data_dir).info()["index_built"]
    assert not open_source("tfds", data_dir=data_dir).info()["index_built"]
    (dataset_dir(data_dir) / "features.json").touch()
    assert open_source("tfds", data_dir=data_dir).info()["index_built"]


def test_bad_builds(tfds_tfrecord, tmp_path):
    with pytest.raises(TfdsSourceError, match="no prepared imagenet2012_multilabel 3.0.0 here"):
        open_source("tfds", data_dir=tmp_path / "empty")
    data_dir = _copy(tfds_tfrecord, tmp_path)
    ddir = dataset_dir(data_dir)
    shard = next(ddir.glob("*validation.tfrecord*"))
    raw = shard.read_bytes()
    shard.write_bytes(raw[: len(raw) - 50])
    with pytest.raises(TfdsSourceError, match="truncated record"):
        open_source("tfds", data_dir=data_dir)
    shard.unlink()
    with pytest.raises(TfdsSourceError, match="shard file listed in dataset_info.json is missing"):
        open_source("tfds", data_dir=data_dir)
    (ddir / "dataset_info.json").write_text("{not json")
    with pytest.raises(TfdsSourceError, match="unreadable dataset_info.json"):
        open_source("tfds", data_dir=data_dir)


def _info_with(tmp_path, splits) -> object:
    ddir = dataset_dir(tmp_path / "dd")
    ddir.mkdir(parents=True, exist_ok=True)
    (ddir / "dataset_info.json").write_text(
        json.dumps({"fileFormat": "tfrecord", "splits": splits})
    )
    return tmp_path / "dd"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("/etc/passwd", "leaves the build's folder"),
        ("../../../secret-{SHARD_X_OF_Y}", "leaves the build's folder"),
        ("sub/{DATASET}-{SPLIT}-{SHARD_X_OF_Y}", "leaves the build's folder"),
        ("link-{SPLIT}-{SHARD_X_OF_Y}", "links outside the build's folder"),
    ],
)
def test_shard_paths_stay_inside_the_build(tmp_path, template, message):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    data_dir = _info_with(
        tmp_path,
        [
            {"name": s, "shardLengths": ["1"], "filepathTemplate": template}
            for s in ("validation", "imagenet_m")
        ],
    )
    for split in ("validation", "imagenet_m"):
        (dataset_dir(data_dir) / f"link-{split}-00000-of-00001").symlink_to(secret)
    with pytest.raises(TfdsSourceError, match=message) as e:
        open_source("tfds", data_dir=data_dir, index_root=tmp_path / "idx")
    assert "secret" not in str(e.value).replace(str(tmp_path), "")


@pytest.mark.parametrize(
    "info",
    [
        [],
        {"splits": {"validation": 1}},
        {"splits": [1]},
        {"splits": [{"shardLengths": [1]}]},
        {"splits": [{"name": "validation", "shardLengths": ["x"]}]},
        {"splits": [{"name": "validation", "shardLengths": 5}]},
        {"splits": [{"name": "validation", "shardLengths": [-1]}]},
        {"splits": [{"name": "validation", "filepathTemplate": 7, "shardLengths": [1]}]},
        {"fileFormat": "riegeli"},
    ],
)
def test_malformed_dataset_info_is_one_line(tmp_path, info):
    ddir = dataset_dir(tmp_path / "dd")
    ddir.mkdir(parents=True)
    (ddir / "dataset_info.json").write_text(json.dumps(info))
    with pytest.raises(TfdsSourceError, match="dataset_info.json"):
        open_source("tfds", data_dir=tmp_path / "dd", index_root=tmp_path / "idx")
    (ddir / "dataset_info.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(TfdsSourceError, match="unreadable dataset_info.json"):
        open_source("tfds", data_dir=tmp_path / "dd", index_root=tmp_path / "idx")


def test_prepare_refuses_bad_input_before_running_tfds(tmp_path, label_json):
    with pytest.raises(TfdsSourceError, match="ILSVRC2012_img_val.tar not found"):
        prepare(tmp_path, label_json, tmp_path / "out")
    (tmp_path / "ILSVRC2012_img_val.tar").write_bytes(b"")
    bad = tmp_path / "bad.json"
    bad.write_text('{"initial_annots": {}}')
    with pytest.raises(LabelFileError, match="missing top-level key"):
        prepare(tmp_path, bad, tmp_path / "out")
    with pytest.raises(TfdsSourceError, match="not one of"):
        prepare(tmp_path, label_json, tmp_path / "out", file_format="parquet")
    assert not (tmp_path / "out").exists()


def test_index_is_small_and_aligned(tfds_array_record):
    s = open_source("tfds", data_dir=tfds_array_record)
    path = s.index_dir / "index.npz"
    assert path.stat().st_size < 200_000
    with np.load(path) as npz:
        assert len(npz["image_record"]) == len(s.table)


def test_prepare_without_local_labels_explains_a_refused_download(tmp_path, val_tar):
    """No network here: TFDS's download of the label JSON is made to fail as the real URL
    does (HTTP 403), and the message says what to do."""
    code = (
        "import tensorflow_datasets as tfds\n"
        "from data_access.errors import TfdsSourceError\n"
        "from data_access.sources.tfds import prepare\n"
        "def refuse(self, url_or_urls):\n"
        "    raise OSError(f'Failed to get url {url_or_urls}. HTTP code: 403.')\n"
        "tfds.download.DownloadManager.download = refuse\n"
        "try:\n"
        f"    prepare({str(val_tar[0].parent)!r}, None, {str(tmp_path / 'out')!r})\n"
        "except TfdsSourceError as e:\n"
        "    print(e)\n"
    )
    assert re.search(r"HTTP code: 403.*pass --labels-json", python_child(code))


# As if TensorFlow were not installed: every import finder answers "no such module" for it
# (find_spec gives None, import raises ModuleNotFoundError), everything else is untouched.
_NO_TENSORFLOW = (
    "import sys\n"
    "class _Hide:\n"
    "    def __init__(self, finder):\n"
    "        self.finder = finder\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'tensorflow' or name.startswith('tensorflow.'):\n"
    "            return None\n"
    "        return self.finder.find_spec(name, path, target)\n"
    "    def __getattr__(self, attr):\n"
    "        return getattr(self.finder, attr)\n"
    "sys.meta_path[:] = [_Hide(f) for f in sys.meta_path]\n"
    "import importlib.util\n"
    "assert importlib.util.find_spec('tensorflow') is None\n"
)


def test_everything_but_prepare_works_without_tensorflow(tfds_tfrecord, tfds_array_record,
                                                          label_json, tmp_path):  # fmt: skip
    """The lean install (requirements.txt has no TensorFlow): with TensorFlow impossible to
    import, both build formats index and serve images, and `prepare` says what to install."""
    code = _NO_TENSORFLOW + (
        "from data_access.sources.source import open_source\n"
        f"for d in ({str(tfds_tfrecord)!r}, {str(tfds_array_record)!r}):\n"
        "    s = open_source('tfds', data_dir=d)\n"
        "    assert s.info()['index_built'] and len(s.image_bytes(s.table.file_name[0])) > 100\n"
        "from data_access.cli.main import main\n"
        f"sys.exit(main(['prepare', '--manual-dir', {str(tmp_path)!r}, "
        f"'--labels-json', {str(label_json)!r}, '--data-dir', {str(tmp_path / 'out')!r}]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"IMLR_INDEX_DIR": str(tmp_path / "index"), "PATH": ""},
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: prepare: preparing the TFDS build needs TensorFlow, which the app itself does "
        "not: pip install -r requirements-prepare.txt (or: pip install tensorflow-cpu)"
    ]


def test_a_first_open_says_each_step_and_its_count(tfds_array_record, table):
    """The first open of a build takes seconds: every message names its step of three, the
    reader's loading is said before any count, and each split's count reaches its size."""
    seen: list[tuple[int, int, str]] = []
    open_source(
        "tfds",
        data_dir=tfds_array_record,
        progress=lambda done, total, message: seen.append((done, total, message)),
        rebuild=True,
    )
    messages = [m for _, _, m in seen]
    n, m = len(table), int(table.in_imagenet_m.sum())
    assert seen[0] == (0, n, "step 1 of 3: loading TFDS's reader for the validation split")
    assert (n, n, "step 1 of 3: reading the validation split through TFDS") in seen
    assert (0, m, "step 2 of 3: loading TFDS's reader for the imagenet_m split") in seen
    assert (m, m, "step 2 of 3: reading the imagenet_m split through TFDS") in seen
    assert messages[-1] == "step 3 of 3: building the index"
    assert all(x.startswith(("step 1 of 3: ", "step 2 of 3: ", "step 3 of 3: ")) for x in messages)
