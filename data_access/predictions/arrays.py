"""NumPy arrays: ``.npy`` and ``.npz``, recognised by their bytes, not their names.

* class ids (N,), top-k ids (N, k), or scores (N, 1000) in float16/32/64: score rows are
  memory-mapped and reduced chunk by chunk to the top-5 ids and their probabilities (softmax
  for logits), never copied whole;
* (N, 1001) scores (column 0 the background class of TF-slim models): refused unless
  ``drop_background``;
* the ImageNet-M paper's ``vit3b.npz`` / ``greedysoups.npz`` are ``.npy`` bytes under an
  ``.npz`` name: read as what they are;
* eth-sri ``preds.npz`` (``top1`` / ``top5`` / ``probs``) with the row names in
  ``samples_info.npz`` (``sample_files``) beside it or one folder up;
* an ``.npz`` may carry its names (``file_names``); an ``.npy`` may have ``<stem>.file_names.txt``.

Rows without names are positional: their order is checked by ``order``, never assumed.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from data_access.classes import NUM_CLASSES
from data_access.predictions.columns import Parsed, PredictionFileError

Progress = Callable[[int, int, str], None]
TOP_K = 5
_CHUNK_ROWS = 2048  # rows of a score matrix handled at once: bounds the working memory
_NAME_KEYS = ("file_names", "file_name", "filenames", "names", "sample_files")
_PREFERRED = (
    "logits",
    "probs",
    "probabilities",
    "scores",
    "predictions",
    "preds",
    "top_k",
    "top5",
    "labels",
    "top1",
    "arr_0",
)
_SAMPLES_INFO = "samples_info.npz"
_MAX_NAMES_BYTES = 256 << 20  # 50,000 paths of 100 characters in UTF-32 are 20 MB


def available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def strings(path: Path, array: np.ndarray, key: str) -> list[str]:
    if array.dtype.kind not in "US":
        raise PredictionFileError(path, f"expected strings, got {array.dtype}", key)
    return [x.decode() if isinstance(x, bytes) else str(x) for x in array.tolist()]


def read_names_file(path: Path) -> list[str]:
    """Row names from ``--file-names``: a text file (one per line), or an ``.npz``/``.npy`` of
    strings (eth-sri ``samples_info.npz`` included)."""
    try:
        head = path.open("rb").read(6)
        if head.startswith(b"PK"):
            with np.load(path, allow_pickle=False) as npz:
                key = next((k for k in _NAME_KEYS if k in npz.files), None)
                if key is None:
                    raise PredictionFileError(path, f"no names array among {npz.files[:6]}")
                size = npz.zip.getinfo(key + ".npy").file_size
                if size > _MAX_NAMES_BYTES:  # before inflating: a zip can be a bomb
                    raise PredictionFileError(
                        path, f"names array of {size >> 20:,} MiB: too large for file names", key
                    )
                return strings(path, npz[key], key)
        if head == b"\x93NUMPY":
            return strings(path, np.load(path, allow_pickle=False), "array")
        return path.read_text(encoding="utf-8").split()
    except PredictionFileError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise PredictionFileError(path, f"cannot read file names: {e}") from e


def _npz(path: Path):
    """The prediction array of an ``.npz`` and its names, if it has them."""
    with np.load(path, allow_pickle=False) as npz:
        keys = list(npz.files)
        name_key = next((k for k in _NAME_KEYS if k in keys), None)
        names = strings(path, npz[name_key], name_key) if name_key else None
        data_keys = [k for k in keys if k != name_key]
        if not data_keys:
            raise PredictionFileError(path, "no prediction array in the .npz")
        key = (
            data_keys[0]
            if len(data_keys) == 1
            else next((k for k in _PREFERRED if k in data_keys), None)
        )
        if key is None:
            raise PredictionFileError(
                path,
                f"several arrays ({', '.join(data_keys)}) and none named like "
                "logits/probs/predictions; keep one array per file",
            )
        info = npz.zip.getinfo(key + ".npy")
        available = available_memory()
        if available is not None and info.file_size > available:
            raise PredictionFileError(
                path,
                f"the array {key!r} needs {info.file_size / 2**30:.1f} GiB, more than "
                f"the {available / 2**30:.1f} GiB of memory available; save it as .npy "
                "(read in chunks)",
                key,
            )
        return npz[key], names, key  # one copy: a compressed member must be inflated


def read_numpy(
    path: Path,
    magic: bytes,
    file_names: list[str] | None,
    drop_background: bool,
    progress: Progress | None,
) -> Parsed:
    """Reads an ``.npy`` (``magic`` ``\\x93NUMPY``) or ``.npz`` (``PK``) prediction array."""
    names, key, fmt = file_names, "array", "NumPy .npy"
    try:
        if magic.startswith(b"\x93NUMPY"):
            # Memory-mapped: a (50000, 1000) float32 file is read chunk by chunk, never copied.
            array = np.load(path, mmap_mode="r", allow_pickle=False)
            if path.suffix.lower() == ".npz":
                fmt = "NumPy .npy bytes under an .npz name (the ImageNet-M paper's files)"
        else:
            array, npz_names, key = _npz(path)
            fmt = f"NumPy .npz (array {key!r})"
            names = names if names is not None else npz_names
    except PredictionFileError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise PredictionFileError(path, f"not a readable NumPy file ({e})") from e
    if array.ndim == 0 or array.size == 0:
        raise PredictionFileError(path, f"empty or scalar array, shape {array.shape}")
    if names is None:
        side = path.with_name(path.stem + ".file_names.txt")
        info = next(
            (
                p / _SAMPLES_INFO
                for p in (path.parent, path.parent.parent)
                if (p / _SAMPLES_INFO).is_file()
            ),
            None,
        )
        if side.is_file():
            names = read_names_file(side)
        elif info is not None and key in ("top1", "top5", "probs"):
            names = read_names_file(info)
            fmt = (
                f"eth-sri preds.npz (array {key!r}, names from {info.parent.name}/{_SAMPLES_INFO})"
            )
    n = array.shape[0]
    if names is not None and len(names) != n:
        raise PredictionFileError(
            path, f"{n:,} rows but {len(names):,} file names; they must match one to one"
        )
    parsed = Parsed(fmt, names, where=lambda i: f"row {i}")
    parsed.columns = {"predictions": key}
    if array.dtype.kind == "f" and array.ndim == 2:
        parsed.ids, parsed.scores = reduce_scores(path, array, drop_background, progress)
        parsed.background_dropped = array.shape[1] == NUM_CLASSES + 1
        parsed.score_kind = "probability"
        parsed.columns["scores"] = f"{array.shape[1]} scores per row"
    else:
        parsed.ids = integer_ids(path, array)
        parsed.from_integers = True
    return parsed


def integer_ids(path: Path, array: np.ndarray) -> np.ndarray:
    """int64 (n, k) from an integer array of shape (n,) or (n, k)."""
    kind = array.dtype.kind
    if array.ndim == 1:
        if kind not in "iu":
            raise PredictionFileError(
                path, f"a 1-D array must hold integer class ids, got {array.dtype}"
            )
        return np.asarray(array, dtype=np.int64).reshape(-1, 1)
    if array.ndim != 2:
        raise PredictionFileError(path, f"shape {array.shape}: expected (N,), (N, k) or (N, 1000)")
    if kind not in "iu":
        raise PredictionFileError(path, f"dtype {array.dtype}: expected integers or floats")
    if array.shape[1] > 100:
        raise PredictionFileError(
            path, f"integer array with {array.shape[1]} columns: expected top-k ids (k <= 100)"
        )
    return np.asarray(array, dtype=np.int64)


def reduce_scores(
    path: Path, array: np.ndarray, drop_background: bool, progress: Progress | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Top-5 ids (int64) and probabilities (float32) of a (N, 1000) score matrix, chunk by
    chunk; a (N, 1001) matrix loses its column 0 when ``drop_background``."""
    if array.ndim != 2:
        raise PredictionFileError(path, f"shape {array.shape}: expected (N,), (N, k) or (N, 1000)")
    n, width = array.shape
    if width == NUM_CLASSES + 1:
        if not drop_background:
            raise PredictionFileError(
                path,
                f"{width} score columns: column 0 is probably the background class of a "
                "1001-class model; drop column 0 (background class) with --drop-background "
                "(in the app: 'Reading options')",
            )
        array = array[:, 1:]
    elif width != NUM_CLASSES:
        raise PredictionFileError(
            path, f"float array of shape {array.shape}: expected (N, 1000) scores"
        )
    elif drop_background:
        raise PredictionFileError(
            path, "--drop-background given, but the scores have 1000 columns, not 1001"
        )
    k = TOP_K
    top_k = np.empty((n, k), dtype=np.int64)
    scores = np.empty((n, k), dtype=np.float32)
    probabilities = None
    for start in range(0, n, _CHUNK_ROWS):
        if progress and start % (_CHUNK_ROWS * 4) == 0:
            progress(start, n, f"reading scores from {path.name}")
        chunk = np.asarray(array[start : start + _CHUNK_ROWS], dtype=np.float32)
        finite = np.isfinite(chunk)
        if not finite.all():
            bad = int(np.argwhere(~finite)[0][0]) + start
            raise PredictionFileError(
                path,
                "NaN or infinite score (expected finite logits or probabilities)",
                f"row {bad}",
            )
        if probabilities is None:
            # Decided on the first chunk: rows of non-negative numbers summing to 1 are
            # probabilities; anything else is logits and goes through a softmax.
            sums = chunk.sum(axis=1)
            probabilities = bool((chunk >= 0).all() and np.allclose(sums, 1.0, atol=1e-3))
        part = np.argpartition(-chunk, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(chunk, part, axis=1)
        # Order the k by score; ties go to the lower class index, like np.argmax.
        order = np.lexsort((part, -vals), axis=1)
        part = np.take_along_axis(part, order, axis=1)
        vals = np.take_along_axis(vals, order, axis=1)
        argmax = np.argmax(chunk, axis=1)
        # argpartition may pick another of several tied maxima: top-1 must be np.argmax's.
        tied = part[:, 0] != argmax
        if tied.any():
            part[tied, 0] = argmax[tied]
        if not probabilities:
            shifted = chunk - chunk.max(axis=1, keepdims=True)
            denom = np.exp(shifted).sum(axis=1, keepdims=True)
            vals = np.exp(np.take_along_axis(shifted, part, axis=1)) / denom
        top_k[start : start + len(chunk)] = part
        scores[start : start + len(chunk)] = vals
    if progress:
        progress(n, n, f"reading scores from {path.name}")
    return top_k, scores
