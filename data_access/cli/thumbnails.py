"""``python -m data_access thumbnails``: make every thumbnail of a source ahead of time.

Browse then never waits for a picture to be decoded (an uncached thumbnail costs ~5 ms, a
page of 48 ~250 ms on two threads). Thumbnails live in the index folder (``thumbs/``) and are
remade when the index is.
"""

from __future__ import annotations

import argparse
import sys
import time


def cmd_thumbnails(args: argparse.Namespace) -> int:
    from data_access.cli.common import Bar, open_from_args
    from data_access.errors import DataError

    bar = Bar(sys.stderr.isatty())
    source = open_from_args(args, bar)
    if not source.has_images or source.index_dir is None:
        raise DataError("thumbnails", "this source has no images on disk to make thumbnails of")
    names = source.table.file_name.tolist()
    started = time.perf_counter()
    try:
        failed = source.thumbs.make(names, workers=args.workers, progress=bar)
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    folder = source.index_dir / "thumbs"
    size = sum(p.stat().st_size for p in folder.rglob("*.jpg")) if folder.is_dir() else 0
    print(
        f"{len(names) - failed:,} thumbnails in {folder} ({size / 2**20:,.1f} MiB) "
        f"in {seconds:,.1f} s" + (f"; {failed:,} images could not be read" if failed else "")
    )
    return 0


def add_thumbnails_parser(sub, add_source_flags) -> None:
    p = sub.add_parser("thumbnails", help="make every thumbnail ahead of time (Browse is faster)")
    add_source_flags(p)
    p.add_argument("--workers", type=int, default=2, choices=range(1, 33), metavar="N",
                   help="threads (default 2)")  # fmt: skip
    p.set_defaults(func=cmd_thumbnails)
