"""The thumbnails of one source's images: made on request, on a few threads, and cached.

Real sources keep them on disk in their index folder (``thumbs/<size>/<file_name>.jpg``,
written whole or not at all; a read-only folder only costs speed); the demo, which has no
index folder, keeps its last :data:`MEMORY_THUMBNAILS` in memory. In one process each
thumbnail is made once even when the page and the background prefetch ask for it together.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from data_access.annotations import AnnotationTable
from data_access.errors import DataError, ImageNotAvailable
from data_access.progress import Progress
from data_access.sources.images import (
    THUMBNAIL_SIZE,
    DemoImages,
    ImageReader,
    NoImages,
    make_thumbnail,
)

log = logging.getLogger(__name__)

_IN_FLIGHT: dict[Path, threading.Event] = {}
MEMORY_THUMBNAILS = 1_000
_IN_FLIGHT_LOCK = threading.Lock()


def _read_cached(path: Path) -> bytes | None:
    """A cached thumbnail if it is a whole JPEG (an empty or cut file is made again)."""
    try:
        cached = path.read_bytes()
    except OSError:
        return None
    return cached if cached[:3] == b"\xff\xd8\xff" and cached[-2:] == b"\xff\xd9" else None


@dataclass
class Thumbnails:
    """The thumbnails of ``table``'s images, read from ``images``.

    Attributes:
        table: which images there are (an unknown name never reaches a cache path).
        images: the reader of the full pictures.
        description: the source in words, for messages.
        index_dir: the index folder whose ``thumbs/`` caches them (None: in memory).
    """

    table: AnnotationTable
    images: ImageReader
    description: str
    index_dir: Path | None = None
    _memory: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)
    _memory_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _folder(self, max_side: int) -> Path:
        """The index folder's cache of thumbnails of one size (a real source's only)."""
        assert self.index_dir is not None
        return self.index_dir / "thumbs" / str(int(max_side))

    def one(self, file_name: str, max_side: int = THUMBNAIL_SIZE) -> bytes:
        """A small JPEG of ``file_name``, cached on disk in the index folder for real sources."""
        if file_name not in self.table.row_of:  # also keeps odd names out of cache paths
            raise ImageNotAvailable(self.description, "not an annotated image", where=file_name)
        if self.index_dir is None:
            return self._memory_thumbnail(file_name, max_side)
        folder = self._folder(max_side)
        path = folder / f"{file_name}.jpg"
        cached = _read_cached(path)
        if cached is not None:
            return cached
        # One maker per thumbnail in this process: the page's own prefetch and the next
        # page's background prefetch may ask for the same picture at once.
        with _IN_FLIGHT_LOCK:
            event = _IN_FLIGHT.get(path)
            mine = event is None
            if mine:
                event = _IN_FLIGHT[path] = threading.Event()
        assert event is not None  # set above, under the lock
        if not mine:
            event.wait(timeout=30)
            cached = _read_cached(path)
            if cached is not None:
                return cached
        try:
            return self._make_thumbnail(file_name, max_side, folder, path)
        finally:
            if mine:
                with _IN_FLIGHT_LOCK:
                    _IN_FLIGHT.pop(path, None)
                event.set()

    def _memory_thumbnail(self, file_name: str, max_side: int) -> bytes:
        """Without an index folder (the demo) thumbnails are kept in memory, the last
        :data:`MEMORY_THUMBNAILS` of them (~7 KB each)."""
        key = (file_name, max_side)
        with self._memory_lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        if isinstance(self.images, DemoImages):
            data = self.images.read(file_name, size=(max_side, max_side * 3 // 4))
        else:
            data = make_thumbnail(self.images.read(file_name), max_side, source=file_name)
        with self._memory_lock:
            self._memory[key] = data
            while len(self._memory) > MEMORY_THUMBNAILS:
                self._memory.popitem(last=False)
        return data

    def _make_thumbnail(self, file_name: str, max_side: int, folder: Path, path: Path) -> bytes:
        data = make_thumbnail(self.images.read(file_name), max_side, source=file_name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError as e:  # a read-only cache only costs speed
            log.warning("cannot cache thumbnail %s: %s", path, e)
        return data

    def many(
        self, names: list[str], workers: int = 2, cached_only: bool = False
    ) -> list[bytes | Exception | None]:
        """The thumbnails of ``names`` in order, the exception in place of one that cannot be
        made (a :class:`DataError`, or an unexpected one, logged): cached ones read at once,
        the others made on ``workers`` threads (JPEG decoding releases the GIL), or left
        None with ``cached_only``."""
        out: list[bytes | Exception | None] = [None] * len(names)
        missing = []
        for k, name in enumerate(names):
            cached = self.cached(name)
            if cached is not None:
                out[k] = cached
            else:
                missing.append(k)
        if cached_only:
            return out

        def one(k: int) -> bytes | Exception:
            try:
                return self.one(names[k])
            except DataError as e:
                return e
            except Exception as e:  # one broken picture never takes a page down
                log.warning("cannot make the thumbnail of %s: %r", names[k], e)
                return e

        # The demo's pictures are drawn in Python: threads would only take turns.
        if len(missing) > 1 and workers > 1 and not isinstance(self.images, DemoImages):
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:
                made = list(pool.map(one, missing))
        else:
            made = [one(k) for k in missing]
        for k, data in zip(missing, made, strict=True):
            out[k] = data
        return out

    def cached(self, name: str, max_side: int = THUMBNAIL_SIZE) -> bytes | None:
        """The cached thumbnail of ``name``, or None (never made here); in memory, the most
        recently used from now on."""
        if name not in self.table.row_of:
            return None
        if self.index_dir is None:
            key = (name, max_side)
            with self._memory_lock:
                if key not in self._memory:
                    return None
                # A use: a page read from the cache is kept over older ones (else making
                # its missing thumbnails would push out the ones it already had).
                self._memory.move_to_end(key)
                return self._memory[key]
        return _read_cached(self._folder(max_side) / f"{name}.jpg")

    def all_cached(self, names: list[str], max_side: int = THUMBNAIL_SIZE) -> bool:
        """Whether every one of ``names`` has its thumbnail cached (in memory, or its file in
        the index folder: looked for, not read)."""
        if self.index_dir is None:
            with self._memory_lock:
                return all((name, max_side) in self._memory for name in names)
        folder = self._folder(max_side)
        return all(
            name in self.table.row_of and (folder / f"{name}.jpg").is_file() for name in names
        )

    def make(self, names: list[str], workers: int = 2, progress: Progress | None = None) -> int:
        """Makes (and caches) the thumbnails of ``names`` that are not cached yet.

        Returns:
            How many could not be made (each tile or command says why when asked).
        """
        if isinstance(self.images, NoImages) or self.index_dir is None:
            return 0
        failed = 0
        step = 200
        for start in range(0, len(names), step):
            if progress:
                progress(start, len(names), "making thumbnails")
            chunk = self.many(names[start : start + step], workers)
            failed += sum(isinstance(x, Exception) for x in chunk)
        if progress:
            progress(len(names), len(names), "making thumbnails")
        return failed
