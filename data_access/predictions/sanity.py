"""The sanity gate in front of every number: predictions that cannot be a model's are refused.

A model's top-1 agrees with the original ImageNet labels on roughly 50-91% of the images
(top-1 accuracy). Two readings of a file land far outside that band, and both make a number
that looks fine:

* **chance** (under 2%): the predictions are paired with the wrong images (rows in another
  order than the file names, names shifted by a row) or the classes follow another class list;
  the model is scored at about 0.1%;
* **impossible** (99% or more over at least 100 images): no published model reaches it; it is
  the ground truth saved next to the prediction (``file_name,label,pred``; a Hugging Face
  ``datasets`` export keeps its ``label`` column), and scoring it would rank it first.

So a *column* whose values agree with the original labels on 99% or more of the images, or
whose name says it is the ground truth (``target``, ``y_true``, ``gt``, ...), is set aside
before the predictions are read (:func:`choose_columns`; ``--prediction-column`` chooses one
by name), and a *model* whose top-1 is at chance or impossible is refused with the likely cause
and the fix (:func:`gate`), unless the user says it is intended (``--allow-implausible``, the
app's checkbox); its notes then say so wherever its numbers are shown.

Agreement is measured on the annotated images the file predicts, against the table's
``original_label``: the same labels the numbers are computed from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.errors import PredictionFileError
from data_access.predictions.columns import named_like_truth, settle
from data_access.predictions.parsed import ClassColumn, Parsed
from data_access.predictions.vocab import resolve

CHANCE = 0.02  # top-1 agreement with the original labels below which a model is at chance
IMPOSSIBLE = 0.99  # at or above which it is the ground truth (the best models reach ~0.91)
MIN_ROWS_CHANCE = 50  # images needed before agreement is judged (a 55% model: P(<2%) ~ 1e-15)
MIN_ROWS_TRUTH = 100  # a 91% model reaches 99 of 100 with probability ~1e-3
ALLOW_FLAG = "--allow-implausible"
APP_OPTION = "in the app: 'Reading options'"


def agreement(top1: np.ndarray, original: np.ndarray) -> tuple[float, int]:
    """(share of rows where ``top1`` equals ``original``, rows with a prediction); rows where
    ``top1`` is -1 (no prediction) are left out."""
    have = np.asarray(top1) >= 0
    n = int(have.sum())
    if n == 0:
        return 0.0, 0
    return float(np.mean(np.asarray(top1)[have] == np.asarray(original)[have])), n


def judge(fraction: float, n: int) -> str | None:
    """``chance``, ``truth`` or None (plausible, or too few images to say)."""
    if n >= MIN_ROWS_CHANCE and fraction < CHANCE:
        return "chance"
    if n >= MIN_ROWS_TRUTH and fraction >= IMPOSSIBLE:
        return "truth"
    return None


def _first_values(column: ClassColumn) -> list[Any]:
    rows = column.rows
    if isinstance(rows, np.ndarray):
        return list(rows[:, 0].tolist() if rows.ndim == 2 else rows.tolist())
    return [r[0] if isinstance(r, list) and r else None for r in rows]


def _column_top1(column: ClassColumn, vocabulary: str | None) -> np.ndarray:
    """Each row's first class in the column as a class index, -1 where it is not one."""
    values = _first_values(column)
    strings = {v for v in values if isinstance(v, str)}
    mapping = resolve(strings, vocabulary).mapping if strings else {}
    out = np.full(len(values), -1, dtype=np.int64)
    for i, v in enumerate(values):
        if isinstance(v, str):
            v = mapping.get(v, -1)
        number = isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        if number and float(v).is_integer() and 0 <= v < 1000:
            out[i] = int(v)
    return out


def _originals(parsed: Parsed, table: AnnotationTable) -> np.ndarray:
    """The original label of each file row's image, -1 where the row names no annotated one."""
    positions = parsed.name_positions()
    rows = np.where(positions >= 0, table.row_of_position[np.maximum(positions, 0)], -1)
    return np.where(rows >= 0, table.original_label[np.maximum(rows, 0)], -2)


