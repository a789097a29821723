"""One loader for every prediction file: read it with the reader its bytes call for
(``registry``), resolve the classes (``resolve``), check order and offset (``order``), align
to the annotation table, and say how it was read (``Model.reading``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import NUM_CLASSES, load_classes, validation_file_name
from data_access.predictions import order as order_check
from data_access.predictions import sanity
from data_access.predictions.arrays import check_rows, take_scores
from data_access.predictions.columns import PredictionFileError
from data_access.predictions.model import Coverage, Model
from data_access.predictions.parsed import Parsed
from data_access.predictions.probabilities import AlignedScores
from data_access.predictions.registry import ReadOptions, parse
from data_access.predictions.resolve import check_range, cross_check, resolve_labels
from data_access.predictions.vocab import VOCABULARIES
from data_access.progress import Progress

_EXAMPLES = 5


def load_predictions(
    path: Path | str,
    table: AnnotationTable,
    name: str | None = None,
    progress: Progress | None = None,
    options: ReadOptions | None = None,
    keep_probabilities: bool = False,
) -> Model:
    """Loads a prediction file of any supported kind and aligns it to ``table``.

    Args:
        path: the file.
        table: the annotation table to align to.
        name: the model's display name (default: the file's stem).
        progress: ``progress(done, total, message)`` for long loads.
        options: how to read what the file cannot say (order, offset, pickle, vocabulary).
        keep_probabilities: also keep the file's every-class scores, as read and lined up
            with the table (:attr:`Model.probabilities`; a memory-mapped ``.npy`` costs
            nothing, other files 4 KB per row), when the file has them, for the label-error
            scores; the app's caches never hold such a model.

    Raises:
        PredictionFileError: naming the file, the row or key, and what was expected.
    """
    path = Path(path)
    options = options or ReadOptions()
    if options.vocabulary and options.vocabulary not in VOCABULARIES:
        raise PredictionFileError(
            "--vocabulary", f"expected one of {', '.join(VOCABULARIES)}, got {options.vocabulary!r}"
        )
    parsed = parse(path, options, progress)
    truth_note = sanity.choose_columns(
        path, parsed, table, options.prediction_column, options.vocabulary
    )
    reading: dict = {"file": str(path), "format": parsed.fmt, "columns": dict(parsed.columns)}
    ids, vocabulary, ambiguity = _class_ids(path, parsed, options)
    reading["classes"] = vocabulary
    shift = int(options.drop_background and parsed.from_integers)
    if options.drop_background and not (parsed.from_integers or parsed.background_dropped):
        raise PredictionFileError(
            path, "--drop-background applies to class ids and (N, 1001) scores, not to names"
        )
    check_range(path, parsed, ids, shift)
    if parsed.check_labels is not None:
        cross_check(path, parsed, ids - shift, options.vocabulary)
    scores, score_kind = _scores(path, parsed, ids)
    row_pos = _positions(path, parsed, ids, options, shift, reading)
    ids = np.where(ids >= 0, ids - shift, -1)
    reading["ids"] = "shifted by one (dropped background)" if shift else "0-based"
    top_k, out_scores, coverage, by_position = _align(path, parsed, table, ids, scores, row_pos)
    if parsed.names is not None and parsed.from_integers:
        written = np.where(top_k[:, 0] >= 0, top_k[:, 0] + shift, -1)
        order_check.check_offset(path, written, table.original_label, bool(shift))
    if coverage.predicted == 0:
        examples = ", ".join(repr(str(n)[:60]) for n in (parsed.names or [])[:3])
        raise PredictionFileError(
            path,
            "none of its predictions is for an annotated image "
            f"(annotated: {coverage.annotated:,}; ignored outside: {coverage.ignored_outside:,}"
            f"; unrecognised names: {coverage.unrecognised:,}"
            + (f"; its first names: {examples}" if examples else "")
            + ")",
        )
    implausible = sanity.gate(path, table, top_k[:, 0], options.allow_implausible)
    reading.update(
        top_k=int(top_k.shape[1]),
        scores=score_kind,
        rows=len(ids),
        coverage=coverage.as_dict(),
        first_rows=_first_rows(table, top_k),
    )
    notes = [n for n in (implausible, truth_note, *parsed.notes, ambiguity) if n]
    reading["ambiguous"] = ambiguity
    reading["implausible"] = implausible
    notes += coverage.warnings()
    if score_kind == "logits":
        notes.append("its scores are top-k logits, not probabilities: confidence is not shown")
    probabilities = None
    if keep_probabilities and parsed.full_scores is not None:
        file_rows, table_rows = _rows(table, row_pos)
        probabilities = AlignedScores(parsed.full_scores, file_rows, table_rows, len(table))
    return Model(
        name or path.stem,
        top_k[:, 0].copy(),
        top_k if top_k.shape[1] > 1 else None,
        out_scores,
        str(path),
        coverage,
        tuple(notes),
        reading,
        by_position,
        implausible,
        probabilities,
        parsed.full_scores is not None,
    )


def _rows(table: AnnotationTable, row_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(file rows, their table rows) of the file rows that are annotated images."""
    valid = row_pos >= 0
    target = np.where(valid, table.row_of_position[np.where(valid, row_pos, 0)], -1)
    take = np.flatnonzero(target >= 0)
    return take, target[take]


