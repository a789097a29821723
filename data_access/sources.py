"""One interface over the sources: ``demo``, ``json`` (label JSON + optional images), ``tfds``.

:func:`open_source` returns a :class:`Source`: the annotation table plus an image reader.
Real sources go through the on-disk index (:mod:`data_access.index`): the first open builds
it, later opens load it.
"""

from __future__ import annotations

import logging
import os
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from data_access import index as index_lib
from data_access import tfds_source
from data_access.annotations import AnnotationTable
from data_access.classes import validation_position
from data_access.demo import DEMO_NOTICE, demo_table, render_demo_image
from data_access.errors import (
    DataError,
    ImageNotAvailable,
    ImageSourceError,
    LabelFileError,
    TfdsSourceError,
    quoted,
)
from data_access.images import (
    THUMBNAIL_SIZE,
    DataSourceImages,
    FolderImages,
    NoImages,
    OffsetImages,
    index_tar,
    make_thumbnail,
)
from data_access.labels_json import LABELS_FILE_NAME, parse_label_json
from data_access.schema import SET_FIELDS

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]
SOURCE_KINDS = ("demo", "json", "tfds")


class DemoImages:
    """Synthetic pictures, rendered on demand (see :func:`render_demo_image`)."""

    kind = "demo"

    def __init__(self, table: AnnotationTable):
        self._table = table

    def has(self, file_name: str) -> bool:
        return file_name in self._table.row_of

    def read(self, file_name: str, size: tuple[int, int] = (500, 375)) -> bytes:
        row = self._table.row_of.get(file_name)
        if row is None:
            raise ImageNotAvailable("demo", "not in the demo set", where=file_name)
        return render_demo_image(file_name, int(self._table.original_label[row]), size)


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
    """

    kind: str
    description: str
    table: AnnotationTable
    images: object
    synthetic: bool = False
    index_dir: Path | None = None
    details: dict = field(default_factory=dict)

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

    def thumbnail(self, file_name: str, max_side: int = THUMBNAIL_SIZE) -> bytes:
        """A small JPEG of ``file_name``, cached on disk in the index folder for real sources."""
        if file_name not in self.table.row_of:  # also keeps odd names out of cache paths
            raise ImageNotAvailable(self.description, "not an annotated image", where=file_name)
        if isinstance(self.images, DemoImages):
            return self.images.read(file_name, size=(max_side, max_side * 3 // 4))
        if self.index_dir is None:
            return make_thumbnail(self.image_bytes(file_name), max_side, source=file_name)
        folder = self.index_dir / "thumbs" / str(int(max_side))
        path = folder / f"{file_name}.jpg"
        try:
            cached = path.read_bytes()
            if cached[:3] == b"\xff\xd8\xff" and cached[-2:] == b"\xff\xd9":
                return cached  # a whole JPEG; an empty or cut file is made again below
        except OSError:
            pass
        data = make_thumbnail(self.image_bytes(file_name), max_side, source=file_name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError as e:  # a read-only cache only costs speed
            log.warning("cannot cache thumbnail %s: %s", path, e)
        return data

    def info(self) -> dict:
        """The table's summary plus what this source is."""
        out = {"source": self.kind, "synthetic": self.synthetic, **self.table.summary()}
        out["has_images"] = self.has_images
        out.update(self.details)
        return out


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
            app's data folder, if any.
        images: a folder of validation JPEGs or ``ILSVRC2012_img_val.tar`` (``json``).
        data_dir: TFDS data_dir (``tfds``); default: TFDS's own default.
        index_root: where indexes live; default :func:`index.default_index_root`.
        progress: called as ``progress(done, total, message)`` while an index builds.
        rebuild: build the index even if a current one exists.

    Raises:
        DataError: with a message that names the file and the problem.
    """
    if kind == "demo":
        table = demo_table()
        return Source(
            kind="demo",
            description=DEMO_NOTICE,
            table=table,
            images=DemoImages(table),
            synthetic=True,
        )
    if kind == "json":
        return _open_json(labels_json, images, index_root, progress, rebuild)
    if kind == "tfds":
        return _open_tfds(data_dir, labels_json, index_root, progress, rebuild)
    raise DataError(
        "--source", f"unknown source {kind!r}; expected one of {', '.join(SOURCE_KINDS)}"
    )


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

    Cheap (stat calls and the index's metadata), so the app can show a progress bar only when
    a build is coming, and key its cache of open sources by the fingerprint. Raises the same
    :class:`DataError` as :func:`open_source` for bad paths.
    """
    if kind == "json":
        return _open_json(labels_json, images, index_root, None, False, check_only=True)
    if kind == "tfds":
        return _open_tfds(data_dir, labels_json, index_root, None, False, check_only=True)
    return True, None


