"""Foundation benchmarks at full size (the project's targets), each case in a fresh process.

Measures, for the tfds source (ArrayRecord and TFRecord builds) and the json source (label
JSON + the validation tar):

* cold index build (the json case parses a 190 MB label JSON, the real file's size), next to
  a baseline in the same run: one pass over the split with TFDS's
  own reader (``tfds.data_source`` for ArrayRecord, ``tf.data`` for TFRecord), images not
  decoded; for the json source, reading the label JSON and listing the tar with ``tarfile``;
* warm open (time and process RSS), as a ratio of the cold build;
* one full-resolution image by file_name (the first read separately: it opens the reader);
* one thumbnail, uncached and cached.

Targets: cold tfds build <= 60 s; warm open <= 1 s; RSS after a warm open <= 300 MB;
full image <= 50 ms; thumbnail <= 20 ms cached, <= 60 ms uncached.

Usage: ``python -m benchmarks.standin`` once, then ``python -m benchmarks.bench_foundation``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _stats(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        "mean_ms": round(1000 * statistics.fmean(samples), 2),
        "p50_ms": round(1000 * samples[len(samples) // 2], 2),
        "p95_ms": round(1000 * samples[int(len(samples) * 0.95)], 2),
        "n": len(samples),
    }


def _source_kwargs(case: str) -> dict:
    if case == "json_tar":
        return {
            "kind": "json",
            "labels_json": OUT / "human_accuracy_v3.0.0.json",
            "images": OUT / "manual" / "ILSVRC2012_img_val.tar",
        }
    return {"kind": "tfds", "data_dir": OUT / f"tfds_{case}"}


def child_cold(case: str) -> dict:
    from data_access.sources.source import open_source

    kw = _source_kwargs(case)
    started = time.perf_counter()
    s = open_source(kw.pop("kind"), rebuild=True, **kw)
    return {
        "cold_build_s": round(time.perf_counter() - started, 2),
        "images": len(s.table),
        "rss_mb_after_build": round(rss_mb(), 1),
    }


def child_warm(case: str) -> dict:
    import numpy as np

    t0 = time.perf_counter()
    from data_access.sources.source import open_source

    t1 = time.perf_counter()
    kw = _source_kwargs(case)
    s = open_source(kw.pop("kind"), **kw)
    info = s.info()  # also builds the dense label matrix, as every page will
    t2 = time.perf_counter()
    out = {
        "warm_open_s": round(t2 - t1, 3),
        "warm_open_with_imports_s": round(t2 - t0, 3),
        "index_built": info["index_built"],
        "rss_mb_after_warm_open": round(rss_mb(), 1),
    }
    rng = np.random.default_rng(0)
    names = rng.choice(s.table.file_name, size=201, replace=False).tolist()
    started = time.perf_counter()
    s.image_bytes(names[0])
    out["first_image_ms"] = round(1000 * (time.perf_counter() - started), 1)
    times = []
    for n in names[1:]:
        started = time.perf_counter()
        s.image_bytes(n)
        times.append(time.perf_counter() - started)
    out["image"] = _stats(times)
    shutil.rmtree(s.index_dir / "thumbs", ignore_errors=True)
    for label in ("thumb_uncached", "thumb_cached"):
        times = []
        for n in names[1:101]:
            started = time.perf_counter()
            s.thumbs.one(n)
            times.append(time.perf_counter() - started)
        out[label] = _stats(times)
    out["rss_mb_after_reads"] = round(rss_mb(), 1)
    return out


def child_baseline(case: str) -> dict:
    """One pass over the split with TFDS's own reader, or tar listing + JSON load."""
    started = time.perf_counter()
    if case == "json_tar":
        import tarfile

        json.loads((OUT / "human_accuracy_fullsize.json").read_text())
        with tarfile.open(OUT / "manual" / "ILSVRC2012_img_val.tar") as t:
            n = sum(1 for _ in t)
        what = "json.loads(label JSON) + tarfile listing"
    elif case == "array_record":
        import tensorflow_datasets as tfds

        ds = tfds.data_source(
            "imagenet2012_multilabel",
            split="validation",
            data_dir=str(OUT / "tfds_array_record"),
            download=False,
            decoders={"image": tfds.decode.SkipDecoding()},
        )
        n = sum(1 for i in range(len(ds)) if ds[i] is not None)
        what = "tfds.data_source: every record, images not decoded"
    else:
        import tensorflow_datasets as tfds

        builder = tfds.builder("imagenet2012_multilabel", data_dir=str(OUT / "tfds_tfrecord"))
        ds = builder.as_dataset(split="validation", decoders={"image": tfds.decode.SkipDecoding()})
        n = sum(1 for _ in tfds.as_numpy(ds))
        what = "tf.data via builder.as_dataset: every record, images not decoded (incl. TF import)"
    return {"baseline_s": round(time.perf_counter() - started, 2), "baseline": what, "n": n}


def run_child(mode: str, case: str, index_dir: Path) -> dict:
    env = {**os.environ, "IMLR_INDEX_DIR": str(index_dir), "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_foundation", "--child", mode, case],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{mode} {case} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--cases", nargs="*", default=["array_record", "tfrecord", "json_tar"])
    args = parser.parse_args()
    if args.child:
        mode, case = args.child
        fn = {"cold": child_cold, "warm": child_warm, "baseline": child_baseline}[mode]
        print(json.dumps(fn(case)))
        return
    if not (OUT / "manual" / "ILSVRC2012_img_val.tar").exists():
        sys.exit("no stand-in yet: run `python -m benchmarks.standin` first")
    results = {}
    with tempfile.TemporaryDirectory() as index_dir:
        for case in args.cases:
            r = {"case": case}
            r.update(run_child("baseline", case, Path(index_dir)))
            r.update(run_child("cold", case, Path(index_dir)))
            r.update(run_child("warm", case, Path(index_dir)))
            r["cold_vs_baseline"] = round(r["cold_build_s"] / r["baseline_s"], 2)
            r["cold_vs_warm"] = round(r["cold_build_s"] / max(r["warm_open_s"], 1e-6), 1)
            results[case] = r
            print(json.dumps(r), flush=True)
    print(
        "\n| case | cold build s (baseline s) | warm open s | RSS MB warm/after reads | "
        "image ms mean/p95 | thumb uncached ms mean/p95 | thumb cached ms mean/p95 |"
    )
    print("|---|---|---|---|---|---|---|")
    for case, r in results.items():
        print(
            f"| {case} | {r['cold_build_s']} ({r['baseline_s']}) | {r['warm_open_s']} | "
            f"{r['rss_mb_after_warm_open']}/{r['rss_mb_after_reads']} | "
            f"{r['image']['mean_ms']}/{r['image']['p95_ms']} | "
            f"{r['thumb_uncached']['mean_ms']}/{r['thumb_uncached']['p95_ms']} | "
            f"{r['thumb_cached']['mean_ms']}/{r['thumb_cached']['p95_ms']} |"
        )


if __name__ == "__main__":
    main()
