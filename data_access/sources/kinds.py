"""The indexed source kinds, each one small object behind :class:`SourceKind`.

A kind knows its files: what identifies it (the index folder's name), its fingerprint (when
the index is stale), how to build the index arrays, the image reader over them, and what to
tell the user. :func:`data_access.sources.source.open_source` does the rest the same way for all:
load or build the index once, check it, make the table. A new kind (another image store) is
one more class here and one line in :data:`KINDS`.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import validation_position
from data_access.errors import ImageSourceError, LabelFileError, TfdsSourceError, quoted
from data_access.progress import Progress
from data_access.schema import SET_FIELDS
from data_access.sources import index as index_lib
from data_access.sources import tfds as tfds_source
from data_access.sources.images import (
    DataSourceImages,
    FolderImages,
    ImageReader,
    NoImages,
    OffsetImages,
    index_tar,
)
from data_access.sources.labels_json import LABELS_FILE_NAME, parse_label_json
from data_access.sources.parquet import ParquetImages, index_shards, shards_of


class SourceKind(Protocol):
    """What :func:`data_access.sources.source.open_source` needs from a kind of indexed source."""

    kind: str

    def identity(self) -> dict:
        """The paths that name this source (its index folder is a hash of them)."""

    def fingerprint(self) -> object:
        """Changes whenever the source's files do (cheap: stat calls, small hashes)."""

    def build(self, progress: Progress | None) -> tuple[dict, dict]:
        """The index: (table arrays plus image arrays, metadata)."""

    def reader(self, table: AnnotationTable, arrays: dict, meta: dict) -> ImageReader:
        """The image reader over a loaded index."""

    def details(self, table: AnnotationTable, arrays: dict, meta: dict) -> tuple[str, dict]:
        """(one line naming what was opened, facts for ``info``)."""


def default_labels_json() -> Path:
    """Where ``download-labels`` puts the label JSON."""
    return index_lib.default_data_root() / LABELS_FILE_NAME


def _stat(path: Path) -> list:
    # The change time cannot be set back by a user (mtime can: `touch -d`, `cp -p`), so a file
    # edited to the same size with its mtime restored still changes the fingerprint; the
    # inode catches a file replaced by another. Nothing is read: opening stays milliseconds.
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _images_fingerprint(path: Path | None) -> list | None:
    if path is None:
        return None
    if path.is_dir():
        # A folder changes when files are added or removed in it or in a subfolder.
        subdirs = sorted(e.name for e in os.scandir(path) if e.is_dir())
        return [_stat(path)[1], [[d, _stat(path / d)[1]] for d in subdirs]]
    return _stat(path)


