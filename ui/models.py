"""Loaded models: the sidebar section that uploads, adds, renames and removes them.

A session keeps *specs* (name and file path, or a demo model), never the arrays: the arrays
come from a bounded ``st.cache_data`` keyed by the file and the source, so switching the data
source re-aligns every model to the new table, and a failed load never removes a loaded one.
Uploaded files are kept by ``data_access.uploads``: a private per-session folder under
the data folder, one copy per content, removed with their model.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import astuple
from pathlib import Path

import streamlit as st

from data_access import uploads
from data_access.bounded import Recent
from data_access.errors import DataError
from data_access.predictions import (
    Model,
    ReadOptions,
    default_name,
    load_predictions,
)
from data_access.sources.demo import DEMO_MODELS, DEMO_PREFIX, demo_model
from data_access.sources.source import Source
from ui.access import checked_path, path_fields_shown
from ui.language import translator
from ui.model_upload import queue, reading_options, render_pending, shared_picker
from ui.text import md, message_of

UPLOAD_TYPES = ["csv", "tsv", "txt", "json", "jsonl", "ndjson", "npy", "npz", "parquet"]


@st.cache_data(max_entries=64, show_spinner=False)
def _load_file(
    path: str, stamp: tuple, key: str, name: str, options: tuple, _source: Source
) -> Model:
    # The file's stat (size, mtime, change time, inode), the table's content key and the
    # reading options make the entry specific to this file version, table and reading.
    return load_predictions(path, _source.table, name=name, options=ReadOptions(*options))


# Refusals by (file version, table, reading): st.cache_data keeps no exceptions, and a pending
# file is shown on every rerun, so without this a refused file (a decompression bomb, a huge
# CSV) would be read again on each click. Bounded; a changed file or option is a new key.
_REFUSED: Recent[tuple, DataError] = Recent(256)


def _stamp(path: str, problem: str) -> tuple:
    """The file's version (size, mtime, change time, inode), for cache keys.

    Raises:
        DataError: it cannot be read (``problem``, then why).
    """
    try:
        st_ = os.stat(path)
    except OSError as e:
        raise DataError(path, f"{problem}: {e.strerror or e}") from e
    return (st_.st_size, st_.st_mtime_ns, st_.st_ctime_ns, st_.st_ino)


def load_file(path: str, name: str, options: ReadOptions, source: Source) -> Model:
    """A prediction file aligned to ``source`` (cached; a refusal too). Raises DataError."""
    stamp = _stamp(path, "cannot read")
    key = astuple(options)  # hashable and cheap: the cache key part for the reading
    memo = (path, stamp, source.table.content_key, key)
    refused = _REFUSED.get(memo)
    if refused is not None:
        raise refused
    try:
        model = _load_file(path, stamp, source.table.content_key, name, key, source)
    except DataError as e:
        _REFUSED.put(memo, e)
        raise
    return model.renamed(name)


@st.cache_data(max_entries=4, show_spinner=False)
def _demo_models(key: str, _source: Source) -> dict[str, Model]:
    return {name: demo_model(_source.table, name) for name in DEMO_MODELS}


def _specs() -> list[dict]:
    return st.session_state.setdefault("model_specs", [])


def init_specs(paths: list[tuple[str, dict]], source: Source) -> None:
    """Called once per session: command-line predictions, and the demo models on the demo."""
    if "model_specs" in st.session_state:
        return
    specs: list[dict] = []
    if source.synthetic:
        specs += [{"name": n, "path": DEMO_PREFIX + n} for n in DEMO_MODELS]
    taken = {s["name"] for s in specs}
    for p, options in paths:
        name = default_name(p, taken)
        taken.add(name)
        specs.append({"name": name, "path": str(Path(p).expanduser()), "options": options})
    st.session_state.model_specs = specs


def with_probabilities(spec: dict, source: Source) -> Model:
    """The spec's model read again with every class's probability (for the label-error
    scores; never kept in the model cache: 80 MB per model at full size)."""
    path = spec["path"]
    if path.startswith(DEMO_PREFIX):
        name = path[len(DEMO_PREFIX) :]
        return demo_model(source.table, name, keep_probabilities=True).renamed(spec["name"])
    options = ReadOptions(**spec.get("options", {}))
    return load_predictions(
        path, source.table, name=spec["name"], options=options, keep_probabilities=True
    )


def spec_key(spec: dict) -> tuple:
    """Changes whenever the spec's file, its reading or its name does (a cache key).

    Raises:
        DataError: the file is gone.
    """
    path = spec["path"]
    if path.startswith(DEMO_PREFIX):
        return (spec["name"], path)
    # Removed or moved since it was loaded: one line, not a traceback.
    stamp = _stamp(path, "cannot be read again")
    return (spec["name"], path, stamp, tuple(sorted(spec.get("options", {}).items())))


def active_specs(source: Source) -> list[dict]:
    """The specs of the models loaded for ``source``, in the sidebar's order."""
    return _active_specs(source)


