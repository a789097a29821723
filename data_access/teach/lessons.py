"""Teach: ready-made lessons, each a short explanation and images chosen by a rule over the
data (never by hand), so they work on any source; and the quiz built on a slide.

The rules are Browse filters (:mod:`data_access.browse.view`), so a lesson shows what the same
filter shows in Browse; within a rule's images a lesson takes one image per original class, in
file-name order, up to :data:`LESSON_SIZE`. Titles and explanations are English message ids,
translated by :mod:`data_access.i18n`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.browse.records import SET_MARKS, real_names
from data_access.browse.view import BrowseState, filter_rows
from data_access.classes import load_classes, near_classes
from data_access.i18n import N_, SET_NAMES, Translate
from data_access.predictions import Model
from data_access.schema import LABEL_SETS, UNCLEAR, WRONG, is_accepted, verdict_is_right

LESSON_SIZE = 12
# Fine-grained WordNet groups a lesson may draw from: the ones with the most confusions inside
# them on the source come first.
FINE_GROUPS = {
    "n02084071": "dogs",
    "n01503061": "birds",
    "n01726692": "snakes",
    "n02484322": "monkeys",
    "n02120997": "cats",
    "n02159955": "insects",
    "n01661091": "reptiles",
    "n04576211": "wheeled vehicles",
}


@dataclass(frozen=True)
class Lesson:
    """One lesson: ``name`` in URLs, a title and an explanation (English message ids)."""

    name: str
    title: str
    explanation: str
    needs_model: bool = False


LESSONS = (
    Lesson(
        "original-wrong",
        N_("The original label is wrong"),
        N_(
            "ImageNet gives every validation image one label. For these images the experts "
            "judged that label wrong: a model that names what is really there is marked wrong "
            "by top-1 accuracy."
        ),
    ),
    Lesson(
        "several-right",
        N_("More than one right answer"),
        N_(
            "Many photos show several objects, or one object that fits two classes. The "
            "experts accepted two or more labels for these images, so top-1 accuracy with a "
            "single label undercounts a model that names another of them."
        ),
    ),
    Lesson(
        "unclear",
        N_("Unclear cases"),
        N_(
            "For some labels the experts could not agree: they are marked unclear, and the "
            "recommended protocol accepts them. Images where every accepted label is unclear "
            "come first."
        ),
    ),
    Lesson(
        "problematic",
        N_("Problematic images"),
        N_(
            "Some images cannot be judged fairly: the original label is wrong or unclear, it "
            "is a drawing or an edited picture, or the content is inappropriate. The "
            "recommended metric leaves them out. One image for each reason."
        ),
    ),
    Lesson(
        "fine-grained",
        N_("Fine-grained classes"),
        N_(
            "ImageNet splits dogs, birds, snakes and other groups into many close classes. "
            "Here the experts judged a neighbouring class of the same group wrong or unclear: "
            "even people find these hard."
        ),
    ),
    Lesson(
        "imagenet-m",
        N_("ImageNet-M: the 68 images top models still miss"),
        N_(
            "ImageNet-M is the 68 images on which the best models still make major mistakes "
            "(Vasudevan et al. 2022). What would you answer?"
        ),
    ),
    Lesson(
        "model-right-top1-wrong",
        N_("Where this model is right but top-1 says wrong"),
        N_(
            "The model's answer is among the labels the experts accept, yet it is not the "
            "original label: top-1 accuracy counts a mistake that is not one."
        ),
        needs_model=True,
    ),
    Lesson(
        "model-wrong-top1-right",
        N_("Where top-1 says right but the experts say wrong"),
        N_(
            "The model repeats the original label, but the experts judged that label wrong: "
            "top-1 accuracy rewards a mistake."
        ),
        needs_model=True,
    ),
)
LESSON_BY_NAME = {lesson.name: lesson for lesson in LESSONS}


def available(models: Mapping[str, Model]) -> tuple[Lesson, ...]:
    """The lessons that can be shown: the model lessons only with a model loaded."""
    return tuple(lesson for lesson in LESSONS if models or not lesson.needs_model)


def one_per_class(table: AnnotationTable, rows: np.ndarray, limit: int) -> np.ndarray:
    """The first row of each original class, in the given order, at most ``limit``."""
    rows = np.asarray(rows, dtype=np.int64)
    _, first = np.unique(table.original_label[rows], return_index=True)
    return rows[np.sort(first)][:limit]


def lesson_rows(
    table: AnnotationTable,
    name: str,
    models: Mapping[str, Model] | None = None,
    model: str | None = None,
    limit: int = LESSON_SIZE,
    first: Sequence[str] = (),
) -> np.ndarray:
    """The images of lesson ``name`` (rows of ``table``, at most ``limit``).

    Args:
        models: the loaded models; the model lessons use ``model`` (default: the first).
        first: file names that open the lesson when its rule keeps them (the demo's real
            photographs).

    Raises:
        KeyError: an unknown lesson name.
    """
    models = dict(models or {})
    lesson = LESSON_BY_NAME[name]
    if lesson.needs_model and not models:
        return np.zeros(0, dtype=np.int64)
    if name == "original-wrong":
        rows = filter_rows(table, models, BrowseState(states=("orig_wrong",)))
    elif name == "several-right":
        rows = filter_rows(table, models, BrowseState(states=("multi", "not_problematic")))
    elif name == "unclear":
        rows = filter_rows(table, models, BrowseState(states=("unclear",)))
        only_unclear = table.correct_multi_labels.lengths[rows] == 0
        rows = np.concatenate([rows[only_unclear], rows[~only_unclear]])
    elif name == "problematic":
        rows = filter_rows(table, models, BrowseState(states=("problematic",)))
        _, one_each = np.unique(table.problematic_reason[rows], return_index=True)
        return rows[np.sort(one_each)][:limit]
    elif name == "fine-grained":
        return _fine_grained(table, limit)
    elif name == "imagenet-m":
        return filter_rows(table, models, BrowseState(states=("imagenet_m",)))[:limit]
    else:
        right = name == "model-right-top1-wrong"
        verdict = "right_ml_wrong_top1" if right else "wrong_ml_right_top1"
        rows = filter_rows(table, models, BrowseState(verdict=verdict, model=model))
    if first:
        ahead = np.isin(table.file_name[rows], list(first))
        rows = np.concatenate([rows[ahead], rows[~ahead]])
    return one_per_class(table, rows, limit)


def _fine_grained(table: AnnotationTable, limit: int) -> np.ndarray:
    """Images whose wrong or unclear set holds another class of the original class's
    fine-grained group, taken in turn from the groups with the most such images."""
    classes = load_classes()
    per_group = []
    for wnid in FINE_GROUPS:
        members = classes.group_mask(wnid)
        in_group = members[table.original_label]
        doubtful = (table.label_state[:, members] & (WRONG | UNCLEAR)) != 0
        others = doubtful.sum(axis=1) - _own_doubt(table, members)
        rows = np.flatnonzero(in_group & (others > 0) & table.evaluated)
        if len(rows):
            per_group.append(one_per_class(table, rows, limit))
    per_group.sort(key=len, reverse=True)
    out: list[int] = []
    for k in range(limit):  # round robin: dogs, birds, ... then dogs again
        out += [int(g[k]) for g in per_group if k < len(g)]
    return np.array(out[:limit], dtype=np.int64)


def _own_doubt(table: AnnotationTable, members: np.ndarray) -> np.ndarray:
    """1 where the image's own original class (in the group) is itself wrong or unclear."""
    own = table.label_state[np.arange(len(table)), table.original_label.astype(np.int64)]
    return (((own & (WRONG | UNCLEAR)) != 0) & members[table.original_label]).astype(np.int64)


