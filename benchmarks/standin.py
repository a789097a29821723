"""The full-size stand-in: generated, never committed.

* ``human_accuracy_v3.0.0.json``: the demo's 20,000 annotated images (real validation names,
  real original labels, synthetic label sets) in the real file's shape, and
  ``human_accuracy_fullsize.json``, the same grown to the real file's 200 MB;
* ``manual/ILSVRC2012_img_val.tar``: all 50,000 validation names; the 20,000 annotated ones are
  realistic 500x375 JPEGs of about 100 KB (noise over gradients, which compresses like a
  photograph), each with its file name in a JPEG comment so no two are byte-identical;
* TFDS builds prepared from them by TFDS's own builder, ArrayRecord and TFRecord.

Usage: ``python -m benchmarks.standin [--out benchmarks/out]`` (about 2.5 GB of disk).
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "out"


def jpeg_pool(n: int = 97, seed: int = 0) -> list[bytes]:
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:375, 0:500]
    pool = []
    for k in range(n):
        noise = rng.normal(128, 50, (375, 500, 3)).clip(0, 255).astype(np.uint8)
        img = Image.fromarray(noise).filter(ImageFilter.GaussianBlur(0.5))
        phase = k * 0.37
        grad = np.stack(
            [
                127 + 127 * np.sin(xx / 60 + phase),
                127 + 127 * np.cos(yy / 45 + phase),
                (xx + yy) * 255 / 875,
            ],
            -1,
        )
        arr = (np.asarray(img) * 0.5 + grad * 0.5).astype(np.uint8)
        out = io.BytesIO()
        Image.fromarray(arr).save(out, format="JPEG", quality=92)
        pool.append(out.getvalue())
    return pool


def with_comment(jpeg: bytes, text: str) -> bytes:
    """Inserts a COM segment right after SOI: still a valid JPEG, now unique."""
    payload = text.encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def pad_to_real_size(labels: Path, out: Path, target_mb: float = 190.0) -> Path:
    """A copy of the label JSON grown to the real file's size (about 200 MB).

    The real file also holds ImageNetV2 annotations and other keys the builder ignores; their
    parsing dominates a cold json-source build, so the benchmark parses as much text. Added:
    30,000 ImageNetV2-style entries and an extra key of per-annotation records.
    """
    import hashlib
    import json
    import random

    data = json.loads(labels.read_text())
    wnids = sorted({w for v in data["initial_annots"].values() for w in v.get("wrong", [])})
    rng = random.Random(0)
    for i in range(30_000):
        name = hashlib.sha1(str(i).encode()).hexdigest() + ".jpeg"  # noqa: S324 (a name)
        data["initial_annots"][name] = {
            "correct": rng.sample(wnids, 2),
            "wrong": rng.sample(wnids, 4),
        }
    record = {
        "wnid": "n01440764",
        "user": "u00",
        "time": "2019-03-29T22:48:36.956685+00:00",
        "label": "correct",
        "image": "ILSVRC2012_val_00000001.JPEG",
    }
    per_record = len(json.dumps(record)) + 2
    n = int(target_mb * 1e6 - len(json.dumps(data))) // per_record
    data["raw_annotations"] = [
        {
            **record,
            "image": f"ILSVRC2012_val_{rng.randint(1, 50_000):08d}.JPEG",
            "wnid": rng.choice(wnids),
            "label": rng.choice(["correct", "wrong", "unclear"]),
        }
        for _ in range(max(0, n))
    ]
    out.write_text(json.dumps(data))
    return out


def make(out: Path, formats=("array_record", "tfrecord")) -> dict:
    from data_access.sources.demo import demo_table
    from data_access.sources.labels_json import write_label_json
    from tests.helpers import write_validation_tar

    out.mkdir(parents=True, exist_ok=True)
    table = demo_table()
    labels = out / "human_accuracy_v3.0.0.json"
    tar = out / "manual" / "ILSVRC2012_img_val.tar"
    times = {}
    if not labels.exists():
        write_label_json(table, labels)
    fullsize = out / "human_accuracy_fullsize.json"
    if not fullsize.exists():
        pad_to_real_size(labels, fullsize)
    if not tar.exists():
        started = time.perf_counter()
        tar.parent.mkdir(exist_ok=True)
        pool = jpeg_pool()

        def make_jpeg(name: str) -> bytes:
            return with_comment(pool[int(name[15:23]) % len(pool)], name)

        part = tar.with_suffix(".tar.part")
        write_validation_tar(part, table.file_name.tolist(), make_jpeg)
        part.rename(tar)
        times["tar_seconds"] = round(time.perf_counter() - started, 1)
    from data_access.sources.tfds import dataset_dir, prepare

    for fmt in formats:
        data_dir = out / f"tfds_{fmt}"
        if not (dataset_dir(data_dir) / "dataset_info.json").exists():
            started = time.perf_counter()
            prepare(tar.parent, labels, data_dir, fmt)
            times[f"prepare_{fmt}_seconds"] = round(time.perf_counter() - started, 1)
    return {"labels": labels, "tar": tar, **times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(make(args.out), file=sys.stderr)


if __name__ == "__main__":
    main()
