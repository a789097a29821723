"""Deterministic fixtures of the real shapes, generated on the fly (also used by benchmarks/).

* a label JSON shaped like ``human_accuracy_v3.0.0.json`` (with ImageNetV2 names to drop,
  problematic entries for images outside the annotated set, both reviewer-key spellings);
* an ``ILSVRC2012_img_val.tar`` holding all 50,000 validation file names (TFDS pairs the sorted
  tar names with ``validation_labels.txt``, so a tar with fewer names would shift the labels),
  with real JPEGs for the annotated images and empty members for the rest.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import NUM_VALIDATION_IMAGES, validation_file_name
from data_access.sources.demo import demo_table
from data_access.sources.labels_json import write_label_json

ROOT = Path(__file__).resolve().parents[1]
# What an evaluation always reports, by name: the fields of ``evaluate``'s result and the keys
# of ``evaluate --format json`` (spelled here, not read from the code, so a renamed or
# dropped field fails).
HEADLINE_KEYS = (
    "multilabel_accuracy",
    "multilabel_accuracy_strict",
    "multilabel_accuracy_per_image",
    "top1_accuracy",
    "imagenet_m_correct",
    "imagenet_m_total",
    "coverage",
    "ci95",
)


def small_table(
    images_per_class: int = 1, seed: int = 7, limit: int | None = 40
) -> AnnotationTable:
    """A demo-style table cut to ``limit`` rows (keeping some problematic and ImageNet-M rows)."""
    table = demo_table(seed=seed, images_per_class=images_per_class)
    if limit is None or limit >= len(table):
        return table
    rows = set(np.flatnonzero(table.in_imagenet_m)[:5].tolist())
    rows |= set(np.flatnonzero(table.is_problematic)[:5].tolist())
    rows |= set(range(limit - len(rows)))
    rows = np.array(sorted(rows))
    return AnnotationTable.from_records(
        {
            "file_name": str(table.file_name[i]),
            "original_label": int(table.original_label[i]),
            "correct_multi_labels": table.correct_multi_labels.row(i).tolist(),
            "unclear_multi_labels": table.unclear_multi_labels.row(i).tolist(),
            "wrong_multi_labels": table.wrong_multi_labels.row(i).tolist(),
            "is_problematic": bool(table.is_problematic[i]),
            "problematic_reason": str(table.problematic_reason[i]),
            "in_imagenet_m": bool(table.in_imagenet_m[i]),
        }
        for i in rows
    )


def hand_table(rows) -> AnnotationTable:
    """A table from hand-written rows: (original label, correct, unclear, problematic) per
    image, in file order (ILSVRC2012_val_00000001.JPEG, ...)."""
    return AnnotationTable.from_records(
        {
            "file_name": f"ILSVRC2012_val_{i + 1:08d}.JPEG",
            "original_label": label,
            "correct_multi_labels": list(correct),
            "unclear_multi_labels": list(unclear),
            "wrong_multi_labels": [],
            "is_problematic": problematic,
        }
        for i, (label, correct, unclear, problematic) in enumerate(rows)
    )


def write_fixture_json(table: AnnotationTable, path: Path) -> Path:
    """The label JSON for ``table``, with the real file's extra entries that must be ignored."""
    write_label_json(
        table,
        path,
        extra_annots={"0a1b2c3d4e5f.jpeg": {"correct": ["n01440764"]}},  # an ImageNetV2 name
    )
    data = json.loads(Path(path).read_text())
    # A problematic entry for an image outside the annotated set, with the other key spelling.
    data["problematic_images"]["ILSVRC2012_val_00049999.JPEG"] = {
        "reason": "marked as problematic in the review server",
        "reviewer": "x",
        "server_user_name": "x",
        "time_marked": "2019-01-01T00:00:00+00:00",
        "time_reviewed": "2019-01-01T00:00:00+00:00",
    }
    Path(path).write_text(json.dumps(data))
    return Path(path)


