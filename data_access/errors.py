"""The one family of errors that crosses the ``data_access`` boundary.

Every problem with user input (a label file, an image folder or tar, a TFDS data_dir, an
index on disk, a prediction file) becomes a :class:`DataError`: a ``ValueError`` whose message
names the file, the row or key, and what was expected. The CLI prints it as one line and
exits 2; the app shows it in an error box. Nothing else should reach a user as a traceback.
"""

from __future__ import annotations


class DataError(ValueError):
    """Bad or unusable user input, with a message fit to show as is.

    Args:
        source: the file, folder or URL the problem is in.
        problem: what is wrong and, where it helps, what was expected.
        where: the row, key or member inside ``source`` (optional).
    """

    def __init__(self, source: object, problem: str, where: str | None = None):
        self.source = str(source)
        self.problem = problem
        self.where = where
        location = f"{self.source}: {where}" if where else self.source
        super().__init__(f"{location}: {problem}")


class LabelFileError(DataError):
    """The label JSON (``human_accuracy_v3.0.0.json``) is missing, malformed or inconsistent."""


class DownloadError(DataError):
    """Fetching the label JSON failed (HTTP error, network, checksum)."""


class ImageSourceError(DataError):
    """The images (folder, tar or TFDS records) cannot be read as expected."""


class ImageNotAvailable(DataError):
    """The source has no image for this file name (labels-only, or missing on disk)."""


class TfdsSourceError(DataError):
    """The TFDS data_dir does not hold a usable ``imagenet2012_multilabel`` build."""
