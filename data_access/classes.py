"""The 1000 ImageNet classes in TFDS order, their WordNet metadata, and the validation labels.

Class metadata (readable name, synonyms, gloss, hypernym path, every ancestor) ships in
``data/classes.json``, made by ``scripts/make_class_metadata.py`` from WordNet 3.0. The class
order and the original labels of the 50,000 validation images are read from the installed TFDS
package (``datasets/imagenet2012/labels.txt`` and ``validation_labels.txt``), located without
importing TFDS so that opening the app stays fast.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data_access.errors import DataError
from data_access.files import PACKAGE_DATA

NUM_CLASSES = 1000
NUM_VALIDATION_IMAGES = 50_000
VALIDATION_PREFIX = "ILSVRC2012_val_"
# ASCII digits only: \d also matches other scripts' digits ("٠٠٠٠٠٠٠١"), which int() reads as
# numbers, so another spelling of an image's name would pass for it.
_VALIDATION_NAME = re.compile(r"ILSVRC2012_val_([0-9]{8})\.JPEG")
_DATA_FILE = PACKAGE_DATA / "classes.json"


def validation_file_name(position: int) -> str:
    """File name of the validation image at 0-based ``position`` (row i of a (50000,) array)."""
    return f"{VALIDATION_PREFIX}{position + 1:08d}.JPEG"


def validation_position(file_name: str) -> int:
    """0-based position of a validation file name in file-name order, or -1 if it is not one."""
    m = _VALIDATION_NAME.fullmatch(file_name)
    if not m:
        return -1
    pos = int(m.group(1)) - 1
    return pos if 0 <= pos < NUM_VALIDATION_IMAGES else -1


def tfds_package_file(relative: str) -> Path:
    """A data file inside the installed ``tensorflow_datasets`` package, without importing it.

    Raises:
        DataError: TFDS is not installed or the file is missing from it.
    """
    spec = importlib.util.find_spec("tensorflow_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("tensorflow_datasets", "not installed; run pip install -r requirements.txt")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise DataError(path, "missing from the installed tensorflow-datasets package")
    return path


@functools.lru_cache(maxsize=1)
def validation_labels() -> np.ndarray:
    """Original class index of all 50,000 validation images, in file-name order (int16)."""
    path = tfds_package_file("datasets/imagenet2012/validation_labels.txt")
    wnids = path.read_text().split()
    if len(wnids) != NUM_VALIDATION_IMAGES:
        raise DataError(path, f"expected {NUM_VALIDATION_IMAGES} wnids, found {len(wnids)}")
    lookup = load_classes().wnid_to_index
    return np.array([lookup[w] for w in wnids], dtype=np.int16)


@dataclass(frozen=True)
class Classes:
    """Metadata of the 1000 classes; position i is TFDS class index i.

    Attributes:
        wnids: WordNet ids, sorted (``n01440764`` is 0).
        names: a unique readable name per class (first WordNet lemma, disambiguated).
        synonyms: every WordNet lemma of the class.
        glosses: WordNet definitions.
        paths: root-to-class wnid path following the first hypernym at each step.
        ancestors: every ancestor wnid through any hypernym.
        ancestor_names: readable name of every ancestor wnid.
    """

    wnids: tuple[str, ...]
    names: tuple[str, ...]
    synonyms: tuple[tuple[str, ...], ...]
    glosses: tuple[str, ...]
    paths: tuple[tuple[str, ...], ...]
    ancestors: tuple[frozenset[str], ...]
    ancestor_names: dict[str, str]

    @functools.cached_property
    def wnid_to_index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.wnids)}

    def index_of(self, wnid: str) -> int:
        """Class index of ``wnid``; raises ``KeyError`` for an unknown wnid."""
        return self.wnid_to_index[wnid]

    def group_mask(self, ancestor: str) -> np.ndarray:
        """Boolean mask (1000,) of the classes under WordNet synset ``ancestor`` (or equal to it).

        Raises:
            KeyError: ``ancestor`` is neither a class nor an ancestor of one.
        """
        if ancestor not in self.ancestor_names and ancestor not in self.wnid_to_index:
            raise KeyError(ancestor)
        return np.array(
            [
                ancestor in anc or w == ancestor
                for w, anc in zip(self.wnids, self.ancestors, strict=True)
            ]
        )

    def display(self, index: int) -> str:
        """``name (wnid)``, for places where both help."""
        return f"{self.names[index]} ({self.wnids[index]})"


@functools.lru_cache(maxsize=1)
def load_classes() -> Classes:
    """Loads the shipped class metadata (cached; about 10 ms)."""
    data = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
    classes = data["classes"]
    names = {a: v["name"] for a, v in data["ancestors"].items()}
    for c in classes:
        names.setdefault(c["wnid"], c["name"])
    return Classes(
        wnids=tuple(c["wnid"] for c in classes),
        names=tuple(c["name"] for c in classes),
        synonyms=tuple(tuple(c["synonyms"]) for c in classes),
        glosses=tuple(c["gloss"] for c in classes),
        paths=tuple(tuple(c["path"]) for c in classes),
        ancestors=tuple(frozenset(c["ancestors"]) for c in classes),
        ancestor_names=names,
    )


@functools.lru_cache(maxsize=4)
def near_classes(at_least: int = 6, limit: int = 40) -> tuple[np.ndarray, ...]:
    """For each class, the classes that share its closest WordNet ancestors (confusable ones):
    walking up its hypernym path until an ancestor holds ``at_least`` other classes, at most
    ``limit`` of them. The demo's mistakes and Teach's quiz choices both come from here."""
    classes = load_classes()
    by_ancestor: dict[str, list[int]] = {}
    for i, path in enumerate(classes.paths):
        for a in path[:-1]:
            by_ancestor.setdefault(a, []).append(i)
    out = []
    for i, path in enumerate(classes.paths):
        near: list[int] = []
        for a in reversed(path[:-1]):  # walk up until there are enough candidates
            near = [j for j in by_ancestor[a] if j != i]
            if len(near) >= at_least:
                break
        out.append(np.array(near[:limit], dtype=np.int16))
    return tuple(out)
