"""A revised label file scored beside the original: from ``--revised-labels FILE``, the
sidebar's upload, or the Labels page's "Score every model against it".

The file's bytes stay in the session (the revised table is parsed once per content and
source, in a bounded cache); a file that is not a label file of the opened images is refused
with one line in the sidebar and the previous choice is kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from data_access.analysis.rescore import (
    Rescored,
    changed_images,
    ranking_change,
    rescore,
    revised_table,
)
from data_access.annotations import AnnotationTable
from data_access.browse.url import to_params
from data_access.browse.view import BrowseState
from data_access.classes import validation_position
from data_access.errors import DataError
from data_access.i18n import N_
from data_access.predictions import Model
from data_access.sources.labels_json import MAX_LABEL_JSON_BYTES, load_json_bytes
from ui.cache import model_key
from ui.language import translator
from ui.text import md

KEY = "revised_labels"  # session: {"name", "data": bytes, "digest"}
PROBLEM = "revised_problem"
LINK_LIMIT = 1000  # changed images a Browse link lists (a longer URL: use the changelog)


@dataclass(frozen=True)
class Revised:
    """The revised labels in use: the file's name, its table aligned to the source's, and
    the rows it changed."""

    name: str
    table: AnnotationTable
    changed: object  # int64 array of rows


@st.cache_resource(max_entries=2, show_spinner="Reading the revised labels...")
def _parsed(
    digest: str, source_key: str, name: str, _data: bytes, _original: AnnotationTable
) -> Revised:
    # The changed rows once per file and source: the sidebar asks on every run of every page.
    table = revised_table(_original, load_json_bytes(_data, name), name)
    return Revised(name, table, changed_images(_original, table))


def use(name: str, data: bytes, original: AnnotationTable) -> None:
    """Scores every model against ``data`` from now on, if it is a revised file of the opened
    images.

    Raises:
        DataError: it is not (the previous choice stays).
    """
    digest = hashlib.sha256(data).hexdigest()
    _parsed(digest, original.content_key, name, data, original)  # checked before it is kept
    st.session_state[KEY] = {"name": name, "data": data, "digest": digest}
    st.session_state[PROBLEM] = None


HELD = "revised labels"  # its entry among the session's uploads (counted against the limits)


def clear() -> None:
    st.session_state[KEY] = None
    from ui.models import held_uploads

    held_uploads().discard(HELD)


def current(original: AnnotationTable, cli_path: str = "") -> Revised | None:
    """The revised labels in use for this source, or None."""
    if KEY not in st.session_state:
        st.session_state[KEY] = None
        if cli_path:  # the operator's command line, once per session
            try:
                path = Path(cli_path).expanduser()
                if path.stat().st_size > MAX_LABEL_JSON_BYTES:
                    raise DataError(path, "larger than the label JSON file can be")
                use(path.name, path.read_bytes(), original)
            except OSError as e:
                st.session_state[PROBLEM] = f"{cli_path}: cannot read: {e.strerror or e}"
            except DataError as e:
                st.session_state[PROBLEM] = e.redacted(translator())
    entry = st.session_state.get(KEY)
    if not entry:
        return None
    try:
        return _parsed(
            entry["digest"], original.content_key, entry["name"], entry["data"], original
        )
    except DataError as e:  # another source is open now: the file does not fit it
        st.session_state[PROBLEM] = e.redacted(translator())
        clear()
        return None


def _upload(up, original: AnnotationTable) -> None:
    """An uploaded revised file, held in the session like a prediction upload: counted
    against the session's and the server's upload limits, replacing the previous one."""
    from data_access import uploads
    from ui.cli_args import app_args
    from ui.models import held_uploads

    held, args = held_uploads(), app_args()
    previous = held.held.pop(HELD, 0)
    try:
        uploads.admit(held, up.name, up.size, args.session_upload_limit, args.server_upload_limit)
        use(up.name, up.getvalue(), original)
    except DataError as e:
        if previous:
            held.add(HELD, previous)
        st.session_state[PROBLEM] = e.redacted(translator())
        return
    held.add(HELD, up.size)
    st.rerun()


def sidebar(original: AnnotationTable, cli_path: str) -> None:
    """The sidebar's "Revised labels" part: what is in use, an upload, and a way back."""
    revised = current(original, cli_path)
    _ = translator()
    with st.expander(_("Revised labels"), expanded=revised is not None):
        if revised is not None:
            st.caption(
                _("Every model is also scored against **{name}** ({n} images changed).").format(
                    name=md(revised.name), n=f"{len(revised.changed):,}"
                )
            )
            st.button(_("Stop using it"), on_click=clear, key="revised_clear")
        up = st.file_uploader(
            _("A revised label JSON (from Labels, or `labels revise`)"),
            type=["json"],
            key="revised_upload",
            help=_("The accuracy pages then show each model under both files."),
        )
        if up is not None and up.file_id != st.session_state.get("revised_upload_seen"):
            st.session_state.revised_upload_seen = up.file_id
            _upload(up, original)
        if st.session_state.get(PROBLEM):
            st.error(md(st.session_state[PROBLEM]), icon=":material/error:")


