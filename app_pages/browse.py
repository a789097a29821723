"""Browse: a filterable, sortable, paginated grid of the annotated images.

The URL is the source of truth: the view is read from ``st.query_params`` on every run, the
widgets are set from it when it changes from outside (a pasted link, Back), and every widget
change is written back to it, so a copied link reproduces the view.
"""

import streamlit as st

from data_access.browse.records import view_csv, view_jsonl, view_records
from data_access.browse.url import from_params, to_params
from data_access.browse.view import (
    LABEL_STATES,
    REAL_FILTERS,
    SORTS,
    VERDICTS,
    BrowseState,
    class_options,
    group_options,
    page_of,
    view_rows,
)
from ui import widgets
from ui.grid import Paging, image_grid
from ui.guard import guarded
from ui.render import (
    implausible_banner,
    prefetch_ahead,
    query_params_dict,
    show_problems,
    synthetic_banner,
)
from ui.state import context
from ui.text import md

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
COLUMNS = 6
WIDE = 220  # a filter's width in pixels
# Option values meaning "no filter" (never a wnid, a verdict key or, in practice, a model name).
ANY = "any"
FIRST = "(first loaded)"

st.title("Browse")
synthetic_banner(source)
implausible_banner(models)


# The view is a fragment: a filter, a sort or a page reruns it alone, not the sidebar and
# the rest of the app, so the browser redraws a third of the elements. A fragment's rerun
# does not pass through app.py's guard, so it has its own.
@st.fragment
def _fragment() -> None:
    guarded(_browse, "This page")


