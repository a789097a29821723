"""Parquet (timm ``inference.py --results-format parquet``, index ``filename``) and the
imagenet-testbed pickle (``{'model', 'eval-setting', 'logits'}``).

A pickle can run any code while it loads, so it is read only when the user says so
(``--allow-pickle``), never by default and never from an upload in the app.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from data_access.predictions.arrays import MAX_ROWS, integer_ids, take_scores
from data_access.predictions.columns import PredictionFileError, from_columns
from data_access.predictions.parsed import Parsed

MAX_INFLATED = 1 << 30


# Python objects cost about this much beyond their bytes (a str header, a list slot): what a
# column costs once it is a list of Python values.
_PER_VALUE = 56


def _python_bytes(column) -> int:
    """What ``column`` (a pyarrow ChunkedArray) costs as Python values, from what is already
    in memory: a dictionary-encoded column's decoded size is the sum, over its indices, of
    the lengths of the values they point at (never expanded to find out)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            lengths = pc.binary_length(chunk.dictionary).to_numpy(zero_copy_only=False)
            indices = chunk.indices.fill_null(0).to_numpy(zero_copy_only=False)
            total += int(lengths[indices].sum()) if len(lengths) else 0
            total += _PER_VALUE * len(chunk)
        else:
            total += chunk.nbytes + _PER_VALUE * len(chunk)
    return total


def _values(column):
    """A column as :func:`from_columns` takes it: NumPy for numbers (and equal-length lists
    of numbers), Python lists otherwise (dictionary strings shared, not copied per row)."""
    import pyarrow as pa

    kind = column.type
    if (pa.types.is_integer(kind) or pa.types.is_floating(kind)) and column.null_count == 0:
        return column.to_numpy()
    if pa.types.is_dictionary(kind):
        out: list = []
        for chunk in column.chunks:  # each row group has a dictionary of its own
            shared = np.array([*chunk.dictionary.to_pylist(), None], dtype=object)
            indices = chunk.indices.fill_null(len(shared) - 1).to_numpy(zero_copy_only=False)
            out.extend(shared[indices].tolist())
        return out
    if (pa.types.is_list(kind) or pa.types.is_large_list(kind)) and (
        pa.types.is_integer(kind.value_type) or pa.types.is_floating(kind.value_type)
    ):
        flat = column.combine_chunks()
        lengths = flat.value_lengths().to_numpy(zero_copy_only=False)
        if column.null_count == 0 and len(lengths) and (lengths == lengths[0]).all():
            return flat.flatten().to_numpy(zero_copy_only=False).reshape(len(lengths), -1)
    return column.to_pylist()


def read_parquet(path: Path) -> Parsed:
    """Reads a Parquet file without ever expanding what was not measured first.

    The metadata's row count and sizes are checked before anything is read; strings are read
    dictionary-encoded, so a small file whose one dictionary value repeats a million times
    (decoded: gigabytes) is measured and refused at a few MB; struct columns are flattened
    (``image.path``) and binary ones (``image.bytes``, embedded pictures) never leave Arrow.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover - pyarrow comes with streamlit
        raise PredictionFileError(
            path, "reading Parquet needs pyarrow (pip install pyarrow)"
        ) from e
    try:
        pf = pq.ParquetFile(path)
        meta = pf.metadata
        # Checked before anything is decompressed: a small file can inflate to gigabytes.
        inflated = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if meta.num_rows > MAX_ROWS or inflated > MAX_INFLATED:
            raise PredictionFileError(
                path,
                f"{meta.num_rows:,} rows, {inflated / 2**20:,.0f} MiB uncompressed: more than a "
                f"prediction file holds (at most {MAX_ROWS:,} rows, {MAX_INFLATED >> 20} MiB)",
            )
        strings = [
            ".".join(meta.schema.column(i).path.split("."))
            for i in range(meta.num_columns)
            if meta.schema.column(i).physical_type == "BYTE_ARRAY"
        ]
        table = pq.ParquetFile(path, read_dictionary=strings).read()
        while any(pa.types.is_struct(f.type) for f in table.schema):
            table = table.flatten()  # image.path, image.bytes (two levels at most in practice)
    except PredictionFileError:
        raise
    except Exception as e:  # pyarrow raises its own error types for damaged files
        raise PredictionFileError(path, f"not a readable Parquet file ({str(e)[:120]})") from e
    keep = [
        name
        for name, field in zip(table.column_names, table.schema, strict=True)
        if not (pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type))
    ]
    decoded = sum(_python_bytes(table.column(name)) for name in keep)
    if decoded > MAX_INFLATED:
        raise PredictionFileError(
            path,
            f"its columns decode to {decoded / 2**20:,.0f} MiB (at most "
            f"{MAX_INFLATED >> 20} MiB): more than a prediction file holds",
        )
    cols = [_values(table.column(name)) for name in keep]
    return from_columns(path, "Parquet", keep, cols, lambda i: f"row {i}")


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
        take_scores(parsed, path, array, drop_background)
    else:
        parsed.ids = integer_ids(path, array)
        parsed.from_integers = True
    return parsed
