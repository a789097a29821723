"""Cached metric calls for the pages: bounded, and keyed by what they compute from.

``hash_funcs`` turn the table into its content hash and a model into a hash of its
predictions, so a page simply calls ``evaluate_cached(table, model)``: a changed source or a
changed file can never be served an old number, and no call site builds a key by hand.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from data_access.analysis import metrics
from data_access.analysis.evaluation import Evaluation, evaluate
from data_access.annotations import AnnotationTable
from data_access.predictions import Model


def model_key(model: Model) -> str:
    """Changes whenever the model's name or predictions do (top-1, top-k and scores)."""
    h = hashlib.blake2b(model.top1.tobytes(), digest_size=12)
    for extra in (model.top_k, model.scores):  # two files may share top-1 but not top-5
        if extra is not None:
            h.update(extra.tobytes())
    return f"{model.name}|{h.hexdigest()}"


_KEYS = {AnnotationTable: lambda t: t.content_key, Model: model_key}


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=_KEYS)
def evaluate_cached(table: AnnotationTable, model: Model) -> Evaluation:
    """:func:`data_access.analysis.evaluation.evaluate` (with its bootstrap interval)."""
    return evaluate(table, model)


@st.cache_data(max_entries=256, show_spinner=False, hash_funcs=_KEYS)
def per_class_cached(table: AnnotationTable, model: Model):
    """:func:`data_access.analysis.metrics.per_class` as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(metrics.per_class(table, model))
