"""Headless command line: ``python -m data_access COMMAND ...``.

Commands:
    info            what a source holds (counts and label-set statistics)
    evaluate        the recommended multi-label accuracy and companions for prediction files
    browse          the images of a Browse view (the app's filters as flags), as CSV or JSON Lines
    predictions     ``predictions describe FILE``: how a prediction file is read
    reviews         import reference categorisations, export reviews, migrate, copy
    labels          label verdicts in and out, reviewer agreement, the revised label file
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
from data_access.cli.common import Bar, add_source_flags, open_from_args
from data_access.cli.evaluate import add_evaluate_parser
from data_access.cli.labels import add_labels_parser
from data_access.cli.predictions import add_predictions_parser
from data_access.cli.reviews import add_reviews_parser
from data_access.cli.thumbnails import add_thumbnails_parser
from data_access.errors import DataError

EXIT_BAD_INPUT = 2


def cmd_info(args: argparse.Namespace) -> int:
    source = open_from_args(args, Bar(sys.stderr.isatty()))
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
    bar = Bar(sys.stderr.isatty())
    try:
        download_label_json(out, args.url or LABELS_URL, args.sha256 or LABELS_SHA256, bar)
    finally:
        bar.close()
    print(f"saved {out}")
    return 0


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

    add_evaluate_parser(sub)
    add_browse_parser(sub, add_source_flags)
    add_predictions_parser(sub, add_source_flags)
    add_thumbnails_parser(sub, add_source_flags)

    add_reviews_parser(sub)
    add_labels_parser(sub, add_source_flags)

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
