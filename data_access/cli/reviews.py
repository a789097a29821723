"""``python -m data_access reviews``: import reference categorisations, export reviews, and
create (``migrate``) or move (``copy``) a review database, SQLite or PostgreSQL."""

from __future__ import annotations

import argparse
from pathlib import Path

from data_access.cli.common import add_db_flag, write_out


def cmd_reviews(args: argparse.Namespace) -> int:
    from data_access.reviews import ReviewStore
    from data_access.reviews.store import SCHEMA_VERSION

    if args.reviews_command == "copy":
        from data_access.reviews.copy import copy_reviews

        source, target = ReviewStore(args.copy_from), ReviewStore(args.copy_to)
        counts = copy_reviews(source, target)
        print(
            f"copied {counts['reviews']} reviews, {counts['history']} history entries and "
            f"{counts['reference_sets']} reference sets from {source.where} to {target.where} "
            f"({counts['reviews_present']}, {counts['history_present']} and "
            f"{counts['reference_sets_present']} were there already); "
            f"{counts['label_reviews']} label reviews, {counts['label_decisions']} decisions "
            f"and {counts['label_history']} label history entries"
            + (
                f"; left out {counts['invalid']} invalid rows of the source (not what this "
                "app writes)"
                if counts["invalid"]
                else ""
            )
        )
        return 0
    if args.reviews_command == "migrate":
        store = ReviewStore(getattr(args, "db_migrate", None) or args.db, migrate=False)
        applied = store.migrate()
        done = f"applied migrations {', '.join(map(str, applied))}" if applied else "up to date"
        print(f"{store.where}: {done} (schema {SCHEMA_VERSION})")
        return 0
    store = ReviewStore(args.db)
    if args.reviews_command == "import":
        n = store.import_reference(args.as_name, args.file, replace=args.replace)
        print(
            f"imported {n} categorised images as reference set {args.as_name!r} into {store.where}"
        )
    else:
        write_out(args.out, store.export(args.format, reviewer=args.reviewer, model=args.model))
    return 0


def add_reviews_parser(sub) -> None:
    p = sub.add_parser("reviews", help="import reference categorisations, export reviews")
    add_db_flag(p)
    rsub = p.add_subparsers(dest="reviews_command", required=True)
    r = rsub.add_parser("migrate", help="create or update the database's tables")
    r.add_argument("--db", dest="db_migrate", help="as reviews --db")
    r = rsub.add_parser("copy", help="copy every review, history entry and reference set")
    r.add_argument("--from", dest="copy_from", required=True, help="a SQLite path or URL")
    r.add_argument("--to", dest="copy_to", required=True, help="a SQLite path or URL")
    r = rsub.add_parser("import", help="import a categorisation file as a read-only set")
    r.add_argument("file", type=Path, help="published-format JSON, or CSV")
    r.add_argument("--as", dest="as_name", required=True, metavar="NAME")
    r.add_argument("--replace", action="store_true", help="replace a set of the same name")
    r = rsub.add_parser("export", help="export reviews (published JSON format, or CSV)")
    r.add_argument("--format", choices=("json", "csv"), default="json")
    r.add_argument("--reviewer")
    r.add_argument("--model")
    r.add_argument("--out", type=Path, help="write here instead of standard output")
    p.set_defaults(func=cmd_reviews)