def index_is_current(kind: str = "demo", **paths) -> bool:
    """Whether :func:`open_source` would load an index rather than build one (see
    :func:`source_state`)."""
    return source_state(kind, **paths)[0]


def default_labels_json() -> Path:
    """Where ``download-labels`` puts the label JSON."""
    return index_lib.default_data_root() / LABELS_FILE_NAME


def _stat(path: Path) -> list:
    # The change time cannot be set back by a user (mtime can: `touch -d`, `cp -p`), so a file
    # edited to the same size with its mtime restored still changes the fingerprint; the
    # inode catches a file replaced by another. Nothing is read: opening stays milliseconds.
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _stat_and_hash(path: Path) -> list:
    """:func:`_stat` plus a hash of the content, for the label JSON: a copy restored with
    ``cp -a`` onto a file system whose clock was set back would keep every stat field, and
    hashing the 191 MiB file takes ~0.13 s, once per version per process (capped as when parsed)."""
    from data_access.labels_json import MAX_LABEL_JSON_BYTES

    out = _stat(path)
    if out[0] > MAX_LABEL_JSON_BYTES:
        return out  # refused with its size when parsed; never read whole here
    return [*out, tfds_source.file_hash(path)]


def _images_fingerprint(path: Path | None) -> list | None:
    if path is None:
        return None
    if path.is_dir():
        # A folder changes when files are added or removed in it or in a subfolder.
        subdirs = sorted(e.name for e in os.scandir(path) if e.is_dir())
        return [_stat(path)[1], [[d, _stat(path / d)[1]] for d in subdirs]]
    return _stat(path)


def _load_or_build(kind, identity, fingerprint, index_root, build, progress, rebuild):
    folder = index_lib.index_dir_for(index_root, kind, identity)
    if not rebuild:
        try:
            arrays, meta = index_lib.load_index(folder, kind, fingerprint)
            return folder, arrays, meta, False
        except index_lib.StaleIndex as why:
            log.info("building the %s index in %s: %s", kind, folder, why)
    # One build per source at a time, across sessions and processes: a second opener waits
    # for the first and then loads what it wrote.
    with index_lib.build_lock(folder, progress) as (waited, report):
        if waited and not rebuild:
            try:
                arrays, meta = index_lib.load_index(folder, kind, fingerprint)
                return folder, arrays, meta, False
            except index_lib.StaleIndex:
                pass  # the other build failed or was for other files: build here
        started = time.perf_counter()
        arrays, meta = build(report)
        # What a later load must find, so a damaged index is caught before it is used.
        meta["image_arrays"] = sorted(k for k in arrays if k.startswith("image_"))
        meta["build_seconds"] = round(time.perf_counter() - started, 3)
        try:
            index_lib.save_index(folder, kind, fingerprint, arrays, meta)
            index_lib.clean_stale_parts(folder)
        except OSError as e:  # an unwritable cache: work from memory, say so in the log
            log.warning("cannot write the index to %s: %s", folder, e)
    return folder, arrays, meta, True


def _table_from_index(arrays: dict, folder: Path) -> AnnotationTable:
    try:
        table = AnnotationTable.from_arrays(arrays)
    except (KeyError, ValueError) as e:
        raise index_lib.StaleIndex(f"damaged index {folder}: {e}") from e
    return table