def _active_specs(source: Source) -> list[dict]:
    """The specs that apply to ``source``: demo models wait, unshown, while a real source is
    open, and come back with the demo."""
    return [s for s in _specs() if source.synthetic or not s["path"].startswith(DEMO_PREFIX)]


def _load_spec(spec: dict, source: Source) -> Model:
    path = spec["path"]
    if path.startswith(DEMO_PREFIX):
        if not source.synthetic:
            raise DataError(spec["name"], "demo models only fit the demo source")
        return _demo_models(source.table.content_key, source)[path[len(DEMO_PREFIX) :]].renamed(
            spec["name"]
        )
    return load_file(path, spec["name"], ReadOptions(**spec.get("options", {})), source)


def loaded_models(source: Source) -> dict[str, Model]:
    """The session's models aligned to ``source``; problems are kept for the sidebar."""
    models: dict[str, Model] = {}
    problems = {}
    for spec in _active_specs(source):
        try:
            models[spec["name"]] = _load_spec(spec, source)
        except DataError as e:
            # A file from a server path never shows its content; the visitor's upload does.
            problems[spec["name"]] = e.message(
                hide_content=not is_upload(spec["path"]), _=translator()
            )
        except Exception as e:  # a bug or MemoryError in one file must not take the others
            problems[spec["name"]] = f"{spec['path']}: cannot be read ({type(e).__name__})"
    st.session_state.model_problems = problems
    return models


@st.cache_resource(show_spinner=False)
def _swept_once() -> int:
    """Uploads of sessions gone for a day are removed when the server starts (once)."""
    return uploads.sweep()


def upload_dir() -> Path:
    """This session's private upload folder, under the data folder."""
    if "upload_session" not in st.session_state:
        _swept_once()
        st.session_state.upload_session = uuid.uuid4().hex
    return uploads.session_folder(st.session_state.upload_session)


def is_upload(path: str) -> bool:
    """Whether ``path`` is this session's own upload, whose content its visitor may see
    (a file from a server path never shows its content in a message)."""
    return bool(path) and (uploads.is_in_memory(path) or Path(path).is_relative_to(upload_dir()))


def _app_args():
    from ui.cli_args import app_args

    return app_args()


def _server_mode() -> bool:
    return _app_args().server_mode


def held_uploads() -> uploads.SessionUploads:
    """What this session's uploads hold (released when the session goes: _sweep_gone)."""
    if "uploads_held" not in st.session_state:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        session_id = ctx.session_id if ctx else uuid.uuid4().hex
        st.session_state.uploads_held = uploads.SessionUploads(session_id)
    return st.session_state.uploads_held


def _session_alive(session_id: str) -> bool:
    """Whether the runtime still knows the session: connected, or disconnected within
    ``server.disconnectedSessionTTL`` (it may come back). Streamlit offers no public call for
    the second, so its session manager is asked when it has one."""
    from streamlit import runtime

    if not runtime.exists():
        return True
    manager = getattr(runtime.get_instance(), "_session_mgr", None)
    if manager is not None and hasattr(manager, "get_session_info"):
        return manager.get_session_info(session_id) is not None
    return runtime.get_instance().is_active_session(session_id)


def _sweep_gone() -> None:
    """On every run: the in-memory uploads of sessions that are gone are released."""
    try:
        uploads.sweep_sessions(_session_alive)
    except Exception:  # never let housekeeping fail a visitor's page
        logging.getLogger(__name__).exception("upload sweep failed")


def _release(path: str) -> None:
    """Lets an upload go once nothing of the session uses it (file or memory)."""
    if path in in_use():
        return
    held_uploads().discard(path)
    if uploads.is_in_memory(path):
        uploads.release_memory(path)
    else:
        uploads.release(Path(path), upload_dir(), in_use())


def in_use() -> set[str]:
    """Paths the session's models and pending files still use."""
    pending = st.session_state.get("pending_models", [])
    return {s["path"] for s in _specs()} | {p["path"] for p in pending}