def _positions(
    path: Path, parsed: Parsed, ids: np.ndarray, options: ReadOptions, shift: int, reading: dict
) -> np.ndarray:
    """The validation position of each file row: from its name, or (rows without names) from
    the order the check confirms."""
    if parsed.names is not None:
        reading["order"] = "by file name"
        return parsed.name_positions()
    check_rows(path, len(ids), None)
    pos, check = order_check.check_positional(path, ids[:, 0], options.order, bool(shift))
    reading["order"] = f"{check.chosen[0]} (rows without names)"
    reading["order_agreement"] = check.as_dict()
    return pos


def _class_ids(
    path: Path, parsed: Parsed, options: ReadOptions
) -> tuple[np.ndarray, str, str | None]:
    if parsed.ids is not None:
        return parsed.ids, "index", None
    if parsed.labels is not None:
        return resolve_labels(path, parsed, options.vocabulary)
    # Scores alone (timm --topk 0): one full score vector per row.
    if parsed.scores is None:
        raise PredictionFileError(path, "no class column and no scores")
    width = parsed.scores.shape[1]
    if width not in (NUM_CLASSES, NUM_CLASSES + 1):
        raise PredictionFileError(
            path, f"{width} scores per row and no class column: expected 1000 scores per row"
        )
    take_scores(parsed, path, parsed.scores, options.drop_background)
    parsed.columns["scores"] = f"{width} scores per row"
    assert parsed.ids is not None
    ids = parsed.ids
    return ids, "index (argmax of the scores)", None


def _scores(path: Path, parsed: Parsed, ids: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    scores = parsed.scores
    if scores is None:
        return None, None
    if scores.shape[1] != ids.shape[1]:
        raise PredictionFileError(
            path,
            f"{ids.shape[1]} predictions but {scores.shape[1]} scores per row; expected one "
            "score per prediction",
        )
    kind = parsed.score_kind
    if kind is None:
        finite = scores[~np.isnan(scores)]
        sums = np.nansum(scores, axis=1)
        is_prob = finite.size and finite.min() >= 0 and finite.max() <= 1 and sums.max() <= 1.001
        kind = "probability" if is_prob else "logit"
    if kind == "logit":
        return None, "logits"
    return scores.astype(np.float32), "probabilities"


def _align(path, parsed, table, ids, scores, row_pos):
    """Table row of each file row (by validation position), duplicates checked; also the
    top-1 of every validation image the file has, annotated or not (for ReaL accuracy)."""
    n = len(table)
    valid = row_pos >= 0
    seen = np.flatnonzero(valid)
    order = np.argsort(row_pos[seen], kind="stable")
    sorted_pos = row_pos[seen][order]
    for d in np.flatnonzero(sorted_pos[1:] == sorted_pos[:-1]) + 1:
        first, here = seen[order[d - 1]], seen[order[d]]
        if not np.array_equal(ids[first], ids[here]):
            raise PredictionFileError(
                path,
                f"{validation_file_name(int(sorted_pos[d]))} appears twice with different "
                f"predictions ({parsed.where(int(first))}: {int(ids[first, 0])}, "
                f"here: {int(ids[here, 0])})",
                parsed.where(int(here)),
            )
    by_position = np.full(order_check.NUM_VALIDATION_IMAGES, -1, dtype=np.int16)
    by_position[row_pos[seen]] = ids[seen, 0]
    take, rows = _rows(table, row_pos)
    top_k = np.full((n, ids.shape[1]), -1, dtype=np.int16)
    top_k[rows] = ids[take]
    out_scores = None
    if scores is not None:
        out_scores = np.full((n, scores.shape[1]), np.nan, dtype=np.float32)
        out_scores[rows] = scores[take]
    unrecognised = np.flatnonzero(~valid)
    names = parsed.names or []
    missing = np.flatnonzero(top_k[:, 0] < 0)
    coverage = Coverage(
        annotated=n,
        predicted=int(n - len(missing)),
        missing=len(missing),
        missing_examples=tuple(table.file_name[missing[:_EXAMPLES]].tolist()),
        ignored_outside=int(valid.sum()) - len(take),
        unrecognised=len(unrecognised),
        unrecognised_examples=tuple(str(names[i])[:80] for i in unrecognised[:_EXAMPLES]),
    )
    return top_k, out_scores, coverage, by_position


def _first_rows(table: AnnotationTable, top_k: np.ndarray) -> list[dict]:
    names = load_classes().names
    rows = np.flatnonzero(top_k[:, 0] >= 0)[:_EXAMPLES]
    return [
        {
            "file_name": str(table.file_name[r]),
            "top1": int(top_k[r, 0]),
            "class": names[int(top_k[r, 0])],
        }
        for r in rows
    ]
