"""``python -m data_access labels``: from reviewers' verdicts to a revised label file.

labels import FILE --as NAME     verdicts (CSV or JSON Lines) into the review store
labels export [--format jsonl]   every reviewer's verdicts out of it
labels agreement                 agreement between reviewers and with the experts
labels revise --out FILE         the revised label JSON (and --changelog FILE)
labels candidates PRED ...       images whose original label is most likely wrong
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from data_access.cli.candidates import add_candidates_parser
from data_access.cli.common import add_db_flag, write_out


def cmd_labels(args: argparse.Namespace) -> int:
    from data_access.reviews import ReviewStore
    from data_access.reviews.label_store import (
        all_label_reviews,
        decisions,
        save_label_reviews,
    )
    from data_access.reviews.verdict_files import read_verdicts, write_verdicts

    if args.labels_command == "candidates":
        from data_access.cli.candidates import cmd_candidates

        return cmd_candidates(args)
    store = ReviewStore(args.db)
    if args.labels_command == "import":
        reviews = read_verdicts(args.file, args.as_name)
        verdicts = sum(len(r.verdicts) for r in reviews)
        # Added to what each reviewer said before: the file's verdicts win, nothing is lost.
        n = save_label_reviews(store, reviews, merge=True)
        images, names = len({r.file_name for r in reviews}), len({r.reviewer for r in reviews})
        print(
            f"imported {n} label reviews ({verdicts} label verdicts, {images} images, {names} "
            f"reviewers) from {args.file} into {store.where}"
        )
        return 0
    if args.labels_command == "export":
        write_out(args.out, write_verdicts(all_label_reviews(store), args.format))
        return 0

    from data_access.cli.common import Bar, open_from_args

    table = open_from_args(args, Bar(sys.stderr.isatty())).table
    reviews = all_label_reviews(store)
    if args.labels_command == "agreement":
        return _agreement(table, reviews, decisions(store))
    from data_access.reviews.revise import revise, revision_base

    revision = revise(
        revision_base(table, args.labels_json),
        reviews,
        decisions(store),
        args.policy,
        args.min_reviewers,
    )
    write_out(args.out, json.dumps(revision.labels, ensure_ascii=False))
    if args.changelog:
        write_out(args.changelog, json.dumps(revision.changelog, indent=1, ensure_ascii=False))
    moved = sum(
        1
        for c in revision.changelog
        if {k: c["before"][k] for k in ("correct", "unclear", "wrong")}
        != {k: c["after"][k] for k in ("correct", "unclear", "wrong")}
    )
    flagged = sum(
        c["after"]["problematic"] and not c["before"]["problematic"] for c in revision.changelog
    )
    cleared = sum(
        c["before"]["problematic"] and not c["after"]["problematic"] for c in revision.changelog
    )
    reviewers = len({r.reviewer for r in reviews})
    print(
        f"{len(revision.changelog)} images changed ({moved} with other label sets, {flagged} "
        f"made problematic, {cleared} no longer problematic) by {len(reviews)} label reviews "
        f"of {reviewers} reviewers, policy {args.policy}, at least {args.min_reviewers} "
        f"reviewer(s) each; wrote {args.out}"
        + (f" and {args.changelog}" if args.changelog else ""),
        file=sys.stderr,
    )
    if revision.skipped:
        print(
            f"warning: {len(revision.skipped)} reviewed images are not in the label file "
            f"(e.g. {revision.skipped[0]}); left out",
            file=sys.stderr,
        )
    return 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _number(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def _agreement(table: Any, reviews: list, decided: dict) -> int:
    from data_access.reviews.label_agreement import disagreements, expert_view, reviewer_agreement

    experts, problematic = expert_view(table, {r.file_name for r in reviews})
    stats = reviewer_agreement(reviews, experts, problematic)
    for what in ("labels", "problematic"):
        s = stats[what]
        print(
            f"between reviewers, {what}: Krippendorff's alpha {_number(s['alpha'])} "
            f"({_count(s['units'], 'unit')} judged by two or more, {s['values']} values)"
        )
    print(f"{'reviewer':<24} {'images':>6} {'judged':>6} {'agree':>6} {'kappa':>6} {'added':>6}")
    for name, r in stats["reviewers"].items():
        print(
            f"{name[:24]:<24} {r['images']:>6} {r['judged']:>6} {r['agree']:>6} "
            f"{_number(r['kappa']):>6} {r['added']:>6}"
        )
    queue = disagreements(reviews, experts, problematic, decided)
    between = sum(1 for q in queue if q["between_reviewers"])
    waiting = sum(1 for q in queue if not q["decided"])
    print(
        f"{len(queue)} images to adjudicate ({between} where reviewers disagree), "
        f"{waiting} without a lead's decision"
    )
    return 0


def add_labels_parser(sub: Any, add_source_flags: Any) -> None:
    p = sub.add_parser("labels", help="label verdicts in and out, agreement, revised label file")
    add_db_flag(p)
    lsub = p.add_subparsers(dest="labels_command", required=True)
    r = lsub.add_parser(
        "import", help="import verdicts (CSV or JSON Lines: file_name, wnid, verdict, ...)"
    )
    r.add_argument("file", type=Path)
    r.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        help="the reviewer of rows without a reviewer column",
    )
    r = lsub.add_parser("export", help="export every reviewer's verdicts")
    r.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    r.add_argument("--out", type=Path, help="write here instead of standard output")
    r = lsub.add_parser("agreement", help="agreement between reviewers and with the experts")
    add_source_flags(r)
    add_candidates_parser(lsub, add_source_flags)
    r = lsub.add_parser("revise", help="write the revised label JSON")
    add_source_flags(r)
    r.add_argument("--out", type=Path, required=True, help="the revised label JSON")
    r.add_argument("--policy", choices=("majority", "unanimous", "adjudicated"), default="majority")
    r.add_argument(
        "--min-reviewers",
        type=int,
        default=1,
        metavar="N",
        help="reviewers needed to decide a label or the problematic flag",
    )
    r.add_argument(
        "--changelog",
        type=Path,
        metavar="FILE",
        help="write each changed image (before, after, verdicts) as JSON",
    )
    p.set_defaults(func=cmd_labels)
