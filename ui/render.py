"""Shared pieces of the pages: label chips, verdict badges, pictures, cached numbers.

Every name, label and file name goes through :func:`ui.text.md`, so it shows as typed and is
never interpreted as HTML or Markdown.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import streamlit as st

from data_access.analysis.real import DISAGREEMENTS
from data_access.annotations import AnnotationTable
from data_access.browse import records as views
from data_access.browse.records import Chip, image_description
from data_access.browse.view import DEFAULT_PAGE_SIZE, BrowseState, view_rows
from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.i18n import Translate
from data_access.predictions import Model
from data_access.schema import LABEL_SETS
from data_access.sources.images import check_image
from data_access.sources.source import Source
from ui.cache import evaluate_cached
from ui.language import translator
from ui.text import md

log = logging.getLogger(__name__)


# Streamlit badge colours per chip kind (data_access.browse.records.Chip); the chip's text carries
# its mark, so the state is never told by colour alone.
CHIP_COLORS = {
    "correct": "green",
    "unclear": "orange",
    "wrong": "red",
    "problematic": "gray",
    "imagenet_m": "violet",
    "real": "blue",
    "none": "gray",
}


def chips_markdown(chips: list[Chip]) -> str:
    """Chips as Streamlit Markdown badges ("+N more" ones as plain coloured text)."""
    return " ".join(
        f":{CHIP_COLORS[c.kind]}[{md(c.text)}]"
        if c.folded
        else f":{CHIP_COLORS[c.kind]}-badge[{md(c.text)}]"
        for c in chips
    )


def label_chips(table: AnnotationTable, row: int) -> tuple[str, str]:
    """(Markdown chips, hover text): correct green ✓, unclear amber ?, wrong red ✗ (folded)."""
    c, _ = load_classes(), translator()
    hover = "\n".join(
        f"{_(s.name)}: {c.names[k]} ({c.wnids[k]})"
        for s in LABEL_SETS
        for k in getattr(table, s.field).row(row).tolist()
    )
    return chips_markdown(views.label_chips(table, row, _)), hover or _("no labels")


def metric_under_text(where, label: str, value: str) -> None:
    """A metric whose label may be long (a sentence, a timm model name): the label as text
    above the number, where it wraps; the metric's own label, one line that Streamlit cuts
    short, is collapsed (it still names the metric)."""
    where.markdown(md(label))
    where.metric(md(label), value, label_visibility="collapsed")


def original_label_line(table: AnnotationTable, row: int) -> None:
    """The image's original ImageNet label, by name and wnid."""
    c, _ = load_classes(), translator()
    orig = int(table.original_label[row])
    st.markdown(
        _("**Original label:** {label}").format(label=md(c.names[orig])) + f" `{c.wnids[orig]}`"
    )


def image_heading(table: AnnotationTable, row: int) -> None:
    """A reviewed image's heading: its file name, its original label and its label sets as
    chips (each chip's class and wnid on hover)."""
    st.markdown(f"### {md(str(table.file_name[row]))}")
    original_label_line(table, row)
    chips, hover = label_chips(table, row)
    st.markdown(chips, help=hover)


def real_line(table: AnnotationTable, row: int) -> None:
    """The image's ReaL labels (a second opinion) as one line in their colour, when the source
    has them: coloured text, not a badge, because a badge is one line and cut a long class
    name short beside the picture at 1024 pixels wide."""
    chips = views.real_chips(table, row, translator())
    if chips:
        st.markdown(f":{CHIP_COLORS['real']}[{md(chips[0].text)}]", help=chips[0].title)


