"""Browse: a filterable, sortable, paginated grid of the annotated images.

The URL is the source of truth: the view is read from ``st.query_params`` on every run, the
widgets are set from it when it changes from outside (a pasted link, Back), and every widget
change is written back to it, so a copied link reproduces the view.
"""

import streamlit as st

from data_access.browse.filters import FILTERS, PAIRED_VERDICTS, Filter
from data_access.browse.records import view_csv, view_jsonl, view_records
from data_access.browse.url import from_params, to_params
from data_access.browse.view import SORTS, page_of, view_rows
from data_access.i18n import N_, Translate
from ui import widgets
from ui.grid import Paging, image_grid
from ui.guard import guarded
from ui.language import translator
from ui.pages import LABELS_PAGE
from ui.render import (
    page_header,
    prefetch_ahead,
    query_params_dict,
    show_problems,
)
from ui.state import context
from ui.suspects import suspect_view
from ui.text import md

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
COLUMNS = 6
WIDE = 220  # a filter's width in pixels
# Option values meaning "no filter" (never a wnid, a verdict key or, in practice, a model name).
ANY = "any"
FIRST = N_("(first loaded)")
LAST_VIEW = "browse_last_view"  # session: the last Browse view's query parameters

SHOWN = [f for f in FILTERS if f.widget]
HIDDEN = [f for f in FILTERS if not f.widget]


def _or_any(value):
    return ANY if value is None else value


def _filter_widget(f: Filter, _: Translate):
    """The widget of one filter, read back as the filter's value (a tuple when it takes
    several; None for "any"), worded in the page's language (``_``)."""
    no_model = f.needs == "models" and not models
    # Without ReaL labels a ReaL filter stays as the link has it: it keeps no image, which is
    # the truth about a source that has none (never every image).
    lacking = no_model or (f.needs == "real" and table.real is None)
    why = {"models": _("Load predictions in the sidebar first."),
           "real": _("This source has no ReaL labels.")}.get(f.needs or "")  # fmt: skip
    labels = f.options(_)
    placeholder = _(f.placeholder) if f.placeholder else f.placeholder
    help_text = why if lacking else (_(f.help) if f.help else None)
    # A filter of several values gets room for two of them side by side, in full (its chosen
    # values do not wrap: at 220 pixels "more than one accepted label" was cut to 14 letters).
    width = "stretch" if f.wide else (2 * WIDE if f.multiple else WIDE)
    if f.multiple:
        picked = widgets.multiselect(
            st, _(f.label), list(labels), format_func=lambda v: _(labels[v]), key=f"f_{f.name}",
            placeholder=placeholder, disabled=lacking, help=help_text, width=width,
        )  # fmt: skip
        return () if no_model else tuple(picked)
    picked = widgets.selectbox(
        st, _(f.label), [ANY, *labels],
        format_func=lambda v: _(labels[v]) if v in labels else _("any (no filter)"),
        key=f"f_{f.name}", disabled=lacking, help=help_text, width=width,
    )  # fmt: skip
    return None if no_model or picked == ANY else picked


page_header(translator()("Browse"), source, models)


# The view is a fragment: a filter, a sort or a page reruns it alone, not the sidebar and
# the rest of the app, so the browser redraws a third of the elements. A fragment's rerun
# does not pass through app.py's guard, so it has its own.
@st.fragment
def _fragment() -> None:
    guarded(_browse, "This page")


