"""Pure-Python data layer of ImageNet Multi-Label Review (never imports streamlit).

For notebooks, the names below are the public API (see the README, "From Python")::

    import data_access as imlr
    source = imlr.open_source("json", labels_json="human_accuracy_v3.0.0.json")
    model = imlr.load_predictions("preds.csv", source)
    imlr.evaluate(source, model).multilabel_accuracy

The layout, by responsibility (each sub-package's ``__init__`` names its modules):

- ``schema``, ``classes``, ``annotations``: the dataset's vocabulary (label sets and what
  counts as accepted; the 1000 classes and WordNet) and the columnar annotation table.
- ``sources/``: where the images and label sets come from (demo, label JSON, TFDS, Parquet).
- ``predictions/``: model prediction files, read, checked and aligned to the table.
- ``analysis/``: the metrics, ReaL, the published results.
- ``browse/``: Browse filters, views, links and exports.
- ``reviews/``: the review store (SQLite or PostgreSQL) and the mistake taxonomy.
- ``teach/``: lessons and the handout.
- ``cli/``: ``python -m data_access``; ``api``: this notebook API.
- ``errors``, ``files``, ``paths``, ``uploads``, ``progress``, ``csv_safe``, ``i18n``: the
  boundary (one error family, capped reads, allowed server paths, uploaded files, progress
  callbacks, spreadsheet-safe CSV, languages).
"""

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "browse_view",
    "demo_model",
    "evaluate",
    "imagenet_m",
    "load_predictions",
    "open_source",
    "per_class",
]


def __getattr__(name: str):
    # Imported on first use, so `python -m data_access` and a bare import stay fast.
    if name in (
        "browse_view",
        "demo_model",
        "evaluate",
        "imagenet_m",
        "load_predictions",
        "per_class",
    ):
        from data_access import api

        return getattr(api, name)
    if name == "open_source":
        from data_access.sources.source import open_source

        return open_source
    if name == "DataError":
        from data_access.errors import DataError

        return DataError
    raise AttributeError(f"module 'data_access' has no attribute {name!r}")