def _browse() -> None:
    parsed = from_params(query_params_dict(), models, table)
    url_state = parsed.state.with_(image=None)

    # Widgets follow the URL whenever it changed since we last wrote it.
    if st.session_state.get("browse_synced") != to_params(url_state):
        st.session_state.f_classes = list(url_state.classes)
        st.session_state.f_group = url_state.group or ANY
        st.session_state.f_states = list(url_state.states)
        st.session_state.f_verdict = url_state.verdict or ANY
        st.session_state.f_real = url_state.real or ANY
        st.session_state.f_model = url_state.model if url_state.model in models else FIRST
        st.session_state.f_sort = url_state.sort
        st.session_state.f_desc = url_state.descending
        st.session_state.f_size = url_state.page_size
        st.session_state.f_page = url_state.page
        st.session_state.browse_synced = to_params(url_state)

    show_problems(parsed.problems)

    groups = dict(group_options())
    options = class_options()
    # Two wrapping rows of widgets, not columns: a column is an element of its own, and every
    # element of the view is redrawn by the browser on each filter or page change.
    panel = st.container(border=True)
    with panel.container(horizontal=True, wrap=True):
        f_classes = widgets.multiselect(
            st,
            "Class",
            list(range(1000)),
            format_func=lambda i: options[i],
            key="f_classes",
            placeholder="any class: type a name, synonym or wnid",
            width="stretch",
        )
        f_group = widgets.selectbox(
            st,
            "WordNet group",
            [ANY, *groups],
            format_func=lambda w: groups.get(w, ANY),
            key="f_group",
            width=WIDE,
        )
        f_states = widgets.multiselect(
            st,
            "Label state",
            list(LABEL_STATES),
            format_func=LABEL_STATES.get,
            key="f_states",
            placeholder="any",
            width=WIDE,
        )
        f_real = widgets.selectbox(
            st,
            "Experts vs ReaL",
            [ANY, *REAL_FILTERS],
            format_func=lambda v: REAL_FILTERS.get(v, "any (no filter)"),
            key="f_real",
            disabled=table.real is None,
            help="Images where the experts' label sets and the ReaL labels (Beyer et al. "
            "2020) disagree, and how."
            if table.real is not None
            else "This source has no ReaL labels.",
            width=WIDE,
        )
    with panel.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
        f_verdict = widgets.selectbox(
            st,
            "Model verdict",
            [ANY, *VERDICTS],
            format_func=lambda v: VERDICTS.get(v, ANY),
            key="f_verdict",
            disabled=not models,
            help=None if models else "Load predictions in the sidebar first.",
            width=WIDE,
        )
        f_model = widgets.selectbox(
            st, "Model", [FIRST, *models], key="f_model", disabled=not models, width=WIDE
        )
        f_sort = widgets.selectbox(
            st, "Sort by", list(SORTS), format_func=SORTS.get, key="f_sort", width=WIDE
        )
        st.toggle("Descending", key="f_desc")

    # The widgets' checked values (ui.widgets), never their raw state: a crafted one is ignored.
    state = BrowseState(
        classes=tuple(f_classes),
        group=None if f_group == ANY else f_group,
        states=tuple(f_states),
        verdict=None if not models or f_verdict == ANY else f_verdict,
        model=None if f_model == FIRST else f_model,
        sort=f_sort,
        descending=bool(st.session_state.f_desc),
        page_size=int(st.session_state.f_size),
        page=int(st.session_state.f_page),
        predicted=url_state.predicted,
        vs=url_state.vs,
        real=None if f_real == ANY else f_real,
    )
    # Filters set from other pages (a confusion, a comparison) have no widget: show them, with a
    # way out.
    extra = []
    if state.predicted is not None:
        extra.append(f"predicted class: {class_options()[state.predicted].split(' · ')[0]}")
    if state.verdict in ("beats", "loses") and state.vs:
        extra.append(f"compared with: {state.vs}")
    if extra:

        def _clear_extra() -> None:
            # Runs before the next script run, so the URL (and with it the widgets) can change.
            for key in ("pred", "vs"):
                if key in st.query_params:
                    del st.query_params[key]
            if st.query_params.get("verdict") in ("beats", "loses"):
                del st.query_params["verdict"]

        e1, e2 = st.columns([5, 1], vertical_alignment="center")
        e1.caption(md("Also filtered by " + "; ".join(extra)))
        e2.button("Clear these", on_click=_clear_extra)
    # A new filter or sort starts again at page 1.
    if state.with_(page=1, page_size=48) != url_state.with_(page=1, page_size=48):
        state = state.with_(page=1)
        st.session_state.f_page = 1

    rows = view_rows(table, models, state)
    page_rows, page, pages = page_of(rows, state.page, state.page_size)
    if page != state.page:
        if state.page > pages:
            st.info(f"Page {state.page} does not exist; showing page {page} of {pages}.")
        state = state.with_(page=page)
        st.session_state.f_page = page

    # The page and page size are chosen in the grid's own controls (ui/grid.py).
    st.markdown(f"**{len(rows):,}** of {len(table):,} images · page {page} of {pages}")
    if state.sort == "confidence" and not any(m.scores is not None for m in models.values()):
        st.caption("No loaded model has scores: sorted by file name.")

    if len(rows):
        # The whole view (every image of the filter, not just this page), to take away; made
        # only when asked for, so paging and filtering never pay for it.
        def _records() -> list[dict]:
            return view_records(table, models, rows)

        row = st.container(horizontal=True, wrap=True, vertical_alignment="center")
        row.download_button(
            "This view (CSV)", lambda: view_csv(_records()).encode(), "browse_view.csv", "text/csv"
        )
        row.download_button(
            "This view (JSON Lines)",
            lambda: view_jsonl(_records()).encode(),
            "browse_view.jsonl",
            "application/jsonl",
        )
        if row.toggle("Show the file names to copy", key="f_names"):
            st.code("\n".join(str(table.file_name[r]) for r in rows), language=None)

    if to_params(state) != to_params(url_state):
        st.session_state.browse_synced = to_params(state)
        st.query_params.from_dict(to_params(state))

    if not len(rows):
        st.info("No image matches these filters.")
    size = state.page_size
    image_grid(
        source,
        models,
        page_rows.tolist(),
        state,
        key="browse_grid",
        columns=COLUMNS,
        label="Images of this view",
        paging=Paging(
            page,
            pages,
            rows[page * size : (page + 1) * size].tolist(),
            page_key="f_page",
            size_key="f_size",
        ),
    )
    # The two pages after this one are made in the background while it is viewed: the grid
    # holds the next one ready, and paging on finds the one after made.
    prefetch_ahead(source, [str(table.file_name[r]) for r in rows[page * size : (page + 2) * size]])


_fragment()
