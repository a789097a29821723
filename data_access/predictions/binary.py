"""Parquet (timm ``inference.py --results-format parquet``, index ``filename``) and the
imagenet-testbed pickle (``{'model', 'eval-setting', 'logits'}``).

A pickle can run any code while it loads, so it is read only when the user says so
(``--allow-pickle``), never by default and never from an upload in the app.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from data_access.predictions.arrays import MAX_ROWS, integer_ids, reduce_scores
from data_access.predictions.columns import Parsed, PredictionFileError, from_columns

MAX_INFLATED = 1 << 30


def read_parquet(path: Path) -> Parsed:
    try:
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover - pyarrow comes with streamlit
        raise PredictionFileError(
            path, "reading Parquet needs pyarrow (pip install pyarrow)"
        ) from e
    try:
        meta = pq.ParquetFile(path).metadata
        # Checked before anything is decompressed: a small file can inflate to gigabytes.
        inflated = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if meta.num_rows > MAX_ROWS or inflated > MAX_INFLATED:
            raise PredictionFileError(
                path,
                f"{meta.num_rows:,} rows, {inflated / 2**20:,.0f} MiB uncompressed: more than a "
                f"prediction file holds (at most {MAX_ROWS:,} rows, {MAX_INFLATED >> 20} MiB)",
            )
        table = pq.read_table(path)
    except PredictionFileError:
        raise
    except Exception as e:  # pyarrow raises its own error types for damaged files
        raise PredictionFileError(path, f"not a readable Parquet file ({str(e)[:120]})") from e
    header = list(table.column_names)
    cols = [table.column(h).to_pylist() for h in header]
    return from_columns(path, "Parquet", header, cols, lambda i: f"row {i}")


def read_pickle(path: Path, allow_pickle: bool, drop_background: bool = False) -> Parsed:
    if not allow_pickle:
        raise PredictionFileError(
            path,
            "a Python pickle: loading one runs any code it contains, so it is not read by "
            "default; if you trust the file, pass --allow-pickle (command line only), or save "
            "its logits with numpy.save",
        )
    try:
        with path.open("rb") as f:
            data = pickle.load(f)  # noqa: S301 - only with the user's explicit --allow-pickle
    except Exception as e:  # a pickle can raise anything
        raise PredictionFileError(path, f"not a readable pickle ({str(e)[:120]})") from e
    if isinstance(data, dict) and "logits" in data:
        array = np.asarray(data["logits"])
        setting = data.get("eval-setting", "?")
        fmt = f"imagenet-testbed pickle (model {data.get('model', '?')!s:.60}, {setting!s:.40})"
    elif isinstance(data, np.ndarray):
        array, fmt = data, "pickled NumPy array"
    else:
        raise PredictionFileError(
            path, f"expected a dict with 'logits' (imagenet-testbed), got {type(data).__name__}"
        )
    parsed = Parsed(fmt, None, where=lambda i: f"row {i}")
    parsed.columns = {"predictions": "logits"}
    if array.dtype.kind == "f":
        parsed.ids, parsed.scores = reduce_scores(path, array, drop_background)
        parsed.background_dropped = array.ndim == 2 and array.shape[1] == 1001
        parsed.score_kind = "probability"
    else:
        parsed.ids = integer_ids(path, array)
        parsed.from_integers = True
    return parsed
