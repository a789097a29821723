"""Shared pieces of the pages: label chips, verdict badges, image tiles, cached numbers.

Every name, label and file name goes through :func:`ui.text.md`, so it shows as typed and is
never interpreted as HTML or Markdown.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import streamlit as st

from data_access.annotations import AnnotationTable
from data_access.browse import BrowseState, to_params
from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.images import check_image
from data_access.predictions import Model
from data_access.schema import LABEL_SETS, NO_PREDICTION, verdict, verdict_is_right
from data_access.sources import Source
from data_access.views import image_description
from ui.cache import evaluate_cached
from ui.text import md

log = logging.getLogger(__name__)

IMAGE_PAGE = "app_pages/image.py"
BROWSE_PAGE = "app_pages/browse.py"
MAX_WRONG_CHIPS = 3


SET_COLORS = {"correct": "green", "unclear": "orange", "wrong": "red"}
# The set is never told by colour alone (WCAG 1.4.1): each chip carries a mark too.
SET_MARKS = {"correct": "✓", "unclear": "?", "wrong": "✗"}


def _chips(set_name: str, classes: list[int]) -> str:
    names = load_classes().names
    color, mark = SET_COLORS[set_name], SET_MARKS[set_name]
    return " ".join(f":{color}-badge[{mark} {md(names[c])}]" for c in classes)


def label_chips(table: AnnotationTable, row: int) -> tuple[str, str]:
    """(Markdown chips, hover text): correct green ✓, unclear amber ?, wrong red ✗ (folded)."""
    c = load_classes()
    sets = {s.name: getattr(table, s.field).row(row).tolist() for s in LABEL_SETS}
    parts = []
    for s in LABEL_SETS:
        ks = sets[s.name]
        shown = ks if s.accepted else ks[:MAX_WRONG_CHIPS]  # rejected labels are folded
        if shown:
            parts.append(_chips(s.name, shown))
        if len(ks) > len(shown):
            parts.append(f":{SET_COLORS[s.name]}[+{len(ks) - len(shown)} more {s.name}]")
    if not parts:
        parts.append(":gray-badge[no labels]")
    hover = "\n".join(
        f"{kind}: {c.names[k]} ({c.wnids[k]})" for kind, ks in sets.items() for k in ks
    )
    return " ".join(parts), hover or "no labels"


def verdict_of(table: AnnotationTable, row: int, cls: int) -> str:
    """How the experts judged class ``cls`` for the image (see :func:`schema.verdict`)."""
    return verdict(int(table.label_state[row, cls]) if cls >= 0 else 0, cls)


def badges(table: AnnotationTable, row: int, models: dict[str, Model]) -> str:
    """Problematic / ImageNet-M badges and one verdict badge per loaded model."""
    names = load_classes().names
    out = []
    if table.is_problematic[row]:
        out.append(":gray-badge[problematic]")
    if table.in_imagenet_m[row]:
        out.append(":violet-badge[ImageNet-M]")
    for name, m in models.items():
        pred = int(m.top1[row])
        v = verdict_of(table, row, pred)
        color = SET_COLORS[v] if verdict_is_right(v) else "red"
        mark = "✓" if verdict_is_right(v) else "✗"
        shown = names[pred] if pred >= 0 else NO_PREDICTION
        out.append(f":{color}-badge[{mark} {md(name)}: {md(shown)}]")
    return " ".join(out)


def prefetch_thumbnails(source: Source, names: list[str]) -> None:
    """Makes the page's missing thumbnails now (tiles then read them from the on-disk cache;
    errors surface later, per tile)."""
    source.make_thumbnails(names)


_ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbnails-ahead")
_asked: set[tuple[str, str]] = set()


def prefetch_ahead(source: Source, names: list[str]) -> None:
    """Makes the next page's thumbnails in the background while this one is viewed, so
    paging on finds them cached (one thread per process, each page asked for once)."""
    if not names or not source.has_images or source.index_dir is None:
        return
    key = (str(source.index_dir), names[0])
    if key in _asked:
        return
    if len(_asked) > 10_000:
        _asked.clear()
    _asked.add(key)
    _ahead.submit(source.make_thumbnails, names, 1)


def show_image(source: Source, file_name: str, thumbnail: bool = True) -> None:
    if not source.has_images:
        st.caption("no image: labels only")
        return
    try:
        if thumbnail:
            data = source.thumbnail(file_name)
        else:
            data = check_image(source.image_bytes(file_name), file_name)
        row = source.table.row_of.get(file_name)
        alt = image_description(source.table, row) if row is not None else file_name
        st.image(data, width="stretch" if thumbnail else "content", alt=alt)
    except DataError as e:
        st.caption(f"No picture: {md(e.problem)}")
    except Exception as e:
        log.warning("cannot show %s: %r", file_name, e)
        st.caption(f"No picture: {md(type(e).__name__)}")


def tile(source: Source, models: dict[str, Model], row: int, state: BrowseState, key: str) -> None:
    """One Browse tile: thumbnail, original label, label chips, badges, a Details button."""
    table = source.table
    c = load_classes()
    name = str(table.file_name[row])
    orig = int(table.original_label[row])
    chips, hover = label_chips(table, row)
    b = badges(table, row, models)
    # One Markdown element for all the text: a page of 48 tiles stays a few hundred elements.
    text = f"**{md(c.names[orig])}**  \n:gray[{md(name)}]  \n{chips}" + (f"  \n{b}" if b else "")
    with st.container(border=True):
        show_image(source, name)
        st.markdown(text, help=f"original label: {c.names[orig]} ({c.wnids[orig]})\n\n{hover}")
        if st.button("Details", key=f"{key}_{name}", width="stretch"):
            st.switch_page(IMAGE_PAGE, query_params=to_params(state.with_(image=name)))


def query_params_dict() -> dict[str, list[str]]:
    """The URL's query parameters, keeping repeated keys as lists."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def show_problems(problems: list[str]) -> None:
    for p in problems:
        st.warning(md(p), icon=":material/link_off:")


def synthetic_banner(source: Source) -> None:
    if source.synthetic:
        st.warning(
            "**Synthetic demo data.** The labels, pictures and demo models are generated; they "
            "only have the shape of the real `imagenet2012_multilabel` split. Open a real "
            "source in the sidebar.",
            icon=":material/science:",
        )


def headline_table(source: Source, models: dict[str, Model]):
    """One row per model: the headline with its interval and the main companions."""
    import pandas as pd

    rows = []
    for m in models.values():
        e = evaluate_cached(source.table, m)
        rows.append(
            {
                "model": m.name,
                "multi-label accuracy": f"{100 * e['multilabel_accuracy']:.2f}",
                "95% CI": f"{100 * e['ci95'][0]:.2f}–{100 * e['ci95'][1]:.2f}",
                "original top-1 (same images)": f"{100 * e['top1_accuracy']:.2f}",
                "ImageNet-M": f"{e['imagenet_m_correct']}/{e['imagenet_m_total']}",
                "coverage": f"{100 * e['coverage']:.1f}%",
            }
        )
    return pd.DataFrame(rows)


def first_rows(table: AnnotationTable, mask: np.ndarray, k: int = 1) -> list[int]:
    return np.flatnonzero(mask)[:k].tolist()


def no_models_prompt(source: Source) -> None:
    """What a metrics page says with no model loaded: where to load one."""
    st.info("No predictions loaded. Upload prediction files or add one by path in the sidebar.")
    if source.synthetic:
        st.caption("On the demo, *Load the demo models* in the sidebar brings three back.")
