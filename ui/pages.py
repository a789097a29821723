"""The app's pages, in one list: ``app.py``'s navigation is made from it, and a page that
links to another names it by the constants below (never by a path typed again)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data_access.i18n import N_
from ui.language import translator


@dataclass(frozen=True)
class PageSpec:
    """One page: its script, its title and icon in the navigation, its URL path (default:
    the script's name), and whether it is the default or hidden from the navigation."""

    path: str
    title: str
    icon: str
    url_path: str | None = None
    default: bool = False
    hidden: bool = False


OVERVIEW_PAGE = "app_pages/overview.py"
BROWSE_PAGE = "app_pages/browse.py"
IMAGE_PAGE = "app_pages/image.py"
ACCURACY_PAGE = "app_pages/accuracy.py"
LABELS_PAGE = "app_pages/labels.py"

PAGES = (
    PageSpec(OVERVIEW_PAGE, N_("Overview"), ":material/dashboard:", default=True),
    PageSpec(BROWSE_PAGE, N_("Browse"), ":material/grid_view:"),
    PageSpec(ACCURACY_PAGE, N_("Accuracy"), ":material/leaderboard:"),
    PageSpec("app_pages/compare.py", N_("Compare"), ":material/compare_arrows:"),
    PageSpec("app_pages/imagenet_m.py", "ImageNet-M", ":material/target:", "imagenet-m"),
    PageSpec("app_pages/review.py", N_("Review"), ":material/rate_review:"),
    PageSpec(LABELS_PAGE, N_("Labels"), ":material/fact_check:"),
    PageSpec("app_pages/teach.py", N_("Teach"), ":material/school:"),
    PageSpec(IMAGE_PAGE, N_("Image"), ":material/image:", hidden=True),
)


def navigation_pages() -> list:
    """``st.Page`` objects for :data:`PAGES`, for ``st.navigation``, titled in the
    session's language."""
    _ = translator()
    return [
        st.Page(
            p.path,
            title=_(p.title),
            icon=p.icon,
            url_path=p.url_path,
            default=p.default,
            visibility="hidden" if p.hidden else "visible",
        )
        for p in PAGES
    ]
