"""``python -m data_access browse``: the images of a Browse view, without the app.

Its filter flags are made from :data:`~data_access.browse.filters.FILTERS`, the list the
app's widgets and links are made from, and read by the same decoders: ``--state multi
--verdict wrong`` here is ``?state=multi&verdict=wrong`` in a link, and gives the same rows.
"""

from __future__ import annotations

import argparse
import sys

from data_access.analysis.suspects import ProbabilityMean
from data_access.browse.filters import FILTERS, PAIRED_VERDICTS, Filter
from data_access.browse.records import view_csv, view_jsonl, view_records
from data_access.browse.view import SORTS, BrowseState, evidence_for, view_rows
from data_access.cli.common import Bar, open_from_args
from data_access.cli.predictions import add_model_flags, models_from_args
from data_access.errors import DataError

# A flag lists its values in its help when they are few; classes and groups are named instead.
LISTED = 12


def _help(f: Filter) -> str:
    options = f.options()
    if len(options) <= LISTED:
        what = "one of " + ", ".join(str(k) for k in options)
    elif f.key in ("class", "pred"):
        what = "a wnid (n02123045) or a class index 0-999"
    else:
        what = "a WordNet synset id (n02121808)"
    how = "; repeat for several" + (" (all must hold)" if f.name == "states" else "")
    return f"{f.label}: {what}" + (how if f.multiple else "")


def add_browse_parser(sub, add_source_flags) -> None:
    p = sub.add_parser(
        "browse",
        help="the images of a Browse view (the app's filters as flags), as CSV or JSON Lines",
    )
    add_source_flags(p)
    add_model_flags(p)
    g = p.add_argument_group("filters (as on the Browse page and in its links)")
    for f in FILTERS:
        g.add_argument(
            f"--{f.key}",
            dest=f"filter_{f.name}",
            action="append" if f.multiple else "store",
            metavar=f.key.upper(),
            help=_help(f),
        )
    p.add_argument("--model", help="the model the verdict and confidence refer to (its name)")
    p.add_argument("--vs", help="the compared model of --verdict beats / loses (its name)")
    p.add_argument("--sort", choices=list(SORTS), default="file_name")
    p.add_argument("--descending", action="store_true")
    p.add_argument(
        "--format",
        choices=("names", "csv", "jsonl"),
        default="names",
        help="file names one per line (default), or every record as the app's export",
    )
    p.set_defaults(func=cmd_browse)


def state_from_args(args: argparse.Namespace, models: dict, has_real: bool) -> BrowseState:
    """The view the flags name; an unknown value, or a filter on what is not loaded, is a
    one-line :class:`DataError` (the app drops such a link value with a message instead)."""
    values: dict[str, object] = {}
    for f in FILTERS:
        raw = getattr(args, f"filter_{f.name}")
        value, unknown = f.read([] if raw is None else (raw if f.multiple else [raw]))
        if unknown:
            raise DataError(f"--{f.key}", f"unknown {f.what} {unknown[0][:60]!r}; {_help(f)}")
        if f.is_set(value) and f.needs == "models" and not models:
            raise DataError(f"--{f.key}", "needs predictions: give PRED or --predictions PRED")
        if f.is_set(value) and f.needs == "real" and not has_real:
            raise DataError(f"--{f.key}", "this source has no ReaL labels")
        values[f.name] = value
    for flag in ("model", "vs"):
        name = getattr(args, flag)
        if name is not None and name not in models:
            loaded = ", ".join(models) or "none"
            raise DataError(f"--{flag}", f"no loaded model is named {name!r} (loaded: {loaded})")
    if values["verdict"] in PAIRED_VERDICTS and args.vs is None:
        raise DataError("--verdict", f"{values['verdict']} needs --vs, the compared model")
    return BrowseState(
        **values,  # type: ignore[arg-type]  # each filter's decode gives its field's type
        model=args.model,
        vs=args.vs,
        sort=args.sort,
        descending=args.descending,
    )


def cmd_browse(args: argparse.Namespace) -> int:
    bar = Bar(sys.stderr.isatty())
    source = open_from_args(args, bar)
    table = source.table
    # Label-error scores need every class's probability: added up as each file is read.
    mean = ProbabilityMean() if args.filter_suspect or args.sort == "suspicion" else None
    models = {m.name: m for m in models_from_args(args, table, bar, mean)}
    state = state_from_args(args, models, table.real is not None)
    rows = view_rows(table, models, state, evidence_for(table, models, state, mean))
    print(f"{len(rows):,} of {len(table):,} images", file=sys.stderr)
    if args.format == "names":
        sys.stdout.write("".join(f"{table.file_name[r]}\n" for r in rows))
    else:
        records = view_records(table, models, rows)
        sys.stdout.write(view_csv(records) if args.format == "csv" else view_jsonl(records))
    return 0
