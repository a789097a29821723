"""The app's own command line, parsed in one place:
``streamlit run app.py -- --source tfds --data-dir DIR --predictions a.csv --allow-path DIR
--reviews-db FILE``. Unknown or bad arguments give the demo and a message, never a crash.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from data_access.cli_predictions import add_reading_flags, options_from_args
from data_access.paths import allowed_roots
from data_access.sources import SOURCE_KINDS


@dataclass(frozen=True)
class SourceParams:
    kind: str = "demo"
    labels_json: str = ""
    images: str = ""
    data_dir: str = ""
    index_root: str = ""


@dataclass(frozen=True)
class AppArgs:
    """What the operator chose on the command line.

    Attributes:
        params: the source to open first.
        problem: what was wrong with the command line (shown in the sidebar), or None.
        predictions: (prediction file, reading options) to load for every session.
        roots: the allowed folders of the path fields (see :mod:`data_access.paths`).
        reviews_db: the review database, a SQLite path or a PostgreSQL URL (empty:
            ``IMLR_REVIEWS_DB``, else the SQLite file in the data folder).
        allow_reviewers: who may save reviews (empty: anyone); e-mails or names.
        read_only_reviewers: who may read but never save.
    """

    params: SourceParams = SourceParams()
    problem: str | None = None
    predictions: tuple[tuple[str, dict], ...] = ()
    roots: tuple[Path, ...] = ()
    reviews_db: str = ""
    allow_reviewers: tuple[str, ...] = ()
    read_only_reviewers: tuple[str, ...] = ()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--source", choices=SOURCE_KINDS, default="demo")
    parser.add_argument("--labels-json", default="")
    parser.add_argument("--images", default="")
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--index-dir", default="")
    parser.add_argument("--predictions", nargs="*", default=[])
    parser.add_argument("--allow-path", action="append", default=[])
    parser.add_argument("--reviews-db", default="")
    parser.add_argument("--allow-reviewer", action="append", default=[])
    parser.add_argument("--read-only-reviewer", action="append", default=[])
    # How to read the --predictions files, as in `python -m data_access evaluate` (the
    # operator's command line, so --allow-pickle is allowed here and nowhere in the UI).
    add_reading_flags(parser)
    return parser


def app_args(argv: list[str] | None = None) -> AppArgs:
    """The command line after ``--`` (``sys.argv[1:]`` by default). Parsing takes
    microseconds, so it is not cached: the allowed roots follow the environment."""
    argv = tuple(sys.argv[1:] if argv is None else argv)
    try:
        args, unknown = build_parser().parse_known_args(list(argv))
    except (argparse.ArgumentError, SystemExit) as e:
        problem = f"ignored the command line ({shlex.join(argv)}): {e}"
        return AppArgs(problem=problem, roots=allowed_roots())
    params = SourceParams(args.source, args.labels_json, args.images, args.data_dir, args.index_dir)
    options = asdict(options_from_args(args))
    given = [args.labels_json, args.images, args.data_dir, args.index_dir, *args.predictions]
    return AppArgs(
        params=params,
        problem=f"ignored unknown arguments: {shlex.join(unknown)}" if unknown else None,
        predictions=tuple((p, options) for p in args.predictions),
        roots=allowed_roots([*given, *args.allow_path]),
        reviews_db=args.reviews_db,
        allow_reviewers=tuple(args.allow_reviewer),
        read_only_reviewers=tuple(args.read_only_reviewer),
    )
