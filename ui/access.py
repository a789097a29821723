"""Which server paths this app's visitor may type (see :mod:`data_access.paths`)."""

from __future__ import annotations

import streamlit as st

from data_access.paths import check_allowed, is_loopback


def path_fields_shown() -> bool:
    """Path fields are for a local single user: hidden in server mode (``--server-mode`` or a
    config file's ``[server]``) and when the server listens on a network address
    (``--server.address 0.0.0.0``), since any visitor could then type server paths."""
    from ui.cli_args import app_args

    return not app_args().server_mode and is_loopback(st.get_option("server.address"))


def checked_path(text: str, field: str) -> str:
    """``text`` resolved, if it is under the allowed roots; "" stays "" (the default).

    Raises:
        PathNotAllowed: outside them, with the same message whether the path exists or not.
    """
    if not text:
        return ""
    return str(check_allowed(text, st.session_state.get("allowed_roots", ()), field))