# The re-scoring table's columns, as the page shows them.
COLUMNS = {
    "model": N_("model"),
    "solved (original)": N_("solved (original)"),
    "solved (revised)": N_("solved (revised)"),
    "original": N_("original"),
    "revised": N_("revised"),
    "change (points)": N_("change (points)"),
    "95% interval of the change": N_("95% interval of the change"),
    "now right": N_("now right"),
    "now wrong": N_("now wrong"),
    "newly problematic": N_("newly problematic"),
    "no longer problematic": N_("no longer problematic"),
}


@st.cache_data(
    max_entries=32,
    show_spinner=False,
    hash_funcs={AnnotationTable: lambda t: t.content_key, Model: model_key},
)
def _rescored(
    original: AnnotationTable, revised: AnnotationTable, models: tuple[Model, ...]
) -> list[Rescored]:
    return rescore(original, revised, {m.name: m for m in models})


def rescore_section(
    original: AnnotationTable, models: dict[str, Model], cli_path: str, imagenet_m: bool = False
) -> None:
    """Every loaded model under the original and the revised labels (when one is in use):
    the change with its paired interval, the images that changed (a Browse link), and
    whether the ranking changes. ``imagenet_m``: the ImageNet-M scores instead."""
    from ui.pages import BROWSE_PAGE

    revised = current(original, cli_path)
    if revised is None or not models:
        return
    _ = translator()
    st.subheader(_("Under the revised labels: {name}").format(name=revised.name))
    results = _rescored(original, revised.table, tuple(models.values()))
    if imagenet_m:
        frame = pd.DataFrame(
            [
                {
                    "model": r.model,
                    "solved (original)": r.imagenet_m_original,
                    "solved (revised)": r.imagenet_m_revised,
                }
                for r in results
            ]
        )
    else:
        frame = pd.DataFrame(
            [
                {
                    "model": r.model,
                    "original": 100 * r.original,
                    "revised": 100 * r.revised,
                    "change (points)": 100 * r.change,
                    "95% interval of the change": _("{low} to {high}").format(
                        low=f"{100 * r.change_low:+.3f}", high=f"{100 * r.change_high:+.3f}"
                    ),
                    "now right": r.now_right,
                    "now wrong": r.now_wrong,
                    "newly problematic": r.now_excluded,
                    "no longer problematic": r.now_included,
                }
                for r in results
            ]
        )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        # The frame keeps its English names (as the CLI prints them); the page shows its own.
        column_config={
            **{k: st.column_config.Column(_(COLUMNS[k])) for k in frame},
            **{
                k: st.column_config.NumberColumn(_(COLUMNS[k]), format="%.3f")
                for k in ("original", "revised", "change (points)")
                if k in frame
            },
        },
    )
    ranking = ranking_change(results)
    tau = ranking["kendall_tau"]
    swaps = "; ".join(
        _("{a} falls below {b}").format(a=md(a), b=md(b)) for a, b in ranking["swaps"]
    )
    st.caption(
        _(
            "Ranking of the {n} models: Kendall's tau {tau}; {swaps}. Interval: paired "
            "bootstrap, images resampled within their class."
        ).format(
            n=len(results),
            tau=_("n/a") if tau != tau else f"{tau:.3f}",
            swaps=swaps or _("no pair swaps"),
        )
    )
    changed = revised.changed
    if 0 < len(changed) <= LINK_LIMIT:
        numbers = tuple(validation_position(str(original.file_name[r])) + 1 for r in changed)
        st.page_link(
            BROWSE_PAGE,
            label=_("Show the {n} changed images in Browse").format(n=f"{len(changed):,}"),
            query_params=to_params(BrowseState(images=numbers)),
        )
    elif len(changed):
        st.caption(
            _("{n} images changed: too many for a link; see the changelog.").format(
                n=f"{len(changed):,}"
            )
        )
