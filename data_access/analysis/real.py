"""The ReaL labels (Beyer et al. 2020, "Are we done with ImageNet?"): a second, independent
multi-label re-annotation of the 50,000 validation images, shown beside the experts' sets as a
second opinion and scored as ReaL accuracy.

``real.json`` (github google-research/reassessed-imagenet, Apache-2.0; shipped in
``data_access/data`` and checked by size and SHA-256 on load) is a list of 50,000 lists, one
per validation image in file-name order (``ILSVRC2012_val_00000001.JPEG`` first), each the
accepted class indices. An empty list means no label fits: the image is left out.

ReaL accuracy, exactly the repository's README loop::

    is_correct = [pred in real_labels[i] for i, pred in enumerate(predictions) if real_labels[i]]
    real_accuracy = np.mean(is_correct)

that is, over the images with a non-empty list, the share whose top-1 is in the list.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from dataclasses import dataclass

import numpy as np

from data_access.classes import NUM_CLASSES, NUM_VALIDATION_IMAGES
from data_access.errors import DataError
from data_access.files import PACKAGE_DATA, read_shipped
from data_access.i18n import N_
from data_access.schema import ACCEPTED, WRONG

REAL_JSON = PACKAGE_DATA / "real.json"
REAL_SIZE = 388_478
REAL_SHA256 = "d83e9bff374c631aae8439eb064c7019acc56e1b3bc3f56b8380c2a710b0220b"
REAL_CITATION = (
    "ReaL labels: Beyer et al. 2020, “Are we done with ImageNet?”, "
    "github.com/google-research/reassessed-imagenet (Apache-2.0)"
)
# The widest list in real.json has 9 labels; lists are kept padded to this width with -1.
MAX_REAL_LABELS = 16

# The ways the experts' sets and ReaL can disagree on an image (Browse filter, Overview).
DISAGREEMENTS = {  # N_: the app shows them in its language
    "real_accepts_wrong": N_("ReaL accepts a label the experts called wrong"),
    "experts_accept_missing": N_("the experts accept a label ReaL left out"),
    "real_empty": N_("ReaL has no label for the image"),
    "problematic_with_real": N_("problematic image, but ReaL has labels"),
}
DEMO_CITATION = N_(
    "Synthetic stand-in for the ReaL labels (Beyer et al. 2020), generated for the demo: "
    "not ImageNet's ReaL labels"
)
ANY_DISAGREEMENT = "disagree"


class RealLabelsError(DataError):
    """A ReaL label file that cannot be used as it is."""


@dataclass(frozen=True, eq=False)
class RealLabels:
    """ReaL label lists of all 50,000 validation images, by validation position.

    Attributes:
        padded: int16 (50000, w): row i holds image i's classes, then -1.
        synthetic: True for the demo's generated stand-in (never ImageNet's labels).
        citation: where the labels come from, shown next to them.
    """

    padded: np.ndarray
    synthetic: bool = False
    citation: str = REAL_CITATION

    @property
    def lengths(self) -> np.ndarray:
        return (self.padded >= 0).sum(axis=1)

    def row(self, position: int) -> list[int]:
        """Image ``position``'s list (0-based validation position)."""
        r = self.padded[position]
        return r[r >= 0].tolist()

    @functools.cached_property
    def content_key(self) -> str:
        return hashlib.blake2b(self.padded.tobytes(), digest_size=16).hexdigest()


