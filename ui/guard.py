"""Failures contained where they happen: the sidebar and the page are run separately, so an
unexpected error in one leaves the other working and shows one line, never a traceback.

Streamlit's own control flow (``st.rerun``, ``st.stop``, ``st.switch_page``) raises
``BaseException`` subclasses, which pass through untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from data_access.errors import DataError
from ui.language import translator
from ui.text import md

log = logging.getLogger(__name__)


def guarded(run: Callable[[], object], what: str, where=st) -> None:
    """Runs ``run``; a problem becomes one error line in ``where`` (``st`` or ``st.sidebar``).

    A :class:`DataError` shows its message (without the content of a server file); anything
    else its type, with the details in the server's log.
    """
    try:
        run()
    except DataError as e:
        where.error(md(e.redacted(translator())), icon=":material/error:")
    except Exception as e:
        log.exception("%s failed", what)
        where.error(
            md(
                f"{what} failed ({type(e).__name__}); the rest of the app still works. "
                "The server's log has the details."
            ),
            icon=":material/error:",
        )
