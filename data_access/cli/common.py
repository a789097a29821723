"""Pieces every command shares: the progress bar and the flags that open a source."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


class Bar:
    """A tqdm progress bar on stderr driven by ``progress(done, total, message)`` calls."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: Any = None  # a tqdm bar once a message is shown
        self.message: str | None = None

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


def add_db_flag(p: argparse.ArgumentParser) -> None:
    """``--db``: the review database (``reviews`` and ``labels``)."""
    p.add_argument(
        "--db",
        help="the review database: a SQLite path or a postgresql:// URL (default: "
        "IMLR_REVIEWS_DB, else the app's SQLite file)",
    )


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


def open_from_args(args: argparse.Namespace, bar: Bar):
    from data_access.sources.source import open_source

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


def bounded(flag: str, lo: int, hi: int):
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


def write_out(path: Path | None, text: str) -> None:
    """``text`` to ``path``, or to standard output when there is none.

    Raises:
        DataError: the file cannot be written.
    """
    from data_access.errors import DataError

    if path is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise DataError(path, f"cannot write: {e.strerror or e}") from e
