"""Label-error scores in the app: what a Browse view that filters or sorts by likely label
error needs (:class:`~data_access.browse.view.Evidence`), and the Labels page's comparison of
the methods against the experts.

The probability methods read every class's probability of the loaded models' files again
(seconds at full size, 80 MB per model held one at a time); their scores (a few hundred KB)
are cached per set of files and source, never the probabilities.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import streamlit as st

from data_access.analysis.label_errors import (
    METHODS,
    PROBABILITY_METHODS,
    Measured,
    Suspicion,
    measure,
)
from data_access.analysis.suspects import (
    ProbabilityMean,
    available_methods,
    reviewed_rows,
    score_models,
)
from data_access.browse.view import BrowseState, Evidence, suspicion_method
from data_access.errors import DataError
from data_access.predictions import Model
from data_access.reviews.label_store import label_reviews, label_state
from data_access.reviews.store import ReviewStore
from data_access.sources.source import Source
from ui.models import active_specs, spec_key, with_probabilities
from ui.text import md


@st.cache_data(
    max_entries=8,
    ttl=3600,
    show_spinner="Reading every class's probability from the models' files...",
)
def _probability_scores(
    keys: tuple, table_key: str, _specs: list[dict], _source: Source
) -> dict[str, Suspicion]:
    """The three probability methods' scores from the mean of the files' probabilities."""
    mean = ProbabilityMean()
    kept = [mean.add(with_probabilities(spec, _source)) for spec in _specs]
    return {m: score_models(_source.table, kept, m, mean) for m in PROBABILITY_METHODS}


def suspicions(source: Source, models: Mapping[str, Model]) -> dict[str, Suspicion]:
    """Every method the loaded models allow, scored over the source's images.

    Raises:
        DataError: a file cannot be read again (changed or removed since it was loaded).
    """
    loaded = list(models.values())
    out: dict[str, Suspicion] = {}
    if not loaded:
        return out
    specs = [
        s for s in active_specs(source) if s["name"] in models and models[s["name"]].every_class
    ]
    if specs:
        keys = tuple(spec_key(s) for s in specs)
        out.update(_probability_scores(keys, source.table.content_key, specs, source))
    out["vote"] = score_models(source.table, loaded, "vote")
    return {m: out[m] for m in available_methods(loaded) if m in out}


@st.cache_data(max_entries=8, ttl=3600, show_spinner=False)
def _reviewed(where: str, state: tuple, table_key: str, _db: ReviewStore, _table) -> np.ndarray:
    """Images with a label review; computed again only after a save (``state``)."""
    return reviewed_rows(_table, [r.file_name for r in label_reviews(_db)])


def view_evidence(
    source: Source, models: Mapping[str, Model], state: BrowseState, db: ReviewStore | None
) -> Evidence | None:
    """What ``state`` needs to be shown (None: nothing beyond the table and the models).

    Raises:
        DataError: the scores cannot be computed (the method needs what the files lack, a
            file changed).
    """
    method = suspicion_method(state, models)
    if method is None:
        return None
    scores = suspicions(source, models)
    if method not in scores:
        score_models(source.table, list(models.values()), method)  # raises the reason
    reviewed = None
    if db is not None:
        table = source.table
        reviewed = _reviewed(db.where, label_state(db), table.content_key, db, table)
    return Evidence(scores[method], reviewed)


def measured(source: Source, models: Mapping[str, Model]) -> dict[str, Measured]:
    """Each method's ranking against the experts' corrections of the original labels."""
    truth = source.table.original_label_error
    return {m: measure(s, truth) for m, s in suspicions(source, models).items()}


def _store(ctx) -> ReviewStore | None:
    try:
        return ctx.reviews()
    except DataError:
        return None  # the Review and Labels pages say why; here nothing drops out


def suspect_view(
    source: Source, models: Mapping[str, Model], state: BrowseState, quiet: bool = False
) -> tuple[BrowseState, Evidence | None]:
    """``state`` and what it needs; when the label-error scores cannot be had, one line says
    why and the view goes on without them (never in an order that is not the one asked for).
    With them, a caption says which method and models rank the view (unless ``quiet``)."""
    from ui.state import context

    if suspicion_method(state, models) is None:
        return state, None  # nothing to read: the store is opened only for such a view
    try:
        evidence = view_evidence(source, models, state, _store(context()))
    except DataError as e:
        st.error(md(f"{e} The likely-label-error filter and sort are off."))
        sort = "file_name" if state.sort == "suspicion" else state.sort
        return state.with_(suspect=None, sort=sort), None
    if evidence is not None and evidence.suspicion is not None and not quiet:
        s = evidence.suspicion
        dropped = int(evidence.reviewed.sum()) if evidence.reviewed is not None else 0
        left_out = (
            f"; {dropped:,} images with a label review are left out"
            if (state.suspect and dropped)
            else ""
        )
        st.caption(
            f"Likely label errors by {METHODS[s.method]}, from {md(', '.join(s.models))}"
            f"{left_out}. The Labels page's *Likely label errors* tab measures each method "
            "against the experts."
        )
    return state, evidence
