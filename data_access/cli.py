"""Headless command line: ``python -m data_access COMMAND ...``.

Commands:
    info            what a source holds (counts and label-set statistics)
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

from data_access.errors import DataError

EXIT_BAD_INPUT = 2


class _Bar:
    """A tqdm progress bar on stderr driven by ``progress(done, total, message)`` calls."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.message = None

    def __call__(self, done: int, total: int, message: str) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if message != self.message:
            self.close()
            self.bar = tqdm(total=total or None, desc=message, file=sys.stderr, leave=False)
            self.message = message
        self.bar.total = total or None
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def add_source_flags(p: argparse.ArgumentParser) -> None:
    """The flags that choose a source (shared by every command that reads one)."""
    p.add_argument(
        "--source",
        choices=("demo", "json", "tfds"),
        default="demo",
        help="where the annotations come from (default: the built-in synthetic demo)",
    )
    p.add_argument(
        "--labels-json",
        type=Path,
        help="human_accuracy_v3.0.0.json (json source; with tfds, adds problematic reasons)",
    )
    p.add_argument(
        "--images",
        type=Path,
        help="folder of validation JPEGs or ILSVRC2012_img_val.tar (json source)",
    )
    p.add_argument("--data-dir", type=Path, help="TFDS data_dir (tfds source; default TFDS's)")
    p.add_argument(
        "--index-dir",
        type=Path,
        help="where indexes are kept (default: ~/.cache/imagenet-multilabel-review)",
    )
    p.add_argument("--rebuild-index", action="store_true", help="rebuild the index even if current")


def open_from_args(args: argparse.Namespace, bar: _Bar):
    from data_access.sources import open_source

    try:
        return open_source(
            args.source,
            labels_json=args.labels_json,
            images=args.images,
            data_dir=args.data_dir,
            index_root=args.index_dir,
            progress=bar,
            rebuild=args.rebuild_index,
        )
    finally:
        bar.close()


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


def cmd_prepare(args: argparse.Namespace) -> int:
    from data_access.tfds_source import prepare

    out = prepare(args.manual_dir, args.labels_json, args.data_dir, args.file_format)
    print(f"prepared {out}")
    print(f"open it with: python -m data_access info --source tfds --data-dir {out.parents[1]}")
    return 0


def cmd_download_labels(args: argparse.Namespace) -> int:
    from data_access.labels_json import LABELS_SHA256, LABELS_URL, download_label_json
    from data_access.sources import default_labels_json

    out = args.out or default_labels_json()
    bar = _Bar(sys.stderr.isatty())
    try:
        download_label_json(out, args.url or LABELS_URL, args.sha256 or LABELS_SHA256, bar)
    finally:
        bar.close()
    print(f"saved {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m data_access",
        description="ImageNet Multi-Label Review: headless tools for imagenet2012_multilabel.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("info", help="counts and label statistics of a source")
    add_source_flags(p)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_info)

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
