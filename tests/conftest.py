"""Shared fixtures: a small label JSON, the validation tar, an image folder, and genuine TFDS
builds prepared from them (once per session)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import python_child, small_table, write_fixture_json, write_validation_tar

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Bytecode is written, also where the environment sets PYTHONDONTWRITEBYTECODE (this
# machine's does): otherwise each of a run's processes (three workers, about fifteen
# servers, dozens of command-line and writer processes) compiles the project's modules from
# source again, and each worker rewrites every test module's asserts again. Full runs on
# two cores, alternating: 304 s and 265 s without, 252 s and 244 s with (docs/benchmarks.md).
# The caches go where Python puts them by default, in the git-ignored __pycache__ folders.
# Set here, in the first process, before pytest-xdist starts the workers, which inherit it.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path, tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real cache or data folders; the app's path fields
    accept the tests' own temporary folders (as ``--allow-path`` would), nothing else."""
    monkeypatch.setenv("IMLR_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("IMLR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IMLR_ALLOW_PATHS", str(tmp_path_factory.getbasetemp()))
    monkeypatch.delenv("IMLR_REVIEWS_DB", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _installed_components_scanned_once():
    """Streamlit scans every installed distribution's metadata for components once when a
    server starts, but AppTest does it for every new AppTest: about 0.15 s of CPU each here
    (184 distributions, TensorFlow's among them), hundreds of times a run. The installed
    packages do not change during a run, so each test process scans once and every AppTest
    gets that same answer, as every session of one server does."""
    from streamlit.components.v2 import manifest_scanner

    found = manifest_scanner.scan_component_manifests()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            manifest_scanner, "scan_component_manifests", lambda max_workers=None: list(found)
        )
        yield


@pytest.fixture(scope="session")
def postgres_server():
    """(admin URL, socket folder) of a real PostgreSQL server started for this session."""
    from tests.pg import postgres_server as start

    with start() as server:
        yield server


@pytest.fixture(scope="session")
def postgres(postgres_server) -> str:
    """The admin URL of the session's PostgreSQL server (tests/pg.py)."""
    return postgres_server[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def review_db(request, tmp_path) -> str:
    """A fresh, empty review database on each backend: a SQLite path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "r.sqlite")
    from tests.pg import new_database

    return new_database(request.getfixturevalue("postgres"))


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fixture")


@pytest.fixture(scope="session")
def table():
    """The annotation table behind every fixture file (33 rows, some problematic and
    ImageNet-M)."""
    return small_table()


@pytest.fixture(scope="session")
def label_json(fixture_dir, table) -> Path:
    return write_fixture_json(table, fixture_dir / "human_accuracy_v3.0.0.json")


@pytest.fixture(scope="session")
def val_tar(fixture_dir, table) -> tuple[Path, dict[str, bytes]]:
    manual = fixture_dir / "manual"
    manual.mkdir()
    path = manual / "ILSVRC2012_img_val.tar"
    images = write_validation_tar(path, table.file_name.tolist())
    return path, images


@pytest.fixture(scope="session")
def image_folder(fixture_dir, table, val_tar) -> tuple[Path, dict[str, bytes], str]:
    """Half the images flat, half in per-wnid subfolders, and one left out (missing)."""
    from data_access.classes import load_classes

    _, images = val_tar
    root = fixture_dir / "images"
    root.mkdir()
    wnids = load_classes().wnids
    names = table.file_name.tolist()
    missing = names[-1]
    for i, name in enumerate(names[:-1]):
        folder = root if i % 2 == 0 else root / wnids[int(table.original_label[i])]
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(images[name])
    (root / "README.txt").write_text("not an image")
    return root, images, missing


# The child that prepares the builds: the command line's own entry point, once per build.
_PREPARE = """import json, sys
from data_access.cli.main import main
for argv in json.loads(sys.argv[1]):
    code = main(argv)
    if code:
        sys.exit(code)
"""


@pytest.fixture(scope="session")
def _tfds_builds(fixture_dir, val_tar, label_json, revised_label_json) -> dict[str, Path]:
    """Both genuine builds (TFDS's own builder), prepared as a user prepares them, with
    ``python -m data_access prepare``'s entry point, one after the other in one process of
    their own: TensorFlow, which preparing needs, loads there once (about 4.5 CPU s) and
    never in the test process, as it never loads in the app's. (Once loaded, Keras makes
    every later script run of every AppTest in that process end in a full garbage
    collection: Streamlit clears a loaded Keras's session after each run.)

    The ArrayRecord build is prepared from the fixture's label JSON, the TFRecord one from a
    revised label file (what ``labels revise`` writes is a label file TFDS's builder
    prepares)."""
    sources = {"array_record": label_json, "tfrecord": revised_label_json}
    builds = {f: fixture_dir / f"tfds_{f}" for f in sources}
    commands = []
    for file_format, labels in sources.items():
        if builds[file_format].exists():
            shutil.rmtree(builds[file_format])
        command = ["prepare", "--manual-dir", str(val_tar[0].parent), "--labels-json"]
        command += [str(labels), "--data-dir", str(builds[file_format])]
        commands.append([*command, "--file-format", file_format])
    printed = python_child(_PREPARE, json.dumps(commands))
    for data_dir in builds.values():  # after TFDS's own lines
        assert f"\nprepared {data_dir}" in printed, printed
    return builds


@pytest.fixture(scope="session")
def tfds_array_record(_tfds_builds) -> Path:
    """A genuine ``imagenet2012_multilabel`` ArrayRecord build, from the fixture's label
    JSON."""
    return _tfds_builds["array_record"]


@pytest.fixture(scope="session")
def revised_label_json(fixture_dir, table, label_json) -> Path:
    """The fixture label JSON revised by two reviewers (``labels revise``): image 0's first
    correct label judged wrong, the first non-problematic image judged problematic and the
    first problematic one not."""
    from data_access.classes import load_classes
    from data_access.reviews.labels import LabelReview
    from data_access.reviews.revise import revise

    wnids = load_classes().wnids
    names = table.file_name.tolist()
    first = wnids[int(table.correct_multi_labels.row(0)[0])]
    flag_on = names[int(np.flatnonzero(~table.is_problematic)[1])]
    flag_off = names[int(np.flatnonzero(table.is_problematic)[0])]
    reviews = [
        review
        for who in ("ada", "bob")
        for review in (
            LabelReview(names[0], who, {first: "wrong"}),
            LabelReview(flag_on, who, {}, True, "a drawing"),
            LabelReview(flag_off, who, {}, False),
        )
    ]
    revision = revise(json.loads(label_json.read_text()), reviews)
    assert len(revision.changelog) == 3
    path = fixture_dir / "revised.json"
    path.write_text(json.dumps(revision.labels))
    return path


@pytest.fixture(scope="session")
def tfds_tfrecord(_tfds_builds) -> Path:
    """The same in TFDS's TFRecord format, prepared from :func:`revised_label_json`."""
    return _tfds_builds["tfrecord"]


@pytest.fixture(scope="session")
def demo():
    """The demo table and its three demo models (as the app loads them)."""
    from data_access.predictions import model_from_arrays
    from data_access.sources.demo import demo_predictions
    from data_access.sources.source import open_source

    table = open_source("demo").table
    models = {
        k: model_from_arrays(k, table, v["top_k"], v["scores"])
        for k, v in demo_predictions().items()
    }
    return table, models
