"""The prepared TFDS dataset ``imagenet2012_multilabel`` 3.0.0: prepare, inspect, read.

* :func:`prepare` runs TFDS's own ``download_and_prepare`` for the genuine builder. With a
  local label JSON, the builder's download of that one URL is answered with the local path
  (the public URL often answers HTTP 403); everything else is TFDS's own code.
* :func:`dataset_dir`, :func:`read_dataset_info` and :func:`fingerprint` look at a data_dir
  without importing TFDS or TensorFlow, so a warm open of the app stays well under a second.
* :func:`read_split` reads every example of a split once, with TFDS's own readers and without
  decoding images: ArrayRecord builds through ``tfds.data_source`` (random access, no
  TensorFlow), TFRecord builds record by record, each record parsed by the builder's own
  feature spec (``deserialize_example_np``). For TFRecord builds it also notes where each
  image's JPEG bytes sit inside its shard, so that later reads are a plain seek.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from data_access.errors import DataError, LabelFileError, TfdsSourceError
from data_access.files import read_capped
from data_access.progress import Progress
from data_access.schema import SET_FIELDS

DATASET = "imagenet2012_multilabel"
VERSION = "3.0.0"
SPLITS = ("validation", "imagenet_m")
MANUAL_TAR = "ILSVRC2012_img_val.tar"
FILE_FORMATS = ("array_record", "tfrecord")


def default_data_dir() -> Path:
    """TFDS's default data_dir: ``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``."""
    return Path(os.environ.get("TFDS_DATA_DIR") or Path.home() / "tensorflow_datasets")


def dataset_dir(data_dir: Path | None) -> Path:
    return Path(data_dir or default_data_dir()).expanduser() / DATASET / VERSION


def read_dataset_info(data_dir: Path | None) -> dict:
    """Reads ``dataset_info.json`` of a prepared build and checks that it is usable.

    Returns:
        ``{"file_format": str, "splits": {name: {"shard_lengths": [...], "files": [Path]}}}``

    Raises:
        TfdsSourceError: no prepared build there, or one this app cannot read.
    """
    ddir = dataset_dir(data_dir)
    info_path = ddir / "dataset_info.json"
    if not info_path.is_file():
        raise TfdsSourceError(
            ddir,
            f"no prepared {DATASET} {VERSION} here (dataset_info.json missing). Prepare it with "
            "`python -m data_access prepare --manual-dir DIR --labels-json FILE --data-dir "
            f"{Path(data_dir or default_data_dir())}`",
        )
    raw = read_capped(info_path, 16 << 20, TfdsSourceError, "a dataset_info.json")  # ~10 KB
    try:
        info = json.loads(raw.decode("utf-8"))
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError included
        raise TfdsSourceError(info_path, f"unreadable dataset_info.json: {e}") from e
    if not isinstance(info, dict) or not isinstance(info.get("splits", []), list):
        raise TfdsSourceError(info_path, "not a TFDS dataset_info.json (expected an object)")
    file_format = info.get("fileFormat") or "tfrecord"  # TFDS leaves the default unwritten
    if file_format not in FILE_FORMATS:
        raise TfdsSourceError(
            info_path,
            f"the file format is not supported; expected one of {FILE_FORMATS}",
        )
    splits = {}
    for k, split in enumerate(info.get("splits", [])):
        splits.update(_split_files(info_path, ddir, file_format, split, k))
    for name in SPLITS:
        if name not in splits:
            raise TfdsSourceError(info_path, f"the build has no {name!r} split")
        for f in splits[name]["files"]:
            if not f.is_file():
                raise TfdsSourceError(f, "shard file listed in dataset_info.json is missing")
    return {"file_format": file_format, "splits": splits, "dir": ddir}


def _split_files(info_path: Path, ddir: Path, file_format: str, split: Any, k: int) -> dict:
    """One split's shard lengths and files; every file must stay inside the build's folder
    (a ``filepathTemplate`` with ``/``, ``..`` or a link out is refused, not followed)."""
    where = f"splits[{k}]"
    try:
        name = split["name"]
        lengths = [int(x) for x in split.get("shardLengths", [])]
        template = split.get("filepathTemplate") or "{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}"
        if not isinstance(name, str) or not isinstance(template, str):
            raise TypeError("name and filepathTemplate must be text")
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as e:
        problem = f"malformed split entry ({type(e).__name__})"
        raise TfdsSourceError(info_path, problem, where) from e
    if name not in SPLITS:
        return {}
    if len(lengths) > 100_000 or any(n < 0 for n in lengths):
        raise TfdsSourceError(info_path, "implausible shard lengths", where)
    files = [
        ddir
        / template.replace("{DATASET}", DATASET)
        .replace("{SPLIT}", name)
        .replace("{FILEFORMAT}", file_format)
        .replace("{SHARD_X_OF_Y}", f"{i:05d}-of-{len(lengths):05d}")
        for i in range(len(lengths))
    ]
    real_dir = os.path.realpath(ddir)
    for f in files:
        if "/" in f.name or os.sep in os.path.relpath(f, ddir) or f.name in ("", ".", ".."):
            raise TfdsSourceError(info_path, "a shard path leaves the build's folder", where)
        if os.path.dirname(os.path.realpath(f)) != real_dir:
            raise TfdsSourceError(info_path, "a shard file links outside the build's folder", where)
    return {name: {"shard_lengths": lengths, "files": files}}


