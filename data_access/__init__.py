"""Pure-Python data layer of ImageNet Multi-Label Review (never imports streamlit).

For notebooks, the names below are the public API (see the README, "From Python")::

    import data_access as imlr
    source = imlr.open_source("json", labels_json="human_accuracy_v3.0.0.json")
    model = imlr.load_predictions("preds.csv", source)
    imlr.evaluate(source, model)["multilabel_accuracy"]

Modules: ``schema`` (label sets, acceptance, verdicts), ``classes`` (the 1000 classes and
WordNet), ``annotations`` (the columnar table), ``labels_json`` / ``tfds_source`` / ``demo`` /
``source_kinds`` (the sources), ``images`` / ``parquet_images`` (readers and thumbnails),
``index`` (the on-disk index), ``sources`` (one interface over all), ``predictions`` (prediction
files), ``metrics``, ``browse``, ``reviews``, ``api`` (this API), ``cli``
(``python -m data_access``).
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
        from data_access.sources import open_source

        return open_source
    if name == "DataError":
        from data_access.errors import DataError

        return DataError
    raise AttributeError(f"module 'data_access' has no attribute {name!r}")