def from_lists(lists: list, where: str = "ReaL labels", synthetic: bool = False) -> RealLabels:
    """Validates 50,000 lists of distinct class indices and pads them.

    Raises:
        RealLabelsError: naming the entry and what was expected.
    """
    if not isinstance(lists, list) or len(lists) != NUM_VALIDATION_IMAGES:
        got = f"{len(lists):,} entries" if isinstance(lists, list) else type(lists).__name__
        raise RealLabelsError(
            where, f"expected a list of {NUM_VALIDATION_IMAGES:,} lists, got {got}"
        )
    bad = next((i for i, x in enumerate(lists) if type(x) is not list), None)
    flat = list(itertools.chain.from_iterable(lists)) if bad is None else []
    if bad is None and not all(type(k) is int for k in flat):
        bad = next(i for i, x in enumerate(lists) if not all(type(k) is int for k in x))
    lengths = (
        np.fromiter(map(len, lists), np.int64, len(lists)) if bad is None else np.zeros(0, np.int64)
    )
    values = np.array(flat, dtype=np.int64)
    if bad is None:
        rows = np.repeat(np.arange(len(lists)), lengths)
        wrong = (values < 0) | (values >= NUM_CLASSES)
        wrong |= np.isin(rows, np.flatnonzero(lengths > MAX_REAL_LABELS))
        # A class twice in one list: equal neighbours once (row, class) pairs are sorted.
        key = np.sort(rows * NUM_CLASSES + np.clip(values, 0, NUM_CLASSES - 1))
        bad_rows = np.union1d(rows[wrong], key[1:][key[1:] == key[:-1]] // NUM_CLASSES)
        bad = int(bad_rows[0]) if len(bad_rows) else None
    if bad is not None:
        raise RealLabelsError(
            where,
            f"entry {bad} must be a list of at most {MAX_REAL_LABELS} distinct class indices "
            f"0-{NUM_CLASSES - 1}, got {str(lists[bad])[:60]}",
        )
    padded = np.full((NUM_VALIDATION_IMAGES, MAX_REAL_LABELS), -1, dtype=np.int16)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    padded[rows, np.arange(len(values)) - np.repeat(starts, lengths)] = values
    width = max(1, int((padded >= 0).sum(axis=1).max()))
    citation = DEMO_CITATION if synthetic else REAL_CITATION
    return RealLabels(np.ascontiguousarray(padded[:, :width]), synthetic, citation)


@functools.lru_cache(maxsize=1)
def shipped_real_labels() -> RealLabels:
    """The shipped ``real.json``, refused unless its size and checksum are the published ones."""
    data = read_shipped(REAL_JSON, REAL_SIZE, REAL_SHA256, RealLabelsError)
    return from_lists(json.loads(data), str(REAL_JSON))


def in_real(padded_rows: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """bool (n,): prediction i is in list i (-1, no prediction, never is)."""
    p = np.asarray(predictions)
    return ((padded_rows == p[:, None]) & (p[:, None] >= 0)).any(axis=1)


def real_accuracy(real: RealLabels, top1_by_position: np.ndarray) -> float | None:
    """ReaL accuracy over all 50,000 images (the README's protocol), or None when any image
    with a ReaL list has no prediction: a partial file is not estimated."""
    top1 = np.asarray(top1_by_position)
    labelled = real.lengths > 0
    if len(top1) != NUM_VALIDATION_IMAGES or (top1[labelled] < 0).any():
        return None
    right = in_real(real.padded[labelled], top1[labelled])
    return int(right.sum()) / int(labelled.sum())


def real_accuracy_rows(padded_rows: np.ndarray, top1: np.ndarray) -> float:
    """The same protocol over given images (e.g. the annotated 20,000); images without a
    prediction count as wrong, as in the headline metric. NaN if no image has a ReaL list."""
    labelled = (padded_rows >= 0).any(axis=1)
    n = int(labelled.sum())
    if not n:
        return float("nan")
    return int(in_real(padded_rows[labelled], np.asarray(top1)[labelled]).sum()) / n


def disagreement_masks(
    label_state: np.ndarray, is_problematic: np.ndarray, padded_rows: np.ndarray
) -> dict[str, np.ndarray]:
    """bool (n,) per kind of :data:`DISAGREEMENTS`, from the experts' label-state matrix and
    the images' ReaL lists.

    * ``real_accepts_wrong``: a ReaL label is in the experts' wrong set;
    * ``experts_accept_missing``: ReaL has labels, and one the experts accept (correct or
      unclear) is not among them;
    * ``real_empty``: ReaL has no label;
    * ``problematic_with_real``: the experts flagged the image problematic, ReaL labels it.
    """
    n = len(padded_rows)
    present = padded_rows >= 0
    rows = np.arange(n)[:, None]
    state = np.where(present, label_state[rows, np.where(present, padded_rows, 0)], 0)
    has_real = present.any(axis=1)
    accepted_in_real = ((state & ACCEPTED) != 0).sum(axis=1)
    accepted = np.count_nonzero(label_state & ACCEPTED, axis=1)
    return {
        "real_accepts_wrong": ((state & WRONG) != 0).any(axis=1),
        "experts_accept_missing": has_real & (accepted > accepted_in_real),
        "real_empty": ~has_real,
        "problematic_with_real": np.asarray(is_problematic, bool) & has_real,
    }


def disagreement_mask(masks: dict[str, np.ndarray] | None, n: int, kind: str) -> np.ndarray:
    """Rows where the experts and ReaL disagree in the way ``kind`` says (a key of
    :data:`DISAGREEMENTS`, or :data:`ANY_DISAGREEMENT`); none without ReaL labels
    (``masks`` None): a filter on labels a source lacks keeps nothing, never everything."""
    if masks is None:
        return np.zeros(n, dtype=bool)
    if kind == ANY_DISAGREEMENT:
        return np.logical_or.reduce(list(masks.values()))
    return masks[kind]
