"""The command line's prediction options and ``predictions describe``.

The reading options answer what a file cannot say about itself; they are the same for
``evaluate`` and ``predictions describe``::

    --order validation|imagefolder   rows without names (50,000-row arrays)
    --drop-background                ids shifted by one / (N, 1001) scores
    --file-names FILE                row names of an array (eth-sri samples_info.npz, text)
    --vocabulary NAME                the vocabulary of class names
    --allow-pickle                   read a pickle (it can run code)
    --prediction-column NAME         the prediction column, where there are several
    --allow-implausible              score a model at chance or at ground-truth agreement
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from data_access.cli.common import Bar, open_from_args
from data_access.errors import DataError
from data_access.predictions import ReadOptions
from data_access.predictions.describe import reading_lines
from data_access.predictions.order import ORDERS
from data_access.predictions.vocab import VOCABULARIES


def add_reading_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reading prediction files (only where a file cannot say)")
    g.add_argument(
        "--order", choices=ORDERS, help="row order of arrays without file names (checked)"
    )
    g.add_argument(
        "--drop-background",
        action="store_true",
        help="class ids are 1-based / class 0 is background; drop column 0 of (N, 1001) scores",
    )
    g.add_argument(
        "--file-names",
        type=Path,
        metavar="FILE",
        help="row names of an array: text (one per line), or .npz/.npy (samples_info.npz)",
    )
    g.add_argument("--vocabulary", choices=list(VOCABULARIES), help="vocabulary of the class names")
    g.add_argument(
        "--allow-pickle",
        action="store_true",
        help="read pickles (imagenet-testbed); a pickle can run code: only for files you trust",
    )
    g.add_argument(
        "--prediction-column",
        metavar="NAME",
        help="the column holding the predictions, where a file has several class columns",
    )
    g.add_argument(
        "--allow-implausible",
        action="store_true",
        help="score predictions that agree with the original labels at chance or on 99%%+ "
        "of images (refused by default: wrong order, or the ground truth); flagged wherever "
        "their numbers are shown",
    )


def add_model_flags(p: argparse.ArgumentParser) -> None:
    """Prediction files (positional or ``--predictions``, as the app's), their names, and
    the reading options."""
    p.add_argument(
        "predictions",
        nargs="*",
        type=Path,
        metavar="PRED",
        help="prediction files: CSV/TSV, JSON/JSON Lines, .npy/.npz, Parquet (see README); "
        "on the demo, demo:demo-strong, demo:demo-medium or demo:demo-weak",
    )
    p.add_argument(
        "--predictions",
        dest="more_predictions",
        nargs="+",
        action="extend",
        type=Path,
        default=[],
        metavar="PRED",
        help="more prediction files (as the app's --predictions; repeatable)",
    )
    p.add_argument(
        "--name",
        action="append",
        metavar="NAME",
        help="model name, once per file in order (default: the file's stem)",
    )
    add_reading_flags(p)


def models_from_args(args: argparse.Namespace, table, bar: Bar, mean=None) -> list:
    """The models of :func:`add_model_flags`' files, in order, each read and checked as the
    app reads an upload; their notes printed on stderr as warnings. With ``mean`` (a
    :class:`~data_access.analysis.suspects.ProbabilityMean`), every class's probability of
    each file that has them is added to it as the file is read."""
    from data_access.predictions import default_name, load_predictions
    from data_access.sources.demo import DEMO_PREFIX, demo_model

    paths = [*args.predictions, *args.more_predictions]
    if args.name and len(args.name) != len(paths):
        raise DataError(
            "--name", f"give one name per prediction file ({len(paths)}), got {len(args.name)}"
        )
    options = options_from_args(args)
    models: list = []
    taken: set[str] = set()
    try:
        for k, path in enumerate(paths):
            demo = str(path).startswith(DEMO_PREFIX)
            stem = str(path)[len(DEMO_PREFIX) :] if demo else path
            name = args.name[k] if args.name else default_name(stem, taken)
            if name in taken:
                raise DataError("--name", f"{name!r} is used twice; model names must be unique")
            taken.add(name)
            keep = mean is not None
            if demo:
                model = demo_model(table, str(path)[len(DEMO_PREFIX) :], keep).renamed(name)
            else:
                model = load_predictions(
                    path, table, name=name, progress=bar, options=options, keep_probabilities=keep
                )
            models.append(mean.add(model) if keep else model)
    finally:
        bar.close()
    for m in models:
        for note in m.shown_notes():
            print(f"warning: {m.source}: {note}", file=sys.stderr)
    return models


def options_from_args(args: argparse.Namespace) -> ReadOptions:
    return ReadOptions(
        order=args.order,
        drop_background=args.drop_background,
        allow_pickle=args.allow_pickle,
        file_names=str(args.file_names) if args.file_names else None,
        vocabulary=args.vocabulary,
        prediction_column=args.prediction_column,
        allow_implausible=args.allow_implausible,
    )


def cmd_describe(args: argparse.Namespace) -> int:
    from data_access.predictions import load_predictions

    source = open_from_args(args, Bar(sys.stderr.isatty()))
    model = load_predictions(args.file, source.table, options=options_from_args(args))
    reading = dict(model.reading or {}, notes=model.shown_notes())
    if args.format == "json":
        print(json.dumps(reading, indent=2))
        return 0
    for label, value in reading_lines(model.reading or {}):
        print(f"{label:<12} {value}")
    for note in model.shown_notes():
        print(f"{'warning':<12} {note}")
    return 0


def add_predictions_parser(sub, add_source_flags) -> None:
    p = sub.add_parser("predictions", help="inspect prediction files")
    psub = p.add_subparsers(dest="predictions_command", required=True)
    d = psub.add_parser(
        "describe",
        help="how a prediction file is read: format, vocabulary, order, top-k, coverage",
    )
    d.add_argument("file", type=Path, metavar="FILE")
    d.add_argument("--format", choices=("table", "json"), default="table")
    add_source_flags(d)
    add_reading_flags(d)
    d.set_defaults(func=cmd_describe)
