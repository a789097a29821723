"""The loaded model and how its file lined up with the annotated images."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import NUM_VALIDATION_IMAGES
from data_access.errors import quoted, shown
from data_access.i18n import Translate
from data_access.predictions.probabilities import AlignedScores


@dataclass(frozen=True)
class Coverage:
    """How a prediction file lines up with the annotated images.

    Attributes:
        annotated: images in the annotation table.
        predicted: annotated images with a prediction.
        missing: annotated images without one (they count as wrong).
        missing_examples: a few of their file names.
        ignored_outside: predictions for validation images outside the annotated set.
        unrecognised: rows whose file name is not an ImageNet validation name at all.
        unrecognised_examples: a few of those names.
    """

    annotated: int
    predicted: int
    missing: int
    missing_examples: tuple[str, ...] = ()
    ignored_outside: int = 0
    unrecognised: int = 0
    unrecognised_examples: tuple[str, ...] = ()

    @property
    def fraction(self) -> float:
        return self.predicted / self.annotated if self.annotated else 0.0

    def as_dict(self) -> dict:
        return {
            "annotated": self.annotated,
            "predicted": self.predicted,
            "missing": self.missing,
            "fraction": self.fraction,
            "missing_examples": list(self.missing_examples),
            "ignored_outside": self.ignored_outside,
            "unrecognised": self.unrecognised,
            "unrecognised_examples": list(self.unrecognised_examples),
        }

    def warnings(self) -> list[str]:
        """A loud note for each thing that is off (none when all is well)."""
        notes = []
        if self.missing:
            notes.append(
                f"{self.missing:,} of {self.annotated:,} annotated images have no prediction "
                f"and count as wrong (e.g. {', '.join(self.missing_examples[:3])})"
            )
        if self.unrecognised:
            notes.append(
                f"{self.unrecognised:,} rows are not ImageNet validation file names and were "
                f"ignored (e.g. {quoted(', '.join(self.unrecognised_examples[:3]), 120)})"
            )
        return notes


@dataclass(frozen=True)
class Model:
    """One model's predictions, one row per annotation-table row.

    Attributes:
        name: display name.
        top1: int16 (n,), -1 where the image has no prediction.
        top_k: int16 (n, k) in rank order (column 0 is top-1), or None; -1 where missing.
        scores: float32 (n, k) probabilities of the top-k classes, or None.
        source: the file it came from ("" for built-in models).
        coverage: how the file lined up with the annotated images.
        notes: warnings worth showing next to the model.
        reading: how the file was read (format, vocabulary, order, ...; see ``describe``).
        top1_by_position: int16 (50000,) top-1 of every validation image the file has, by
            validation position (annotated or not; -1 where none), for ReaL accuracy over all
            50,000 images; None when unknown.
        implausible: why its numbers cannot be trusted, when the user had it scored anyway
            (``--allow-implausible``; :mod:`data_access.predictions.sanity`), else None.
        probabilities: every class's score per image, as read and lined up with the table
            (:class:`~data_access.predictions.probabilities.AlignedScores`; ``.dense()``
            gives the probabilities), only when asked for
            (``load_predictions(keep_probabilities=True)``) and the file has them; else None.
        every_class: the file has a score for every class (so the label-error methods that
            need probabilities can use it, read again with ``keep_probabilities``).
    """

    name: str
    top1: np.ndarray
    top_k: np.ndarray | None = None
    scores: np.ndarray | None = None
    source: str = ""
    coverage: Coverage | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    reading: dict | None = None
    top1_by_position: np.ndarray | None = None
    implausible: str | None = None
    probabilities: AlignedScores | None = None
    every_class: bool = False

    def shown_notes(self, hide_content: bool = False, _: Translate = str) -> list[str]:
        """The notes as shown: values copied from the file hidden when ``hide_content``
        (a file the app opened from a server path; see :func:`errors.quoted`)."""
        return [shown(n, hide_content, _) for n in self.notes]

    def renamed(self, name: str) -> Model:
        return replace(self, name=name)


def model_from_arrays(
    name: str, table: AnnotationTable, top_k: np.ndarray, scores: np.ndarray | None = None
) -> Model:
    """A model from arrays already aligned to the table (e.g. the demo models)."""
    top_k = np.asarray(top_k, dtype=np.int16)
    if top_k.ndim == 1:
        top_k = top_k[:, None]
    cov = Coverage(len(table), int((top_k[:, 0] >= 0).sum()), int((top_k[:, 0] < 0).sum()))
    by_position = np.full(NUM_VALIDATION_IMAGES, -1, dtype=np.int16)
    by_position[table.validation_position] = top_k[:, 0]
    return Model(
        name,
        top_k[:, 0].copy(),
        top_k if top_k.shape[1] > 1 else None,
        None if scores is None else np.asarray(scores, np.float32),
        "",
        cov,
        top1_by_position=by_position,
    )


def default_name(path: Path | str, taken: set[str]) -> str:
    """The file's stem, made unique among ``taken`` with a numeric suffix."""
    base = Path(path).stem or "model"
    name, k = base, 2
    while name in taken:
        name, k = f"{base} ({k})", k + 1
    return name