def real_section(table: AnnotationTable, row: int) -> None:
    """The image's ReaL labels beside the experts' judgement of each, and how the two
    re-annotations disagree on it."""
    import pandas as pd

    c, _ = load_classes(), translator()
    st.subheader(_("ReaL labels (a second opinion)"))
    ks = [k for k in table.real_rows[row].tolist() if k >= 0]
    if ks:
        st.dataframe(
            pd.DataFrame(
                {
                    _("class"): [c.names[k] for k in ks],
                    "wnid": [c.wnids[k] for k in ks],
                    _("index"): ks,
                    _("experts"): [_(table.verdict(row, k)) for k in ks],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption(_("ReaL left this image out: no label fits."))
    kinds = [k for k, mask in table.real_disagreements.items() if mask[row]]
    if kinds:
        disagree = "; ".join(_(DISAGREEMENTS[k]) for k in kinds)
        st.markdown(_("**Experts and ReaL disagree:** ") + disagree)
    st.caption(md(_(table.real.citation)))


def badges(table: AnnotationTable, row: int, models: dict[str, Model]) -> str:
    """Problematic / ImageNet-M badges and one verdict badge per loaded model."""
    return chips_markdown(views.flag_chips(table, row, models, translator()))


def _lower_priority() -> None:
    """The background thread yields the CPU to the pages being made (Linux sets a nice
    value per thread; elsewhere this does nothing)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


_ahead = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="thumbnails-ahead", initializer=_lower_priority
)
# The pages asked for, with the background's work on each. A page is known by its
# thumbnail cache and its list's ends and length (two views' pages may start with one image).
_asked: dict[tuple[int, str, str, int], Future] = {}


def _make_quietly(thumbs, names: list[str]) -> None:
    """Makes the thumbnails and keeps none of them here: the work's Future is kept in
    ``_asked``, and a result would hold a page of pictures (~340 KB) for each page asked."""
    thumbs.many(names, 1)


def prefetch_ahead(source: Source, names: list[str]) -> None:
    """Makes the next pages' thumbnails in the background while this one is viewed, so
    paging on finds them cached (one thread per process). A page is asked for again only
    when its work has ended and some of its thumbnails are gone (the demo's memory cache
    keeps the last thousand): a page asked for once is not always a page still held."""
    if not names or not source.has_images:
        return
    key = (id(source.thumbs), names[0], names[-1], len(names))
    work = _asked.get(key)
    # Still being made, or made and still held: nothing to do. (A cache given a dead one's
    # id finds its pages not held, and makes them.)
    if work is not None and (not work.done() or source.thumbs.all_cached(names)):
        return
    if len(_asked) > 10_000:
        _asked.clear()
    _asked[key] = _ahead.submit(_make_quietly, source.thumbs, names)


def prefetch_opening(source: Source) -> None:
    """The pictures a visit starts with, made in the background once a source is open:
    ImageNet-M's 68 and the default Browse view's first two pages (~160 thumbnails, about
    half a second of one low-priority thread), so neither page's first load waits for them."""
    table = source.table
    prefetch_ahead(source, [str(n) for n in table.file_name[np.flatnonzero(table.in_imagenet_m)]])
    first = view_rows(table, {}, BrowseState())[: 2 * DEFAULT_PAGE_SIZE]
    prefetch_ahead(source, [str(table.file_name[r]) for r in first])


def data_url(data: bytes) -> str:
    """A picture that :func:`check_image` passed (JPEG, PNG or WebP) as a data URL, for the
    grids and the viewer, which carry their pictures inline."""
    mime = "png" if data[:4] == b"\x89PNG" else "webp" if data[8:12] == b"WEBP" else "jpeg"
    return f"data:image/{mime};base64," + base64.b64encode(data).decode("ascii")


def no_picture(error: Exception, _: Translate, escape: Callable[[str], str] = str) -> str:
    """One line saying why there is no picture: a refusal's problem in the page's language
    (``_``), or only the error's type for anything else (never a traceback); ``escape``: how
    the reason is made safe where it is shown (:func:`ui.text.md` for Markdown)."""
    why = _(error.problem) if isinstance(error, DataError) else type(error).__name__
    return _("No picture: {why}").format(why=escape(why))


def show_image(source: Source, file_name: str) -> None:
    """The full-size picture with its text alternative, or one line saying why not (the
    grids show thumbnails themselves, ui/grid.py)."""
    if not source.has_images:
        st.caption("no image: labels only")
        return
    try:
        data = check_image(source.image_bytes(file_name), file_name)
        row = source.table.row_of.get(file_name)
        alt = image_description(source.table, row, translator()) if row is not None else file_name
        st.image(data, width="content", alt=alt, caption=photo_caption(source, file_name))
    except Exception as e:
        if not isinstance(e, DataError):
            log.warning("cannot show %s: %r", file_name, e)
        st.caption(no_picture(e, translator(), md))


def demo_photos(source: Source) -> tuple[str, ...]:
    """The images the demo shows as real photographs (none on a real source)."""
    from data_access.sources.demo import DEMO_PHOTOS

    return tuple(DEMO_PHOTOS) if source.synthetic else ()


def photo_caption(source: Source, file_name: str, revealed: bool = True) -> str | None:
    """The picture's caption: its file name once ``revealed``, and a demo photograph's
    credit (its subject only once revealed: the title would give the answer away)."""
    from data_access.sources.demo import DEMO_PHOTOS

    photo = DEMO_PHOTOS.get(file_name) if source.synthetic else None
    if photo is None:
        return file_name if revealed else None
    credit = f"Photo: {photo.credit}"
    return f"{file_name} · {photo.title}. {credit}" if revealed else credit


DASH = "—"

# For every page: the upload field's list of file types wraps in the narrow sidebar instead of
# being cut off ("... JSONL, NDJSON, NPY, NP…").
APP_CSS = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] span {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
</style>
"""


def missing_as_dash(frame, number_format: str) -> tuple:
    """``frame`` for display: each numeric column with a missing value (None, NaN) as text,
    the missing ones an em dash and the others in ``number_format`` (a table never shows
    "None" or "nan"); and the names of the columns so changed (for a TextColumn config)."""
    import pandas as pd

    shown = frame.copy()
    changed = []
    for column in frame.columns:
        values = frame[column]
        present = values.dropna().tolist()
        if len(present) == len(values) or not all(isinstance(v, int | float) for v in present):
            continue  # nothing missing, or not a column of numbers
        shown[column] = [DASH if pd.isna(v) else number_format % v for v in values.tolist()]
        changed.append(column)
    return shown, changed


def query_params_dict() -> dict[str, list[str]]:
    """The URL's query parameters, keeping repeated keys as lists."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def show_problems(problems: list[str]) -> None:
    for p in problems:
        st.warning(md(p), icon=":material/link_off:")


def page_header(title: str, source: Source, models: Mapping[str, Model] | None) -> None:
    """A page's title, then the banners every page that shows data carries: the source is
    synthetic; a model is scored although its predictions look impossible (``models`` None:
    the page explains that where it shows the numbers)."""
    st.title(title)
    synthetic_banner(source)
    if models is not None:
        implausible_banner(models)


def synthetic_banner(source: Source) -> None:
    if source.synthetic:
        st.warning(
            translator()(
                "**Synthetic demo data.** The labels, pictures and demo models are generated; "
                "they only have the shape of the real `imagenet2012_multilabel` split. Open a "
                "real source in the sidebar."
            ),
            icon=":material/science:",
        )


def implausible_banner(models: Mapping[str, Model]) -> None:
    """A model scored on the user's word although its predictions look impossible (chance
    agreement, or the ground truth) is named above every page that shows its numbers."""
    for m in models.values():
        if m.implausible:
            st.warning(f"**{md(m.name)}** — {md(m.implausible)}", icon=":material/report:")


def headline_table(source: Source, models: dict[str, Model]):
    """One row per model: the headline with its interval and the main companions."""
    import pandas as pd

    _ = translator()
    rows = []
    for m in models.values():
        e = evaluate_cached(source.table, m)
        rows.append(
            {
                _("model"): m.name,
                _("multi-label accuracy"): f"{100 * e.multilabel_accuracy:.2f}",
                _("95% CI"): f"{100 * e.ci95[0]:.2f}–{100 * e.ci95[1]:.2f}",
                _("original top-1 (same images)"): f"{100 * e.top1_accuracy:.2f}",
                "ImageNet-M": f"{e.imagenet_m_correct}/{e.imagenet_m_total}",
                _("coverage"): f"{100 * e.coverage:.1f}%",
            }
        )
    return pd.DataFrame(rows)


def first_rows(table: AnnotationTable, mask: np.ndarray, k: int = 1) -> list[int]:
    return np.flatnonzero(mask)[:k].tolist()


def no_models_prompt(source: Source) -> None:
    """What a metrics page says with no model loaded: where to load one."""
    _ = translator()
    st.info(_("No predictions loaded. Upload prediction files or add one by path in the sidebar."))
    if source.synthetic:
        st.caption(_("On the demo, *Load the demo models* in the sidebar brings three back."))
