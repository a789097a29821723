"""What every prediction reader hands on to the loader: :class:`Parsed` (a file as read,
before classes are resolved and rows aligned), the candidate class columns of a tabular file
(:class:`ClassColumn`), and a file's whole score matrix (:class:`FullScores`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from data_access.predictions.names import validation_position


@dataclass
class ClassColumn:
    """A column of a tabular file that may hold predictions.

    Attributes:
        header: its name as shown (``column 2`` where the file has no header).
        kind: ``ids`` (integers) or ``labels`` (class names, wnids).
        rows: int/float (n, w) array, or one list per row.
    """

    header: str
    kind: str
    rows: list[list] | np.ndarray


@dataclass(frozen=True)
class FullScores:
    """A file's whole (N, 1000) score matrix, as read (memory-mapped when it can be).

    Attributes:
        matrix: float (N, 1000), one row per file row (a background column already dropped).
        logits: whether the rows are logits (a softmax makes them probabilities).
    """

    matrix: np.ndarray
    logits: bool


@dataclass
class Parsed:
    """A prediction file as read, before classes are resolved and rows aligned.

    Attributes:
        fmt: what the file is, in words (``timm inference.py CSV``).
        names: the raw image name of each row, or None when rows are positional (an array).
        ids: int64 (n, k) class ids in rank order, -1 padding; or None.
        labels: per row, the raw predictions (class strings or ints) in rank order; or None.
        scores: float32 (n, k) scores of the top-k, NaN padding; or None.
        score_kind: ``probability`` or ``logit`` (None without scores).
        check_labels: class strings written next to ``ids`` (cross-checked against them).
        from_integers: the predictions were written as integers (so an offset is possible).
        background_dropped: column 0 of a (N, 1001) score matrix was dropped.
        columns: role -> the column, key or array it came from (for ``describe``).
        where: the location of row i in the file, for messages (``line 12``).
        candidates: a tabular file's class columns, before the loader chooses among them
            (None once chosen, and for files without columns).
        notes: what the reader noticed and the user should know (a name that promises
            another format).
        full_scores: every class's score of each row, when the file has them (for the
            label-error scores); None otherwise.
    """

    fmt: str
    names: list[str] | None
    ids: np.ndarray | None = None
    labels: list[list] | np.ndarray | None = None
    scores: np.ndarray | None = None
    score_kind: str | None = None
    check_labels: list[list] | np.ndarray | None = None
    from_integers: bool = False
    background_dropped: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    where: Callable[[int], str] = field(default=lambda i: f"row {i}")
    candidates: list[ClassColumn] | None = None
    notes: list[str] = field(default_factory=list)
    full_scores: FullScores | None = None
    _positions: np.ndarray | None = field(default=None, repr=False)

    def name_positions(self) -> np.ndarray:
        """int64 (n,): the validation position each row's name gives (-1: not a validation
        image), worked out once for the loader and the sanity checks."""
        if self._positions is None:
            names = self.names or []
            self._positions = np.fromiter(
                (validation_position(str(n)) for n in names), np.int64, len(names)
            )
        return self._positions
