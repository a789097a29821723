"""``python -m data_access evaluate``: the recommended multi-label accuracy and its companions
for prediction files, as a table, JSON or CSV; with ``--revised-labels``, every model under the
original and a revised label file."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path

from data_access.cli.common import Bar, add_source_flags, bounded, open_from_args
from data_access.cli.predictions import add_model_flags, models_from_args
from data_access.errors import DataError

MAX_BOOTSTRAP = 100_000  # 100 times the default: the interval's digits no longer change


def cmd_evaluate(args: argparse.Namespace) -> int:
    from data_access.analysis.evaluation import evaluate
    from data_access.analysis.published import evaluated_rank, rank_sentence

    if not [*args.predictions, *args.more_predictions]:
        raise DataError("evaluate", "no prediction file given (PRED ... or --predictions PRED)")
    bar = Bar(sys.stderr.isatty())
    source = open_from_args(args, bar)
    table = source.table
    models = models_from_args(args, table, bar)
    revision = _rescored(args, table, models) if args.revised_labels else None
    results = [evaluate(table, m, n_boot=args.bootstrap, seed=args.seed) for m in models]
    ranks = [evaluated_rank(r) for r in results]
    # What is printed: the numbers, and the published rank where there is one.
    rows = [
        r.as_dict()
        if rank is None
        else dict(
            r.as_dict(),
            published_rank=rank["rank"],
            published_total=rank["total"],
            published_better_than=rank["better_than"],
        )
        for r, rank in zip(results, ranks, strict=True)
    ]
    if results and results[0].classes_evaluated < 1000:
        print(
            f"warning: only {results[0].classes_evaluated} of 1000 classes have "
            "non-problematic images; the recommended protocol averages over all 1000",
            file=sys.stderr,
        )
    if source.synthetic:
        print(f"warning: {source.description}", file=sys.stderr)
    if args.per_class:
        _write_per_class(args.per_class, table, models)
    if revision is not None:
        for row, r in zip(rows, revision[0], strict=True):
            row.update(
                {f"revised_{k}": v for k, v in dataclasses.asdict(r).items() if k != "model"}
            )
    if args.format == "json":
        if revision is None:
            print(json.dumps(rows, indent=2))
        else:
            changed, ranking = revision[1], revision[2]
            print(
                json.dumps(
                    {"models": rows, "changed_images": changed, "ranking": ranking}, indent=2
                )
            )
    elif args.format == "csv":
        _write_csv(sys.stdout, rows, revised=revision is not None)
    else:
        _print_table(results)
        for r, rank in zip(results, ranks, strict=True):
            if rank is not None:
                print(f"{r.model}: {rank_sentence(rank, source.synthetic)}")
        if revision is not None:
            _print_revised(args.revised_labels, *revision)
    return 0


def _rescored(args: argparse.Namespace, table, models) -> tuple[list, int, dict]:
    """``--revised-labels``: each model under both files (the change with its paired
    interval), how many images the revision changed, and the ranking's Kendall tau."""
    from data_access.analysis.rescore import changed_images, ranking_change, rescore, revised_table
    from data_access.sources.labels_json import load_json_file

    revised = revised_table(table, load_json_file(args.revised_labels), args.revised_labels)
    results = rescore(table, revised, {m.name: m for m in models}, args.bootstrap, args.seed)
    return results, len(changed_images(table, revised)), ranking_change(results)


def _print_revised(path: Path, results: list, changed: int, ranking: dict) -> None:
    print()
    print(f"{changed:,} images have other label sets or problematic flag in {path}")
    print("multi-label accuracy (%) under the original and the revised labels (change in points):")
    print(
        f"{'model':<28} {'original':>9} {'revised':>9} {'change':>8} {'95% interval':>19} "
        f"{'now right':>9} {'now wrong':>9} {'excluded':>8} {'included':>8} {'ImageNet-M':>10}"
    )
    for r in results:
        interval = (
            f"[{r.change_low * 100:+.3f}, {r.change_high * 100:+.3f}]"
            if not math.isnan(r.change_low)
            else ""
        )
        print(
            f"{r.model[:28]:<28} {_pct(r.original):>9} {_pct(r.revised):>9} "
            f"{r.change * 100:>+8.3f} {interval:>19} {r.now_right:>9} {r.now_wrong:>9} "
            f"{r.now_excluded:>8} {r.now_included:>8} "
            f"{r.imagenet_m_original:>4} -> {r.imagenet_m_revised:<3}"
        )
    tau = ranking["kendall_tau"]
    swaps = "; ".join(f"{a} falls below {b}" for a, b in ranking["swaps"]) or "no pair swaps"
    tau_text = "n/a" if math.isnan(tau) else f"{tau:.3f}"
    print(f"ranking of the {ranking['models']} models: Kendall's tau {tau_text}; {swaps}")


