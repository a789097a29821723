"""Reading real tools' prediction files at full size (the project's targets).

Files of all 50,000 validation images, written as the tools write them (``tests/
prediction_writers.py``), loaded and aligned to the demo table (20,000 rows) by
``load_predictions`` (sniffing, parsing, class names resolved, order checks, alignment):

* a timm ``inference.py --topk 5 --include-index`` CSV (NumPy-printed cells), and the same
  without the index column (class descriptions only) — target <= 1 s each;
* a Hugging Face pipeline JSON Lines file (top-5 ``{"label", "score"}`` per image) — <= 1 s;
* the order check of a 50,000-row positional array (four readings) — <= 50 ms.

Baselines in the same run: ``pandas.read_csv`` of the same CSV (parsing only: cells stay
strings) and ``json.loads`` of each JSON line, so the ratio says what the interpretation costs.

Usage: ``python -m benchmarks.bench_predictions``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.bench_metrics import _timed


def main() -> None:
    import pandas as pd

    from data_access.classes import validation_file_name, validation_labels
    from data_access.predictions import load_predictions
    from data_access.predictions.order import check_positional
    from data_access.sources.demo import demo_table
    from tests import prediction_writers as W

    table = demo_table()
    rng = np.random.default_rng(0)
    labels = validation_labels().astype(np.int64)
    top5 = rng.integers(0, 1000, (50_000, 5))
    top5[:, 0] = np.where(rng.random(50_000) < 0.8, labels, top5[:, 0])
    probs = np.sort(rng.dirichlet(np.ones(1000), 50_000)[:, :5], axis=1)[:, ::-1]
    names = [validation_file_name(i) for i in range(50_000)]
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        idx = W.write_timm(tmp / "timm_idx.csv", names, top5, probs, topk=5, include_index=True)
        desc = W.write_timm(tmp / "timm_desc.csv", names, top5, probs, topk=5)
        hf = tmp / "hf.jsonl"
        hf.write_text(
            "\n".join(
                json.dumps({"file_name": n, "predictions": p})
                for n, p in zip(names, W.hf_pipeline(top5, probs), strict=True)
            )
        )
        out["timm top-5 CSV + index (s)"], m = _timed(lambda: load_predictions(idx, table))
        assert m.coverage.missing == 0
        out["timm top-5 CSV, descriptions (s)"], _ = _timed(lambda: load_predictions(desc, table))
        out["pandas.read_csv of it (s)"], _ = _timed(lambda: pd.read_csv(desc))
        out["HF JSON Lines top-5 (s)"], _ = _timed(lambda: load_predictions(hf, table))
        out["json.loads per line (s)"], _ = _timed(
            lambda: [json.loads(line) for line in hf.read_text().splitlines()]
        )
        out["file sizes (MB)"] = round(sum(p.stat().st_size for p in (idx, desc, hf)) / 3 / 1e6, 1)
    validation_labels()  # warm: the labels are read once per process
    check_positional(Path("x"), top5[:, 0], None, False)
    out["order check (ms)"] = (
        1000 * _timed(lambda: check_positional(Path("x"), top5[:, 0], None, False), repeat=10)[0]
    )
    out["timm CSV / pandas.read_csv"] = (
        out["timm top-5 CSV, descriptions (s)"] / out["pandas.read_csv of it (s)"]
    )
    out["HF JSONL / json.loads"] = out["HF JSON Lines top-5 (s)"] / out["json.loads per line (s)"]
    for k, v in out.items():
        print(f"{k:<36} {v:.3f}")


if __name__ == "__main__":
    main()
