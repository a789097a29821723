"""Where uploaded prediction files live on the server, and when they go.

Under the data folder (``$IMLR_DATA_DIR/uploads/``, see ``index.default_data_root``), one
folder per browser session, one file per distinct content (named by its hash, so uploading the
same file again reuses it), readable by the server's user only. A file is removed when its
model is removed or discarded; folders untouched for a day are swept when the app starts.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from data_access.errors import DataError
from data_access.sources.index import default_data_root

MAX_AGE_SECONDS = 24 * 3600
# What uploads may hold at once (settable: --session-upload-limit / --server-upload-limit, MB).
SESSION_LIMIT_MB = 1024  # one visitor: a few (50000, 1000) logit files
SERVER_LIMIT_MB = 4096  # every visitor together


def uploads_root() -> Path:
    return default_data_root() / "uploads"


def safe_upload_name(name: str) -> str:
    """A plain file name: no folders, no odd characters, the suffix kept."""
    base = os.path.basename(name.replace("\\", "/")) or "upload"
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem if dot else base).strip("._") or "upload"
    return f"{stem[:80]}.{suffix.lower()}" if dot else stem[:80]


def session_folder(session: str, root: Path | None = None) -> Path:
    """The private folder of one session's uploads (made if missing)."""
    folder = (root or uploads_root()) / re.sub(r"[^A-Za-z0-9-]", "", session)[:64]
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def store(folder: Path, name: str, data: bytes) -> Path:
    """Writes ``data`` once per content: the same bytes uploaded again give the same path."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    path = folder / f"{digest}-{safe_upload_name(name)}"
    if not path.exists():
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # never a half-written file under the final name
    return path


def release(path: Path, folder: Path, still_used: set[str]) -> None:
    """Removes an uploaded file that no model or pending file of the session uses any more
    (files outside the session's folder, e.g. added by path, are never touched)."""
    if path.parent == folder and str(path) not in still_used:
        path.unlink(missing_ok=True)


def sweep(root: Path | None = None, max_age: float = MAX_AGE_SECONDS) -> int:
    """Removes session folders not touched for ``max_age`` seconds; returns how many."""
    root = root or uploads_root()
    if not root.is_dir():
        return 0
    cutoff = time.time() - max_age
    removed = 0
    for folder in root.iterdir():
        try:
            newest = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])
        except OSError:
            continue
        if folder.is_dir() and not folder.is_symlink() and newest < cutoff:
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)
                removed += 1
    return removed


# --- server mode: uploads that never touch a disk ---------------------------------------------

_IN_MEMORY: dict[str, int] = {}  # path -> the descriptor keeping the anonymous file alive


def memory_supported() -> bool:
    return hasattr(os, "memfd_create") and Path(f"/proc/{os.getpid()}/fd").is_dir()


def store_in_memory(name: str, data: bytes) -> Path:
    """An uploaded file kept in an anonymous in-memory file (Linux ``memfd_create``), never
    written to any disk; every reader opens it through its ``/proc/<pid>/fd/<n>`` path, like
    a file. It lives until :func:`release_memory` (or the server stops).

    Raises:
        OSError: the memory file cannot be made (the caller reports it).
    """
    fd = os.memfd_create(safe_upload_name(name)[:200], os.MFD_CLOEXEC)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        os.close(fd)
        raise
    path = Path(f"/proc/{os.getpid()}/fd/{fd}")
    _IN_MEMORY[str(path)] = fd
    return path


def is_in_memory(path: str | Path) -> bool:
    return str(path) in _IN_MEMORY


def release_memory(path: str | Path) -> None:
    """Frees an in-memory upload (nothing happens for any other path)."""
    fd = _IN_MEMORY.pop(str(path), None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


# --- what uploads hold, per session and for the server -----------------------------------------


class UploadLimitError(DataError):
    """An upload that would go over the session's or the server's limit."""


_SESSIONS: dict[str, SessionUploads] = {}  # session id -> what it holds
_SESSIONS_LOCK = threading.Lock()


class SessionUploads:
    """The uploads one visitor's session holds (path -> bytes), registered under its session
    id so that :func:`sweep_sessions` can release them once the session is gone (Streamlit
    has no session-end hook; every run sweeps)."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.held: dict[str, int] = {}
        with _SESSIONS_LOCK:
            _SESSIONS[session_id] = self

    @property
    def total(self) -> int:
        return sum(self.held.values())

    def add(self, path: str | Path, size: int) -> None:
        self.held[str(path)] = size

    def discard(self, path: str | Path) -> None:
        self.held.pop(str(path), None)


def sweep_sessions(alive: Callable[[str], bool]) -> int:
    """Releases the in-memory uploads of every registered session for which ``alive`` says
    no; returns how many sessions were let go."""
    with _SESSIONS_LOCK:
        gone = [sid for sid in _SESSIONS if not alive(sid)]
        holders = [_SESSIONS.pop(sid) for sid in gone]
    for holder in holders:
        for path in list(holder.held):
            release_memory(path)
        holder.held.clear()
    return len(gone)


def server_total() -> int:
    """Bytes held by the uploads of every live session."""
    with _SESSIONS_LOCK:
        return sum(s.total for s in _SESSIONS.values())


def admit(
    session: SessionUploads,
    name: str,
    size: int,
    session_limit_mb: int = SESSION_LIMIT_MB,
    server_limit_mb: int = SERVER_LIMIT_MB,
) -> None:
    """Refuses an upload of ``size`` bytes that would take the session or the server over its
    limit (one line: what is held, the limit, what to do).

    Raises:
        UploadLimitError: over a limit.
    """
    mb = 1 << 20
    if session.total + size > session_limit_mb * mb:
        raise UploadLimitError(
            name,
            f"{size / mb:,.0f} MB more would hold {(session.total + size) / mb:,.0f} MB of "
            f"uploads in this session (at most {session_limit_mb:,} MB): remove a model first",
        )
    if server_total() + size > server_limit_mb * mb:
        raise UploadLimitError(
            name,
            f"the server holds {server_total() / mb:,.0f} MB of uploads (at most "
            f"{server_limit_mb:,} MB for all visitors): try again later",
        )