_CSV_FIELDS = (
    "model",
    "multilabel_accuracy",
    "ci95_low",
    "ci95_high",
    "multilabel_accuracy_strict",
    "multilabel_accuracy_per_image",
    "top1_accuracy",
    "top1_accuracy_all",
    "multilabel_top5_accuracy",
    "real_accuracy",
    "real_accuracy_annotated",
    "imagenet_m_correct",
    "imagenet_m_total",
    "coverage",
    "missing_predictions",
    "unjudged_predictions",
    "non_problematic_images",
    "classes_evaluated",
    "published_rank",
    "published_total",
    "implausible",
)


_REVISED_FIELDS = tuple(
    f"revised_{k}"
    for k in (
        "original",
        "revised",
        "change",
        "change_low",
        "change_high",
        "now_right",
        "now_wrong",
        "now_excluded",
        "now_included",
        "imagenet_m_original",
        "imagenet_m_revised",
    )
)


def _write_csv(out, results: list[dict], revised: bool = False) -> None:
    import csv

    from data_access.csv_safe import safe_cell

    fields = _CSV_FIELDS + (_REVISED_FIELDS if revised else ())
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for r in results:
        row = {**r, "ci95_low": r["ci95"][0], "ci95_high": r["ci95"][1]}
        writer.writerow({k: safe_cell(v) for k, v in row.items()})  # a model name "=..."


def _write_per_class(path: Path, table, models) -> None:
    from data_access.analysis import metrics
    from data_access.csv_safe import SafeWriter

    try:
        with open(path, "w", newline="") as f:
            writer = None
            for m in models:
                cols = metrics.per_class(table, m)
                keys = list(cols)
                if writer is None:
                    writer = SafeWriter(f)
                    writer.writerow(["model", *keys])
                for i in range(len(cols["index"])):
                    writer.writerow([m.name, *(cols[k][i] for k in keys)])
    except OSError as e:
        raise DataError(path, f"cannot write: {e.strerror or e}") from e


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.2f}"


def _print_table(results: list) -> None:
    head = (
        "model",
        "multi-label",
        "95% CI",
        "strict",
        "per-image",
        "top-1",
        "top-1 all",
        "ML top-5",
        "ReaL",
        "ReaL annot.",
        "ImageNet-M",
        "coverage",
        "unjudged",
    )
    rows = [
        (
            r.model + (" (!)" if r.implausible else ""),
            _pct(r.multilabel_accuracy),
            "-" if r.ci95[0] is None else f"{_pct(r.ci95[0])}-{_pct(r.ci95[1])}",
            _pct(r.multilabel_accuracy_strict),
            _pct(r.multilabel_accuracy_per_image),
            _pct(r.top1_accuracy),
            _pct(r.top1_accuracy_all),
            _pct(r.multilabel_top5_accuracy),
            _pct(r.real_accuracy),
            _pct(r.real_accuracy_annotated),
            f"{r.imagenet_m_correct}/{r.imagenet_m_total}",
            _pct(r.coverage),
            str(r.unjudged_predictions),
        )
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print(
        "multi-label: recommended protocol (non-problematic images, correct or unclear, "
        "mean of per-class accuracies), in %. Others are companions, not the headline. "
        "ReaL: images with a ReaL label, top-1 in it (all 50,000 images; '-' when the file "
        "does not cover them); ReaL annot.: the same on the annotated images."
    )
    for r in results:
        if r.implausible:
            print(f"(!) {r.model}: {r.implausible}")


def add_evaluate_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="multi-label accuracy and companions for predictions")
    add_model_flags(p)
    add_source_flags(p)
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--per-class", type=Path, metavar="FILE", help="write per-class CSV here")
    p.add_argument(
        "--bootstrap",
        type=bounded("--bootstrap", 0, MAX_BOOTSTRAP),
        default=1000,
        help=f"bootstrap replicates for ci95 (0..{MAX_BOOTSTRAP:,}; 0: no interval)",
    )
    p.add_argument(
        "--seed", type=bounded("--seed", 0, 2**63 - 1), default=0, help="bootstrap seed (>= 0)"
    )
    p.add_argument(
        "--revised-labels",
        type=Path,
        metavar="FILE",
        help="a revised label JSON (labels revise): every model scored under both files",
    )
    p.set_defaults(func=cmd_evaluate)
