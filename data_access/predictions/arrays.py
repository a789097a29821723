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

import tokenize
import zipfile
from pathlib import Path

import numpy as np

from data_access.classes import NUM_CLASSES, NUM_VALIDATION_IMAGES
from data_access.errors import quoted
from data_access.predictions.columns import PredictionFileError
from data_access.predictions.parsed import FullScores, Parsed
from data_access.progress import Progress

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
# What NumPy raises on a damaged file: its header is parsed with ast.literal_eval (then, for
# old headers, tokenize), so a corrupt header can raise SyntaxError or TokenError.
_NUMPY_ERRORS = (
    ValueError,
    TypeError,
    SyntaxError,
    tokenize.TokenError,
    KeyError,
    OSError,
    EOFError,
    zipfile.BadZipFile,
    RuntimeError,  # zipfile: an encrypted member
    NotImplementedError,  # zipfile: an unknown compression method
)
MAX_ROWS = 1_000_000  # 20x the validation set
MAX_MEMBER_BYTES = 1 << 30  # an .npz member is inflated whole: (50000, 1000) float64 is 400 MB
_MAX_NAMES_BYTES = 256 << 20  # 50,000 paths of 100 characters in UTF-32 are 20 MB


def strings(path: Path, array: np.ndarray, key: str) -> list[str]:
    if array.dtype.kind not in "US":
        raise PredictionFileError(path, f"expected strings, got {array.dtype}", quoted(str(key)))
    return [x.decode() if isinstance(x, bytes) else str(x) for x in array.tolist()]


def read_names_file(path: Path) -> list[str]:
    """Row names from ``--file-names``: a text file (one per line), or an ``.npz``/``.npy`` of
    strings (eth-sri ``samples_info.npz`` included)."""
    try:
        with path.open("rb") as f:
            head = f.read(6)
        if not head.startswith(b"PK") and path.stat().st_size > _MAX_NAMES_BYTES:
            raise PredictionFileError(
                path, f"over {_MAX_NAMES_BYTES >> 20} MiB: too large for a list of file names"
            )
        if head.startswith(b"PK"):
            with np.load(path, allow_pickle=False) as npz:
                key = next((k for k in _NAME_KEYS if k in npz.files), None)
                if key is None:
                    raise PredictionFileError(path, f"no names array among {quoted(npz.files[:6])}")
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
    except _NUMPY_ERRORS as e:
        problem = f"cannot read file names: {quoted(str(e), 120)}"
        raise PredictionFileError(path, problem) from e


def _npz_key(path: Path, npz) -> tuple[str, list[str] | None]:
    """The prediction array's key in an open ``.npz``, and the names it carries, if any."""
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
    return key, names


def _side_names(path: Path, key: str) -> tuple[list[str] | None, str | None]:
    """Row names kept beside an array: ``<stem>.file_names.txt``, or eth-sri's
    ``samples_info.npz`` beside ``preds.npz`` or one folder up."""
    side = path.with_name(path.stem + ".file_names.txt")
    if side.is_file():
        return read_names_file(side), None
    if key in ("top1", "top5", "probs"):
        for folder in (path.parent, path.parent.parent):
            if (folder / _SAMPLES_INFO).is_file():
                names = read_names_file(folder / _SAMPLES_INFO)
                return names, f"{folder.name}/{_SAMPLES_INFO}"
    return None, None


def check_rows(path: Path, n: int, names: list[str] | None) -> None:
    """Rows must match their names one to one; without names there must be 50,000."""
    if names is not None and len(names) != n:
        raise PredictionFileError(
            path, f"{n:,} rows but {len(names):,} file names; they must match one to one"
        )
    if names is None and n != NUM_VALIDATION_IMAGES:
        raise PredictionFileError(
            path,
            f"{n:,} rows but no file names: only 50,000 rows are read by position "
            "(validation or ImageFolder order); give the names as a 'file_names' key in an "
            f".npz, in {path.stem}.file_names.txt, or with --file-names",
        )


