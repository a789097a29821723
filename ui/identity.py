"""Who is reviewing: the signed-in user when Streamlit authentication is configured (``st.login``
with an OIDC provider in ``.streamlit/secrets.toml``), else the name typed on the page
(single-user mode). An optional allow-list (``--allow-reviewer``) says who may save; anyone
in ``--read-only-reviewer``, or signed in but not on the list, sees everything and saves
nothing."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data_access.i18n import N_
from data_access.reviews.taxonomy import reviewer_key, same_reviewer
from ui.language import translator
from ui.text import md

SIGNED_IN = "signed-in"
SINGLE_USER = "single-user"
# What a reviewing page saves (``noun``), one and many, in the page's words.
NOUNS = {"review": (N_("review"), N_("reviews")), "verdict": (N_("verdict"), N_("verdicts"))}


@dataclass(frozen=True)
class Identity:
    """The reviewer of this session.

    Attributes:
        mode: :data:`SIGNED_IN` or :data:`SINGLE_USER`.
        reviewer: the name saved with reviews ("" until known).
        can_save: whether this session may save reviews.
        why_not: one line saying why it may not (shown on the page), or "".
    """

    mode: str
    reviewer: str
    can_save: bool
    why_not: str = ""


def auth_configured() -> bool:
    """Whether the app has an ``[auth]`` section in its secrets (then reviewers sign in)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises on first access
        return False


def current_identity(allow: tuple[str, ...] = (), read_only: tuple[str, ...] = (),
                     typed: str = "") -> Identity:  # fmt: skip
    """The session's identity; ``typed`` is the name box's value in single-user mode."""
    if auth_configured():
        if not st.user.is_logged_in:
            return Identity(SIGNED_IN, "", False, translator()("sign in to save reviews"))
        who = reviewer_key(str(st.user.get("email") or st.user.get("name") or ""))
        return _checked(SIGNED_IN, who, allow, read_only)
    return _checked(SINGLE_USER, reviewer_key(typed), allow, read_only)


def _checked(mode: str, who: str, allow, read_only) -> Identity:
    """``who`` against the lists, every entry in :func:`reviewer_key`'s form (trimmed,
    e-mail addresses case-folded) and compared without case. ``why_not`` is in the session's
    language."""
    _ = translator()
    if not who:
        return Identity(mode, "", False, _("enter your name first") if mode == SINGLE_USER else
                        _("your sign-in gave no e-mail or name"))  # fmt: skip
    if any(same_reviewer(who, r) for r in read_only):
        why = _("{who} may read but not save (read-only reviewer)").format(who=who)
        return Identity(mode, who, False, why)
    if allow and not any(same_reviewer(who, a) for a in allow):
        why = _("{who} is not on this server's list of reviewers").format(who=who)
        return Identity(mode, who, False, why)
    return Identity(mode, who, True)


def reviewer_block(allow: tuple[str, ...], read_only: tuple[str, ...], noun: str) -> Identity:
    """Who is reviewing, on a page that saves: the sign-in (or the name box in single-user
    mode) and a line saying what happens to what is saved (``noun``: ``review``,
    ``verdict``). The typed name is kept for the session, so every reviewing page knows it."""
    _ = translator()
    one, what = (_(word) for word in NOUNS[noun])
    if auth_configured():
        me = current_identity(allow, read_only)
        if me.reviewer:
            c_who, c_out = st.columns([4, 1], vertical_alignment="center")
            c_who.markdown(
                _("Signed in as **{who}**: {what} are saved under this name.").format(
                    who=md(me.reviewer), what=what
                )
            )
            c_out.button(_("Sign out"), on_click=st.logout)
        else:
            st.button(_("Sign in to review"), type="primary", on_click=st.login)
    else:
        # A widget's state goes when its page is left: the name lives in the session too.
        if "reviewer_name" not in st.session_state:
            st.session_state.reviewer_name = st.session_state.get("reviewer_typed", "")
        typed = st.text_input(
            _("Your name (saved with every {noun})").format(noun=one),
            key="reviewer_name",
            max_chars=100,
            placeholder=_("e.g. ada"),
        )
        st.session_state.reviewer_typed = typed
        me = current_identity(allow, read_only, typed)
        st.caption(
            _(
                "Single-user mode: {what} are saved under the name typed here. (A lab server "
                "can make reviewers sign in instead: see docs/lab.md.)"
            ).format(what=what)
        )
    if me.why_not and me.reviewer:
        st.info(md(_("Read-only: {why}.").format(why=me.why_not)))
    return me


def is_lead(me: Identity, leads: tuple[str, ...]) -> bool:
    """Whether ``me`` may record a decision on disputed labels: a reviewer who may save and,
    when the server names lead reviewers (``--lead-reviewer``), one of them."""
    return me.can_save and (not leads or any(same_reviewer(me.reviewer, x) for x in leads))
