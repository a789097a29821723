"""The app's own command line, parsed in one place:
``streamlit run app.py -- --source tfds --data-dir DIR --predictions a.csv --allow-path DIR
--reviews-db FILE``, optionally from a config file (``--config lab.toml``, a ``[server]``
section with the same settings; flags on the command line win). Unknown or bad arguments give
the demo and a message, never a crash.
"""

from __future__ import annotations

import argparse
import functools
import shlex
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from data_access.cli.predictions import add_reading_flags, options_from_args
from data_access.errors import without_secrets
from data_access.paths import allowed_roots
from data_access.sources.source import SOURCE_KINDS
from data_access.uploads import SERVER_LIMIT_MB, SESSION_LIMIT_MB


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
        server_mode: the operator fixed the source and the files; visitors type no paths.
        share_folders: folders whose prediction files visitors may pick (server mode).
        session_upload_limit: MB of uploads one session may hold at once.
        server_upload_limit: MB of uploads all sessions together may hold.
        revised_labels: a revised label JSON every model is also scored against ("": none).
        lead_reviewers: who may record a decision on disputed labels (empty: any reviewer
            who may save).
    """

    params: SourceParams = SourceParams()
    problem: str | None = None
    predictions: tuple[tuple[str, dict], ...] = ()
    roots: tuple[Path, ...] = ()
    reviews_db: str = ""
    allow_reviewers: tuple[str, ...] = ()
    read_only_reviewers: tuple[str, ...] = ()
    server_mode: bool = False
    share_folders: tuple[Path, ...] = ()
    session_upload_limit: int = SESSION_LIMIT_MB
    server_upload_limit: int = SERVER_LIMIT_MB
    revised_labels: str = ""
    lead_reviewers: tuple[str, ...] = ()


# [server] keys of a config file -> the flag each stands for.
CONFIG_KEYS = {
    "source": "--source", "labels_json": "--labels-json", "images": "--images",
    "data_dir": "--data-dir", "index_dir": "--index-dir", "predictions": "--predictions",
    "reviews_db": "--reviews-db", "allow_reviewers": "--allow-reviewer",
    "read_only_reviewers": "--read-only-reviewer", "share_folders": "--share-folder",
    "allow_paths": "--allow-path", "session_upload_limit": "--session-upload-limit",
    "server_upload_limit": "--server-upload-limit", "revised_labels": "--revised-labels",
    "lead_reviewers": "--lead-reviewer",
}  # fmt: skip


def config_argv(path: str) -> list[str]:
    """The ``[server]`` section of a TOML config file as command-line words (server mode on).

    Raises:
        ValueError: unreadable, not TOML, no ``[server]`` section, or an unknown key.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: Streamlit's own dependency reads TOML
        import toml as tomllib  # type: ignore[no-redef]
    try:
        text = Path(path).read_text()
        data = tomllib.loads(text)
    except (OSError, ValueError, TypeError) as e:
        raise ValueError(f"config file {path}: {e}") from e
    section = data.get("server")
    if not isinstance(section, dict):
        raise ValueError(f"config file {path}: no [server] section")
    argv = ["--server-mode"] if section.get("server_mode", True) else []
    for key, value in section.items():
        if key == "server_mode":
            continue
        if key not in CONFIG_KEYS:
            raise ValueError(f"config file {path}: unknown key {key!r} in [server]")
        flag = CONFIG_KEYS[key]
        values = value if isinstance(value, list) else [value]
        if flag == "--predictions":
            argv += [flag, *map(str, values)]
        else:
            for v in values:
                argv += [flag, str(v)]
    return argv


def _megabytes(text: str) -> int:
    """An upload limit in MB: a whole number from 1 to 1,000,000."""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"expected MB from 1 to 1000000, got {text[:20]!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--source", choices=SOURCE_KINDS, default="demo")
    parser.add_argument("--labels-json", default="")
    parser.add_argument("--images", default="")
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--index-dir", default="")
    # Repeated --predictions add files (a later one must not drop the earlier ones).
    parser.add_argument("--predictions", nargs="*", action="extend", default=[])
    parser.add_argument("--allow-path", action="append", default=[])
    parser.add_argument("--reviews-db", default="")
    parser.add_argument("--allow-reviewer", action="append", default=[])
    parser.add_argument("--read-only-reviewer", action="append", default=[])
    parser.add_argument("--lead-reviewer", action="append", default=[])
    parser.add_argument("--revised-labels", default="")
    parser.add_argument("--server-mode", action="store_true")
    parser.add_argument("--share-folder", action="append", default=[])
    parser.add_argument("--config", default="")
    parser.add_argument("--session-upload-limit", type=_megabytes, default=SESSION_LIMIT_MB)
    parser.add_argument("--server-upload-limit", type=_megabytes, default=SERVER_LIMIT_MB)
    # How to read the --predictions files, as in `python -m data_access evaluate` (the
    # operator's command line, so --allow-pickle is allowed here and nowhere in the UI).
    add_reading_flags(parser)
    return parser


@functools.lru_cache(maxsize=16)
def _parsed(argv: tuple[str, ...]) -> tuple[argparse.Namespace, tuple[str, ...]]:
    """``argv`` parsed, with its ``--config`` file's flags first (the command line's own
    win). Cached per command line: a run asks for the arguments several times, and building
    the parser each time was ~10 ms of every run (py-spy); a changed ``--config`` file is
    read at the next start, as a server's configuration is. Errors are not cached."""
    args, unknown = build_parser().parse_known_args(list(argv))
    if args.config:
        args, unknown = build_parser().parse_known_args([*config_argv(args.config), *argv])
    return args, tuple(unknown)


def app_args(argv: list[str] | None = None) -> AppArgs:
    """The command line after ``--`` (``sys.argv[1:]`` by default). The allowed roots are
    worked out on each call: they follow the environment."""
    argv = tuple(sys.argv[1:] if argv is None else argv)
    try:
        args, unknown = _parsed(argv)
    except (argparse.ArgumentError, SystemExit, ValueError) as e:
        problem = without_secrets(f"ignored the command line ({shlex.join(argv)}): {e}")
        return AppArgs(problem=problem, roots=allowed_roots())
    params = SourceParams(args.source, args.labels_json, args.images, args.data_dir, args.index_dir)
    options = asdict(options_from_args(args))
    given = [args.labels_json, args.images, args.data_dir, args.index_dir, *args.predictions,
             *args.share_folder]  # fmt: skip
    return AppArgs(
        params=params,
        problem=without_secrets(f"ignored unknown arguments: {shlex.join(unknown)}")
        if unknown
        else None,
        predictions=tuple((p, options) for p in args.predictions),
        roots=allowed_roots([*given, *args.allow_path]),
        reviews_db=args.reviews_db,
        allow_reviewers=tuple(args.allow_reviewer),
        read_only_reviewers=tuple(args.read_only_reviewer),
        server_mode=bool(args.server_mode),
        share_folders=tuple(Path(f).resolve() for f in args.share_folder if f),
        session_upload_limit=args.session_upload_limit,
        server_upload_limit=args.server_upload_limit,
        revised_labels=args.revised_labels,
        lead_reviewers=tuple(args.lead_reviewer),
    )