def _check_member(path: Path, npz, key: str) -> tuple[int, ...]:
    """Reads a member's ``.npy`` header (a few bytes) and refuses a shape, type or size no
    prediction array has, before anything is inflated: a 2 MB zip can expand to gigabytes."""
    with npz.zip.open(key + ".npy") as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            else:  # 2.0 (and 3.0, read the same way apart from the text encoding)
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        except _NUMPY_ERRORS as e:
            problem = f"not a NumPy array ({quoted(str(e), 120)})"
            raise PredictionFileError(path, problem, quoted(key)) from e
    nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    fits = (
        len(shape) in (1, 2)
        and shape[0] <= MAX_ROWS
        and (len(shape) == 1 or shape[1] <= NUM_CLASSES + 1)
        and dtype.kind in "iuf"
    )
    if not fits or nbytes > MAX_MEMBER_BYTES:
        raise PredictionFileError(
            path,
            f"the array {quoted(key)} is {dtype} of shape {shape} ({nbytes / 2**20:,.0f} MiB): "
            "not a "
            f"prediction array (at most {MAX_ROWS:,} rows of 1000 scores, "
            f"{MAX_MEMBER_BYTES >> 20} MiB in an .npz; save larger arrays as .npy)",
            quoted(key),
        )
    return shape


def read_numpy(
    path: Path,
    magic: bytes,
    file_names: list[str] | None,
    drop_background: bool,
    progress: Progress | None,
) -> Parsed:
    """Reads an ``.npy`` (``magic`` ``\\x93NUMPY``) or ``.npz`` (``PK``) prediction array."""
    names, key, fmt, side = file_names, "array", "NumPy .npy", None
    try:
        if magic.startswith(b"\x93NUMPY"):
            # Memory-mapped: a (50000, 1000) float32 file is read chunk by chunk, never copied.
            array = np.load(path, mmap_mode="r", allow_pickle=False)
            if path.suffix.lower() == ".npz":
                fmt = "NumPy .npy bytes under an .npz name (the ImageNet-M paper's files)"
            if names is None:
                names, side = _side_names(path, key)
        else:
            with np.load(path, allow_pickle=False) as npz:
                key, npz_names = _npz_key(path, npz)
                fmt = f"NumPy .npz (array {key!r})"
                names = names if names is not None else npz_names
                if names is None:
                    names, side = _side_names(path, key)
                # Shape, size and rows from the member's header, before it is inflated.
                shape = _check_member(path, npz, key)
                check_rows(path, shape[0], names)
                array = npz[key]  # one copy: a compressed member must be inflated
    except PredictionFileError:
        raise
    except _NUMPY_ERRORS as e:
        problem = f"not a readable NumPy file ({quoted(str(e), 120)})"
        raise PredictionFileError(path, problem) from e
    if array.ndim == 0 or array.size == 0:
        raise PredictionFileError(path, f"empty or scalar array, shape {array.shape}")
    if side:
        fmt = f"eth-sri preds.npz (array {key!r}, names from {side})"
    if names is not None:
        check_rows(path, array.shape[0], names)
    parsed = Parsed(fmt, names, where=lambda i: f"row {i}")
    parsed.columns = {"predictions": key}
    if array.dtype.kind == "f" and array.ndim == 2:
        take_scores(parsed, path, array, drop_background, progress)
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


def take_scores(
    parsed: Parsed,
    path: Path,
    array: np.ndarray,
    drop_background: bool,
    progress: Progress | None = None,
) -> None:
    """Reads a float (N, 1000) or (N, 1001) score matrix into ``parsed``: its top-5 ids and
    probabilities, and the whole matrix (not copied) for label-error scores
    (:attr:`Parsed.full_scores`)."""
    parsed.ids, parsed.scores, logits = reduce_scores(path, array, drop_background, progress)
    parsed.background_dropped = array.shape[1] == NUM_CLASSES + 1
    parsed.score_kind = "probability"
    parsed.full_scores = FullScores(array[:, 1:] if parsed.background_dropped else array, logits)


def reduce_scores(
    path: Path, array: np.ndarray, drop_background: bool, progress: Progress | None = None
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Top-5 ids (int64) and probabilities (float32) of a (N, 1000) score matrix, chunk by
    chunk, and whether the matrix holds logits (then the probabilities are their softmax);
    a (N, 1001) matrix loses its column 0 when ``drop_background``."""
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
    raw = np.empty((n, k), dtype=np.float32)  # the scores as written
    soft = np.empty((n, k), dtype=np.float32)  # their softmax, if they turn out to be logits
    probabilities = True
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
        # Probabilities only if every row is non-negative and sums to 1; anything else is
        # logits and goes through a softmax.
        if probabilities:
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
        shifted = chunk - chunk.max(axis=1, keepdims=True)
        denom = np.exp(shifted).sum(axis=1, keepdims=True)
        top_k[start : start + len(chunk)] = part
        raw[start : start + len(chunk)] = vals
        soft[start : start + len(chunk)] = np.exp(np.take_along_axis(shifted, part, 1)) / denom
    if progress:
        progress(n, n, f"reading scores from {path.name}")
    return top_k, raw if probabilities else soft, not probabilities
