"""What a Browse filter chooses from and how its values are written: the searchable class
and WordNet-group labels, and each value's text in a link or a flag (one rule for numbers:
ASCII digits only). :mod:`.filters` builds every filter from these."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from data_access.classes import NUM_CLASSES, NUM_VALIDATION_IMAGES, load_classes
from data_access.i18n import N_, Translate

# --- options -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def class_options() -> tuple[str, ...]:
    """One searchable label per class: name, wnid and synonyms (index = class)."""
    c = load_classes()
    out = []
    for name, wnid, syn in zip(c.names, c.wnids, c.synonyms, strict=True):
        others = [s for s in syn if s != name]
        out.append(f"{name} · {wnid}" + (f" · {', '.join(others)}" if others else ""))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def group_options(_: Translate = str) -> tuple[tuple[str, str], ...]:
    """(wnid, label) of every WordNet ancestor holding two or more classes, by name (``_``:
    the page's translation of "classes")."""
    c = load_classes()
    counts: dict[str, int] = {}
    for anc in c.ancestors:
        for a in anc:
            counts[a] = counts.get(a, 0) + 1
    items = [
        (a, f"{c.ancestor_names[a]} · {a} · " + _(N_("{n} classes")).format(n=k))
        for a, k in counts.items()
        if k >= 2
    ]
    return tuple(sorted(items, key=lambda x: x[1].lower()))


def search_classes(query: str) -> list[int]:
    """Classes whose name, synonyms or wnid contain ``query`` (case-insensitive)."""
    q = query.strip().lower()
    if not q:
        return []
    return [i for i, label in enumerate(class_options()) if q in label.lower()]


def class_labels(_: Translate = str) -> dict[int, str]:
    """Each class's option text (its name, wnid and synonyms, as WordNet gives them)."""
    return dict(enumerate(class_options()))


# --- text <-> value ----------------------------------------------------------------------------

# A number in a link or a flag is ASCII digits only: Python's int() also takes digits of other
# scripts ("٣"), signs, spaces and "1_000", and str.isdigit() says yes to "²", which int()
# then refuses.
ASCII_NUMBER = re.compile(r"[0-9]{1,9}")


def decode_class(text: str) -> int | None:
    """A class from its wnid; a plain index 0-999 (ASCII digits) is accepted too."""
    index = load_classes().wnid_to_index.get(text)
    if index is None and ASCII_NUMBER.fullmatch(text) and int(text) < NUM_CLASSES:
        index = int(text)
    return index


def encode_class(index: int) -> str:
    return load_classes().wnids[index]


def decode_group(text: str) -> str | None:
    return text if text in load_classes().ancestor_names else None


def decode_key(table: Callable[[], Mapping[Any, str]]) -> Callable[[str], str | None]:
    def decode(text: str) -> str | None:
        return text if text in table() else None

    return decode


def decode_image(text: str) -> int | None:
    """An image by its number in the file name (``7`` for ``ILSVRC2012_val_00000007.JPEG``)."""
    if ASCII_NUMBER.fullmatch(text) and 1 <= int(text) <= NUM_VALIDATION_IMAGES:
        return int(text)
    return None
