"""The review database for the app: one shared store object per database path."""

from __future__ import annotations

import streamlit as st

from data_access.reviews import ReviewStore, default_db_path
from ui.cli_args import app_args


def db_path() -> str:
    """``--reviews-db PATH`` after ``--`` on the command line, else the default data folder."""
    return app_args().reviews_db or str(default_db_path())


@st.cache_resource(max_entries=4, show_spinner=False)
def store(path: str) -> ReviewStore:
    # The store holds only its path and opens a connection per operation: safe to share.
    return ReviewStore(path)
