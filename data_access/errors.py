"""The one family of errors that crosses the ``data_access`` boundary.

Every problem with user input (a label file, an image folder or tar, a TFDS data_dir, an
index on disk, a prediction file) becomes a :class:`DataError`: a ``ValueError`` whose message
names the file, the row or key, and what was expected. The CLI prints it as one line and
exits 2; the app shows it in an error box. Nothing else should reach a user as a traceback.
"""

from __future__ import annotations

import re

from data_access.i18n import N_, Translate

# Marks around text copied from a file into a message, so that :meth:`DataError.redacted`
# can hide it (control characters: never in a message otherwise).
_OPEN, _CLOSE = "\x02", "\x03"
_QUOTED = re.compile(f"{_OPEN}[^{_CLOSE}]*{_CLOSE}")
HIDDEN = N_("(a value from the file)")


def quoted(value: object, limit: int = 60) -> str:
    """``repr`` of a value read from a file (cut to ``limit`` characters), marked as content.

    The CLI and the app for the file's own uploader show it; :meth:`DataError.redacted`
    replaces it, for files the app opened from a server path (whose content the visitor
    must not learn through error messages).
    """
    text = value[:limit] if isinstance(value, str) else value
    shown = repr(text)
    if len(shown) > limit + 2:
        shown = shown[:limit] + "..."
    return _OPEN + shown.replace(_OPEN, "").replace(_CLOSE, "") + _CLOSE


# Secrets that can ride along in what a user typed: a URL's password (``scheme://user:pw@``)
# and libpq / query-string keys (``?password=...``, ``password=... host=...``).
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s]*@", re.IGNORECASE)
_KEY_SECRET = re.compile(
    r"((?:^|[?&;\s'\"(])(?:password|passwd|pwd|secret|token|sslpassword)=)[^&;\s'\")]*",
    re.IGNORECASE,
)
SECRET_MASK = "***"  # noqa: S105 - the mask, not a password


def without_secrets(text: str) -> str:
    """``text`` with every password it may hold replaced by ``***`` (never parsed as a URL:
    a malformed one is masked the same way)."""
    text = _URL_PASSWORD.sub(rf"\1{SECRET_MASK}@", text)
    return _KEY_SECRET.sub(rf"\1{SECRET_MASK}", text)


def _plain(text: str) -> str:
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def shown(text: str, hide_content: bool = False, _: Translate = str) -> str:
    """A note or message that may hold :func:`quoted` values, as shown: in the page's
    language (``_``; the values stay as they are), with the values or with each replaced by
    a placeholder (``hide_content``)."""
    text = _(text)
    return _QUOTED.sub(lambda _m: _(HIDDEN), text) if hide_content else _plain(text)


class DataError(ValueError):
    """Bad or unusable user input, with a message fit to show as is.

    Args:
        source: the file, folder or URL the problem is in.
        problem: what is wrong and, where it helps, what was expected; text copied from the
            file goes through :func:`quoted`.
        where: the row, key or member inside ``source`` (optional).
    """

    def __init__(self, source: object, problem: str, where: str | None = None):
        # No message ever carries a password: not the CLI's, not the app's, not a log's.
        source, problem = without_secrets(str(source)), without_secrets(problem)
        where = without_secrets(where) if where else where
        self.source = source
        self._marked = (problem, where)
        self.problem = _plain(problem)
        self.where = _plain(where) if where else where
        location = f"{self.source}: {self.where}" if where else self.source
        super().__init__(f"{location}: {self.problem}")

    def message(
        self, *, hide_content: bool = False, with_source: bool = True, _: Translate = str
    ) -> str:
        """The message, optionally without the file's name (when it is shown above) and with
        every value copied from the file replaced by a placeholder (``hide_content``): then
        it names the file, the row or key and the problem, never the content. ``_``: the
        page's translation (:func:`data_access.i18n.gettext_for`), which words the problem
        and the row or key in the page's language (the values copied from the file stay
        as they are)."""
        problem, where = (shown(t, hide_content, _) if t else t for t in self._marked)
        parts = [_(self.source)] if with_source else []
        return ": ".join([*parts, *([where] if where else []), problem or ""])

    def redacted(self, _: Translate = str) -> str:
        """:meth:`message` with the file's content hidden."""
        return self.message(hide_content=True, _=_)


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


class PredictionFileError(DataError):
    """A prediction file that cannot be used as it is."""
