"""One interface over the sources: ``demo``, ``json`` (label JSON + optional images), ``tfds``.

:func:`open_source` returns a :class:`Source`: the annotation table plus an image reader.
Real sources are :mod:`data_access.sources.kinds` objects opened through the on-disk index
(:mod:`data_access.sources.index`) one way for all: the first open builds it (once, under the index
folder's lock), later opens load and check it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from data_access.analysis.real import shipped_real_labels
from data_access.annotations import AnnotationTable
from data_access.errors import DataError
from data_access.progress import Progress
from data_access.sources import index as index_lib
from data_access.sources.demo import DEMO_NOTICE, demo_real_labels, demo_table
from data_access.sources.images import DemoImages, ImageReader, NoImages
from data_access.sources.kinds import KINDS, SourceKind, default_labels_json
from data_access.sources.thumbnails import Thumbnails

log = logging.getLogger(__name__)
SOURCE_KINDS = ("demo", *KINDS)
__all__ = ["SOURCE_KINDS", "Source", "default_labels_json", "open_source", "source_state"]


@dataclass
class Source:
    """An opened source: the annotation table, its images and what to tell the user about it.

    Attributes:
        kind: ``demo``, ``json`` or ``tfds``.
        description: one line naming what was opened.
        table: the annotation table.
        images: a reader with ``has(file_name)`` and ``read(file_name) -> JPEG bytes``.
        synthetic: True for the demo; everything shown from it must say so.
        index_dir: the on-disk index folder (None for the demo).
        details: extra facts (paths, missing images, whether the index was just built...).
        thumbs: its thumbnails (:class:`data_access.sources.thumbnails.Thumbnails`).
    """

    kind: str
    description: str
    table: AnnotationTable
    images: ImageReader
    synthetic: bool = False
    index_dir: Path | None = None
    details: dict = field(default_factory=dict)
    thumbs: Thumbnails = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.thumbs = Thumbnails(self.table, self.images, self.description, self.index_dir)

    @property
    def has_images(self) -> bool:
        return not isinstance(self.images, NoImages)

    def has_image(self, file_name: str) -> bool:
        return self.images.has(file_name)

    def image_bytes(self, file_name: str) -> bytes:
        """The full-resolution JPEG of ``file_name``.

        Raises:
            ImageNotAvailable: labels-only source, or the image is missing.
            ImageSourceError: the bytes cannot be read.
        """
        return self.images.read(file_name)

    def info(self) -> dict:
        """The table's summary plus what this source is."""
        out = {"source": self.kind, "synthetic": self.synthetic, **self.table.summary()}
        out["has_images"] = self.has_images
        out.update(self.details)
        return out


def _kind(kind: str, labels_json, images, data_dir) -> SourceKind:
    if kind not in KINDS:
        raise DataError(
            "--source", f"unknown source {kind!r}; expected one of {', '.join(SOURCE_KINDS)}"
        )
    return KINDS[kind](labels_json=labels_json, images=images, data_dir=data_dir)


def open_source(
    kind: str = "demo",
    *,
    labels_json: Path | str | None = None,
    images: Path | str | None = None,
    data_dir: Path | str | None = None,
    index_root: Path | str | None = None,
    progress: Progress | None = None,
    rebuild: bool = False,
) -> Source:
    """Opens a source.

    Args:
        kind: ``demo``, ``json`` or ``tfds``.
        labels_json: the label JSON (``json`` source); default: the downloaded copy in the
            app's data folder, if any. With ``tfds``: optional, adds problematic reasons.
        images: a folder of validation JPEGs or ``ILSVRC2012_img_val.tar`` (``json``).
        data_dir: TFDS data_dir (``tfds``); default: TFDS's own default.
        index_root: where indexes live; default :func:`index.default_index_root`.
        progress: called as ``progress(done, total, message)`` while an index builds.
        rebuild: build the index even if a current one exists.

    Raises:
        DataError: with a message that names the file and the problem.
    """
    if kind == "demo":
        table = demo_table().with_real(demo_real_labels())
        return Source("demo", DEMO_NOTICE, table, DemoImages(table), synthetic=True)
    k = _kind(kind, labels_json, images, data_dir)
    folder, arrays, meta, built = _open_indexed(k, index_root, progress, rebuild)
    table = _table_from_index(arrays, folder)
    desc, details = k.details(table, arrays, meta)
    details.update(index_built=built, build_seconds=meta.get("build_seconds"))
    try:
        table = table.with_real(shipped_real_labels())
    except (OSError, ValueError) as e:  # the rest of the source still works without ReaL
        details["real_labels"] = f"ReaL labels not shown: {e}"
    return Source(k.kind, desc, table, k.reader(table, arrays, meta), index_dir=folder,
                  details=details)  # fmt: skip


