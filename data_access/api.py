"""A small Python API for notebooks: the same functions the app and the CLI use, with
pandas DataFrames where a table is the natural answer.

>>> import data_access as imlr
>>> source = imlr.open_source("demo")               # or "json" / "tfds" with paths
>>> model = imlr.demo_model(source, "demo-medium")  # or imlr.load_predictions(path, source)
>>> 0.5 < imlr.evaluate(source, model, n_boot=0).multilabel_accuracy < 0.9
True
>>> imlr.per_class(source, model).columns[:4].tolist()
['index', 'wnid', 'name', 'images']
>>> imlr.imagenet_m(source, model).shape
(68, 8)
>>> len(imlr.browse_view(source, {"m": model}, verdict="right_ml_wrong_top1")) > 0
True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from data_access.analysis import evaluation, metrics
from data_access.analysis.evaluation import Evaluation
from data_access.browse.records import view_records
from data_access.browse.view import BrowseState, evidence_for, view_rows
from data_access.classes import load_classes
from data_access.predictions import Model, ReadOptions
from data_access.predictions import load_predictions as _load
from data_access.schema import LABEL_SETS
from data_access.sources.source import Source


def load_predictions(path: str | Path, source: Source, name: str | None = None, **options) -> Model:
    """A prediction file (any format the app reads; see the README) aligned to ``source``.

    Args:
        options: reading options, as on the command line: ``order``, ``drop_background``,
            ``file_names``, ``vocabulary``, ``allow_pickle``.

    Raises:
        DataError: naming the file, the row and the problem.
    """
    return _load(Path(path), source.table, name=name, options=ReadOptions(**options))


def demo_model(source: Source, name: str = "demo-medium") -> Model:
    """One of the three synthetic demo models (only for the demo source)."""
    from data_access.sources import demo

    return demo.demo_model(source.table, name)


def evaluate(source: Source, model: Model, n_boot: int = 1000, seed: int = 0) -> Evaluation:
    """Every headline number, as attributes (``.as_dict()`` for JSON);
    ``multilabel_accuracy`` is the recommended one (non-problematic images, correct or
    unclear, mean of per-class accuracies)."""
    return evaluation.evaluate(source.table, model, n_boot=n_boot, seed=seed)


def per_class(source: Source, model: Model):
    """One row per class: images, multi-label / strict / top-1 accuracy and their gap."""
    import pandas as pd

    return pd.DataFrame(metrics.per_class(source.table, model))


def imagenet_m(source: Source, model: Model):
    """The ImageNet-M images with the model's top-1 and the experts' verdict on it."""
    import pandas as pd

    table = source.table
    names = load_classes().names
    _, _, solved = metrics.imagenet_m(table, model.top1)
    out = []
    for row, right in solved.tolist():
        pred = int(model.top1[row])
        v = table.verdict(row, pred)
        out.append(
            {
                "file_name": table.file_name[row],
                "original_label": names[int(table.original_label[row])],
                **{
                    s.name: [names[k] for k in getattr(table, s.field).row(row).tolist()]
                    for s in LABEL_SETS
                },
                "prediction": names[pred] if pred >= 0 else None,
                "verdict": v,
                "right": bool(right),
            }
        )
    return pd.DataFrame(out)


def browse_view(source: Source, models: Mapping[str, Model] | None = None, **view):
    """The images a Browse view shows (all of them, in its order) as a DataFrame indexed by
    table row: file name, original label, the label sets, problematic (and why), ImageNet-M,
    and each model's top-1 and the experts' verdict on it.

    Args:
        view: :class:`~data_access.browse.view.BrowseState` fields, e.g. ``verdict="wrong"``,
            ``states=("multi",)``, ``classes=(151,)``, ``sort="confidence"``.
    """
    import pandas as pd

    models = dict(models or {})
    state = BrowseState(**view)
    rows = view_rows(source.table, models, state, evidence_for(source.table, models, state))
    return pd.DataFrame(view_records(source.table, models, rows), index=rows)
