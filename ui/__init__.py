"""Streamlit glue: cached wrappers around ``data_access`` and the shared sidebar.

Kept apart from ``data_access`` so that the CLI and the tests use the same pure functions.
"""
