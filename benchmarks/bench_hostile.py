"""Peak memory of refusing hostile prediction files (target: a refused file costs
the server at most ~300 MB above its idle size).

Each file is read by ``python -m data_access predictions describe FILE`` in a process of its
own (the reader the app and the CLI share); its peak RSS (``VmHWM``, polled) is compared with
the same command on a valid one-row file in the same run (the interpreter, NumPy, pyarrow and
the demo table). Every file here must be refused (exit 2); the table shows what each cost.

The files, made here without ever holding their decoded size in memory:

* ``dictionary.parquet``: one dictionary-encoded column, a 2 KB string repeated a million
  times (~200 KB on disk, ~2 GB decoded);
* ``bomb.npz``: a member that claims (1,000,000, 1000) float32 (4 GB) of zeros, deflated
  (~4 MB);
* ``liar.npy``: a header claiming (1,000,000, 1000) float32 over a few bytes of data;
* ``wide.json``: 90 MB of one JSON list of integers (under the 96 MiB JSON size cap; 47
  million Python objects once parsed);
* ``late.csv``: 300 MB of valid rows with a malformed last line.

Measured on this project's 2-core machine (``python -m benchmarks.bench_hostile``), above a
113 MB baseline: dictionary.parquet +67 MB (was ~2.3 GB before it was read dictionary-
encoded), bomb.npz +0, liar.npy +0, wide.json +63 MB (a 180 MB list was +11.7 GB before the
cost check and the 96 MiB cap), late.csv +127 MB (refused at its 1,000,001st row while
streaming; was +1.25 GB at its end). Every file refused (exit 2) in under 5 s.

Usage: ``python -m benchmarks.bench_hostile``.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from benchmarks.bench_memory import peak_mb


def dictionary_parquet(path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 1_000_000
    column = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array(["x" * 2000])
    )
    pq.write_table(pa.table({"file_name": column}), path, compression="zstd")
    return path


def npz_bomb(path: Path) -> Path:
    rows, cols = 1_000_000, 1000
    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, cols), np.float32))
    header["shape"] = (rows, cols)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z,
        z.open("logits.npy", "w", force_zip64=True) as member,
    ):
        np.lib.format.write_array_header_1_0(member, header)
        block = bytes(4 * cols * 1000)
        for _ in range(rows // 1000):
            member.write(block)
    return path


def lying_npy(path: Path) -> Path:
    with path.open("wb") as f:
        header = np.lib.format.header_data_from_array_1_0(np.zeros((1, 1000), np.float32))
        header["shape"] = (1_000_000, 1000)
        np.lib.format.write_array_header_1_0(f, header)
        f.write(b"\0" * 64)
    return path


def wide_json(path: Path, megabytes: int = 90) -> Path:
    with path.open("w") as f:
        f.write("[")
        chunk = "7," * (1 << 19)
        for _ in range(megabytes):
            f.write(chunk)
        f.write("7]")
    return path


def late_csv(path: Path, megabytes: int = 300) -> Path:
    from data_access.classes import validation_file_name

    line_pool = [f"{validation_file_name(i)},{i % 1000}\n" for i in range(50_000)]
    with path.open("w") as f:
        f.write("file_name,pred\n")
        written = 0
        while written < megabytes << 20:
            for line in line_pool:
                f.write(line)
            written += sum(map(len, line_pool))
        f.write("ILSVRC2012_val_00000001.JPEG,1,2,3\n")
    return path


def main() -> None:
    describe = [sys.executable, "-m", "data_access", "predictions", "describe", "--source",
                "demo"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        one = folder / "one.csv"
        one.write_text("file_name,pred\nILSVRC2012_val_00000001.JPEG,65\n")
        base, _, rc = peak_mb([*describe, str(one)])
        assert rc == 0, "the one-row baseline must be read"
        files = {
            "dictionary.parquet": dictionary_parquet(folder / "dictionary.parquet"),
            "bomb.npz": npz_bomb(folder / "bomb.npz"),
            "liar.npy": lying_npy(folder / "liar.npy"),
            "wide.json": wide_json(folder / "wide.json"),
            "late.csv": late_csv(folder / "late.csv"),
        }
        print(f"{'file':<20} {'on disk':>10} {'peak':>9} {'above base':>11} {'secs':>6}")
        print(f"{'one.csv (baseline)':<20} {'':>10} {base:7.0f} MB")
        for name, path in files.items():
            peak, secs, rc = peak_mb([*describe, str(path)])
            size = path.stat().st_size / 2**20
            status = "refused" if rc == 2 else f"exit {rc} (NOT refused)"
            print(f"{name:<20} {size:7.1f} MiB {peak:7.0f} MB {peak - base:8.0f} MB "
                  f"{secs:6.1f}  {status}")  # fmt: skip


if __name__ == "__main__":
    main()
