"""``python -m data_access labels candidates``: the images whose original label is most likely
wrong, by the loaded models, and how well each method finds the experts' corrections."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from data_access.cli.common import write_out

DEFAULT_TOP = 100


def cmd_candidates(args: argparse.Namespace) -> int:
    from data_access.analysis.label_errors import LabelErrorInputError
    from data_access.analysis.suspects import (
        TOP_KS,
        ProbabilityMean,
        available_methods,
        default_method,
        measure_all,
        score_models,
        summary_row,
    )
    from data_access.cli.common import Bar, open_from_args
    from data_access.cli.predictions import models_from_args

    if args.top < 1:
        raise LabelErrorInputError(f"--top: expected a positive number, got {args.top}")
    table = open_from_args(args, Bar(sys.stderr.isatty())).table
    mean = ProbabilityMean()
    models = models_from_args(args, table, Bar(sys.stderr.isatty()), mean)
    if not models:
        raise LabelErrorInputError("give one or more prediction files (--predictions FILE)")
    method = args.method or default_method(models, mean)
    if method not in available_methods(models, mean):
        score_models(table, models, method, mean)  # refuses, saying what the files lack
    measured = measure_all(table, models, mean)
    chosen = measured[method]
    tops = tuple(sorted({*TOP_KS, args.top}))
    rows = {m: summary_row(v, tops) for m, v in measured.items()}
    if args.curve:
        write_out(args.curve, _curve_csv(measured))
    candidates = [
        {"file_name": str(table.file_name[r]), "score": float(score)}
        for r, score in zip(chosen.ranked[: args.top], chosen.scores[: args.top], strict=True)
    ]
    if args.format == "json":
        out = {
            "method": method,
            "models": list(mean.names if method != "vote" else [m.name for m in models]),
            "ranked": len(chosen.ranked),
            "base_rate": _none_for_nan(chosen.base_rate),
            "top": args.top,
            "precision": _none_for_nan(chosen.precision_at(args.top)),
            "candidates": candidates,
            "methods": {m: {k: _none_for_nan(v) for k, v in r.items()} for m, r in rows.items()},
        }
        print(json.dumps(out, indent=1, allow_nan=False))
        return 0
    _print_text(table, method, chosen, rows, candidates, args.top, models, mean)
    return 0


def _curve_csv(measured: dict) -> str:
    """Every method's precision-recall curve: one row per method and rank k."""
    lines = ["method,k,precision,recall"]
    for method, m in measured.items():
        precision, recall = m.curve()
        lines += [
            f"{method},{k},{p!r},{r!r}"
            for k, (p, r) in enumerate(zip(precision.tolist(), recall.tolist(), strict=True), 1)
        ]
    return "\n".join(lines) + "\n"


def _none_for_nan(x: Any) -> Any:
    """JSON has no NaN: a number that does not exist (no label error to find) is null."""
    return None if isinstance(x, float) and math.isnan(x) else x


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.1f}%"


def _print_text(table, method, chosen, rows, candidates, top, models, mean) -> None:
    from data_access.analysis.label_errors import METHODS
    from data_access.classes import load_classes

    names = load_classes().names
    used = mean.names if method != "vote" else [m.name for m in models]
    print(
        f"label-error candidates by {METHODS[method]}, from {len(used)} model(s): {', '.join(used)}"
    )
    errors = int(chosen.hits.sum())
    print(
        f"{len(chosen.ranked):,} images ranked; the experts corrected the original label of "
        f"{errors:,} (base rate {_pct(chosen.base_rate)})"
    )
    tops = [k for k in rows[method] if k.startswith("precision_at_")]
    header = " ".join(f"{'P@' + k.removeprefix('precision_at_'):>7}" for k in tops)
    print(f"{'method':<20} {'flagged':>8} {header} {'AP':>7}")
    for m, row in rows.items():
        cells = " ".join(f"{_pct(row[k]):>7}" for k in tops)
        print(f"{m:<20} {row['flagged']:>8,} {cells} {_pct(row['average_precision']):>7}")
    print(f"top {min(top, len(candidates))} by {method} (most suspect first):")
    row_of = table.row_of
    for k, c in enumerate(candidates, 1):
        r = row_of[c["file_name"]]
        verdict = "label error" if table.original_label_error[r] else "label kept"
        original = names[int(table.original_label[r])]
        print(f"{k:>5} {c['file_name']} {c['score']:.6f}  {original[:40]:<40} {verdict}")


def add_candidates_parser(lsub: Any, add_source_flags: Any) -> None:
    from data_access.analysis.label_errors import METHODS
    from data_access.cli.predictions import add_model_flags

    r = lsub.add_parser(
        "candidates",
        help="images whose original label is most likely wrong, by the models, and each "
        "method's precision against the experts",
    )
    add_source_flags(r)
    add_model_flags(r)
    r.add_argument(
        "--method",
        choices=list(METHODS),
        help="default: confident when a file has every class's scores, else vote",
    )
    r.add_argument("--top", type=int, default=DEFAULT_TOP, metavar="K", help="how many to list")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.add_argument(
        "--curve",
        type=Path,
        metavar="FILE",
        help="write every method's precision-recall curve here (CSV: method, k, precision, recall)",
    )
