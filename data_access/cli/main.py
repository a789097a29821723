"""Headless command line: ``python -m data_access COMMAND ...``.

Commands:
    info            what a source holds (counts and label-set statistics)
    evaluate        the recommended multi-label accuracy and companions for prediction files
    browse          the images of a Browse view (the app's filters as flags), as CSV or JSON Lines
    predictions     ``predictions describe FILE``: how a prediction file is read
    reviews         import reference categorisations, export reviews, migrate, copy
    prepare         prepare imagenet2012_multilabel with TFDS's own builder
    download-labels fetch the label JSON, verified by its sha256

Bad input ends in one line on stderr naming the file and the problem, and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from data_access.cli.browse import add_browse_parser
from data_access.cli.common import Bar as _Bar
from data_access.cli.common import add_source_flags, open_from_args
from data_access.cli.predictions import add_model_flags, add_predictions_parser, models_from_args
from data_access.cli.reviews import add_reviews_parser
from data_access.cli.thumbnails import add_thumbnails_parser
from data_access.errors import DataError

EXIT_BAD_INPUT = 2


def cmd_info(args: argparse.Namespace) -> int:
    source = open_from_args(args, _Bar(sys.stderr.isatty()))
    info = source.info()
    if args.format == "json":
        print(json.dumps(info, indent=2))
        return 0
    if source.synthetic:
        print(f"NOTE: {source.description}")
    print(f"source                 {source.description}")
    rows = [
        ("images", info["images"]),
        ("problematic", info["problematic"]),
        ("non-problematic", info["non_problematic"]),
        ("ImageNet-M", info["imagenet_m"]),
        ("classes", info["classes"]),
        (
            "multi-label images",
            f"{info['multi_label_images']}  (more than one accepted label, non-problematic)",
        ),
        ("mean accepted labels", f"{info['mean_accepted_labels']:.4f}"),
        ("images available", "yes" if info["has_images"] else "no (labels only)"),
    ]
    if info.get("images_missing"):
        rows.append(("images missing", f"{info['images_missing']} e.g. {info['missing_examples']}"))
    if source.index_dir:
        built = "built now" if info.get("index_built") else "reused"
        rows.append(("index", f"{source.index_dir} ({built})"))
    for k, v in rows:
        print(f"{k:<22} {v}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from data_access.analysis.evaluation import evaluate
    from data_access.analysis.published import evaluated_rank, rank_sentence

    if not [*args.predictions, *args.more_predictions]:
        raise DataError("evaluate", "no prediction file given (PRED ... or --predictions PRED)")
    bar = _Bar(sys.stderr.isatty())
    source = open_from_args(args, bar)
    table = source.table
    models = models_from_args(args, table, bar)
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
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format == "csv":
        _write_csv(sys.stdout, rows)
    else:
        _print_table(results)
        for r, rank in zip(results, ranks, strict=True):
            if rank is not None:
                print(f"{r.model}: {rank_sentence(rank, source.synthetic)}")
    return 0


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


def _write_csv(out, results: list[dict]) -> None:
    import csv

    from data_access.csv_safe import safe_cell

    writer = csv.DictWriter(out, fieldnames=_CSV_FIELDS, extrasaction="ignore")
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


def cmd_prepare(args: argparse.Namespace) -> int:
    from data_access.sources.tfds import prepare

    out = prepare(args.manual_dir, args.labels_json, args.data_dir, args.file_format)
    print(f"prepared {out}")
    print(f"open it with: python -m data_access info --source tfds --data-dir {out.parents[1]}")
    return 0


def cmd_download_labels(args: argparse.Namespace) -> int:
    from data_access.sources.labels_json import LABELS_SHA256, LABELS_URL, download_label_json
    from data_access.sources.source import default_labels_json

    out = args.out or default_labels_json()
    bar = _Bar(sys.stderr.isatty())
    try:
        download_label_json(out, args.url or LABELS_URL, args.sha256 or LABELS_SHA256, bar)
    finally:
        bar.close()
    print(f"saved {out}")
    return 0


MAX_BOOTSTRAP = 100_000  # 100 times the default: the interval's digits no longer change


def _bounded(flag: str, lo: int, hi: int):
    """An argparse type: an integer in [lo, hi], else one line naming the flag and the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{flag} takes a whole number from {lo} to {hi:,}")
        return value

    return parse


class _Parser(argparse.ArgumentParser):
    """Argument errors in one line and exit 2, like every other bad input (``--help`` still
    shows the usage)."""

    def error(self, message: str):
        print(f"error: {self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m data_access",
        description="ImageNet Multi-Label Review: headless tools for imagenet2012_multilabel.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="counts and label statistics of a source")
    add_source_flags(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("evaluate", help="multi-label accuracy and companions for predictions")
    add_model_flags(p)
    add_source_flags(p)
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--per-class", type=Path, metavar="FILE", help="write per-class CSV here")
    p.add_argument(
        "--bootstrap",
        type=_bounded("--bootstrap", 0, MAX_BOOTSTRAP),
        default=1000,
        help=f"bootstrap replicates for ci95 (0..{MAX_BOOTSTRAP:,}; 0: no interval)",
    )
    p.add_argument(
        "--seed", type=_bounded("--seed", 0, 2**63 - 1), default=0, help="bootstrap seed (>= 0)"
    )
    p.set_defaults(func=cmd_evaluate)

    add_browse_parser(sub, add_source_flags)
    add_predictions_parser(sub, add_source_flags)
    add_thumbnails_parser(sub, add_source_flags)

    add_reviews_parser(sub)

    p = sub.add_parser("prepare", help="prepare the TFDS dataset with TFDS's own builder")
    p.add_argument(
        "--manual-dir", type=Path, required=True, help="folder holding ILSVRC2012_img_val.tar"
    )
    p.add_argument(
        "--labels-json",
        type=Path,
        help="local human_accuracy_v3.0.0.json instead of TFDS's download",
    )
    p.add_argument("--data-dir", type=Path, help="where to write the build (default TFDS's)")
    p.add_argument("--file-format", choices=("array_record", "tfrecord"), default="array_record")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("download-labels", help="fetch the label JSON (verified by sha256)")
    p.add_argument("--out", type=Path, help="destination (default: the app's data folder)")
    p.add_argument("--url", help="another URL to fetch it from (a mirror)")
    p.add_argument("--sha256", help="expected checksum (default: the published file's)")
    p.set_defaults(func=cmd_download_labels)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        return args.func(args)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
