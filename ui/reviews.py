"""The review database for the app: one shared store object per database path."""

from __future__ import annotations

import streamlit as st

from data_access.reviews import ReviewStore


@st.cache_resource(max_entries=4, show_spinner=False)
def store(path: str) -> ReviewStore:
    # The store holds only its path and opens a connection per operation: safe to share.
    return ReviewStore(path)
