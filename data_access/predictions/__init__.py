"""Model predictions from the files real tools write, aligned to the annotation table.

One small reader per family (``text``: CSV/TSV incl. every timm ``inference.py`` CSV;
``jsonfmt``: JSON / JSON Lines incl. Hugging Face, Keras, timm and the paper's records;
``arrays``: ``.npy`` / ``.npz`` incl. the paper's and eth-sri's files; ``binary``: Parquet and
the opt-in pickle), chosen by the file's bytes in ``loader``; class names in every vocabulary
in ``vocab``; file-name matching in ``names``; order and offset checks in ``order``; the loaded
``Model`` in ``model``. Every problem is a :class:`PredictionFileError` naming the file, the row
or key, and what was expected.
"""

from data_access.errors import PredictionFileError
from data_access.predictions.loader import load_predictions
from data_access.predictions.model import Coverage, Model, default_name, model_from_arrays
from data_access.predictions.registry import ReadOptions

__all__ = [
    "Coverage",
    "Model",
    "PredictionFileError",
    "ReadOptions",
    "default_name",
    "load_predictions",
    "model_from_arrays",
]
