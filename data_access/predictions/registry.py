"""Which reader a prediction file needs, from its bytes, and the options a file cannot say.

Formats are recognised by content, not by name: ``\\x93NUMPY`` is ``.npy`` whatever the suffix,
``PK`` a zip (``.npz``), ``PAR1`` Parquet, ``\\x80`` a pickle, ``{`` / ``[`` JSON (or JSON
Lines), anything else delimited text. A binary suffix on a text file is refused: the name
promises one thing and the bytes are another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from data_access.files import read_text_capped
from data_access.predictions.arrays import Progress, read_names_file, read_numpy
from data_access.predictions.binary import read_parquet, read_pickle
from data_access.predictions.columns import Parsed, PredictionFileError
from data_access.predictions.jsonfmt import read_json
from data_access.predictions.text import read_delimited

MAX_TEXT_BYTES = 1 << 30  # a text prediction file over 1 GiB is not a prediction file
# JSON is parsed whole by json.loads, at ~8x its size in memory (a float is a Python object):
# 192 MiB keeps that near 1.5 GB. Real tools' JSON (timm, HF top-5 of 50,000 images) is ~15 MB.
MAX_JSON_BYTES = 192 << 20
_BINARY_SUFFIXES = {".npy": "NumPy", ".npz": "NumPy", ".parquet": "Parquet", ".pkl": "pickle"}


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file where its content cannot say (all optional).

    Attributes:
        order: ``validation`` or ``imagefolder`` for rows without names.
        drop_background: class ids are shifted by one (1-based, or a 1001-class model whose
            class 0 is background); a (N, 1001) score matrix loses column 0.
        allow_pickle: read a pickle (it can run code; command line only).
        file_names: a file with the row names of an array (text, or ``.npz`` / ``.npy``).
        vocabulary: a key of ``VOCABULARIES`` for class names, instead of the file's own.
    """

    order: str | None = None
    drop_background: bool = False
    allow_pickle: bool = False
    file_names: str | None = None
    vocabulary: str | None = None


def sniff(path: Path) -> tuple[str, bytes]:
    """The format family of ``path`` from its first bytes."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(b"\x93NUMPY"):
        return "numpy", head
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "numpy", head
    if head.startswith(b"PAR1"):
        return "parquet", head
    if head[:1] == b"\x80":
        return "pickle", head
    if b"\x00" in head:
        return "binary", head
    if not head.strip():
        return "text", head
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    suffix = path.suffix.lower()
    if suffix in _BINARY_SUFFIXES:
        raise PredictionFileError(
            path, f"named {suffix} but holds text, not {_BINARY_SUFFIXES[suffix]} data"
        )
    # A CSV line starts with a name or a header, never with "{" or "[".
    if stripped[:1] in (b"{", b"[") or suffix in (".json", ".jsonl", ".ndjson"):
        return "json", head
    return "text", head


def _check_text_size(path: Path, size: int) -> None:
    if size > MAX_TEXT_BYTES:
        raise PredictionFileError(
            path,
            f"{size / 2**30:.1f} GiB is too large for a text prediction file "
            "(at most 1 GiB); use .npy for scores",
        )


def parse(path: Path, options: ReadOptions, progress: Progress | None = None) -> Parsed:
    """Reads ``path`` with the reader its bytes call for."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise PredictionFileError(path, "file not found") from e
    except OSError as e:
        raise PredictionFileError(path, f"cannot read: {e.strerror or e}") from e
    if path.is_dir():
        raise PredictionFileError(path, "is a folder, expected a prediction file")
    if size == 0:
        raise PredictionFileError(path, "the file is empty")
    family, head = sniff(path)
    names = read_names_file(Path(options.file_names)) if options.file_names else None
    if family == "numpy":
        return read_numpy(path, head, names, options.drop_background, progress)
    if family == "parquet":
        return read_parquet(path)
    if family == "pickle":
        return read_pickle(path, options.allow_pickle, options.drop_background)
    if family == "binary":
        raise PredictionFileError(
            path,
            "binary data, expected a prediction file (CSV, TSV, JSON, JSON Lines, .npy, .npz, "
            "Parquet)",
        )
    _check_text_size(path, size)
    if family == "json" and size > MAX_JSON_BYTES:
        raise PredictionFileError(
            path,
            f"{size:,} bytes: over the {MAX_JSON_BYTES >> 20} MiB limit for a JSON prediction "
            "file (JSON is read whole); use CSV, Parquet or .npy",
        )
    if family == "json":
        text = read_text_capped(path, MAX_JSON_BYTES, PredictionFileError, "a JSON prediction file")
        return read_json(path, text)
    return read_delimited(path)  # streamed
