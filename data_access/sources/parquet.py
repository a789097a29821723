"""Pictures read in place from the Hugging Face ``imagenet-1k`` validation Parquet shards.

Many people hold ImageNet as the Hub's Parquet files (``data/validation-000NN-of-000MM.parquet``:
column ``image`` = struct ``{bytes, path}`` with paths like
``ILSVRC2012_val_00000001_n01751748.JPEG``, column ``label``). ``--images`` may name the folder
of shards or a glob. The index notes, per file name, the shard, row group and row (only the
``image.path`` column is read to build it); a picture is then one row group's ``image``
column, read with pyarrow (about 100 pictures, ~13 MB, in the Hub's files), of which the last
few are kept in memory, since Browse asks for neighbours one after another.
"""

from __future__ import annotations

import functools
import glob
import os
from pathlib import Path

import numpy as np

from data_access.errors import ImageNotAvailable, ImageSourceError
from data_access.predictions.names import validation_position
from data_access.progress import Progress

MAX_ROW_GROUP_BYTES = 512 << 20  # a row group is read whole: a bomb's claim is refused first


def shards_of(spec: str | Path) -> list[Path] | None:
    """The Parquet shards ``spec`` names (a folder holding ``*.parquet`` files, or a glob), in
    name order; None when ``spec`` names no Parquet files (another kind of image store)."""
    text = str(spec)
    if any(ch in text for ch in "*?["):
        found = sorted(Path(p) for p in glob.glob(os.path.expanduser(text)))
    else:
        path = Path(text).expanduser()
        found = sorted(path.glob("*.parquet")) if path.is_dir() else []
    found = [p.resolve() for p in found if p.suffix == ".parquet" and p.is_file()]
    return found or None


def index_shards(shards: list[Path], wanted: set[str], progress: Progress | None = None) -> dict:
    """``{file_name: (shard, row_group, row)}`` for the wanted validation images in the shards.

    Raises:
        ImageSourceError: a shard that is not Parquet, or has no ``image`` struct with a path.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from data_access.classes import validation_file_name

    found: dict[str, tuple[int, int, int]] = {}
    for s, shard in enumerate(shards):
        if progress:
            progress(s, len(shards), "indexing the Parquet shards")
        try:
            pf = pq.ParquetFile(shard)
            for g in range(pf.metadata.num_row_groups):
                paths = pf.read_row_group(g, columns=["image.path"]).column("image")
                for r, path in enumerate(paths.combine_chunks().field("path").to_pylist()):
                    pos = validation_position(path) if isinstance(path, str) else -1
                    if pos >= 0 and (name := validation_file_name(pos)) in wanted:
                        found.setdefault(name, (s, g, r))
        except (OSError, ValueError, KeyError, IndexError, pa.ArrowException) as e:
            raise ImageSourceError(
                shard,
                "not a Hugging Face imagenet-1k Parquet shard (expected a column image = "
                f"{{bytes, path}}): {type(e).__name__}",
            ) from e
    return found


class ParquetImages:
    """Images inside Parquet shards, by (shard, row group, row)."""

    kind = "parquet"

    def __init__(self, shards: list[Path], file_names: np.ndarray, where: np.ndarray):
        self.shards = [Path(p) for p in shards]
        self._rows = {f: i for i, f in enumerate(file_names.tolist())}
        self.where = where  # int64 (n, 3): shard, row group, row; shard -1 when missing

    def has(self, file_name: str) -> bool:
        row = self._rows.get(file_name)
        return row is not None and self.where[row, 0] >= 0

    def read(self, file_name: str) -> bytes:
        row = self._rows.get(file_name)
        if row is None or self.where[row, 0] < 0:
            raise ImageNotAvailable("Parquet shards", "no image for this file", where=file_name)
        s, g, r = (int(x) for x in self.where[row])
        cell = _row_group(str(self.shards[s]), g)[r]
        if not isinstance(cell, bytes | bytearray) or not cell:
            raise ImageSourceError(self.shards[s], "the image has no bytes", where=file_name)
        return bytes(cell)


@functools.lru_cache(maxsize=4)
def _row_group(shard: str, group: int) -> tuple:
    """The ``image.bytes`` of one row group (kept for the next few reads)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(shard)
        size = pf.metadata.row_group(group).total_byte_size
        if size > MAX_ROW_GROUP_BYTES:
            raise ImageSourceError(
                shard, f"row group {group} claims {size >> 20:,} MiB: not a shard of pictures"
            )
        column = pf.read_row_group(group, columns=["image.bytes"]).column("image")
        return tuple(column.combine_chunks().field("bytes").to_pylist())
    except (OSError, ValueError, KeyError, IndexError, pa.ArrowException) as e:
        raise ImageSourceError(shard, f"cannot read row group {group}: {type(e).__name__}") from e
