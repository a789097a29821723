"""Label-error scores at full size: 20,000 images x 50 models of logits (1000 classes each).

Measured, in one process:

* **scores**: each model's logits, as the loader keeps them, added to the running mean
  (:class:`ProbabilityMean`, which sums their softmax block by block with
  :func:`data_access.predictions.probabilities.add_probabilities`), then all four methods
  over the table and each ranking measured against the experts (:func:`measure_all`);
* **floor**, in the same run: one pass over the same 50 logit matrices that only reads them
  (each row's maximum), the least any method that looks at every score must do. The ratio
  scores / floor says what the softmax and the methods cost beyond reading the numbers;
* **exp**: one ``np.exp`` over every logit, which any softmax of them must do, on one core
  and shared by as many threads as the sum uses.

The logits are generated one model at a time (not timed); the running mean holds them until
about 1 GB of them wait (:data:`~data_access.analysis.suspects.PENDING_BYTES`), then sums them
in one pass, so the run holds at most that and the running sum (160 MB), never 50 models
(4 GB).

Target (#28): scores for 20,000 images x 50 models well under a second.

Usage: ``python -m benchmarks.bench_label_errors [--models 50]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np


def _logits(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    z = rng.standard_normal((len(labels), 1000), dtype=np.float32)
    z *= 2.0
    z[np.arange(len(labels)), labels] += 4.0  # mostly agree with the original label
    return z


def _exp_on_every_core(z: np.ndarray, out: np.ndarray, workers: int) -> None:
    """One exp over ``z`` into ``out``, in blocks of rows shared by ``workers`` threads."""
    from concurrent.futures import ThreadPoolExecutor

    def one(start: int) -> None:
        np.exp(z[start : start + 256], out=out[start : start + 256])

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(0, len(z), 256)))


def main() -> None:
    from data_access.analysis.suspects import ProbabilityMean, measure_all
    from data_access.predictions import model_from_arrays
    from data_access.predictions.parsed import FullScores
    from data_access.predictions.probabilities import WORKERS, AlignedScores
    from data_access.sources.demo import demo_table

    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=50)
    args = parser.parse_args()
    table = demo_table()
    n = len(table)
    rows = np.arange(n)
    rng = np.random.default_rng(0)
    mean = ProbabilityMean()
    models = []
    softmax_s = baseline_s = exp_s = exp_all_s = 0.0
    scratch = np.ones((n, 1000), np.float32)  # the floors' output, written before timing
    for m in range(args.models):
        z = _logits(rng, table.original_label)
        # The top-5 (for the vote) are what the loader reads anyway: not timed here.
        top5 = np.argpartition(-z, 5, axis=1)[:, :5]
        model = model_from_arrays(f"m{m}", table, top5)
        started = time.perf_counter()
        scores = AlignedScores(FullScores(z, logits=True), rows, rows, n)
        models.append(mean.add(dataclasses.replace(model, probabilities=scores)))
        softmax_s += time.perf_counter() - started
        started = time.perf_counter()
        z.max(axis=1)
        baseline_s += time.perf_counter() - started
        started = time.perf_counter()
        np.exp(z, out=scratch)
        exp_s += time.perf_counter() - started
        started = time.perf_counter()
        _exp_on_every_core(z, scratch, WORKERS)
        exp_all_s += time.perf_counter() - started
    started = time.perf_counter()
    mean.mean()  # the models still held are summed here
    softmax_s += time.perf_counter() - started
    started = time.perf_counter()
    measured = measure_all(table, models, mean)
    methods_s = time.perf_counter() - started
    scores_s = softmax_s + methods_s
    print(f"{n:,} images x {args.models} models of logits, {WORKERS} threads")
    print(f"  softmax into the running mean: {softmax_s:6.2f} s")
    print(f"  four methods + measured:       {methods_s:6.2f} s")
    print(f"  scores (both):                 {scores_s:6.2f} s")
    print(f"  floor (read every logit once): {baseline_s:6.2f} s")
    print(f"  ratio scores / floor:          {scores_s / baseline_s:6.1f}x")
    print(f"  one exp over every logit:      {exp_s:6.2f} s (what any softmax must do)")
    print(f"  the same exp on every core:    {exp_all_s:6.2f} s")
    print(f"  ratio scores / exp on every core: {scores_s / exp_all_s:6.1f}x")
    for method, x in measured.items():
        print(f"  {method:<18} P@100 {x.precision_at(100):.2f}  base rate {x.base_rate:.3f}")


if __name__ == "__main__":
    main()
