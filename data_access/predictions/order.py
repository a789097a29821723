"""Order and offset of predictions, checked against the original labels, never assumed.

A 50,000-row array without names can be in *validation order* (row i is
``ILSVRC2012_val_{i+1:08d}.JPEG``: the dataset's, the ImageNet-M paper's files) or in
*ImageFolder order* (rows sorted by class folder, then file name: a plain torchvision loop,
the eth-sri and imagenet-testbed files). Class ids can be 0-based or shifted by one (1-based, or
a 1001-class model whose class 0 is background). Read the wrong way, a 75%-top-1 model scores
at chance (0.1%) without any other sign.

So every positional file is read the four ways, and its top-1 compared with the original
labels of the 50,000 images (TFDS ``validation_labels.txt``): any real classifier agrees with
them far above chance in the right reading and at chance in the others. The reading asked for
(``order``, ``drop_background``; by default validation order, 0-based) is used only when no
other reading fits clearly better; when one does, the file is refused with the reading that
fits and the option that selects it. When none fits (agreement under 2% everywhere) and the
order was not given, the file is refused too: its numbers cannot be trusted.

Named rows have no order question, but integer ids written by name can still be 1-based: the
same comparison over the annotated images catches that.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data_access.classes import NUM_VALIDATION_IMAGES, validation_labels
from data_access.predictions.columns import PredictionFileError

ORDERS = ("validation", "imagefolder")
FITS = 0.02  # top-1 agreement with the original labels above which a reading "fits"
CLEARLY = 4.0  # how many times better another reading must fit to overrule the asked one
_MIN_ROWS = 50


@functools.lru_cache(maxsize=1)
def imagefolder_positions() -> np.ndarray:
    """Validation position of each row of an ImageFolder-ordered 50,000-row array: class
    folders in wnid order (= class index order), file names sorted within each."""
    return np.argsort(validation_labels(), kind="stable")


def positions(order: str) -> np.ndarray:
    """Row -> validation position for a 50,000-row array in ``order``."""
    if order == "imagefolder":
        return imagefolder_positions()
    return np.arange(NUM_VALIDATION_IMAGES)


@dataclass(frozen=True)
class OrderCheck:
    """The agreement of top-1 with the original labels under each reading."""

    agreement: dict[tuple[str, int], float]
    chosen: tuple[str, int]

    def text(self, reading: tuple[str, int]) -> str:
        order, shift = reading
        base = "ids shifted by one" if shift else "0-based ids"
        return f"{self.agreement[reading]:.1%} in {order} order with {base}"

    def as_dict(self) -> dict:
        return {f"{o}{'-1' if s else ''}": a for (o, s), a in self.agreement.items()}


def _advice(order: str, shift: int) -> str:
    flags = []
    if order != "validation":
        flags.append(f"--order {order}")
    if shift:
        flags.append("--drop-background")
    return " ".join(flags) if flags else "--order validation"


def check_positional(
    path: Path, top1: np.ndarray, order: str | None, drop_background: bool
) -> tuple[np.ndarray, OrderCheck]:
    """Picks how a 50,000-row positional top-1 lines up with the images.

    Args:
        path: the file, for messages.
        top1: int (50000,) top-1 class ids as written (before any shift).
        order: ``validation`` / ``imagefolder`` if the user said, else None.
        drop_background: the user said ids are shifted by one.

    Returns:
        Row -> validation position, and the check (for ``describe``).

    Raises:
        PredictionFileError: another reading fits clearly better, or none fits and the user
            did not name the order.
    """
    labels = validation_labels().astype(np.int64)
    agreement = {}
    for o in ORDERS:
        truth = labels[positions(o)]
        for shift in (0, 1):
            agreement[(o, shift)] = float(np.mean(top1 - shift == truth))
    chosen = (order or "validation", int(drop_background))
    check = OrderCheck(agreement, chosen)
    best = max(agreement, key=lambda reading: agreement[reading])
    if best != chosen and agreement[best] >= FITS and agreement[best] > CLEARLY * agreement[chosen]:
        raise PredictionFileError(
            path,
            f"rows read as {chosen[0]} order{' with ids shifted by one' if chosen[1] else ''} "
            f"would be scored at chance: top-1 agrees with the original labels on "
            f"{check.text(chosen)} but {check.text(best)}; pass {_advice(*best)} "
            "(in the app: 'Reading options')",
        )
    if agreement[best] < FITS and order is None:
        raise PredictionFileError(
            path,
            f"the order of its {len(top1):,} rows cannot be confirmed: top-1 agrees with the "
            f"original labels on at most {agreement[best]:.1%} of images in validation or "
            "ImageFolder order; give the file names, or pass --order validation|imagefolder "
            "to score it as it is",
        )
    return positions(chosen[0]), check


def check_offset(
    path: Path, top1: np.ndarray, original: np.ndarray, drop_background: bool
) -> dict[int, float]:
    """For integer ids aligned by name: refuses when ids shifted by one fit the original
    labels clearly better than the ids as read (a 1-based or 1001-class file).

    Args:
        top1: int (n,) top-1 as written, -1 where missing.
        original: int (n,) the original label of the same rows.
        drop_background: the user said ids are shifted by one.
    """
    have = top1 >= 0
    if have.sum() < _MIN_ROWS:
        return {}
    agree = {s: float(np.mean(top1[have] - s == original[have])) for s in (0, 1)}
    chosen = int(drop_background)
    other = 1 - chosen
    if agree[other] >= FITS and agree[other] > CLEARLY * agree[chosen]:
        fix = "pass --drop-background" if other else "leave out --drop-background"
        look = "shifted by one (1-based, or class 0 = background)" if other else "0-based"
        raise PredictionFileError(
            path,
            f"class ids look {look}: "
            f"top-1 agrees with the original labels on {agree[chosen]:.1%} of images as read "
            f"but {agree[other]:.1%} {'minus one' if other else 'as written'}; {fix} "
            "(in the app: 'Reading options')",
        )
    return agree