def _taken() -> set[str]:
    return {s["name"] for s in _specs()} | {
        p["name"] for p in st.session_state.get("pending_models", [])
    }


def render_models_sidebar(source: Source, models: dict[str, Model]) -> None:
    """Upload, add by path, rename, remove; demo models one click away."""
    _ = translator()
    st.subheader(_("Models"))
    _sweep_gone()
    errors: list[str] = st.session_state.setdefault("model_errors", [])
    files = st.file_uploader(
        _("Upload prediction files"),
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"uploader_{st.session_state.get('uploader_generation', 0)}",
        help=_(
            "What timm, Hugging Face, Keras, torchvision or NumPy write: CSV/TSV, JSON, "
            "JSON Lines, Parquet, .npy/.npz. Each file's reading is shown before it is added. "
            "Several at once."
        ),
    )
    if files:
        errors.clear()
        args = _app_args()
        for up in files:
            try:
                uploads.admit(
                    held_uploads(),
                    up.name,
                    up.size,
                    args.session_upload_limit,
                    args.server_upload_limit,
                )
            except uploads.UploadLimitError as e:
                errors.append(message_of(e))
                continue
            try:
                # Server mode: nothing a visitor sends is written to the server's disks.
                target = (
                    uploads.store_in_memory(up.name, up.getvalue())
                    if _server_mode() and uploads.memory_supported()
                    else uploads.store(upload_dir(), up.name, up.getvalue())
                )
            except OSError as e:
                errors.append(f"{up.name}: cannot be kept on the server ({e.strerror or e})")
                continue
            held_uploads().add(target, up.size)
            name = default_name(uploads.safe_upload_name(up.name), _taken())
            queue(str(target), name, uploaded=True)
        # A new uploader key empties the widget, so the same files are not queued twice.
        st.session_state.uploader_generation = st.session_state.get("uploader_generation", 0) + 1
        st.rerun()
    if path_fields_shown():
        with st.form("add_path", border=False, clear_on_submit=True):
            label = _("Add a prediction file by path")
            path = st.text_input(label, placeholder="/data/preds/vit.npy")
            if st.form_submit_button(_("Add")) and path.strip():
                errors.clear()
                try:
                    full = checked_path(path.strip(), label)
                except DataError as e:
                    errors.append(message_of(e))
                else:
                    queue(full, default_name(full, _taken()), uploaded=False)
                    st.rerun()  # so its summary shows
    shared_picker(errors, UPLOAD_TYPES, _taken)
    options = reading_options()
    render_pending(
        options,
        lambda path, name, opts: load_file(path, name, opts, source),
        _specs().append,
        _release,
    )
    no_demo = not any(s["path"].startswith(DEMO_PREFIX) for s in _specs())
    if source.synthetic and no_demo and st.button(_("Load the demo models")):
        taken = {s["name"] for s in _specs()}
        _specs().extend({"name": n, "path": DEMO_PREFIX + n} for n in DEMO_MODELS if n not in taken)
        st.rerun()
    for e in errors:
        st.error(md(e), icon=":material/error:")
    for name, problem in st.session_state.get("model_problems", {}).items():
        st.warning(md(f"{name}: {problem}"), icon=":material/warning:")
    for k, spec in enumerate(_active_specs(source)):
        model = models.get(spec["name"])
        cols = st.columns([5, 1], vertical_alignment="bottom")
        new = cols[0].text_input(
            _("Model name"),
            value=spec["name"],
            key=f"model_name_{k}_{spec['path']}",
            label_visibility="collapsed",
        )
        # Tertiary: a button without padding, so the ✕ has the narrow column's whole width
        # (a secondary button's padding left it 6 px of the 25 it needs: a broken glyph).
        if cols[1].button(
            "✕",
            key=f"remove_{k}_{spec['path']}",
            help=_("Remove {name}").format(name=spec["name"]),
            type="tertiary",
        ):
            _specs().remove(spec)
            _release(spec["path"])
            st.rerun()
        new = new.strip()
        if new and new != spec["name"]:
            if new in {s["name"] for s in _specs()}:
                st.error(md(f"{new!r} is already a model name"))
            else:
                spec["name"] = new
                st.rerun()
        if model is not None and model.notes:
            notes = model.shown_notes(hide_content=not is_upload(model.source), _=translator())
            st.caption(md(notes[0]))