class JsonKind:
    """The label JSON, with images from a folder or the validation tar (or none)."""

    kind = "json"

    def __init__(self, labels_json: Path | str | None, images: Path | str | None):
        # --images: a folder of JPEGs, the validation tar, or Hugging Face Parquet shards
        # (their folder or a glob).
        path = Path(labels_json).expanduser() if labels_json else default_labels_json()
        if not path.is_file():
            if labels_json:
                problem = (
                    "file not found" if not path.exists() else "not a file; expected the label JSON"
                )
                raise LabelFileError(path, problem)
            raise LabelFileError(
                path,
                "no label JSON given and none downloaded yet: pass --labels-json PATH "
                "(human_accuracy_v3.0.0.json) or run `python -m data_access download-labels`",
            )
        self.labels = path.resolve()
        self.shards = shards_of(images) if images else None
        self.images = Path(images).expanduser().resolve() if images and not self.shards else None
        if self.shards:
            self.images = Path(os.path.commonpath([p.parent for p in self.shards]))
        expected = (
            "expected a folder of validation JPEGs, ILSVRC2012_img_val.tar, or the Hugging "
            "Face imagenet-1k validation Parquet shards (their folder or a glob)"
        )
        if self.images is not None and not self.images.exists():
            raise ImageSourceError(self.images, f"not found; {expected}")
        is_file = self.images is not None and self.images.is_file()
        if is_file and self.images is not None and not tarfile.is_tarfile(self.images):
            raise ImageSourceError(self.images, f"not a tar archive; {expected}")

    def identity(self) -> dict:
        images = [str(p) for p in self.shards] if self.shards else self.images
        return {"labels": str(self.labels), "images": str(images) if images else None}

    def fingerprint(self) -> dict:
        images = (
            [[p.name, *_stat(p)] for p in self.shards]
            if self.shards
            else _images_fingerprint(self.images)
        )
        return {"labels": _stat(self.labels), "images": images}

    def build(self, progress: Progress | None) -> tuple[dict, dict]:
        if progress:
            progress(0, 1, "reading the label JSON")
        table = parse_label_json(self.labels)
        arrays = table.to_arrays()
        names = table.file_name.tolist()
        wanted = set(names)
        meta = {"images_kind": "none"}
        if self.images is None:
            return arrays, meta
        if self.shards:
            found = index_shards(self.shards, wanted, progress)
            where = [found.get(f, (-1, 0, 0)) for f in names]
            arrays["image_parquet"] = np.array(where, dtype=np.int64).reshape(len(names), 3)
            meta["images_kind"] = "parquet"
        elif self.images.is_dir():
            found = FolderImages.scan(self.images, wanted, progress)
            arrays["image_path"] = np.array([found.get(f, "") for f in names])
            meta["images_kind"] = "folder"
        else:
            found = index_tar(self.images, wanted, progress)
            where = [found.get(f, (-1, 0)) for f in names]
            arrays["image_offset"] = np.array([w[0] for w in where], dtype=np.int64)
            arrays["image_size"] = np.array([w[1] for w in where], dtype=np.int64)
            meta["images_kind"] = "tar"
        if not found:
            raise ImageSourceError(
                self.images,
                f"none of the {len(table)} annotated validation images is in it; "
                "expected ILSVRC2012_val_*.JPEG files (flat or in per-wnid folders) or the tar",
            )
        return arrays, meta

    def _present(self, table: AnnotationTable, arrays: dict, meta: dict) -> np.ndarray:
        if meta["images_kind"] == "folder":
            return arrays["image_path"] != ""
        if meta["images_kind"] == "tar":
            return arrays["image_offset"] >= 0
        if meta["images_kind"] == "parquet":
            return arrays["image_parquet"][:, 0] >= 0
        return np.zeros(len(table), dtype=bool)

    def reader(self, table: AnnotationTable, arrays: dict, meta: dict) -> ImageReader:
        if meta["images_kind"] == "folder" and self.images is not None:
            return FolderImages(self.images, arrays["image_path"], table.file_name)
        if meta["images_kind"] == "tar" and self.images is not None:
            offsets = arrays["image_offset"]
            return OffsetImages(
                [self.images],
                table.file_name,
                np.where(offsets >= 0, 0, -1),
                offsets,
                arrays["image_size"],
            )
        if meta["images_kind"] == "parquet" and self.shards is not None:
            return ParquetImages(self.shards, table.file_name, arrays["image_parquet"])
        return NoImages()

    def details(self, table: AnnotationTable, arrays: dict, meta: dict) -> tuple[str, dict]:
        present = self._present(table, arrays, meta)
        images: Path | str | None = self.images
        facts = {
            "labels_json": str(self.labels),
            "images_path": str(images) if images else None,
            "images_kind": meta["images_kind"],
            "images_found": int(present.sum()),
            "images_missing": int((~present).sum()) if images else 0,
            "missing_examples": table.file_name[~present][:5].tolist() if images else [],
        }
        if self.shards:
            facts["images_shards"] = len(self.shards)
            images = f"{images} ({len(self.shards)} Parquet shards)"
        desc = f"label JSON {self.labels.name}" + (
            f" + images {images}" if images else " (labels only, no images)"
        )
        return desc, facts