def source_state(
    kind: str = "demo",
    *,
    labels_json: Path | str | None = None,
    images: Path | str | None = None,
    data_dir: Path | str | None = None,
    index_root: Path | str | None = None,
) -> tuple[bool, object]:
    """Whether :func:`open_source` would load an index rather than build one, and the
    source's fingerprint (changes whenever its files do; None for the demo).

    Cheap (stat calls, small hashes and the index's metadata), so the app can show a progress
    bar only when a build is coming, and key its cache of open sources by the fingerprint.
    Raises the same :class:`DataError` as :func:`open_source` for bad paths.
    """
    if kind == "demo":
        return True, None
    k = _kind(kind, labels_json, images, data_dir)
    fingerprint = k.fingerprint()
    root = Path(index_root) if index_root is not None else None
    folder = index_lib.index_dir_for(root, k.kind, k.identity())
    return index_lib.is_current(folder, k.kind, fingerprint), fingerprint


def index_is_current(kind: str = "demo", **paths) -> bool:
    """Whether :func:`open_source` would load an index rather than build one (see
    :func:`source_state`)."""
    return source_state(kind, **paths)[0]


def _table_from_index(arrays: dict, folder: Path) -> AnnotationTable:
    try:
        return AnnotationTable.from_arrays(arrays)
    except (KeyError, ValueError) as e:
        raise index_lib.StaleIndex(f"damaged index {folder}: {e}") from e


def _open_indexed(k: SourceKind, index_root, progress, rebuild):
    """(folder, arrays, meta, built): a current, checked index, loaded or built."""
    folder = index_lib.index_dir_for(index_root, k.kind, k.identity())
    fingerprint = k.fingerprint()
    if not rebuild:
        try:
            arrays, meta = index_lib.load_index(folder, k.kind, fingerprint)
            _check_loaded(arrays, meta, folder)
            return folder, arrays, meta, False
        except index_lib.StaleIndex as why:
            log.info("building the %s index in %s: %s", k.kind, folder, why)
    # One build per source at a time, across sessions and processes: a second opener waits
    # for the first and then loads what it wrote.
    with index_lib.build_lock(folder, progress) as (waited, report):
        if waited and not rebuild:
            try:
                arrays, meta = index_lib.load_index(folder, k.kind, fingerprint)
                _check_loaded(arrays, meta, folder)
                return folder, arrays, meta, False
            except index_lib.StaleIndex:
                pass  # the other build failed or was for other files: build here
        started = time.perf_counter()
        arrays, meta = k.build(report)
        # What a later load must find, so a damaged index is caught before it is used.
        meta["image_arrays"] = sorted(a for a in arrays if a.startswith("image_"))
        meta["build_seconds"] = round(time.perf_counter() - started, 3)
        try:
            index_lib.save_index(folder, k.kind, fingerprint, arrays, meta)
            index_lib.clean_stale_parts(folder)
        except OSError as e:  # an unwritable cache: work from memory, say so in the log
            log.warning("cannot write the index to %s: %s", folder, e)
    return folder, arrays, meta, True


def _check_loaded(arrays: dict, meta: dict, folder: Path) -> None:
    """A loaded index must hold a valid table and every image array it was built with."""
    _table_from_index(arrays, folder)
    n = len(arrays["file_name"])
    if any(k not in arrays or len(arrays[k]) != n for k in meta.get("image_arrays", [])):
        raise index_lib.StaleIndex("image arrays missing or not matching the table")