def _open_json(labels_json, images, index_root, progress, rebuild, check_only=False):
    labels_path = Path(labels_json).expanduser() if labels_json else default_labels_json()
    if not labels_path.is_file():
        if labels_json:
            raise LabelFileError(
                labels_path,
                "file not found"
                if not labels_path.exists()
                else "not a file; expected the label JSON",
            )
        raise LabelFileError(
            labels_path,
            "no label JSON given and none downloaded yet: pass --labels-json PATH "
            "(human_accuracy_v3.0.0.json) or run `python -m data_access download-labels`",
        )
    labels_path = labels_path.resolve()
    images_path = Path(images).expanduser().resolve() if images else None
    if images_path is not None and not images_path.exists():
        raise ImageSourceError(
            images_path,
            "not found; expected a folder of validation JPEGs or ILSVRC2012_img_val.tar",
        )
    if images_path is not None and images_path.is_file() and not tarfile.is_tarfile(images_path):
        raise ImageSourceError(
            images_path,
            "not a tar archive; expected a folder of validation JPEGs or ILSVRC2012_img_val.tar",
        )
    identity = {"labels": str(labels_path), "images": str(images_path) if images_path else None}
    fingerprint = {
        "labels": _stat_and_hash(labels_path),
        "images": _images_fingerprint(images_path),
    }
    if check_only:
        folder = index_lib.index_dir_for(index_root, "json", identity)
        return index_lib.is_current(folder, "json", fingerprint), fingerprint

    def build(progress):
        if progress:
            progress(0, 1, "reading the label JSON")
        table = parse_label_json(labels_path)
        arrays = table.to_arrays()
        wanted = set(table.file_name.tolist())
        meta = {"images_kind": "none"}
        if images_path is not None and images_path.is_dir():
            found = FolderImages.scan(images_path, wanted, progress)
            arrays["image_path"] = np.array([found.get(f, "") for f in table.file_name.tolist()])
            meta["images_kind"] = "folder"
        elif images_path is not None:
            found = index_tar(images_path, wanted, progress)
            arrays["image_offset"] = np.array(
                [found.get(f, (-1, 0))[0] for f in table.file_name.tolist()], dtype=np.int64
            )
            arrays["image_size"] = np.array(
                [found.get(f, (-1, 0))[1] for f in table.file_name.tolist()], dtype=np.int64
            )
            meta["images_kind"] = "tar"
        if images_path is not None and not found:
            raise ImageSourceError(
                images_path,
                f"none of the {len(table)} annotated validation images is in it; "
                "expected ILSVRC2012_val_*.JPEG files (flat or in per-wnid folders) or the tar",
            )
        return arrays, meta

    folder, arrays, meta = _open_indexed(
        "json", identity, fingerprint, index_root, build, progress, rebuild
    )
    table = _table_from_index(arrays, folder)
    names = table.file_name
    if meta["images_kind"] == "folder":
        reader = FolderImages(images_path, arrays["image_path"], names)
        present = arrays["image_path"] != ""
    elif meta["images_kind"] == "tar":
        offsets = arrays["image_offset"]
        reader = OffsetImages(
            [images_path], names, np.where(offsets >= 0, 0, -1), offsets, arrays["image_size"]
        )
        present = offsets >= 0
    else:
        reader, present = NoImages(), np.zeros(len(table), dtype=bool)
    details = {
        "labels_json": str(labels_path),
        "images_path": str(images_path) if images_path else None,
        "images_kind": meta["images_kind"],
        "images_found": int(present.sum()),
        "images_missing": int((~present).sum()) if images_path else 0,
        "missing_examples": names[~present][:5].tolist() if images_path else [],
        "index_built": meta.get("_built", False),
        "build_seconds": meta.get("build_seconds"),
    }
    desc = f"label JSON {labels_path.name}" + (
        f" + images {images_path}" if images_path else " (labels only, no images)"
    )
    return Source("json", desc, table, reader, index_dir=folder, details=details)


def _open_indexed(kind, identity, fingerprint, index_root, build, progress, rebuild):
    folder, arrays, meta, built = _load_or_build(
        kind, identity, fingerprint, index_root, build, progress, rebuild
    )
    if not built:
        try:
            _table_from_index(arrays, folder)
            n = len(arrays["file_name"])
            image_keys = meta.get("image_arrays", [])
            if any(k not in arrays or len(arrays[k]) != n for k in image_keys):
                raise index_lib.StaleIndex("image arrays missing or not matching the table")
        except index_lib.StaleIndex as why:
            log.warning("rebuilding %s: %s", folder, why)
            folder, arrays, meta, built = _load_or_build(
                kind, identity, fingerprint, index_root, build, progress, True
            )
    meta["_built"] = built
    return folder, arrays, meta


