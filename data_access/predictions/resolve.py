"""Class ids from what a file wrote: names and wnids resolved in the file's vocabulary
(ambiguous names never guessed), the range checked, and ids cross-checked against the class
names written next to them."""

from __future__ import annotations

from itertools import chain
from pathlib import Path

import numpy as np

from data_access.classes import NUM_CLASSES
from data_access.errors import quoted
from data_access.predictions.columns import PredictionFileError
from data_access.predictions.parsed import Parsed
from data_access.predictions.vocab import describe_classes, resolve, vocabulary_text


def resolve_labels(
    path: Path, parsed: Parsed, vocabulary: str | None
) -> tuple[np.ndarray, str, str | None]:
    """Class ids of the raw predictions, the vocabulary, and a note on ambiguous names.

    A name that means two classes in the file's vocabulary (timm and Hugging Face write
    ``crane`` for 134 and 517) is not guessed: that entry becomes -1, no prediction, like a
    missing one (a top-1 of -1 counts as wrong), and the note names the rows.
    """
    rows = parsed.labels
    if rows is None:
        raise PredictionFileError(path, "no class names to resolve")
    flat = list(chain.from_iterable(rows))
    if set(map(type, flat)) - {str, int}:  # bool, float, None, dict...: find the row
        for i, r in enumerate(rows):
            for v in r:
                if isinstance(v, bool) or not isinstance(v, int | float | str):
                    raise PredictionFileError(
                        path,
                        f"{quoted(v)} is not a class index (0..999), wnid or class name",
                        parsed.where(i),
                    )
                if isinstance(v, float) and not v.is_integer():
                    raise PredictionFileError(
                        path, f"{quoted(v)} is not a class index", parsed.where(i)
                    )
    # In file order, so that the example an error names is the first in the file, every run.
    distinct = list(dict.fromkeys(v for v in flat if isinstance(v, str)))
    res = resolve(distinct, vocabulary)
    if res.unknown:
        _refuse_unknown(path, parsed, res)
    mapping = dict(res.mapping)
    mapping.update(dict.fromkeys(res.ambiguous, -1))
    k = min(max((len(r) for r in rows), default=0), 100)
    if k == 0:
        raise PredictionFileError(path, "empty prediction list", parsed.where(0))
    # Every name is in the mapping: an unknown one was refused above.
    values = [mapping[v] if isinstance(v, str) else int(v) for v in flat]
    if len(flat) == k * len(rows) and all(len(r) == k for r in rows):
        ids = np.array(values, dtype=np.int64).reshape(len(rows), k)
    else:
        ids = np.full((len(rows), k), -1, dtype=np.int64)
        start = 0
        for i, r in enumerate(rows):
            if not r:
                raise PredictionFileError(path, "empty prediction list", parsed.where(i))
            ids[i, : min(len(r), k)] = values[start : start + min(len(r), k)]
            start += len(r)
    kind = res.vocabulary  # "index" when the file wrote no name at all
    parsed.from_integers = kind == "index"
    return ids, kind, _ambiguity_note(parsed, res) if res.ambiguous else None


def _rows_with(parsed: Parsed, wanted: set[str], top1_only: bool = False) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for i, r in enumerate(parsed.labels or []):
        for v in r[:1] if top1_only else r:
            if v in wanted:
                found.setdefault(v, []).append(i)
    return found


def _ambiguity_note(parsed: Parsed, res) -> str:
    top1 = _rows_with(parsed, set(res.ambiguous), top1_only=True)
    parts = []
    for s, ix in res.ambiguous.items():
        rows = top1.get(s, [])
        where = ", ".join(parsed.where(i) for i in rows[:3]) + (", ..." if len(rows) > 3 else "")
        parts.append(
            f"{len(rows):,} {'row predicts' if len(rows) == 1 else 'rows predict'} {s!r} "
            f"({where or 'below top-1 only'}), the name of "
            f"class {describe_classes(ix)} in {vocabulary_text(res.vocabulary)}"
        )
    return (
        "; ".join(parts) + ": not guessed, so those images have no usable top-1 and count as "
        "wrong; write class indices (timm: --include-index) or wnids for exact numbers"
    )


def _refuse_unknown(path: Path, parsed: Parsed, res) -> None:
    where = _rows_with(parsed, set(res.unknown))
    first = res.unknown[0]
    rows = ", ".join(parsed.where(i) for i in where[first][:3])  # it came from the file
    what = (
        "the wnid of an ImageNet class"
        if first.strip()[:1] == "n" and first.strip()[1:9].isdigit()
        else "a class index (0..999), wnid or class name"
    )
    raise PredictionFileError(
        path,
        f"{quoted(first)} is not {what} ({rows}); "
        f"{len(res.unknown)} unknown in all. Classes are read as indices 0..999, wnids, or names "
        "exactly as timm / Hugging Face, Keras or torchvision write them",
    )


def check_range(path: Path, parsed: Parsed, ids: np.ndarray, shift: int) -> None:
    lo, hi = shift, NUM_CLASSES - 1 + shift
    bad = np.argwhere(((ids < lo) | (ids > hi)) & (ids != -1))  # -1: no prediction there
    if len(bad):
        r, c = (int(x) for x in bad[0])
        present = ids[ids >= 0]
        hint = ""
        if shift == 0 and present.size and present.max() == NUM_CLASSES and present.min() >= 1:
            hint = (
                "; ids 1..1000 look 1-based (or class 0 = background): pass --drop-background "
                "(in the app: 'Reading options')"
            )
        raise PredictionFileError(
            path, f"class {int(ids[r, c])} is out of range {lo}..{hi}{hint}", parsed.where(r)
        )


def cross_check(path: Path, parsed: Parsed, ids: np.ndarray, vocabulary: str | None) -> None:
    """Ids written next to class names must name the same classes."""
    checks = parsed.check_labels
    if checks is None:
        return
    distinct = {r[0] for r in checks if r and isinstance(r[0], str)}
    res = resolve(distinct, vocabulary)
    for i, r in enumerate(checks):
        if r and isinstance(r[0], str) and r[0] in res.mapping and res.mapping[r[0]] != ids[i, 0]:
            raise PredictionFileError(
                path,
                f"the class id {int(ids[i, 0])} and the class name {quoted(r[0])} "
                f"(class {res.mapping[r[0]]}) disagree; the ids may be shifted or from another "
                "class order",
                parsed.where(i),
            )
