"""Class names as tools write them, resolved to TFDS class indices without guessing.

A prediction may name its class by index (``0``), wnid (``n01440764``), ``wnid name``
(``n01440764 tench``, Caffe's ``synset_words.txt``), or by name in one of five vocabularies
(shipped in ``data/vocabularies.json``, built by ``scripts/make_vocabularies.py``):

* ``description``: timm (default ``--label-type``), Hugging Face ``id2label``:
  ``tench, Tinca tinca``;
* ``detailed``: timm ``--label-type detailed``: ``tench, Tinca tinca: freshwater dace-like ...``;
* ``keras``: the first WordNet synonym (``great_white_shark``);
* ``torchvision``: ``weights.meta["categories"]`` (``great white shark``, ``crane bird``);
* ``open_clip``: ``open_clip.zero_shot_metadata.IMAGENET_CLASSNAMES``, the names its zero-shot
  classifiers use (``construction crane``; ``missile`` and ``sunglasses`` for two classes each).

Names match exactly (``Cardigan`` the dog is 264, ``cardigan`` the sweater 474), with ``_``
read as a space. Some names mean two classes in one vocabulary (``crane`` is 134 and 517 for
timm and Keras; ``maillot`` 638 and 639 for Keras). The file's vocabulary is the one that knows
every name it uses; a name that still means two classes there is reported with its rows, never
guessed.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from data_access.classes import load_classes
from data_access.files import PACKAGE_DATA
from data_access.i18n import N_

VOCABULARIES = {  # N_: the app's sidebar shows them in its language
    "description": N_("timm / Hugging Face descriptions"),
    "detailed": N_("timm detailed descriptions"),
    "keras": N_("Keras names"),
    "torchvision": N_("torchvision categories"),
    "open_clip": N_("open_clip zero-shot class names"),
}
_DATA_FILE = PACKAGE_DATA / "vocabularies.json"
_INT = re.compile(r"[+-]?\d+")
_WNID = re.compile(r"n\d{8}")
_WNID_NAME = re.compile(r"(n\d{8})[\s:,]+\S.*")


def normal_name(raw: str) -> str:
    """The form names are compared in: surrounding space dropped, ``_`` read as a space."""
    return raw.strip().replace("_", " ")


@functools.lru_cache(maxsize=1)
def vocabulary_lists() -> dict[str, list[str]]:
    """The shipped lists, each of 1000 names in TFDS class order (``detailed`` built here)."""
    data = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
    lists = {k: data[k] for k in ("description", "keras", "torchvision", "open_clip")}
    lists["detailed"] = [
        f"{d}: {g}" for d, g in zip(data["description"], data["definition"], strict=True)
    ]
    return lists


@functools.lru_cache(maxsize=1)
def _maps() -> dict[str, dict[str, tuple[int, ...]]]:
    maps: dict[str, dict[str, tuple[int, ...]]] = {}
    for vocab, names in vocabulary_lists().items():
        m: dict[str, tuple[int, ...]] = {}
        for index, name in enumerate(names):
            key = normal_name(name)
            m[key] = (*m.get(key, ()), index)
        maps[vocab] = m
    return maps


@dataclass
class Resolution:
    """What a file's class strings mean.

    Attributes:
        mapping: each resolvable string -> class index (may be out of range for integers;
            the caller checks the range with the row at hand).
        vocabulary: how the strings name classes: ``index``, ``wnid``, a key of
            ``VOCABULARIES``, several joined by `` or `` when more than one fits, or ``mixed``.
        unknown: strings that name no class in any vocabulary.
        ambiguous: strings that mean more than one class in the file's vocabulary.
    """

    mapping: dict[str, int] = field(default_factory=dict)
    vocabulary: str = "index"
    unknown: list[str] = field(default_factory=list)
    ambiguous: dict[str, tuple[int, ...]] = field(default_factory=dict)


def resolve(strings: Iterable[str], vocabulary: str | None = None) -> Resolution:
    """Resolves the distinct class strings of one file together.

    Args:
        strings: the distinct strings (integers already parsed are not passed).
        vocabulary: a key of ``VOCABULARIES`` to use instead of finding the file's own.
    """
    wnid_index = load_classes().wnid_to_index
    res = Resolution()
    kinds: set[str] = set()
    names: dict[str, str] = {}
    for raw in strings:
        s = raw.strip()
        if _INT.fullmatch(s):
            res.mapping[raw] = int(s)
            kinds.add("index")
        elif _WNID.fullmatch(s) or _WNID_NAME.fullmatch(s):
            wnid = s[:9]
            if wnid in wnid_index:
                res.mapping[raw] = wnid_index[wnid]
                kinds.add("wnid")
            else:
                res.unknown.append(raw)
        else:
            names[raw] = normal_name(s)
    if names:
        maps = _maps()
        wanted = set(names.values())
        fits = (
            [vocabulary]
            if vocabulary
            else [v for v in VOCABULARIES if all(n in maps[v] for n in wanted)]
        )
        pool = fits or list(VOCABULARIES)
        for raw, n in names.items():
            indices = sorted({i for v in pool for i in maps[v].get(n, ())})
            if not indices:
                res.unknown.append(raw)
            elif len(indices) > 1:
                res.ambiguous[raw] = tuple(indices)
            else:
                res.mapping[raw] = indices[0]
        kinds.add(" or ".join(fits) if fits else "mixed")
    res.vocabulary = " + ".join(sorted(kinds)) if kinds else "index"
    return res


def vocabulary_text(vocabulary: str) -> str:
    """``keras or torchvision`` -> ``Keras names or torchvision categories``."""
    return " or ".join(VOCABULARIES.get(v, v) for v in vocabulary.split(" or "))


def describe_classes(indices: Iterable[int]) -> str:
    """``134 (crane (wading bird)) or 517 (crane (lifting device))``, for ambiguity messages."""
    names = load_classes().names
    return " or ".join(f"{i} ({names[i]})" for i in indices)
