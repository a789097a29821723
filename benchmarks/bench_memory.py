"""Peak memory of reading a large prediction CSV (target: ``evaluate`` of a 400 MB
CSV within 1.5 GB, text parsed within ~3x its size).

The file: one row per validation image, a header and 1000 logit columns (what
``pandas.DataFrame(logits, index=names).to_csv()`` gives; 50,000 rows are 376 MB). Each
command runs in its own process; its peak RSS (``VmHWM``, polled) is reported, next to two
baselines from the same run: the same command on a one-row file (the interpreter, NumPy and
the demo table) and ``pandas.read_csv`` of the big file (a C parser's cost).

Measured (50,000 rows, 359 MiB; `python -m benchmarks.bench_memory`): before streaming,
6.6 GiB peak (18x the file) in 63 s; streamed in ~8 MiB chunks with columns freed as they are
copied, 1,102 MiB (3.07x the file; 2.86x above the 75 MiB one-row baseline) in 30 s.
``pandas.read_csv`` of the same file: 1,259 MiB in 2.5 s (its C parser is 12x faster; the
app's reader keeps its own cell rules: NumPy printouts, names, row/line numbers in errors).

Usage: ``python -m benchmarks.bench_memory [--rows 50000]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def write_wide_csv(path: Path, rows: int) -> Path:
    from data_access.classes import validation_file_name

    rng = np.random.default_rng(0)
    pool = [",".join(f"{v:.4f}" for v in rng.normal(0, 2, 1000)) for _ in range(200)]
    with path.open("w") as f:
        f.write("file_name," + ",".join(f"logit_{k}" for k in range(1000)) + "\n")
        for i in range(rows):
            f.write(f"{validation_file_name(i)},{pool[i % 200]}\n")
    return path


def peak_mb(command: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of ``command``."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.02)
    return peak / 1024, time.perf_counter() - started, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    evaluate = [sys.executable, "-m", "data_access", "evaluate", "--source", "demo"]
    with tempfile.TemporaryDirectory() as tmp:
        big = write_wide_csv(Path(tmp) / "logits.csv", args.rows)
        small = write_wide_csv(Path(tmp) / "one.csv", 1)
        size = big.stat().st_size / 2**20
        base, _, _ = peak_mb([*evaluate, "--bootstrap", "0", str(small)])
        ours, secs, rc = peak_mb([*evaluate, "--bootstrap", "0", str(big)])
        pandas, psecs, _ = peak_mb(
            [sys.executable, "-c", f"import pandas; pandas.read_csv({str(big)!r})"]
        )
    assert rc == 0
    print(f"file                                {size:8.0f} MiB")
    print(f"evaluate, one-row file (baseline)   {base:8.0f} MiB")
    print(f"evaluate, the file                  {ours:8.0f} MiB  {secs:6.1f} s")
    print(f"pandas.read_csv, the file           {pandas:8.0f} MiB  {psecs:6.1f} s")
    print(f"evaluate peak / file size           {ours / size:8.2f}")
    print(f"(evaluate - baseline) / file size   {(ours - base) / size:8.2f}")


if __name__ == "__main__":
    main()
