"""The review database for the app: one shared store object per database (a SQLite path or
a PostgreSQL URL)."""

from __future__ import annotations

import streamlit as st

from data_access.reviews import ReviewStore


@st.cache_resource(max_entries=4, show_spinner=False)
def store(target: str) -> ReviewStore:
    # SQLite: a connection per operation; PostgreSQL: one kept per thread. Safe to share.
    return ReviewStore(target)
