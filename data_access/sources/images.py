"""Image readers behind every source, and thumbnails.

Readers hold only paths and small arrays (picklable, no open handles) and open files per read,
so that one reader can serve many threads of the app at once.

* :class:`FolderImages`: JPEG files in a folder, flat or in per-wnid subfolders.
* :class:`OffsetImages`: byte ranges inside large files: members of the original
  ``ILSVRC2012_img_val.tar`` read in place, or the JPEG bytes inside TFDS TFRecord shards.
* :class:`DataSourceImages`: records of an ArrayRecord TFDS build, through ``tfds.data_source``.
* :class:`DemoImages`: the demo's synthetic pictures, drawn on demand.
* :class:`NoImages`: labels only.

All follow :class:`ImageReader`.
"""

from __future__ import annotations

import io
import math
import os
import tarfile
import threading
import typing
from pathlib import Path

import numpy as np

from data_access.errors import ImageNotAvailable, ImageSourceError
from data_access.progress import Progress


class ImageReader(typing.Protocol):
    """What every source's images offer: ``has`` and ``read`` (the stored JPEG bytes)."""

    kind: str

    def has(self, file_name: str) -> bool: ...

    def read(self, file_name: str) -> bytes:
        """The image's bytes.

        Raises:
            ImageNotAvailable: no image for this file; ImageSourceError: it cannot be read.
        """
        ...


THUMBNAIL_SIZE = 192
MAX_PIXELS = 40_000_000  # ImageNet's largest validation photos are a few megapixels