# --- quiz ---------------------------------------------------------------------------------


def quiz_choices(table: AnnotationTable, row: int, k: int = 5) -> list[int]:
    """``k`` (4 to 6) classes to choose from: the image's accepted labels (up to three), the
    original label, its wrong labels, then near classes (WordNet neighbours of the original),
    shuffled by a seed from the file name, so a slide always offers the same choices."""
    k = max(4, min(6, k))
    state = table.label_state[row]
    accepted = np.flatnonzero(is_accepted(state)).tolist()[:3]
    wrong = table.wrong_multi_labels.row(row).tolist()
    original = int(table.original_label[row])
    picked: list[int] = []
    for c in [*accepted, original, *wrong, *near_classes(5)[original].tolist()]:
        if c not in picked:
            picked.append(int(c))
        if len(picked) == k:
            break
    seed = int.from_bytes(hashlib.sha256(str(table.file_name[row]).encode()).digest()[:8], "big")
    order = np.random.default_rng(seed).permutation(len(picked))
    return [picked[i] for i in order]


@dataclass(frozen=True)
class Answer:
    """How a pick is scored: as the dataset scores a model (correct or unclear counts), and
    by the original label alone.

    Attributes:
        multilabel: right by the dataset's rule.
        original: right by the original label alone.
        choice: the class picked.
        verdict: the experts' set holding it (``correct``, ``unclear``, ``wrong``) or
            ``unjudged``: why it counts as it does (:data:`WHY`).
    """

    multilabel: bool
    original: bool
    choice: int = -1
    verdict: str = "unjudged"


