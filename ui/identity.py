"""Who is reviewing: the signed-in user when Streamlit authentication is configured (``st.login``
with an OIDC provider in ``.streamlit/secrets.toml``), else the name typed on the page
(single-user mode). An optional allow-list (``--allow-reviewer``) says who may save; anyone
in ``--read-only-reviewer``, or signed in but not on the list, sees everything and saves
nothing."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data_access.reviews.taxonomy import reviewer_key, same_reviewer

SIGNED_IN = "signed-in"
SINGLE_USER = "single-user"


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
            return Identity(SIGNED_IN, "", False, "sign in to save reviews")
        who = reviewer_key(str(st.user.get("email") or st.user.get("name") or ""))
        return _checked(SIGNED_IN, who, allow, read_only)
    return _checked(SINGLE_USER, reviewer_key(typed), allow, read_only)


def _checked(mode: str, who: str, allow, read_only) -> Identity:
    """``who`` against the lists, every entry in :func:`reviewer_key`'s form (trimmed,
    e-mail addresses case-folded) and compared without case."""
    if not who:
        return Identity(mode, "", False, "enter your name first" if mode == SINGLE_USER else
                        "your sign-in gave no e-mail or name")  # fmt: skip
    if any(same_reviewer(who, r) for r in read_only):
        return Identity(mode, who, False, f"{who} may read but not save (read-only reviewer)")
    if allow and not any(same_reviewer(who, a) for a in allow):
        return Identity(mode, who, False, f"{who} is not on this server's list of reviewers")
    return Identity(mode, who, True)
