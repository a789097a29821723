"""The review database for the app: one shared store object per database path."""

from __future__ import annotations

import argparse
import sys

import streamlit as st

from data_access.reviews import ReviewStore, default_db_path


def db_path() -> str:
    """``--reviews-db PATH`` after ``--`` on the command line, else the default data folder."""
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--reviews-db", default="")
    try:
        args, _ = parser.parse_known_args(sys.argv[1:])
    except (argparse.ArgumentError, SystemExit):
        return str(default_db_path())
    return args.reviews_db or str(default_db_path())


@st.cache_resource(max_entries=4, show_spinner=False)
def store(path: str) -> ReviewStore:
    # The store holds only its path and opens a connection per operation: safe to share.
    return ReviewStore(path)