def fixture_jpeg(file_name: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real JPEG whose colour depends on the file name."""
    from PIL import Image

    pos = int(file_name[15:23])
    img = Image.new("RGB", size, (pos * 37 % 256, pos * 91 % 256, pos * 13 % 256))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def write_validation_tar(
    path: Path, annotated: list[str], make_jpeg=fixture_jpeg
) -> dict[str, bytes]:
    """Writes a tar with all 50,000 validation names; returns the JPEG bytes by file name."""
    wanted = set(annotated)
    images = {}
    with tarfile.open(path, "w") as tar:
        for pos in range(NUM_VALIDATION_IMAGES):
            name = validation_file_name(pos)
            data = b""
            if name in wanted:
                data = images[name] = make_jpeg(name)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_234_567_890
            tar.addfile(info, io.BytesIO(data))
    return images


def write_top1_csv(path: Path, table: AnnotationTable, top1, header: str = "") -> Path:
    """A headerless (or ``header``-first) CSV ``file_name,class index`` of one model's top-1."""
    lines = [header] if header else []
    lines += [f"{n},{int(k)}" for n, k in zip(table.file_name.tolist(), top1, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def plain(markdown: str) -> str:
    """Text as a reader sees it: the app escapes Markdown in everything it shows."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def grid_tiles(at, key: str | None = None) -> list[dict]:
    """The tiles an AppTest run sent to the image grid (ui/grid.py), as the browser gets them:
    ``key`` picks one grid (its element id ends with it), else every grid's tiles in order."""
    import json

    out = []
    for e in at.get("bidi_component"):
        if e.proto.component_name == "imlr_image_grid" and (
            key is None or e.proto.id.endswith(f"-{key}")
        ):
            out += json.loads(e.proto.json)["tiles"]
    return out


def viewer_data(at) -> dict:
    """What an AppTest run sent to the Image page's picture viewer (ui/viewer.py)."""
    import json

    e = next(e for e in at.get("bidi_component") if e.proto.component_name == "imlr_image_viewer")
    return json.loads(e.proto.json)


def real_kinds_oracle(table: AnnotationTable) -> dict[str, int]:
    """How often each way of disagreeing with ReaL occurs, counted image by image with sets
    (an oracle independent of the vectorised masks)."""
    counts = dict.fromkeys(
        ("real_accepts_wrong", "experts_accept_missing", "real_empty", "problematic_with_real"), 0
    )
    for i in range(len(table)):
        position = int(table.file_name[i][15:23]) - 1
        real = set(table.real.padded[position].tolist()) - {-1}
        accepted = set(table.correct_multi_labels.row(i).tolist()) | set(
            table.unclear_multi_labels.row(i).tolist()
        )
        wrong = set(table.wrong_multi_labels.row(i).tolist())
        counts["real_accepts_wrong"] += bool(real & wrong)
        counts["experts_accept_missing"] += bool(real) and bool(accepted - real)
        counts["real_empty"] += not real
        counts["problematic_with_real"] += bool(table.is_problematic[i]) and bool(real)
    return counts


def built_once(
    tmp_path_factory, name: str, build: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Arrays built once per test run and shared by pytest-xdist's workers: the first worker
    to ask builds them and saves them (under a lock) in the run's shared temporary folder;
    every worker then maps them read-only (a test that wrote into them would fail, not
    change another's fixture)."""
    base = tmp_path_factory.getbasetemp()
    # The run's folder: under xdist each worker's base is a subfolder of it; without xdist
    # the base is the run's own (its parent holds every run's, and would keep stale arrays).
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = run / "built-once" / name
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "done").exists():
            folder.mkdir(exist_ok=True)
            for key, array in build().items():
                np.save(folder / f"{key}.npy", array)
            (folder / "done").touch()
    return {p.stem: np.load(p, mmap_mode="r") for p in sorted(folder.glob("*.npy"))}


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Each row's k highest columns, highest first, ties in column order: what
    ``np.argsort(-scores, axis=1, kind="stable")[:, :k]`` gives, without sorting every
    row (a few seconds at 50,000 x 1,000)."""
    neg = -scores
    part = np.argpartition(neg, k, axis=1)[:, :k]
    # argpartition keeps k of the tied values at the k-th place, not the first k columns.
    kth = np.take_along_axis(neg, part, 1).max(1, keepdims=True)
    if ((neg == kth).sum(1) > (np.take_along_axis(neg, part, 1) == kth).sum(1)).any():
        return np.argsort(neg, axis=1, kind="stable")[:, :k]
    order = np.lexsort((part, np.take_along_axis(neg, part, 1)), axis=1)
    return np.take_along_axis(part, order, 1)


def python_child(code: str, *args: str, timeout: float | None = None) -> str:
    """Runs ``code`` (with ``args`` as ``sys.argv[1:]``) in a Python process of its own at
    the project's root, and returns what it printed; its error output if it fails. For what
    must not happen in the test process: TensorFlow loading, a peak of memory measured."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
