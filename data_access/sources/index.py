"""The on-disk index of a real source: built on first open, loaded in milliseconds after.

One folder per source (named by a hash of the source's paths) under the index root, holding
``index.npz`` (the annotation table, where each image's bytes are, and a JSON ``__meta__``
entry) and ``thumbs/`` (thumbnails, made lazily). ``index.npz`` is written to a temporary
file and renamed into place, so a crash mid-write leaves either the old index or none. On
load, the schema version, the code version and the source's fingerprint (sizes and mtimes of
its files) must all match and every array must be consistent, or the index is rebuilt: a
stale or damaged index is never trusted and never crashes the app.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Bump when the layout or meaning of what is stored changes: older indexes are then rebuilt.
SCHEMA_VERSION = 1
INDEX_FILE = "index.npz"
APP_DIR_NAME = "imagenet-multilabel-review"


def default_index_root() -> Path:
    """``$IMLR_INDEX_DIR``, else ``$XDG_CACHE_HOME`` or ``~/.cache``, then the app's folder."""
    env = os.environ.get("IMLR_INDEX_DIR")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / APP_DIR_NAME / "index"


def default_data_root() -> Path:
    """``$IMLR_DATA_DIR``, else ``$XDG_DATA_HOME`` or ``~/.local/share``, then the app's folder."""
    env = os.environ.get("IMLR_DATA_DIR")
    if env:
        return Path(env).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / APP_DIR_NAME


def index_dir_for(root: Path | None, kind: str, identity: dict) -> Path:
    """The folder of one source's index: stable for the same source paths."""
    key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    return Path(root or default_index_root()) / f"{kind}-{key}"


def _code_version() -> str:
    from data_access import __version__

    return __version__


class StaleIndex(Exception):
    """The index cannot be used; the message says why (for the log)."""


def load_index(folder: Path, kind: str, fingerprint: object) -> tuple[dict[str, np.ndarray], dict]:
    """Loads ``folder/index.npz`` if it is current.

    Returns:
        (arrays, meta)

    Raises:
        StaleIndex: missing, unreadable, damaged, from another schema or code version, or
            built from a source that has changed since.
    """
    return _read(folder, kind, fingerprint, meta_only=False)


def is_current(folder: Path, kind: str, fingerprint: object) -> bool:
    """Whether a usable index exists, reading only its metadata (a few milliseconds)."""
    try:
        _read(folder, kind, fingerprint, meta_only=True)
    except StaleIndex:
        return False
    return True


def _read(folder: Path, kind: str, fingerprint: object, meta_only: bool):
    path = Path(folder) / INDEX_FILE
    if not path.is_file():
        raise StaleIndex("no index yet")
    try:
        with np.load(path, allow_pickle=False) as npz:
            # NpzFile reads members lazily: the metadata alone is cheap.
            meta = json.loads(str(npz["__meta__"]))
            arrays = {} if meta_only else {k: npz[k] for k in npz.files if k != "__meta__"}
    except Exception as e:  # the index is a cache: whatever fails to read is rebuilt
        raise StaleIndex(f"unreadable index ({type(e).__name__}: {e})") from e
    if not isinstance(meta, dict):
        raise StaleIndex("unreadable index metadata")
    if meta.get("schema") != SCHEMA_VERSION or meta.get("code_version") != _code_version():
        raise StaleIndex(
            f"index from another version (schema {meta.get('schema')}, code "
            f"{meta.get('code_version')})"
        )
    if meta.get("kind") != kind:
        raise StaleIndex(f"index of a {meta.get('kind')} source, expected {kind}")
    if meta.get("fingerprint") != json.loads(json.dumps(fingerprint)):
        raise StaleIndex("the source changed since the index was built")
    # The zip's checksums cover each member's bytes, not its name: a damaged name would
    # hand back an array under another key, so the names saved are checked too.
    if not meta_only and sorted(arrays) != meta.get("arrays"):
        raise StaleIndex("damaged index (its arrays are not the ones saved)")
    return arrays, meta


def save_index(folder: Path, kind: str, fingerprint: object, arrays: dict, meta: dict) -> Path:
    """Writes the index atomically and clears thumbnails of any earlier build."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "thumbs", ignore_errors=True)
    full_meta = {
        **meta,
        "schema": SCHEMA_VERSION,
        "code_version": _code_version(),
        "kind": kind,
        "fingerprint": fingerprint,
        "arrays": sorted(arrays),
    }
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".index-", suffix=".npz.part")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __meta__=np.array(json.dumps(full_meta)), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / INDEX_FILE)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return folder / INDEX_FILE


LOCK_FILE = ".build.lock"
PROGRESS_FILE = ".build-progress.json"


@contextlib.contextmanager
def build_lock(folder: Path, progress=None, poll: float = 0.25):
    """Holds the index folder's build lock (``flock``), so one source is built once at a time
    across threads, sessions and processes; while another holder builds, waits and passes its
    progress (from :data:`PROGRESS_FILE`) to ``progress``.

    Yields:
        ``(waited, report)``: whether another build ran while this one waited (then the
        index may be current now: load before building), and a progress callback that also
        tells waiters. An unwritable index root yields ``(False, progress)`` with no lock.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        log.warning("building without a lock: %s", e)
        yield False, progress
        return
    try:
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = True
                _pass_on(folder, progress)
                time.sleep(poll)
        yield waited, _reporter(folder, progress)
    finally:
        with contextlib.suppress(OSError):
            (folder / PROGRESS_FILE).unlink()
        os.close(fd)  # releases the lock


def _reporter(folder: Path, progress):
    last = [0.0]

    def report(done: int, total: int, message: str) -> None:
        if progress:
            progress(done, total, message)
        now = time.monotonic()
        if now - last[0] > 0.25:  # a few writes a second at most
            last[0] = now
            with contextlib.suppress(OSError):
                tmp = folder / f"{PROGRESS_FILE}.{os.getpid()}.part"
                tmp.write_text(json.dumps([done, total, message]))
                os.replace(tmp, folder / PROGRESS_FILE)

    return report


def _pass_on(folder: Path, progress) -> None:
    if progress is None:
        return
    try:
        done, total, message = json.loads((folder / PROGRESS_FILE).read_text())
        progress(int(done), int(total), f"another session is building this index: {message}")
    except (OSError, ValueError, TypeError):
        progress(0, 0, "another session is building this index")


def clean_stale_parts(folder: Path) -> None:
    """Removes temporary files left by a build that was killed."""
    for part in Path(folder).glob(".index-*.part"):
        with contextlib.suppress(OSError):
            part.unlink()