def make_thumbnail(jpeg: bytes, max_side: int = THUMBNAIL_SIZE, *, source: str = "") -> bytes:
    """Downscales an encoded image to a small JPEG whose longer side is ``max_side``.

    Uses JPEG draft mode (DCT scaling): a 500x375 photo decodes at half size (250x188),
    the smallest scale still at least as large as the 192x144 thumbnail, which then is
    resampled from a quarter of the pixels (~2.8 ms a thumbnail instead of ~4.5 ms).

    Raises:
        ImageSourceError: the bytes are not a decodable image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(jpeg)) as opened:
            _check_size(opened, source)
            # The draft size asked for is the thumbnail's own: asking for a max_side square
            # would keep a 4:3 photo at full size (its short side would fall under it).
            width, height = opened.size
            scale = max_side / max(width, height, 1)
            opened.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
            img = opened.convert("RGB")
            img.thumbnail((max_side, max_side))
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=82)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise ImageSourceError(source or "image", f"cannot decode the image: {e}") from e
    return out.getvalue()


def _check_size(img, source: str) -> None:
    """Refuses a picture whose header claims more pixels than any photo here: decoding it
    would take gigabytes (a decompression bomb is a few KB that claim 50,000 x 50,000)."""
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise ImageSourceError(
            source or "image",
            f"{width} x {height} pixels: larger than any ImageNet photo (at most "
            f"{MAX_PIXELS // 10**6} megapixels are decoded)",
        )


def check_image(data: bytes, source: str = "") -> bytes:
    """``data`` if it is a JPEG, PNG or WebP picture of a sane size that decodes completely
    (so the browser is never handed HTML, SVG, a truncated file or a bomb).

    Raises:
        ImageSourceError: naming the image and the problem.
    """
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageSourceError(source or "image", "the image is empty (0 bytes)")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG", "WEBP"):
                raise ImageSourceError(source or "image", f"{img.format} is not a photo format")
            _check_size(img, source)
            img.load()  # a truncated file fails here, not in the browser
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise ImageSourceError(source or "image", f"not a readable picture ({e})") from e
    return data


def _inside(real_path: str, real_root: str) -> bool:
    return real_path.startswith(real_root.rstrip(os.sep) + os.sep)


def _file_inside(entry: os.DirEntry, real_root: str) -> bool:
    """A regular file, or a link to one that stays inside the images folder: a link out of
    it (``ILSVRC2012_val_00000002.JPEG -> /etc/passwd``) is never read or served."""
    if entry.is_file(follow_symlinks=False):
        return True
    return (
        entry.is_symlink() and entry.is_file() and _inside(os.path.realpath(entry.path), real_root)
    )


class FolderImages:
    """Validation JPEGs in a folder: ``root/<file_name>`` or ``root/<wnid>/<file_name>``."""

    kind = "folder"

    def __init__(self, root: Path, relative_paths: np.ndarray, file_names: np.ndarray):
        self.root = Path(root)
        self._paths = dict(zip(file_names.tolist(), relative_paths.tolist(), strict=False))

    @staticmethod
    def scan(root: Path, wanted: set[str], progress: Progress | None = None) -> dict[str, str]:
        """Finds the wanted file names directly in ``root`` or one folder below it."""
        found: dict[str, str] = {}
        try:
            top = list(os.scandir(root))
        except OSError as e:
            raise ImageSourceError(root, f"cannot list the folder: {e.strerror or e}") from e
        real_root = os.path.realpath(root)
        subdirs = [e for e in top if e.is_dir(follow_symlinks=False)]
        for entry in top:
            if entry.name in wanted and _file_inside(entry, real_root):
                found[entry.name] = entry.name
        for k, sub in enumerate(subdirs):
            if progress and k % 50 == 0:
                progress(k, len(subdirs), "scanning image folders")
            try:
                for entry in os.scandir(sub.path):
                    if (
                        entry.name in wanted
                        and entry.name not in found
                        and _file_inside(entry, real_root)
                    ):
                        found[entry.name] = f"{sub.name}/{entry.name}"
            except OSError:
                continue  # an unreadable subfolder only means its images count as missing
        return found

    def has(self, file_name: str) -> bool:
        return bool(self._paths.get(file_name))

    def read(self, file_name: str) -> bytes:
        rel = self._paths.get(file_name)
        if not rel:
            raise ImageNotAvailable(self.root, "no image for this file", where=file_name)
        path = self.root / rel
        # Checked again at read time: a file may have become a link since the scan.
        if not _inside(os.path.realpath(path), os.path.realpath(self.root)):
            raise ImageNotAvailable(self.root, "the image links outside the folder", where=rel)
        try:
            return path.read_bytes()
        except OSError as e:
            raise ImageSourceError(path, f"cannot read the image: {e.strerror or e}") from e


class OffsetImages:
    """Images stored as byte ranges inside larger files (a tar, TFRecord shards)."""

    kind = "offsets"

    def __init__(
        self,
        paths: list[Path],
        file_names: np.ndarray,
        file_index: np.ndarray,
        offsets: np.ndarray,
        sizes: np.ndarray,
    ):
        self.paths = [Path(p) for p in paths]
        self._rows = {f: i for i, f in enumerate(file_names.tolist())}
        self.file_index = file_index
        self.offsets = offsets
        self.sizes = sizes

    def has(self, file_name: str) -> bool:
        row = self._rows.get(file_name)
        return row is not None and self.file_index[row] >= 0

    def read(self, file_name: str) -> bytes:
        row = self._rows.get(file_name)
        if row is None or self.file_index[row] < 0:
            source = self.paths[0] if self.paths else "images"
            raise ImageNotAvailable(source, "no image for this file", where=file_name)
        path = self.paths[int(self.file_index[row])]
        size = int(self.sizes[row])
        try:
            with open(path, "rb") as f:
                f.seek(int(self.offsets[row]))
                data = f.read(size)
        except OSError as e:
            raise ImageSourceError(path, f"cannot read: {e.strerror or e}", where=file_name) from e
        if len(data) != size:
            raise ImageSourceError(
                path, f"file ends early: expected {size} bytes, got {len(data)}", where=file_name
            )
        return data


def index_tar(path: Path, wanted: set[str], progress: Progress | None = None) -> dict:
    """Reads a tar's member headers (never its data) and returns where each wanted file is.

    Returns:
        ``{file_name: (offset, size)}`` for the wanted names found in the tar.

    Raises:
        ImageSourceError: not a tar, or the tar is truncated.
    """
    found: dict[str, tuple[int, int]] = {}
    try:
        total = os.path.getsize(path)
        with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r:") as tar:
            for k, member in enumerate(tar):
                if progress and k % 2000 == 0:
                    progress(raw.tell(), total, "indexing tar members")
                if not member.isfile():
                    continue
                name = os.path.basename(member.name)
                if name in wanted:
                    if member.offset_data + member.size > total:
                        raise ImageSourceError(
                            path,
                            f"truncated: member ends at byte {member.offset_data + member.size}"
                            f" but the file has {total} bytes",
                            where=member.name,
                        )
                    found[name] = (member.offset_data, member.size)
    except tarfile.TarError as e:
        raise ImageSourceError(path, f"not a readable tar archive ({e})") from e
    except EOFError as e:
        raise ImageSourceError(path, "truncated tar archive") from e
    except OSError as e:
        raise ImageSourceError(path, f"cannot read: {e.strerror or e}") from e
    return found


class DataSourceImages:
    """Images of an ArrayRecord TFDS build, read by record index with ``tfds.data_source``.

    The data source is opened on first use (importing TFDS takes a second) and kept per
    process; the image feature is not decoded, so a read returns the stored JPEG bytes.
    """

    kind = "data_source"
    _lock = threading.Lock()
    _opened: typing.ClassVar[dict[tuple[str, str], object]] = {}

    def __init__(self, data_dir: Path, split: str, file_names: np.ndarray, records: np.ndarray):
        self.data_dir = Path(data_dir)
        self.split = split
        self._rows = {f: i for i, f in enumerate(file_names.tolist())}
        self.records = records

    def _source(self):
        key = (str(self.data_dir), self.split)
        with self._lock:
            if key not in self._opened:
                from data_access.sources.tfds import open_data_source

                self._opened[key] = open_data_source(self.data_dir, self.split)
            return self._opened[key]

    def has(self, file_name: str) -> bool:
        return file_name in self._rows

    def read(self, file_name: str) -> bytes:
        row = self._rows.get(file_name)
        if row is None:
            raise ImageNotAvailable(self.data_dir, "no image for this file", where=file_name)
        example = self._source()[int(self.records[row])]
        return bytes(example["image"])


class DemoImages:
    """Synthetic pictures, rendered on demand (see
    :func:`data_access.sources.demo.render_demo_image`)."""

    kind = "demo"

    def __init__(self, table):
        self._table = table

    def has(self, file_name: str) -> bool:
        return file_name in self._table.row_of

    def read(self, file_name: str, size: tuple[int, int] = (500, 375)) -> bytes:
        from data_access.sources.demo import render_demo_image

        row = self._table.row_of.get(file_name)
        if row is None:
            raise ImageNotAvailable("demo", "not in the demo set", where=file_name)
        return render_demo_image(file_name, int(self._table.original_label[row]), size)


class NoImages:
    """Labels only: every read says so."""

    kind = "none"

    def __init__(self, reason: str = "this source has labels only (no images were given)"):
        self.reason = reason

    def has(self, file_name: str) -> bool:
        return False

    def read(self, file_name: str) -> bytes:
        raise ImageNotAvailable("images", self.reason, where=file_name)