def choose_columns(
    path: Path,
    parsed: Parsed,
    table: AnnotationTable,
    prediction_column: str | None,
    vocabulary: str | None,
) -> str | None:
    """Chooses the prediction columns of a tabular file and sets them (:func:`settle`).

    A column named like the ground truth, or agreeing with the original labels on 99% or more
    of at least 100 annotated images, is set aside; ``prediction_column`` chooses one column
    by name instead (no column is then set aside: the gate still judges it).

    Returns:
        A note naming the columns set aside and why, or None.

    Raises:
        PredictionFileError: ``prediction_column`` names no class column, or every class
            column is the ground truth.
    """
    candidates = parsed.candidates
    if candidates is None:
        if prediction_column is not None:
            raise PredictionFileError(
                path, f"--prediction-column applies to files with named columns, not {parsed.fmt}"
            )
        return None
    if prediction_column is not None:
        chosen = [c for c in candidates if c.header == prediction_column]
        if not chosen:
            offered = ", ".join(repr(c.header) for c in candidates) or "none"
            raise PredictionFileError(
                path,
                f"--prediction-column {prediction_column!r} is not one of its class columns "
                f"({offered})",
            )
        settle(path, parsed, chosen)
        return None
    originals = _originals(parsed, table)
    known = originals >= 0
    truth: list[tuple[ClassColumn, str]] = []
    for c in candidates:
        top1 = np.where(known, _column_top1(c, vocabulary), -1)
        fraction, n = agreement(top1, originals)
        seen = f"{fraction:.1%} of the {n:,} annotated images it names"
        if judge(fraction, n) == "truth":
            truth.append((c, f"column {c.header!r} agrees with the original labels on {seen}"))
        elif named_like_truth(c.header):
            truth.append((c, f"column {c.header!r} is named like the ground truth"))
    if not truth:
        settle(path, parsed, candidates)
        return None
    keep = [c for c in candidates if all(c is not t for t, _ in truth)]
    why = "; ".join(w for _, w in truth)
    if not keep:
        header = truth[0][0].header
        raise PredictionFileError(
            path,
            f"{why}: that is the ground truth (the dataset's own label), not a model's "
            "prediction (no model reaches 99%), and the file has no other class column; if it "
            f"does hold a model's predictions, pass --prediction-column {header} "
            f"{ALLOW_FLAG} ({APP_OPTION})",
        )
    settle(path, parsed, keep)
    parsed.columns["ground truth (not scored)"] = ", ".join(t.header for t, _ in truth)
    return (
        f"{why}: that is the ground truth, not a prediction, so it is not scored; the "
        f"predictions are read from {', '.join(repr(c.header) for c in keep)} (to choose "
        "another: --prediction-column NAME)"
    )


def gate(path: Path | str, table: AnnotationTable, top1: np.ndarray, allow: bool) -> str | None:
    """Refuses a model whose top-1 agrees with the original labels at chance or impossibly
    well (see the module docstring).

    Args:
        path: the file (or the model's name), for the message.
        table: the annotation table the model is aligned to.
        top1: int (n,) the model's top-1 per table row, -1 where missing.
        allow: the user said it is intended (``--allow-implausible``).

    Returns:
        None for a plausible model; with ``allow``, the note every place showing its numbers
        shows.

    Raises:
        PredictionFileError: implausible and not allowed: the likely cause and the fix.
    """
    fraction, n = agreement(top1, table.original_label)
    kind = judge(fraction, n)
    if kind is None:
        return None
    seen = f"top-1 agrees with the original labels on {fraction:.1%} of the {n:,} annotated images"
    if kind == "chance":
        what = f"{seen}, chance level (a trained classifier agrees on about 50-90%)"
        cause = (
            "the predictions are likely paired with the wrong images (rows written in another "
            "order than the file names, or names shifted by a row) or their classes follow "
            "another class list; check with `python -m data_access predictions describe FILE`"
        )
    else:
        what = f"{seen}: no model reaches 99%"
        cause = (
            "these are likely the ground-truth labels, not a model's predictions (a label "
            "column saved next to the prediction); choose the prediction column with "
            "--prediction-column NAME"
        )
    if allow:
        return f"implausible, scored only because {ALLOW_FLAG} was given: {what}"
    raise PredictionFileError(
        path,
        f"{what}; {cause}; to score it anyway (on purpose), pass {ALLOW_FLAG} ({APP_OPTION})",
    )