def _browse() -> None:
    _ = translator()
    params = query_params_dict()
    if not params and st.session_state.get(LAST_VIEW):
        # Browse opened bare (the sidebar, a Back to /browse): the session's last view, in
        # the URL too, so the filter a user set is never lost on the way back from an image.
        params = st.session_state[LAST_VIEW]
        st.query_params.from_dict(params)
    parsed = from_params(params, models, table, _)
    url_state = parsed.state.with_(image=None)

    # Widgets follow the URL whenever it changed since we last wrote it, and when Streamlit
    # has dropped their values (it does for a page's widgets while another page is shown:
    # without this, coming back from an image lost the filter). A change of language is
    # ui/widgets' (the chosen values set again, so the browser shows them in it).
    dropped = any(f"f_{f.name}" not in st.session_state for f in SHOWN)
    if dropped or st.session_state.get("browse_synced") != to_params(url_state):
        for f in SHOWN:
            value = getattr(url_state, f.name)
            st.session_state[f"f_{f.name}"] = list(value) if f.multiple else _or_any(value)
        st.session_state.f_model = url_state.model if url_state.model in models else FIRST
        st.session_state.f_sort = url_state.sort
        st.session_state.f_desc = url_state.descending
        st.session_state.f_size = url_state.page_size
        st.session_state.f_page = url_state.page
        st.session_state.browse_synced = to_params(url_state)

    show_problems(parsed.problems)

    # Two wrapping rows of widgets, not columns: a column is an element of its own, and every
    # element of the view is redrawn by the browser on each filter or page change. The first
    # row holds the filters on the images, the second what needs a model.
    panel = st.container(border=True)
    chosen = {}
    with panel.container(horizontal=True, wrap=True):
        for f in SHOWN:
            if f.needs != "models":
                chosen[f.name] = _filter_widget(f, _)
    with panel.container(horizontal=True, wrap=True, vertical_alignment="bottom"):
        for f in SHOWN:
            if f.needs == "models":
                chosen[f.name] = _filter_widget(f, _)
        f_model = widgets.selectbox(
            st,
            _("Model"),
            [FIRST, *models],
            format_func=lambda v: _(FIRST) if v == FIRST else v,
            key="f_model",
            disabled=not models,
            width=WIDE,
        )
        f_sort = widgets.selectbox(
            st,
            _("Sort by"),
            list(SORTS),
            format_func=lambda v: _(SORTS[v]),
            key="f_sort",
            width=WIDE,
        )
        st.toggle(_("Descending"), key="f_desc")

    # The widgets' checked values (ui.widgets), never their raw state: a crafted one is ignored.
    # Filters without a widget keep the link's value.
    state = url_state.with_(
        **{f.name: getattr(url_state, f.name) for f in FILTERS if not f.widget},
        **chosen,
        model=None if f_model == FIRST else f_model,
        sort=f_sort,
        descending=bool(st.session_state.f_desc),
        page_size=int(st.session_state.f_size),
        page=int(st.session_state.f_page),
    )
    # Filters set from other pages (a confusion, a comparison) have no widget: show them, with a
    # way out.
    extra = [f.describe(getattr(state, f.name), _) for f in HIDDEN]
    extra = [e for f, e in zip(HIDDEN, extra, strict=True) if f.is_set(getattr(state, f.name))]
    if state.verdict in PAIRED_VERDICTS and state.vs:
        extra.append(_("compared with: {model}").format(model=state.vs))
    if extra:

        def _clear_extra() -> None:
            # Runs before the next script run, so the URL (and with it the widgets) can change.
            for key in (*(f.key for f in HIDDEN), "vs"):
                if key in st.query_params:
                    del st.query_params[key]
            if st.query_params.get("verdict") in PAIRED_VERDICTS:
                del st.query_params["verdict"]
            st.session_state[LAST_VIEW] = query_params_dict()  # not brought back on a bare URL

        e1, e2 = st.columns([5, 1], vertical_alignment="center")
        e1.caption(md(_("Also filtered by ") + "; ".join(extra)))
        e2.button(_("Clear these"), on_click=_clear_extra)
    # A new filter or sort starts again at page 1.
    if state.with_(page=1, page_size=48) != url_state.with_(page=1, page_size=48):
        state = state.with_(page=1)
        st.session_state.f_page = 1

    state, evidence = suspect_view(source, models, state)
    rows = view_rows(table, models, state, evidence)
    page_rows, page, pages = page_of(rows, state.page, state.page_size)
    if page != state.page:
        if state.page > pages:
            st.info(
                _("Page {asked} does not exist; showing page {page} of {pages}.").format(
                    asked=state.page, page=page, pages=pages
                )
            )
        state = state.with_(page=page)
        st.session_state.f_page = page

    # The page and page size are chosen in the grid's own controls (ui/grid.py).
    st.markdown(
        _("**{shown}** of {total} images · page {page} of {pages}").format(
            shown=f"{len(rows):,}", total=f"{len(table):,}", page=page, pages=pages
        )
    )
    if state.sort == "confidence" and not any(m.scores is not None for m in models.values()):
        st.caption(_("No loaded model has scores: sorted by file name."))

    if len(rows):
        # The whole view (every image of the filter, not just this page), to take away; made
        # only when asked for, so paging and filtering never pay for it.
        def _records() -> list[dict]:
            return view_records(table, models, rows)

        row = st.container(horizontal=True, wrap=True, vertical_alignment="center")
        row.download_button(
            _("This view (CSV)"),
            lambda: view_csv(_records()).encode(),
            "browse_view.csv",
            "text/csv",
        )
        row.download_button(
            _("This view (JSON Lines)"),
            lambda: view_jsonl(_records()).encode(),
            "browse_view.jsonl",
            "application/jsonl",
        )
        row.page_link(
            LABELS_PAGE,
            label=_("Review these images' labels"),
            icon=":material/fact_check:",
            query_params=to_params(state.with_(page=1, image=None)),
        )
        if row.toggle(_("Show the file names to copy"), key="f_names"):
            st.code("\n".join(str(table.file_name[r]) for r in rows), language=None)

    if to_params(state) != to_params(url_state):
        st.session_state.browse_synced = to_params(state)
        st.query_params.from_dict(to_params(state))
    st.session_state[LAST_VIEW] = {
        k: v if isinstance(v, list) else [v] for k, v in to_params(state).items()
    }

    if not len(rows):
        st.info(_("No image matches these filters."))
    size = state.page_size
    previous = rows[max(0, (page - 2) * size) : (page - 1) * size]
    came_from = image_grid(
        source,
        models,
        page_rows.tolist(),
        state,
        key="browse_grid",
        columns=COLUMNS,
        label=_("Images of this view"),
        paging=Paging(
            page,
            pages,
            rows[page * size : (page + 1) * size].tolist(),
            page_key="f_page",
            size_key="f_size",
            prev_rows=previous.tolist(),
        ),
    )
    # The two pages after this one are made in the background while it is viewed: the grid
    # holds the next one ready, and paging on finds the one after made. So is the page before,
    # when this one was opened by a link or reached going back (paging forward, it was just
    # shown; after a jump, making it would only slow the next jump).
    prefetch_ahead(source, [str(table.file_name[r]) for r in rows[page * size : (page + 2) * size]])
    if came_from in (None, page + 1):
        prefetch_ahead(source, [str(table.file_name[r]) for r in previous])


_fragment()
