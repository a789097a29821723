"""Which server paths a visitor of the app may name: the allowed roots.

The app's path fields (label JSON, images, TFDS data_dir, "add a prediction file by path")
make the server open files. They accept a path only when it resolves (links followed, ``..``
removed) to a place under an allowed root:

* the home folder of the user running the app;
* the app's data and index folders (``IMLR_DATA_DIR``, ``IMLR_INDEX_DIR``) and
  ``TFDS_DATA_DIR`` when set;
* the folders of the files and folders the operator gave on the command line;
* every ``--allow-path DIR`` and every folder in ``IMLR_ALLOW_PATHS`` (``os.pathsep``
  separated).

A refused path gets the same message whether it exists or not, so the field cannot be used
to probe the server's files. The command-line interface is not restricted: its user already
has a shell.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from data_access.errors import DataError

ALLOW_ENV = "IMLR_ALLOW_PATHS"


class PathNotAllowed(DataError):
    """A path outside the allowed roots was typed into the app."""


def allowed_roots(extra: Iterable[str | Path] = ()) -> tuple[Path, ...]:
    """The resolved allowed roots (see the module docstring), without duplicates.

    Args:
        extra: files or folders from the command line; a file allows its folder.
    """
    candidates: list[Path] = [Path.home()]
    for name in ("IMLR_DATA_DIR", "IMLR_INDEX_DIR", "TFDS_DATA_DIR"):
        if os.environ.get(name):
            candidates.append(Path(os.environ[name]))
    candidates += [Path(p) for p in os.environ.get(ALLOW_ENV, "").split(os.pathsep) if p]
    for item in extra:
        if not str(item):
            continue
        path = Path(item).expanduser().resolve()
        candidates.append(path if path.is_dir() else path.parent)
    roots: list[Path] = []
    for c in candidates:
        real = c.expanduser().resolve()
        if real not in roots and real != Path(real.anchor):  # "/" would allow everything
            roots.append(real)
    return tuple(roots)


def check_allowed(text: str, roots: Iterable[Path], field: str) -> Path:
    """The resolved path typed into ``field`` if it lies under one of ``roots``.

    Raises:
        PathNotAllowed: naming the field and the allowed folders, never whether the path
            exists or what it holds.
    """
    roots = tuple(roots)
    try:
        real = Path(text).expanduser().resolve()
    except (OSError, RuntimeError, ValueError) as e:  # a link loop, a NUL byte
        raise PathNotAllowed(field, "not a usable path") from e
    if any(real == r or r in real.parents for r in roots):
        return real
    shown = ", ".join(str(r) for r in roots[:4]) + (" ..." if len(roots) > 4 else "")
    raise PathNotAllowed(
        field,
        f"the app opens paths only under its allowed folders ({shown}); start it with "
        "`--allow-path DIR` (or set IMLR_ALLOW_PATHS) to add one",
    )


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` can be reached only from this machine.

    Streamlit listens on every interface when ``server.address`` is unset."""
    return (address or "").strip().lower() in ("127.0.0.1", "localhost", "::1", "[::1]")


def shared_files(folders: Iterable[Path], suffixes: Iterable[str]) -> list[Path]:
    """The files a server's operator shares for visitors to pick: regular files directly in
    each folder with one of ``suffixes``, hidden ones left out, and never a link that leads
    outside its folder (the path is resolved and checked)."""
    wanted = {s.lower().lstrip(".") for s in suffixes}
    out = []
    for folder in folders:
        try:
            base = Path(folder).resolve(strict=True)
            entries = sorted(base.iterdir())
        except OSError:
            continue
        for entry in entries:
            try:
                real = entry.resolve(strict=True)
            except OSError:
                continue
            if (
                not entry.name.startswith(".")
                and entry.suffix.lower().lstrip(".") in wanted
                and real.parent == base
                and real.is_file()
            ):
                out.append(real)
    return out
