"""Strict start-up for a server a lab puts on the network: it serves as configured, or not at all.

In server mode (``--server-mode``, a ``--config`` file, or a non-local ``server.address``) a
typo on the command line or in the config file, a source that cannot be opened, a review store
that cannot be reached, or an allow-list nobody can prove membership of (no sign-in) is never
answered with a fallback (the demo, the path fields, a local SQLite file): the server writes one
line naming the problem to its log (stderr, passwords masked), shows visitors only that it is
misconfigured, and stops. Streamlit runs the app's script when the first visitor connects, so
that is when the check runs; a local single-user run keeps the friendly fallback with the
problem shown in the sidebar.

Server mode also ignores a visitor's request to clear the server's caches (a websocket
message any page can send): clearing them is the operator's (restart the server).
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import threading

import streamlit as st

from data_access.errors import DataError, without_secrets
from data_access.paths import is_loopback

_LOG = logging.getLogger("imagenet_multilabel_review")


def strict_mode(argv: list[str] | None = None) -> bool:
    """Whether this server must refuse to start rather than fall back (see the docstring).
    Read from the raw command line, so that a command line that does not parse still says
    whether server mode was asked for."""
    argv = sys.argv[1:] if argv is None else argv
    asked = any(a == "--server-mode" or a.split("=", 1)[0] == "--config" for a in argv)
    return asked or not is_loopback(st.get_option("server.address"))


def startup_problem() -> str | None:
    """The first reason this server must not serve, or None."""
    from ui.cli_args import app_args
    from ui.identity import auth_configured
    from ui.reviews import store
    from ui.state import current_source

    args = app_args()
    if args.problem:
        return args.problem
    if args.allow_reviewers and not auth_configured():
        return (
            "--allow-reviewer needs reviewers to sign in (an [auth] section in "
            ".streamlit/secrets.toml): on a network a typed name proves nothing"
        )
    current_source()
    if st.session_state.get("source_problem"):
        return f"the source cannot be opened: {st.session_state.source_problem}"
    from data_access.reviews import default_target

    try:
        store(args.reviews_db or default_target())
    except DataError as e:
        return f"the review store cannot be used: {e.redacted()}"
    return None


@functools.lru_cache(maxsize=1)
def _refuse_cache_clearing() -> None:
    """Makes the server ignore a visitor's "clear cache" message (once per process)."""
    from streamlit.runtime.app_session import AppSession

    def ignored(self) -> None:
        _LOG.warning("ignored a visitor's request to clear the server's caches")

    AppSession._handle_clear_cache_request = ignored  # type: ignore[method-assign]


def _stop_server(line: str) -> None:
    """Logs ``line`` once and stops the server (after the visitor's page has its message)."""
    sys.stderr.write(f"imagenet-multilabel-review: not serving: {without_secrets(line)}\n")
    sys.stderr.flush()
    # As the operator's Ctrl+C or `kill` would: Streamlit's own handler shuts the server down
    # (a second after, so that the visitor's page gets its message first).
    # Only a real server: AppTest (the tests) runs the script inside the test process, with
    # a stand-in runtime (a mock), and must not be stopped.
    from streamlit import runtime

    if runtime.exists() and type(runtime.get_instance()) is runtime.Runtime:
        threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM)).start()


@functools.lru_cache(maxsize=1)
def _warn_password_on_command_line() -> None:
    """Once per server: a password in ``--reviews-db`` is readable by every local user."""
    from ui.cli_args import app_args

    if without_secrets(app_args().reviews_db) != app_args().reviews_db:
        _LOG.warning(
            "--reviews-db holds a password, which every user of this machine can read in "
            "`ps`; give it through ~/.pgpass or PGPASSWORD instead (see the README)"
        )


def enforce() -> None:
    """In server mode: serve only as configured (called by ``app.py`` before anything else)."""
    if not strict_mode():
        return
    _refuse_cache_clearing()
    if st.session_state.get("_startup_checked"):
        return
    _warn_password_on_command_line()
    problem = startup_problem()
    if problem:
        _stop_server(problem)
        st.error(
            "This server is not configured correctly, so it does not serve. Its operator "
            "has been told what to fix.",
            icon=":material/block:",
        )
        st.stop()
    st.session_state._startup_checked = True
