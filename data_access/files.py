"""Reading a file the app parses whole: the size checked before a byte is read, and every
way it can fail turned into the caller's one-line :class:`DataError`."""

from __future__ import annotations

from pathlib import Path

from data_access.errors import DataError

# The files shipped inside the package (class metadata, vocabularies, ReaL, published results).
PACKAGE_DATA = Path(__file__).parent / "data"


def read_capped(path: Path, cap: int, error: type[DataError], what: str) -> bytes:
    """The bytes of ``path``, refused before reading when larger than ``cap``.

    Args:
        cap: the most bytes read; a larger file is not ``what`` (and parsing it whole would
            take several times its size in memory).
        error: the :class:`DataError` subclass to raise.
        what: the expected file in words, for messages ("the label JSON").

    Raises:
        error: not found, a folder, too large, unreadable or empty.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise error(path, f"is a folder, expected {what}")
        if size > cap:
            raise error(path, f"{size:,} bytes: larger than {what} can be ({cap >> 20} MiB)")
        with open(path, "rb") as f:
            raw = f.read(cap + 1)
    except FileNotFoundError as e:
        raise error(path, "file not found") from e
    except OSError as e:
        raise error(path, f"cannot read: {e.strerror or e}") from e
    if not raw.strip():
        raise error(path, "the file is empty")
    return raw


def read_text_capped(
    path: Path, cap: int, error: type[DataError], what: str, hint: str = ""
) -> str:
    """:func:`read_capped`, decoded as UTF-8 (a byte-order mark is dropped).

    Raises:
        error: as :func:`read_capped`, or not UTF-8 (naming the byte, then ``hint``).
    """
    raw = read_capped(path, cap, error, what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise error(path, f"not UTF-8 text (byte {e.start}){hint}") from e


def read_shipped(path: Path, size: int, sha256: str, error: type[DataError]) -> bytes:
    """A data file shipped with the app, refused unless it is byte for byte the published
    one (``size`` bytes with SHA-256 ``sha256``): a changed copy gives ``error``, never
    numbers from other data."""
    import hashlib

    data = read_capped(path, size, error, f"the shipped file ({size:,} bytes)")
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != size or digest != sha256:
        raise error(
            path,
            f"{len(data):,} bytes with SHA-256 {digest[:12]}…; expected the published file "
            f"({size:,} bytes, {sha256[:12]}…). Reinstall the app to restore it.",
        )
    return data
