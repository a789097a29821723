"""Which reader a prediction file needs, from its bytes, and the options a file cannot say.

Formats are recognised by content, never by name: ``\\x93NUMPY`` is ``.npy`` whatever the
suffix, ``PK`` a zip (``.npz``; ``torch.save``'s zip is refused with the fix), ``PAR1`` Parquet,
``\\x80`` a pickle, ``{`` / ``[`` JSON (or JSON Lines), anything else delimited text. A suffix
that promises another format is only noted (``named .json but holds CSV text``).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from data_access.files import read_capped
from data_access.predictions.arrays import read_names_file, read_numpy
from data_access.predictions.binary import read_parquet, read_pickle
from data_access.predictions.columns import PredictionFileError
from data_access.predictions.jsonfmt import read_json
from data_access.predictions.parsed import Parsed
from data_access.predictions.text import read_delimited
from data_access.progress import Progress

MAX_TEXT_BYTES = 1 << 30  # a text prediction file over 1 GiB is not a prediction file
# JSON is parsed whole by json.loads: the bytes, their text and the parsed objects are in
# memory at once. 96 MiB bounds the first two; the parse is bounded by MAX_JSON_MEMORY below.
# Real tools' JSON (timm, Hugging Face top-5 of 50,000 images) is ~15 MB.
MAX_JSON_BYTES = 96 << 20


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
        prediction_column: the column that holds the predictions, by name, where a file has
            several class columns (one may be the ground truth).
        allow_implausible: score a model whose top-1 agrees with the original labels at
            chance or impossibly well (:mod:`data_access.predictions.sanity`); its numbers
            then say so.
    """

    order: str | None = None
    drop_background: bool = False
    allow_pickle: bool = False
    file_names: str | None = None
    vocabulary: str | None = None
    prediction_column: str | None = None
    allow_implausible: bool = False


# What a file's suffix promises, in the families :func:`sniff` tells apart.
_SUFFIX_FAMILY = {
    ".npy": "numpy", ".npz": "numpy", ".parquet": "parquet", ".pkl": "pickle",
    ".pickle": "pickle", ".json": "json", ".jsonl": "json", ".ndjson": "json", ".csv": "text",
    ".tsv": "text", ".txt": "text", ".pt": "pytorch", ".pth": "pytorch",
}  # fmt: skip
_FAMILY_WORDS = {
    "numpy": "NumPy data", "parquet": "Parquet", "pickle": "a pickle", "json": "JSON",
    "text": "CSV text", "pytorch": "a PyTorch file",
}  # fmt: skip


def _is_torch_zip(path: Path) -> bool:
    """``torch.save``'s zip layout: ``<name>/data.pkl`` beside ``<name>/version``."""
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("/data.pkl") or n == "data.pkl" for n in z.namelist()[:64])
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def sniff(path: Path) -> tuple[str, bytes]:
    """The format family of ``path`` from its first bytes (never from its name)."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(b"\x93NUMPY"):
        return "numpy", head
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return ("pytorch" if _is_torch_zip(path) else "numpy"), head
    if head.startswith(b"PAR1"):
        return "parquet", head
    if head[:1] == b"\x80":
        # torch.save's legacy format is a pickle too; its suffix is the only sign.
        return ("pytorch" if path.suffix.lower() in (".pt", ".pth") else "pickle"), head
    if b"\x00" in head:
        return "binary", head
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    # A CSV line starts with a name or a header, never with "{" or "[".
    if stripped[:1] in (b"{", b"[") or _json_scalar(stripped):
        return "json", head
    return "text", head


def _json_scalar(head: bytes) -> bool:
    """A short file that is one JSON string or number (refused as JSON, with the shape a
    prediction file needs, rather than as a one-column CSV)."""
    if len(head) >= 4096:
        return False
    try:
        return isinstance(json.loads(head), str | int | float)
    except ValueError:
        return False


def name_note(path: Path, family: str) -> str | None:
    """A note when the file's suffix promises another format than its bytes hold (the bytes
    decide how it is read)."""
    promised = _SUFFIX_FAMILY.get(path.suffix.lower())
    if promised is None or promised == family or family not in _FAMILY_WORDS:
        return None
    return (
        f"named {path.suffix} but holds {_FAMILY_WORDS[family]}, not "
        f"{_FAMILY_WORDS[promised]}: read as what its bytes are"
    )


# What parsed JSON costs in Python objects, by the characters that make them (an upper bound:
# a "," or ":" inside a string counts too): an element (a pointer and a small number or
# string), an object (a dict), a list.
_JSON_COST = {b",": 40, b":": 60, b"{": 240, b"[": 72}
MAX_JSON_MEMORY = 256 << 20  # a real tool's JSON (Hugging Face top-5 of 50,000 images) ~90 MB


def _check_json_cost(path: Path, text: bytes) -> None:
    """Refuses JSON whose parse would cost more than :data:`MAX_JSON_MEMORY`, from a count of
    its structural characters (C-speed ``bytes.count``), before ``json.loads`` builds a single
    object: a 180 MB list of numbers is 94 million Python objects."""
    cost = sum(text.count(ch) * weight for ch, weight in _JSON_COST.items())
    if cost > MAX_JSON_MEMORY:
        raise PredictionFileError(
            path,
            f"reading this JSON would take about {cost >> 20:,} MB of memory (at most "
            f"{MAX_JSON_MEMORY >> 20} MB): write large predictions as CSV, Parquet or .npy",
        )


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
    note = name_note(path, family)
    try:
        parsed = _read(path, size, family, head, options, progress)
    except PredictionFileError as e:
        if note is None:
            raise
        # The name may be why the user expected it to work: say what the bytes are.
        problem, where = e._marked
        raise PredictionFileError(path, f"{problem} ({note})", where) from e
    if note:
        parsed.notes.append(note)
    return parsed


def _read(
    path: Path,
    size: int,
    family: str,
    head: bytes,
    options: ReadOptions,
    progress: Progress | None,
) -> Parsed:
    names = read_names_file(Path(options.file_names)) if options.file_names else None
    if family == "numpy":
        return read_numpy(path, head, names, options.drop_background, progress)
    if family == "parquet":
        return read_parquet(path)
    if family == "pytorch":
        raise PredictionFileError(
            path,
            "a PyTorch file (torch.save): it is a pickle, which can run code, so it is never "
            "loaded here; save the tensor with NumPy instead: np.save(path, tensor.numpy())",
        )
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
        raw = read_capped(path, MAX_JSON_BYTES, PredictionFileError, "a JSON prediction file")
        _check_json_cost(path, raw)  # on the bytes: refused before a text copy is made
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise PredictionFileError(path, f"not UTF-8 text (byte {e.start})") from e
        del raw
        return read_json(path, text)
    return read_delimited(path)  # streamed
