"""The dataset's schema, defined once: the three label sets, their bit flags, which of them
accept a prediction, and the verdict the experts give a predicted class.

``imagenet2012_multilabel`` lists, per image, the classes judged ``correct``, ``unclear`` and
``wrong`` (``correct_multi_labels``, ...). The recommended protocol counts a prediction as
right when it is in ``correct`` or ``unclear`` (:data:`ACCEPTED`); a class may sit in two sets,
so the table keeps one bit per set (:attr:`AnnotationTable.label_state`), never one state.
Everything that names a set, tests acceptance or words a verdict (metrics, filters, badges,
reviews) uses this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CORRECT = np.uint8(1)
UNCLEAR = np.uint8(2)
WRONG = np.uint8(4)
ACCEPTED = np.uint8(CORRECT | UNCLEAR)


@dataclass(frozen=True)
class LabelSet:
    """One of the dataset's label sets.

    Attributes:
        name: ``correct``, ``unclear`` or ``wrong`` (the label JSON's keys).
        field: the TFDS feature / table column (``correct_multi_labels``, ...).
        flag: its bit in ``label_state``.
        accepted: whether a prediction in this set counts as right.
    """

    name: str
    field: str
    flag: np.uint8
    accepted: bool


LABEL_SETS = (
    LabelSet("correct", "correct_multi_labels", CORRECT, True),
    LabelSet("unclear", "unclear_multi_labels", UNCLEAR, True),
    LabelSet("wrong", "wrong_multi_labels", WRONG, False),
)
SET_NAMES = tuple(s.name for s in LABEL_SETS)
SET_FIELDS = tuple(s.field for s in LABEL_SETS)
NO_PREDICTION = "no prediction"
UNJUDGED = "unjudged"


def is_accepted(state):
    """Whether ``state`` (a ``label_state`` cell or array) holds an accepted set's bit."""
    return (state & ACCEPTED) != 0


def verdict(state: int, predicted: int = 0) -> str:
    """How the experts judged a predicted class: the first set holding it, in the order
    correct, unclear, wrong; ``unjudged`` when it is in none, ``no prediction`` for ``-1``."""
    if predicted < 0:
        return NO_PREDICTION
    return next((s.name for s in LABEL_SETS if state & s.flag), UNJUDGED)


def verdict_is_right(name: str) -> bool:
    """Whether a :func:`verdict` counts as right under the recommended protocol."""
    return any(s.accepted and s.name == name for s in LABEL_SETS)