# Why an answer counts as it does, by the experts' verdict on the class picked ({label}).
WHY = {
    "correct": N_("It counts as right: the experts judged {label} correct for this image."),
    "unclear": N_(
        "It counts as right: the experts marked {label} unclear, and the dataset's rule "
        "accepts unclear labels."
    ),
    "wrong": N_("It counts as wrong: the experts judged {label} wrong for this image."),
    "unjudged": N_(
        "It counts as wrong: nobody judged {label} for this image, so the dataset's rule "
        "cannot accept it."
    ),
}
BY_ORIGINAL = N_("By the original label alone ({label}) it would count as {verdict}.")


def score(table: AnnotationTable, row: int, choice: int) -> Answer:
    return Answer(
        multilabel=bool(is_accepted(table.label_state[row, choice])),
        original=choice == int(table.original_label[row]),
        choice=int(choice),
        verdict=table.verdict(row, int(choice)),
    )


# --- a slide's answer ----------------------------------------------------------------------


def answer_items(table: AnnotationTable, row: int, models: Mapping[str, Model],
                 _: Translate) -> list[tuple[str, str]]:  # fmt: skip
    """What Reveal and the handout show, as (label, value) pairs translated by ``_``: the
    original label; each label set, with its mark (✓ ? ✗) so colour is never the only cue;
    the problematic reason; the ReaL labels; each model's top-1 and the experts' verdict."""
    names = load_classes().names
    out = [(_("Original label"), names[int(table.original_label[row])])]
    for s in LABEL_SETS:
        labels = [names[c] for c in getattr(table, s.field).row(row).tolist()]
        out.append((f"{SET_MARKS[s.name]} {_(SET_NAMES[s.name])}", ", ".join(labels) or "—"))
    if table.is_problematic[row]:
        out.append(
            (_("Problematic"), str(table.problematic_reason[row]) or _("reason not recorded"))
        )
    real = real_names(table, row)
    if real is not None:
        out.append(("ReaL", ", ".join(real) or _("no label")))
    for name, m in models.items():
        pred = int(m.top1[row])
        v = table.verdict(row, pred)
        said = names[pred] if pred >= 0 else _("no prediction")
        mark = "✓" if verdict_is_right(v) else "✗"
        out.append((f"{mark} {name}", f"{said} ({_(SET_NAMES.get(v, v))})"))
    return out
