"""The columnar annotation table: one row per annotated validation image.

Every source (demo, label JSON, TFDS) produces the same :class:`AnnotationTable`, and every
metric works on it with vectorised NumPy. Label sets are stored as CSR arrays (offsets +
values, as TFDS stores ``Sequence(ClassLabel)``), and a dense ``(n, 1000)`` bit matrix
(:attr:`AnnotationTable.label_state`) makes "is prediction p accepted for image i" one gather
over all images at once.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from data_access.analysis.real import RealLabels, disagreement_masks
from data_access.classes import NUM_CLASSES, NUM_VALIDATION_IMAGES, validation_position
from data_access.schema import LABEL_SETS, SET_FIELDS, is_accepted, verdict


@dataclass(frozen=True)
class LabelSets:
    """A ragged list of class-index lists in CSR form.

    Attributes:
        offsets: int64 (n + 1,), row i is ``values[offsets[i]:offsets[i + 1]]``.
        values: int16 class indices, in the order the source gave them.
    """

    offsets: np.ndarray
    values: np.ndarray

    @classmethod
    def from_lists(cls, lists: Sequence[Sequence[int] | np.ndarray]) -> LabelSets:
        lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
        offsets = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        values = np.fromiter((v for x in lists for v in x), dtype=np.int16, count=int(offsets[-1]))
        return cls(offsets, values)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def row(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def to_lists(self) -> list[list[int]]:
        return [self.row(i).tolist() for i in range(len(self))]

    def row_ids(self) -> np.ndarray:
        """Row number of every entry of ``values``."""
        return np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)

    def take(self, rows: np.ndarray) -> LabelSets:
        return LabelSets.from_lists([self.row(int(i)) for i in rows])


@dataclass(frozen=True)
class AnnotationTable:
    """Annotations of the multi-label validation split, one row per image, sorted by file name.

    Attributes:
        file_name: str array, e.g. ``ILSVRC2012_val_00000001.JPEG``.
        original_label: int16 original ImageNet class index.
        correct_multi_labels: labels experts marked correct.
        unclear_multi_labels: labels without expert consensus.
        wrong_multi_labels: labels experts marked wrong.
        is_problematic: bool; such images are skipped by the recommended metric.
        problematic_reason: str array, ``""`` where the image is not problematic or no reason
            is known.
        in_imagenet_m: bool, the image belongs to the 68-image ImageNet-M split.
        real: the ReaL labels of all 50,000 validation images (a second opinion, see
            :mod:`data_access.analysis.real`), or None; attached when a source opens, never indexed.
    """

    file_name: np.ndarray
    original_label: np.ndarray
    correct_multi_labels: LabelSets
    unclear_multi_labels: LabelSets
    wrong_multi_labels: LabelSets
    is_problematic: np.ndarray
    problematic_reason: np.ndarray
    in_imagenet_m: np.ndarray
    real: RealLabels | None = None

    def __post_init__(self) -> None:
        n = len(self.file_name)
        for name in ("original_label", "is_problematic", "problematic_reason", "in_imagenet_m"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, expected {n}")
        for name in SET_FIELDS:
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.file_name)

    @classmethod
    def from_records(cls, records: Iterable[dict]) -> AnnotationTable:
        """Builds a table from dicts with the dataset's field names (class indices), sorted."""
        rows = sorted(records, key=lambda r: r["file_name"])
        return cls(
            file_name=np.array([r["file_name"] for r in rows], dtype=str),
            original_label=np.array([r["original_label"] for r in rows], dtype=np.int16),
            correct_multi_labels=LabelSets.from_lists([r["correct_multi_labels"] for r in rows]),
            unclear_multi_labels=LabelSets.from_lists([r["unclear_multi_labels"] for r in rows]),
            wrong_multi_labels=LabelSets.from_lists([r["wrong_multi_labels"] for r in rows]),
            is_problematic=np.array([bool(r["is_problematic"]) for r in rows], dtype=bool),
            problematic_reason=np.array(
                [r.get("problematic_reason") or "" for r in rows], dtype=str
            ).astype("U"),
            in_imagenet_m=np.array([bool(r.get("in_imagenet_m")) for r in rows], dtype=bool),
        )

    # --- serialisation (for the on-disk index; no pickles) ---------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        out = {
            "file_name": self.file_name.astype("U"),
            "original_label": self.original_label,
            "is_problematic": self.is_problematic,
            "problematic_reason": self.problematic_reason.astype("U"),
            "in_imagenet_m": self.in_imagenet_m,
        }
        for key in SET_FIELDS:
            sets: LabelSets = getattr(self, key)
            out[f"{key}.offsets"] = sets.offsets
            out[f"{key}.values"] = sets.values
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> AnnotationTable:
        """Inverse of :meth:`to_arrays`; raises ``KeyError``/``ValueError`` on a bad layout."""
        sets: dict[str, Any] = {}
        for key in SET_FIELDS:
            offsets = np.asarray(arrays[f"{key}.offsets"], dtype=np.int64)
            values = np.asarray(arrays[f"{key}.values"], dtype=np.int16)
            if (
                offsets[0] != 0
                or offsets[-1] != len(values)
                or np.any(np.diff(offsets) < 0)
                or (len(values) and (values.min() < 0 or values.max() >= NUM_CLASSES))
            ):
                raise ValueError(f"inconsistent label sets in {key}")
            sets[key] = LabelSets(offsets, values)
        original = np.asarray(arrays["original_label"], dtype=np.int16)
        if len(original) and (original.min() < 0 or original.max() >= NUM_CLASSES):
            raise ValueError("original_label out of range")
        return cls(
            file_name=np.asarray(arrays["file_name"]).astype("U"),
            original_label=original,
            is_problematic=np.asarray(arrays["is_problematic"], dtype=bool),
            problematic_reason=np.asarray(arrays["problematic_reason"]).astype("U"),
            in_imagenet_m=np.asarray(arrays["in_imagenet_m"], dtype=bool),
            **sets,
        )

    # --- derived, vectorised views ----------------------------------------------------------

    @functools.cached_property
    def label_state(self) -> np.ndarray:
        """uint8 (n, 1000) bit matrix: the flags (:mod:`data_access.schema`) of the label sets
        holding class j for image i.

        About 20 MB at full size; built once in a few milliseconds. A zero cell means nobody
        judged that class for that image.
        """
        state = np.zeros((len(self), NUM_CLASSES), dtype=np.uint8)
        for label_set in LABEL_SETS:
            sets: LabelSets = getattr(self, label_set.field)
            state[sets.row_ids(), sets.values.astype(np.int64)] |= label_set.flag
        return state

    def verdict(self, row: int, cls: int) -> str:
        """How the experts judged class ``cls`` (a model's prediction, ``-1`` for none) for
        image ``row``: see :func:`data_access.schema.verdict`."""
        return verdict(int(self.label_state[row, cls]) if cls >= 0 else 0, cls)

    @functools.cached_property
    def num_accepted(self) -> np.ndarray:
        """Distinct accepted (correct or unclear) labels per image."""
        return np.count_nonzero(is_accepted(self.label_state), axis=1)

    @functools.cached_property
    def content_key(self) -> str:
        """A hash of everything in the table (~1 ms, once per table object): two tables with
        the same key hold the same annotations, so caches keyed by it never serve numbers of
        a changed source."""
        h = hashlib.blake2b(digest_size=16)
        for key, value in sorted(self.to_arrays().items()):
            h.update(key.encode())
            h.update(np.ascontiguousarray(value).tobytes())
        if self.real is not None:
            h.update(b"real" + self.real.content_key.encode())
        return h.hexdigest()

    @functools.cached_property
    def evaluated(self) -> np.ndarray:
        """bool (n,), read-only: the images the recommended protocol evaluates (every image
        that is not problematic). The one definition of "not evaluated": every count, table,
        chart, link and export that speaks of evaluated images uses this mask."""
        mask = ~np.asarray(self.is_problematic, dtype=bool)
        mask.flags.writeable = False
        return mask

    @functools.cached_property
    def original_label_error(self) -> np.ndarray:
        """bool (n,), read-only: the images whose original ImageNet label the experts
        corrected: the original label is in neither ``correct`` nor ``unclear``, or the image
        is problematic. What a label-error ranking is measured against
        (:mod:`data_access.analysis.label_errors`)."""
        rows = np.arange(len(self))
        accepted = is_accepted(self.label_state[rows, self.original_label.astype(np.int64)])
        mask = ~accepted | np.asarray(self.is_problematic, dtype=bool)
        mask.flags.writeable = False
        return mask

    @functools.cached_property
    def row_of_position(self) -> np.ndarray:
        """int64 (50000,), read-only: the table row of each validation position, -1 where the
        image is not annotated (how a prediction file's rows find their images)."""
        rows = np.full(NUM_VALIDATION_IMAGES, -1, dtype=np.int64)
        rows[self.validation_position] = np.arange(len(self))
        rows.flags.writeable = False
        return rows

    @functools.cached_property
    def validation_position(self) -> np.ndarray:
        """0-based position of each image among the 50,000 validation images (int32)."""
        return np.array([validation_position(f) for f in self.file_name], dtype=np.int32)

    @functools.cached_property
    def real_rows(self) -> np.ndarray | None:
        """int16 (n, w): each image's ReaL list padded with -1, or None without ReaL labels."""
        return None if self.real is None else self.real.padded[self.validation_position]

    @functools.cached_property
    def real_disagreements(self) -> dict[str, np.ndarray] | None:
        """bool (n,) per kind of :data:`data_access.analysis.real.DISAGREEMENTS`, or None without
        ReaL labels (computed once per table)."""
        if self.real_rows is None:
            return None
        return disagreement_masks(self.label_state, self.is_problematic, self.real_rows)

    def with_real(self, real: RealLabels | None) -> AnnotationTable:
        """The same table with ``real`` attached."""
        return dataclasses.replace(self, real=real)

    @functools.cached_property
    def row_of(self) -> dict[str, int]:
        """file_name -> row."""
        return {f: i for i, f in enumerate(self.file_name.tolist())}

    def summary(self) -> dict:
        """The counts ``info`` prints.

        ``multi_label_images`` and ``mean_accepted_labels`` are over non-problematic images,
        counting distinct classes in correct ∪ unclear, as the dataset's published statistics are.
        """
        keep = self.evaluated
        accepted = self.num_accepted[keep]
        return {
            "images": len(self),
            "problematic": int(self.is_problematic.sum()),
            "non_problematic": int(keep.sum()),
            "imagenet_m": int(self.in_imagenet_m.sum()),
            "classes": len(np.unique(self.original_label)),
            "multi_label_images": int((accepted > 1).sum()),
            "mean_accepted_labels": float(accepted.mean()) if len(accepted) else 0.0,
        }