def file_hash(path: Path) -> str:
    """SHA-1 of a small file's content (change detection, not security)."""
    digest = hashlib.sha1(usedforsecurity=False)
    try:
        with open(path, "rb") as f:  # block by block (hashlib.file_digest is Python 3.11+)
            while block := f.read(1 << 20):
                digest.update(block)
    except OSError as e:
        raise DataError(path, f"cannot read: {e.strerror or e}") from e
    return digest.hexdigest()


def fingerprint(data_dir: Path | None) -> list:
    """Name, size, mtime and change time of every file of the build, and a hash of its
    metadata (``dataset_info.json``, ``features.json``: small): changes when the build
    changes (the change time even when the mtime is put back)."""
    ddir = dataset_dir(data_dir)
    try:
        entries = sorted(os.scandir(ddir), key=lambda e: e.name)
    except OSError as e:
        raise TfdsSourceError(ddir, f"cannot list the folder: {e.strerror or e}") from e
    out = []
    for entry in entries:
        if entry.is_file():
            st = entry.stat()
            row = [entry.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
            if entry.name.endswith(".json") and st.st_size <= 1 << 24:
                row.append(file_hash(Path(entry.path)))
            out.append(row)
    return out


def _builder(data_dir: Path | None):
    import tensorflow_datasets as tfds

    return tfds.builder(DATASET, data_dir=str(data_dir or default_data_dir()), version=VERSION)


def _skip_image_decoding() -> dict:
    import tensorflow_datasets as tfds

    return {"image": tfds.decode.SkipDecoding()}


def open_data_source(data_dir: Path | None, split: str):
    """``tfds.data_source`` for one split of an ArrayRecord build, images left as JPEG bytes."""
    import tensorflow_datasets as tfds

    return tfds.data_source(
        DATASET,
        split=split,
        data_dir=str(data_dir or default_data_dir()),
        download=False,
        decoders=_skip_image_decoding(),
        builder_kwargs={"version": VERSION},
    )


def _tfrecord_records(path: Path) -> Iterator[tuple[int, bytes]]:
    """(offset of the payload, payload) of each record of a TFRecord file.

    TFRecord framing: uint64 length, uint32 masked CRC of the length, payload, uint32 masked
    CRC of the payload (little-endian). CRCs are not checked here: TFDS wrote the file, and
    every payload is parsed right after, which fails loudly on damage.
    """
    size = path.stat().st_size
    with open(path, "rb") as f:
        pos = 0
        while pos < size:
            header = f.read(12)
            if len(header) < 12:
                raise TfdsSourceError(path, f"truncated record header at byte {pos}")
            (length,) = struct.unpack("<Q", header[:8])
            if length > size - pos - 16:  # checked before reading: a damaged length is huge
                raise TfdsSourceError(path, f"truncated record at byte {pos}")
            payload = f.read(length)
            if len(payload) != length or len(f.read(4)) != 4:
                raise TfdsSourceError(path, f"truncated record at byte {pos}")
            yield pos + 12, payload
            pos += 12 + length + 4


def read_split(data_dir: Path | None, split: str, progress: Progress | None = None) -> dict:
    """Reads one split once, without decoding images.

    Returns:
        Columns ``file_name``, ``original_label``, the three label lists, ``is_problematic``,
        and image locations: ``record`` (ArrayRecord) or ``shard``/``offset``/``size``
        (TFRecord: where the JPEG bytes are inside the shard file).

    Raises:
        TfdsSourceError: the build cannot be read.
    """
    info = read_dataset_info(data_dir)
    split_info = info["splits"][split]
    total = sum(split_info["shard_lengths"])
    cols: dict[str, list] = {
        k: []
        for k in (
            "file_name",
            "original_label",
            *SET_FIELDS,
            "is_problematic",
            "record",
            "shard",
            "offset",
            "size",
        )
    }

    def add(example: dict, k: int) -> None:
        if progress and k % 500 == 0:
            progress(k, total, f"reading the {split} split through TFDS")
        cols["file_name"].append(_text(example["file_name"]))
        cols["original_label"].append(int(example["original_label"]))
        for key in SET_FIELDS:
            cols[key].append([int(x) for x in np.asarray(example[key]).reshape(-1)])
        cols["is_problematic"].append(bool(example["is_problematic"]))

    if progress:  # TFDS's reader loads first: seconds on a first open, with no count yet
        progress(0, total, f"loading TFDS's reader for the {split} split")
    try:
        if info["file_format"] == "array_record":
            source = open_data_source(data_dir, split)
            for k in range(len(source)):
                add(source[k], k)
                cols["record"].append(k)
        else:
            features = _builder(data_dir).info.features
            decoders = _skip_image_decoding()
            k = 0
            for shard, path in enumerate(split_info["files"]):
                for offset, payload in _tfrecord_records(path):
                    example = features.deserialize_example_np(payload, decoders=decoders)
                    add(example, k)
                    jpeg = bytes(example["image"])
                    at = payload.find(jpeg)
                    if at < 0:
                        raise TfdsSourceError(path, "image bytes not found in their record")
                    cols["shard"].append(shard)
                    cols["offset"].append(offset + at)
                    cols["size"].append(len(jpeg))
                    k += 1
    except DataError:
        raise
    except Exception as e:  # TFDS raises many kinds; the user needs one clear line
        raise TfdsSourceError(
            dataset_dir(data_dir), f"cannot read the {split} split: {type(e).__name__}: {e}"
        ) from e
    if len(cols["file_name"]) != total:
        raise TfdsSourceError(
            dataset_dir(data_dir),
            f"the {split} split has {len(cols['file_name'])} examples, "
            f"dataset_info.json says {total}",
        )
    if progress:
        progress(total, total, f"reading the {split} split through TFDS")
    return cols


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class _LocalLabelsDownloads:
    """Wraps TFDS's DownloadManager so that the label JSON URL resolves to a local file."""

    def __init__(self, dl_manager, urls: tuple[str, ...], path: Path):
        self._dl_manager = dl_manager
        self._urls = urls
        self._path = path

    def download(self, url_or_urls):
        if isinstance(url_or_urls, str) and url_or_urls in self._urls:
            from etils import epath

            return epath.Path(self._path)
        return self._dl_manager.download(url_or_urls)

    def __getattr__(self, name):
        return getattr(self._dl_manager, name)


def prepare(
    manual_dir: Path,
    labels_json: Path | None = None,
    data_dir: Path | None = None,
    file_format: str = "array_record",
) -> Path:
    """Prepares ``imagenet2012_multilabel`` 3.0.0 with TFDS's own builder.

    Args:
        manual_dir: the folder holding ``ILSVRC2012_img_val.tar``.
        labels_json: a local ``human_accuracy_v3.0.0.json``; without it TFDS downloads it.
        data_dir: where to write the build (TFDS's default when None).
        file_format: ``array_record`` (random access; the default here) or ``tfrecord``.

    Returns:
        The folder of the prepared build.

    Raises:
        TfdsSourceError / LabelFileError: with what to do about it.
    """
    manual_dir = Path(manual_dir).expanduser()
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        raise TfdsSourceError(
            "prepare",
            "preparing the TFDS build needs TensorFlow, which the app itself does not: "
            "pip install -r requirements-prepare.txt (or: pip install tensorflow-cpu)",
        )
    if file_format not in FILE_FORMATS:
        raise TfdsSourceError("--file-format", f"{file_format!r} is not one of {FILE_FORMATS}")
    tar = manual_dir / MANUAL_TAR
    if not tar.is_file():
        raise TfdsSourceError(
            manual_dir,
            f"{MANUAL_TAR} not found in this folder (ImageNet's "
            "validation tar; registration at image-net.org is required)",
        )
    if labels_json is not None:
        from data_access.sources.labels_json import parse_label_json

        labels_json = Path(labels_json).expanduser().resolve()
        parse_label_json(labels_json)  # fail here, clearly, rather than deep inside TFDS
    import tensorflow_datasets as tfds
    from tensorflow_datasets.datasets.imagenet2012_multilabel import (
        imagenet2012_multilabel_dataset_builder as upstream,
    )

    builder = _builder(data_dir)
    if labels_json is not None:
        original = builder._split_generators

        def _split_generators(dl_manager):
            return original(
                _LocalLabelsDownloads(dl_manager, (upstream._MULTI_LABELS_URL,), labels_json)
            )

        # An instance attribute, so only this builder object is affected.
        builder._split_generators = _split_generators
    try:
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)),
            file_format=file_format,
        )
    except (DataError, LabelFileError):
        raise
    except Exception as e:
        # Without a local label JSON the builder downloads it, and that URL is known to
        # answer HTTP 403: say what to do instead.
        hint = (
            (
                "; if the label download failed, pass --labels-json with a local "
                "human_accuracy_v3.0.0.json"
            )
            if labels_json is None
            else ""
        )
        raise TfdsSourceError(
            DATASET, f"preparing failed: {type(e).__name__}: {str(e)[:500]}{hint}"
        ) from e
    return dataset_dir(data_dir)