class TfdsKind:
    """A prepared ``imagenet2012_multilabel`` build (ArrayRecord or TFRecord), optionally with
    the label JSON for the problematic reasons TFDS does not keep."""

    kind = "tfds"

    def __init__(self, data_dir: Path | str | None, labels_json: Path | str | None):
        self.data_dir = (
            Path(data_dir).expanduser().resolve() if data_dir else tfds_source.default_data_dir()
        )
        self.info = tfds_source.read_dataset_info(self.data_dir)
        self.labels = Path(labels_json).expanduser().resolve() if labels_json else None
        if self.labels is not None and not self.labels.is_file():
            raise LabelFileError(self.labels, "file not found")

    def identity(self) -> dict:
        return {"data_dir": str(self.data_dir), "labels": str(self.labels) if self.labels else None}

    def fingerprint(self) -> dict:
        return {
            "build": tfds_source.fingerprint(self.data_dir),
            "labels": _stat(self.labels) if self.labels else None,
        }

    def build(self, progress: Progress | None) -> tuple[dict, dict]:
        # Three steps, each named with its count, so a first open (seconds) says what it does.
        val = tfds_source.read_split(self.data_dir, "validation", _step(progress, 1, 3))
        m = tfds_source.read_split(self.data_dir, "imagenet_m", _step(progress, 2, 3))
        progress = _step(progress, 3, 3)
        where = tfds_source.dataset_dir(self.data_dir)
        names = val["file_name"]
        bad = next((f for f in names if validation_position(f) < 0), None)
        if bad is not None:
            raise TfdsSourceError(where, f"{quoted(bad)} is not an ImageNet validation file name")
        if len(set(names)) != len(names):
            raise TfdsSourceError(where, "duplicate file names")
        missing = sorted(set(m["file_name"]) - set(names))
        if missing:
            raise TfdsSourceError(
                where, f"imagenet_m holds images not in validation: {missing[:3]}"
            )
        in_m = set(m["file_name"])
        order = np.argsort(np.array(names))
        reasons = {}
        if self.labels is not None:
            if progress:
                progress(0, 1, "reading problematic reasons from the label JSON")
            labels = parse_label_json(self.labels)
            reasons = dict(zip(labels.file_name.tolist(), labels.problematic_reason.tolist(),
                               strict=True))  # fmt: skip
        problematic = val["is_problematic"]
        if progress:
            progress(0, 1, "building the index")
        records = [
            {
                "file_name": names[i],
                "original_label": val["original_label"][i],
                **{f: val[f][i] for f in SET_FIELDS},
                "is_problematic": problematic[i],
                "problematic_reason": reasons.get(names[i], "") if problematic[i] else "",
                "in_imagenet_m": names[i] in in_m,
            }
            for i in order
        ]
        arrays = AnnotationTable.from_records(records).to_arrays()
        if self.info["file_format"] == "array_record":
            arrays["image_record"] = np.array(val["record"], dtype=np.int64)[order]
        else:
            for key in ("shard", "offset", "size"):
                arrays[f"image_{key}"] = np.array(val[key], dtype=np.int64)[order]
        return arrays, {"file_format": self.info["file_format"]}

    def reader(self, table: AnnotationTable, arrays: dict, meta: dict) -> ImageReader:
        if meta["file_format"] == "array_record":
            return DataSourceImages(
                self.data_dir, "validation", table.file_name, arrays["image_record"]
            )
        return OffsetImages(
            self.info["splits"]["validation"]["files"],
            table.file_name,
            arrays["image_shard"],
            arrays["image_offset"],
            arrays["image_size"],
        )

    def details(self, table: AnnotationTable, arrays: dict, meta: dict) -> tuple[str, dict]:
        facts = {
            "data_dir": str(self.data_dir),
            "labels_json": str(self.labels) if self.labels else None,
            "file_format": meta["file_format"],
        }
        desc = (
            f"TFDS {tfds_source.DATASET} {tfds_source.VERSION} in {self.data_dir} "
            f"({meta['file_format']})"
        )
        return desc, facts


KINDS: dict[str, Callable[..., SourceKind]] = {
    "json": lambda labels_json=None, images=None, data_dir=None: JsonKind(labels_json, images),
    "tfds": lambda labels_json=None, images=None, data_dir=None: TfdsKind(data_dir, labels_json),
}


def _step(progress: Progress | None, k: int, n: int) -> Progress | None:
    """``progress`` with each message prefixed by the step it belongs to."""
    if progress is None:
        return None
    report = progress
    return lambda done, total, message: report(done, total, f"step {k} of {n}: {message}")
