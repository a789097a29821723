"""What the two reviewing pages (Review, Labels) share: the review store opened or one line
saying why not, and a queue of images walked one at a time (progress, next unreviewed, skip,
back, the saved message)."""

from __future__ import annotations

import streamlit as st

from data_access.errors import DataError
from data_access.reviews.store import ReviewStore
from ui.context import AppContext
from ui.language import translator
from ui.text import md, message_of

# Ctrl+Enter saves from any focus in a reviewing form. Streamlit runs a button's shortcut
# unless the focus is in a form field, so with a radio button focused (a verdict just chosen
# with the arrow keys) Ctrl+Enter did nothing. This script, run in the page once, clicks the
# form's own submit button then; text fields keep Streamlit's handling (no double save).
_ctrl_enter = st.components.v2.component(
    "imlr_ctrl_enter_saves",
    html="<span hidden></span>",
    js="""export default function () {
  if (window.__imlrCtrlEnter) return;
  window.__imlrCtrlEnter = true;
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.key !== "Enter") return;
    const field = event.target;
    if (!(field instanceof HTMLInputElement) || !["radio", "checkbox"].includes(field.type)) return;
    const form = field.closest('[data-testid="stForm"]');
    const save = form && form.querySelector('[data-testid="stFormSubmitButton"] button');
    if (save && !save.disabled) {
      event.preventDefault();
      save.click();
    }
  }, true);
}""",
)


def ctrl_enter_saves() -> None:
    """Makes Ctrl+Enter save the page's form from a focused radio button or checkbox too."""
    _ctrl_enter(key="imlr_ctrl_enter_saves")


def open_store(ctx: AppContext, what: str) -> ReviewStore:
    """The review store, with a caption naming it (``what`` are saved there); a store that
    cannot be used stops the page with one line."""
    try:
        db = ctx.reviews()
    except DataError as e:
        st.error(md(message_of(e)))
        st.stop()
    _ = translator()
    st.caption(md(_("{what} are saved to {where}").format(what=what, where=db.where)))
    return db


def next_unreviewed(names: list[str], done: set[str], after: str | None) -> str | None:
    """The first image after ``after`` (wrapping round) that is not in ``done``."""
    start = names.index(after) + 1 if after in names else 0
    return next((n for n in names[start:] + names[:start] if n not in done), None)


def queue_navigation(
    names: list[str], done: set[str], reviewer: str, key: str, start: str | None = None
) -> str | None:
    """The progress bar and the queue's buttons; returns the image to show (None: the queue
    is empty). The current image is kept in ``st.session_state[key + "_current"]``; a page
    that saved one calls :func:`saved`."""
    _ = translator()
    reviewed = sum(n in done for n in names)
    st.progress(
        reviewed / len(names) if names else 1.0,
        text=_("{k} of {n} reviewed by {who}").format(
            k=f"{reviewed:,}",
            n=f"{len(names):,}",
            who=md(reviewer) if reviewer else _("(enter your name)"),
        ),
    )
    state = f"{key}_current"
    current = st.session_state.get(state)
    if current not in names:
        current = start if start in names else next_unreviewed(names, done, None)
        current = current or (names[0] if names else None)
        st.session_state[state] = current
    at = names.index(current) if current in names else 0
    # Buttons as wide as their labels (fixed columns cut them off on a 1280x720 projector).
    row = st.container(horizontal=True)
    if row.button(_("← Previous"), disabled=not names, shortcut="Alt+Left", key=f"{key}_back"):
        st.session_state[state] = names[at - 1]
        st.rerun()
    if row.button(
        _("Next unreviewed →"), disabled=not names, shortcut="Alt+Right", key=f"{key}_next"
    ):
        st.session_state[state] = next_unreviewed(names, done, current) or current
        st.rerun()
    if row.button(_("Skip →"), disabled=not names, shortcut="Alt+Down", key=f"{key}_skip"):
        st.session_state[state] = names[(at + 1) % len(names)]
        st.rerun()
    if st.session_state.get(f"{key}_saved"):
        st.success(md(st.session_state.pop(f"{key}_saved")), icon=":material/check:")
    return current


def saved(names: list[str], done: set[str], key: str, current: str, message: str) -> None:
    """After a save: the message shown on the next run, and on to the next unreviewed image."""
    done.add(current)
    st.session_state[f"{key}_saved"] = message
    st.session_state[f"{key}_current"] = next_unreviewed(names, done, current) or current
    st.rerun()
