"""Every Browse filter, each one object: the list :data:`FILTERS` is the one place a filter is
defined.

A :class:`Filter` holds everything about one filter: the :class:`~data_access.browse.view.
BrowseState` field that holds its value, its key in a link (and ``--KEY``, its flag on the
command line's ``browse``), its label (the widget's, and the chip's when the filter is set
from another page), its options, how a value reads from and writes to text, and its
predicate over the annotation table. The URL (:mod:`data_access.browse.url`), the rows of a
view (:func:`data_access.browse.view.filter_rows`), the Browse page's widgets and the CLI all
iterate over :data:`FILTERS`, so a new filter is one entry here and one field of
``BrowseState``.

>>> [f.key for f in FILTERS]
['class', 'group', 'state', 'real', 'verdict', 'pred', 'suspect', 'file']
>>> by_key("state").decode("multi")
'multi'
>>> by_key("state").decode("nonsense") is None
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from data_access.analysis.label_errors import METHODS
from data_access.analysis.metrics import hits, unjudged
from data_access.analysis.real import ANY_DISAGREEMENT, DISAGREEMENTS, disagreement_mask
from data_access.annotations import AnnotationTable
from data_access.browse.choices import (
    class_labels,
    decode_class,
    decode_group,
    decode_image,
    decode_key,
    encode_class,
    group_options,
)
from data_access.classes import load_classes
from data_access.i18n import N_, Translate
from data_access.predictions import Model
from data_access.schema import CORRECT, WRONG

if TYPE_CHECKING:
    from data_access.browse.view import BrowseState, Evidence

LABEL_STATES = {
    "multi": N_("more than one accepted label"),
    "unclear": N_("has unclear labels"),
    "orig_not_correct": N_("original label not among correct"),
    "orig_wrong": N_("original label judged wrong"),
    "problematic": N_("problematic"),
    "not_problematic": N_("not problematic"),
    "imagenet_m": N_("ImageNet-M"),
}
VERDICTS = {
    "right": N_("right (multi-label)"),
    "wrong": N_("wrong (multi-label)"),
    "right_ml_wrong_top1": N_("right under multi-label, wrong under original top-1"),
    "wrong_ml_right_top1": N_("wrong under multi-label, right under original top-1"),
    "unjudged": N_("unjudged prediction (in no label set)"),
    "disagree": N_("loaded models disagree (multi-label)"),
    "beats": N_("right where the compared model is wrong"),
    "loses": N_("wrong where the compared model is right"),
}
# The verdicts that compare the model with a second one (the view's ``vs``).
PAIRED_VERDICTS = ("beats", "loses")
REAL_FILTERS = {ANY_DISAGREEMENT: N_("experts and ReaL disagree (any way)"), **DISAGREEMENTS}

Mask = Callable[
    [AnnotationTable, Mapping[str, Model], "BrowseState", "Evidence | None"], np.ndarray
]


@dataclass(frozen=True)
class Filter:
    """One Browse filter.

    Attributes:
        name: the :class:`~data_access.browse.view.BrowseState` field holding its value
            (a tuple when ``multiple``, else one value or None: not filtered).
        key: its key in a link; ``--KEY`` on the command line.
        label: the widget's label, and the chip's ("Also filtered by ...").
        what: the filter in a message ("unknown label filter 'x' in the link was ignored").
        options: value -> label of every value it takes (a function, made when asked; given
            the page's translation ``_`` where a label holds words of its own).
        decode: a value from its text in a link or a flag; None when unknown.
        encode: the text of a value in a link.
        mask: the rows the filter keeps, given the whole view (a verdict needs its model)
            and its :class:`~data_access.browse.view.Evidence` (label-error scores). Unless
            ``needs`` is ``"models"``, it reads only the table and its own value: its masks
            are kept per table and value (:func:`~data_access.browse.view.filter_rows`).
        multiple: several values at once (``classes``: any of them; ``states``: all).
        widget: shown as a widget on Browse; False for filters set from other pages
            (a confusion, a comparison), shown as a chip with a way to clear them.
        needs: ``"models"`` or ``"real"``: what a source or session must have for the
            filter to mean anything (its widget is disabled without it).
        help: the widget's help text.
        wide: the widget takes the row's width (many options, typed into).
        placeholder: what the empty widget says.
    """

    name: str
    key: str
    label: str
    what: str
    options: Callable[..., Mapping[Any, str]]
    decode: Callable[[str], Any]
    encode: Callable[[Any], str]
    mask: Mask
    multiple: bool = False
    widget: bool = True
    needs: str | None = None
    help: str = ""
    wide: bool = False
    placeholder: str = N_("any")

    def is_set(self, value: Any) -> bool:
        """Whether ``value`` filters at all (an empty tuple and None do not)."""
        return bool(value) if self.multiple else value is not None

    def values(self, value: Any) -> tuple:
        """``value`` as a tuple of single values (empty when not set)."""
        if not self.is_set(value):
            return ()
        return tuple(value) if self.multiple else (value,)

    def read(self, texts: list[str]) -> tuple[Any, list[str]]:
        """The value of ``texts`` (from a link or flags) and the texts that name no value.
        Several values are kept once each, in order; a single-valued filter takes the last."""
        decoded: list = []
        unknown = []
        for text in texts if self.multiple else texts[-1:]:
            value = self.decode(text)
            if value is None:
                unknown.append(text)
            elif value not in decoded:
                decoded.append(value)
        if self.multiple:
            return tuple(decoded), unknown
        return (decoded[0] if decoded else None), unknown

    def describe(self, value: Any, _: Translate = str) -> str:
        """The filter and its value in words, for a chip: ``"Label state: problematic"``
        (``_``: the page's translation of the label and option texts)."""
        labels = self.options(_)
        shown = [_(str(labels.get(v, v))).split(" · ")[0] for v in self.values(value)]
        return f"{_(self.label)}: {', '.join(shown)}"


# --- predicates --------------------------------------------------------------------------------


def model_named(models: Mapping[str, Model], name: str | None) -> Model | None:
    """The named model when loaded, else the first loaded one (None: no model)."""
    if name and name in models:
        return models[name]
    return next(iter(models.values()), None)


def _none(table: AnnotationTable) -> np.ndarray:
    return np.zeros(len(table), dtype=bool)


def _classes_mask(table, models, state, evidence) -> np.ndarray:
    return np.isin(table.original_label, np.array(state.classes, dtype=np.int64))


def _group_mask(table, models, state, evidence) -> np.ndarray:
    return load_classes().group_mask(state.group)[table.original_label]


def state_mask(table: AnnotationTable, name: str) -> np.ndarray:
    """Rows in the label state ``name`` (a key of :data:`LABEL_STATES`)."""
    if name == "multi":
        return table.num_accepted > 1
    if name == "unclear":
        return table.unclear_multi_labels.lengths > 0
    if name == "orig_not_correct":
        return ~hits(table, table.original_label, CORRECT)
    if name == "orig_wrong":
        return hits(table, table.original_label, WRONG)
    if name == "problematic":
        return table.is_problematic
    if name == "not_problematic":
        return table.evaluated
    if name == "imagenet_m":
        return table.in_imagenet_m
    raise KeyError(name)


def _states_mask(table, models, state, evidence) -> np.ndarray:
    keep = np.ones(len(table), dtype=bool)
    for name in state.states:
        keep &= state_mask(table, name)
    return keep


def verdict_mask(
    table: AnnotationTable,
    models: Mapping[str, Model],
    state: BrowseState,
    evidence: Evidence | None = None,
) -> np.ndarray:
    """Rows matching the view's verdict filter, judged by the view's model (none when no
    model is loaded: a filter on what is not there keeps nothing)."""
    if state.verdict == "disagree":
        if len(models) < 2:
            return _none(table)
        right = np.stack([hits(table, m.top1) for m in models.values()])
        return np.asarray(right.any(axis=0) & ~right.all(axis=0))
    model = model_named(models, state.model)
    if model is None:
        return _none(table)
    right = hits(table, model.top1)
    if state.verdict == "right":
        return right
    if state.verdict == "wrong":
        return ~right
    if state.verdict == "right_ml_wrong_top1":
        return right & (model.top1 != table.original_label)
    if state.verdict == "wrong_ml_right_top1":
        return ~right & (model.top1 == table.original_label)
    if state.verdict in PAIRED_VERDICTS:
        other = models.get(state.vs) if state.vs else None
        if other is None or other is model:
            return _none(table)
        other_right = hits(table, other.top1)
        return right & ~other_right if state.verdict == "beats" else ~right & other_right
    if state.verdict == "unjudged":
        out = _none(table)
        out[unjudged(table, model.top1)] = True
        return out
    raise KeyError(state.verdict)


def _predicted_mask(table, models, state, evidence) -> np.ndarray:
    model = model_named(models, state.model)
    return (model.top1 == state.predicted) if model is not None else _none(table)


def _images_mask(table, models, state, evidence) -> np.ndarray:
    positions = np.array(state.images, dtype=np.int64) - 1  # file numbers are 1-based
    rows = table.row_of_position[positions]
    out = _none(table)
    out[rows[rows >= 0]] = True
    return out


def _real_mask(table, models, state, evidence) -> np.ndarray:
    return disagreement_mask(table.real_disagreements, len(table), state.real)


def _suspect_mask(table, models, state, evidence) -> np.ndarray:
    s = evidence.suspicion if evidence is not None else None
    if s is None or s.method != state.suspect:
        # view_rows computes what a view needs first: this is a caller's bug, never a guess.
        raise ValueError(f"the view needs the {state.suspect} label-error scores")
    keep = s.flagged.copy()
    if evidence.reviewed is not None:
        keep &= ~evidence.reviewed  # reviewed images drop out of the queue
    return keep


# --- the list ----------------------------------------------------------------------------------

FILTERS: tuple[Filter, ...] = (
    Filter(
        name="classes",
        key="class",
        label=N_("Class"),
        what=N_("class"),
        options=class_labels,
        decode=decode_class,
        encode=encode_class,
        mask=_classes_mask,
        multiple=True,
        wide=True,
        placeholder=N_("any class: type a name, synonym or wnid"),
    ),
    Filter(
        name="group",
        key="group",
        label=N_("WordNet group"),
        what=N_("WordNet group"),
        options=lambda _=str: dict(group_options(_)),
        decode=decode_group,
        encode=str,
        mask=_group_mask,
    ),
    Filter(
        name="states",
        key="state",
        label=N_("Label state"),
        what=N_("label filter"),
        options=lambda _=str: LABEL_STATES,
        decode=decode_key(lambda: LABEL_STATES),
        encode=str,
        mask=_states_mask,
        multiple=True,
    ),
    Filter(
        name="real",
        key="real",
        label=N_("Experts vs ReaL"),
        what=N_("ReaL filter"),
        options=lambda _=str: REAL_FILTERS,
        decode=decode_key(lambda: REAL_FILTERS),
        encode=str,
        mask=_real_mask,
        needs="real",
        help=N_(
            "Images where the experts' label sets and the ReaL labels (Beyer et al. 2020) "
            "disagree, and how."
        ),
    ),
    Filter(
        name="verdict",
        key="verdict",
        label=N_("Model verdict"),
        what=N_("verdict filter"),
        options=lambda _=str: VERDICTS,
        decode=decode_key(lambda: VERDICTS),
        encode=str,
        mask=verdict_mask,
        needs="models",
    ),
    Filter(
        name="predicted",
        key="pred",
        label=N_("Predicted class"),
        what=N_("predicted class"),
        options=class_labels,
        decode=decode_class,
        encode=encode_class,
        mask=_predicted_mask,
        widget=False,
        needs="models",
    ),
    Filter(
        name="suspect",
        key="suspect",
        label=N_("Likely label error"),
        what=N_("label-error method"),
        options=lambda _=str: METHODS,
        decode=decode_key(lambda: METHODS),
        encode=str,
        mask=_suspect_mask,
        needs="models",
        help=N_(
            "Images whose original label the loaded models find unlikely, by the chosen "
            "method (the Labels page compares the methods against the experts); images with a "
            "label review leave the list. Sort by 'likely label error' for the most suspect "
            "first."
        ),
    ),
    Filter(
        name="images",
        key="file",
        label=N_("Chosen images"),
        what=N_("image number"),
        options=lambda _=str: {},
        decode=decode_image,
        encode=str,
        mask=_images_mask,
        multiple=True,
        widget=False,
    ),
)


def by_key(key: str) -> Filter:
    """The filter whose link key (or CLI flag without ``--``) is ``key``."""
    for f in FILTERS:
        if f.key == key:
            return f
    raise KeyError(key)
