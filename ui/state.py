"""The opened source, shared by every page, and the sidebar that chooses it.

The source is opened through ``st.cache_resource`` (bounded: a few sources at once), so every
session and rerun shares one read-only table and reader. A source that fails to open leaves
the previous one in place and says why in the sidebar.
"""

from __future__ import annotations

import json

import streamlit as st

from data_access.errors import DataError
from data_access.i18n import N_
from data_access.predictions import Model
from data_access.sources.source import Source, open_source, source_state
from ui import revised, widgets
from ui.access import checked_path, path_fields_shown
from ui.build import build_once
from ui.cli_args import SourceParams, app_args
from ui.context import AppContext
from ui.language import language_selector, translator
from ui.models import init_specs, loaded_models, render_models_sidebar
from ui.render import prefetch_opening
from ui.text import md

SOURCE_LABELS = {
    "demo": N_("Demo (synthetic)"),
    "json": N_("Label JSON (+ images)"),
    "tfds": N_("Prepared TFDS build"),
}


def _kwargs(params: SourceParams) -> dict:
    return {
        "labels_json": params.labels_json or None,
        "images": params.images or None,
        "data_dir": params.data_dir or None,
        "index_root": params.index_root or None,
    }


@st.cache_resource(max_entries=4, show_spinner=False)
def _open_cached(params: SourceParams, stamp: str) -> Source:
    # Keyed by the source's fingerprint as well as its paths: a file changed while the server
    # runs gives new sessions a fresh open, not the counts of the old file.
    # No Streamlit element may be touched in here: cached functions replay their elements.
    return open_source(params.kind, **_kwargs(params))


def _open(params: SourceParams) -> Source:
    """Opens (or reuses) a source, with a progress bar while its index builds.

    The build runs outside the cached function so that the bar can move; the cached open
    then only loads the fresh index.
    """
    prepared: dict = st.session_state.setdefault("prepared_sources", {})
    # Checked once per session and source (stat calls): with an unwritable cache the index
    # never becomes current, and the build must not then repeat on every rerun.
    stamp = prepared.get(params)
    if stamp is None:
        current, fingerprint = source_state(params.kind, **_kwargs(params))
        stamp = json.dumps(fingerprint)
        if not current:
            _ = translator()
            bar = st.progress(0.0, text=_("Building the index (first open of this source)..."))

            def progress(done: int, total: int, message: str) -> None:
                frac = min(1.0, done / total) if total else 0.0
                text = f"{_(message)} ({done:,} / {total:,})" if total else _(message)
                bar.progress(frac, text=text)

            try:
                # In a thread of its own, so clicking another page does not restart it.
                build_once(
                    params,
                    lambda report: open_source(params.kind, progress=report, **_kwargs(params)),
                    progress,
                )
            finally:
                bar.empty()
    source = _open_cached(params, stamp)
    if params not in prepared:  # once per session and source (each page is made once)
        prefetch_opening(source)
    prepared[params] = stamp
    return source


def current_source() -> Source:
    """The source every page shows; opens the default (command line or demo) the first time."""
    if "source_params" not in st.session_state:
        args = app_args()
        st.session_state.source_params = args.params
        st.session_state.source_problem = args.problem
        st.session_state.cli_predictions = list(args.predictions)
        st.session_state.allowed_roots = args.roots
    params: SourceParams = st.session_state.source_params
    try:
        return _open(params)
    except DataError as e:
        # The command line (or an earlier choice) pointed at something unusable: fall back
        # to the demo and keep the message on screen.
        st.session_state.source_problem = e.redacted(translator())
        st.session_state.source_params = SourceParams()
        return _open(SourceParams())


def context() -> AppContext:
    """The run's :class:`AppContext`, for a page.

    The sidebar, which runs before every page, leaves it in the session for this run, so a
    page does not load the models a second time (if the sidebar failed, it is built here).
    """
    ctx = st.session_state.get("_run_context")
    if ctx is not None:
        return ctx
    source = current_source()
    return AppContext(source, loaded_models(source), app_args())


def _source_form(current: SourceParams, source: Source) -> Source:
    _ = translator()
    with st.form("source_form", border=False):
        kind = widgets.radio(
            st,
            _("Source"),
            list(SOURCE_LABELS),
            index=list(SOURCE_LABELS).index(current.kind),
            format_func=lambda k: _(SOURCE_LABELS[k]),
            key="source_kind",
        )
        labels_json = st.text_input(
            _("Label JSON path (json source)"),
            value=current.labels_json,
            placeholder="~/data/human_accuracy_v3.0.0.json",
            help=_(
                "A local copy of human_accuracy_v3.0.0.json. Leave empty to use the copy "
                "fetched by `python -m data_access download-labels`. With a TFDS build it is "
                "optional and only adds the problematic reasons, which TFDS does not keep."
            ),
        )
        images = st.text_input(
            _("Images: folder or ILSVRC2012_img_val.tar (optional)"),
            value=current.images,
            help=_("Without images the app shows labels and metrics only."),
        )
        data_dir = st.text_input(
            _("TFDS data_dir (tfds source)"),
            value=current.data_dir,
            placeholder="~/tensorflow_datasets",
        )
        submitted = st.form_submit_button(_("Open"), type="primary")
    if submitted:
        try:
            new = SourceParams(
                kind,
                checked_path(labels_json.strip(), "Label JSON path"),
                checked_path(images.strip(), "Images"),
                checked_path(data_dir.strip(), "TFDS data_dir"),
                current.index_root,
            )
            source = _open(new)
        except DataError as e:
            # Keep what was loaded; say why the new choice did not open. The server's files
            # never show their content to a visitor.
            st.session_state.source_problem = e.redacted(translator())
        else:
            st.session_state.source_params = new
            st.session_state.source_problem = None
    return source


def render_sidebar() -> tuple[Source, dict[str, Model]]:
    """The shared sidebar: data source picker, loaded models and a status line.

    Returns:
        The source to show (the newly opened one after a successful "Open") and its models.
    """
    st.session_state._run_context = None  # set again below, once this run's models are known
    source = current_source()
    _ = translator()
    with st.sidebar:
        st.subheader(_("Data source"))
        current: SourceParams = st.session_state.source_params
        if path_fields_shown():
            source = _source_form(current, source)
        else:
            st.caption(
                _(
                    "Server mode: the operator chose the source and the prediction files; "
                    "upload your own files or pick a shared one below."
                )
                if app_args().server_mode
                else _(
                    "The app is open to the network, so it opens no paths typed here: the "
                    "operator chooses the source on the command line."
                )
            )
        if st.session_state.get("source_problem"):
            st.error(md(st.session_state.source_problem), icon=":material/error:")
        init_specs(st.session_state.get("cli_predictions", []), source)
        models = loaded_models(source)
        st.divider()
        render_models_sidebar(source, models)
        revised.sidebar(source.table, app_args().revised_labels)
        st.divider()
        info = source.info()
        status = f"**{_(SOURCE_LABELS[source.kind])}** · " + _("{n} images").format(
            n=f"{info['images']:,}"
        )
        if not source.has_images:
            status += " · " + _("labels only")
        status += " · " + (
            _("{n} models").format(n=len(models)) if len(models) != 1 else _("1 model")
        )
        st.caption(status)
        if source.synthetic:
            # A badge, not coloured caption text: captions are drawn faded, and coloured text
            # in them falls under WCAG's 4.5:1 contrast.
            st.markdown(":orange-badge[" + _("Synthetic demo data, not ImageNet.") + "]")
        st.divider()
        language_selector()
    st.session_state._run_context = AppContext(source, models, app_args())
    return source, models