def _open_tfds(data_dir, labels_json, index_root, progress, rebuild, check_only=False):
    data_dir = Path(data_dir).expanduser().resolve() if data_dir else tfds_source.default_data_dir()
    info = tfds_source.read_dataset_info(data_dir)
    # TFDS keeps no problematic reasons; a label JSON given alongside supplies them.
    labels_path = Path(labels_json).expanduser().resolve() if labels_json else None
    if labels_path is not None and not labels_path.is_file():
        raise LabelFileError(labels_path, "file not found")
    identity = {"data_dir": str(data_dir), "labels": str(labels_path) if labels_path else None}
    fingerprint = {
        "build": tfds_source.fingerprint(data_dir),
        "labels": _stat_and_hash(labels_path) if labels_path else None,
    }
    if check_only:
        folder = index_lib.index_dir_for(index_root, "tfds", identity)
        return index_lib.is_current(folder, "tfds", fingerprint), fingerprint

    def build(progress):
        val = tfds_source.read_split(data_dir, "validation", progress)
        m = tfds_source.read_split(data_dir, "imagenet_m", progress)
        names = val["file_name"]
        bad = next((f for f in names if validation_position(f) < 0), None)
        if bad is not None:
            raise TfdsSourceError(
                tfds_source.dataset_dir(data_dir),
                f"{quoted(bad)} is not an ImageNet validation file name",
            )
        if len(set(names)) != len(names):
            raise TfdsSourceError(tfds_source.dataset_dir(data_dir), "duplicate file names")
        missing = sorted(set(m["file_name"]) - set(names))
        if missing:
            raise TfdsSourceError(
                tfds_source.dataset_dir(data_dir),
                f"imagenet_m holds images not in validation: {missing[:3]}",
            )
        in_m = set(m["file_name"])
        order = np.argsort(np.array(names))
        reasons = {}
        if labels_path is not None:
            if progress:
                progress(0, 1, "reading problematic reasons from the label JSON")
            labels = parse_label_json(labels_path)
            reasons = dict(zip(labels.file_name.tolist(), labels.problematic_reason.tolist(),
                               strict=True))  # fmt: skip
        records = [
            {
                "file_name": names[i],
                "original_label": val["original_label"][i],
                **{f: val[f][i] for f in SET_FIELDS},
                "is_problematic": val["is_problematic"][i],
                "problematic_reason": reasons.get(names[i], "") if val["is_problematic"][i] else "",
                "in_imagenet_m": names[i] in in_m,
            }
            for i in order
        ]
        table = AnnotationTable.from_records(records)
        arrays = table.to_arrays()
        if info["file_format"] == "array_record":
            arrays["image_record"] = np.array(val["record"], dtype=np.int64)[order]
        else:
            arrays["image_shard"] = np.array(val["shard"], dtype=np.int64)[order]
            arrays["image_offset"] = np.array(val["offset"], dtype=np.int64)[order]
            arrays["image_size"] = np.array(val["size"], dtype=np.int64)[order]
        return arrays, {"file_format": info["file_format"]}

    folder, arrays, meta = _open_indexed(
        "tfds", identity, fingerprint, index_root, build, progress, rebuild
    )
    table = _table_from_index(arrays, folder)
    if meta["file_format"] == "array_record":
        reader = DataSourceImages(data_dir, "validation", table.file_name, arrays["image_record"])
    else:
        files = info["splits"]["validation"]["files"]
        reader = OffsetImages(
            files,
            table.file_name,
            arrays["image_shard"],
            arrays["image_offset"],
            arrays["image_size"],
        )
    details = {
        "data_dir": str(data_dir),
        "labels_json": str(labels_path) if labels_path else None,
        "file_format": meta["file_format"],
        "index_built": meta.get("_built", False),
        "build_seconds": meta.get("build_seconds"),
    }
    desc = f"TFDS {tfds_source.DATASET} {tfds_source.VERSION} in {data_dir} ({meta['file_format']})"
    return Source("tfds", desc, table, reader, index_dir=folder, details=details)
