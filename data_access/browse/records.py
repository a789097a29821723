"""A view's images in words and tables: what a tile shows (its chips, in words), the text
alternative of a picture, and a whole Browse view (every image of the filter, not just the
page) as rows for CSV or JSON Lines."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import load_classes
from data_access.i18n import Translate
from data_access.predictions import Model
from data_access.schema import LABEL_SETS, NO_PREDICTION, verdict_is_right

# Rejected labels beyond this many are folded into "+N more wrong" on a tile.
MAX_WRONG_CHIPS = 3
# A chip's state is never told by colour alone (WCAG 1.4.1): each carries a mark too.
SET_MARKS = {"correct": "✓", "unclear": "?", "wrong": "✗"}


@dataclass(frozen=True)
class Chip:
    """One chip of a tile, in words; the page chooses its colour from ``kind``.

    Attributes:
        kind: ``correct``, ``unclear`` or ``wrong`` (a label set, or a verdict's colour),
            ``problematic``, ``imagenet_m``, ``real`` (the ReaL labels, a second opinion) or
            ``none``.
        text: what the chip says, mark included (``✓ tabby``, ``+2 more wrong``).
        title: the longer text shown on hover (class name and wnid), or "".
        folded: True for a "+N more" chip.
    """

    kind: str
    text: str
    title: str = ""
    folded: bool = False


def label_chips(table: AnnotationTable, row: int, _: Translate = str) -> list[Chip]:
    """The image's label sets as chips: every accepted label, rejected ones after
    :data:`MAX_WRONG_CHIPS` folded into one "+N more wrong" chip, "no labels" when empty
    (``_``: the page's translation of the words; class names stay as WordNet gives them)."""
    c = load_classes()
    out = []
    for s in LABEL_SETS:
        ks = getattr(table, s.field).row(row).tolist()
        shown = ks if s.accepted else ks[:MAX_WRONG_CHIPS]
        mark, set_name = SET_MARKS[s.name], _(s.name)
        out += [Chip(s.name, f"{mark} {c.names[k]}", f"{set_name}: {c.wnids[k]}") for k in shown]
        if len(ks) > len(shown):
            more = ks[len(shown) :]
            title = ", ".join(f"{c.names[k]} ({c.wnids[k]})" for k in more)
            text = _("+{n} more {set}").format(n=len(more), set=set_name)
            out.append(Chip(s.name, text, title, folded=True))
    return out or [Chip("none", _("no labels"))]


def real_names(table: AnnotationTable, row: int) -> list[str] | None:
    """The image's ReaL labels by class name (empty: ReaL has none), or None without ReaL."""
    if table.real_rows is None:
        return None
    names = load_classes().names
    return [names[k] for k in table.real_rows[row].tolist() if k >= 0]


def real_chips(table: AnnotationTable, row: int, _: Translate = str) -> list[Chip]:
    """The ReaL labels as one chip in their own style (a second opinion, not a fourth state):
    "ReaL: tabby · tiger cat", or "ReaL: no label"; none without ReaL labels."""
    if table.real_rows is None:
        return []
    c = load_classes()
    ks = [k for k in table.real_rows[row].tolist() if k >= 0]
    synthetic = table.real is not None and table.real.synthetic
    who = _("ReaL (synthetic)") if synthetic else "ReaL"
    if not ks:
        no_label = _("ReaL left this image out (no label fits)")
        return [Chip("real", f"{who}: {_('no label')}", no_label)]
    title = f"{who}, Beyer et al. 2020: " + ", ".join(f"{c.names[k]} ({c.wnids[k]})" for k in ks)
    return [Chip("real", f"{who}: {' · '.join(c.names[k] for k in ks)}", title)]


def flag_chips(
    table: AnnotationTable, row: int, models: Mapping[str, Model], _: Translate = str
) -> list[Chip]:
    """Problematic and ImageNet-M flags, then one verdict chip per loaded model: its top-1
    with ✓ (and the set's colour) when the experts accept it, ✗ otherwise."""
    c = load_classes()
    out = []
    if table.is_problematic[row]:
        reason = _(str(table.problematic_reason[row]))
        out.append(Chip("problematic", _("problematic"), reason))
    if table.in_imagenet_m[row]:
        out.append(Chip("imagenet_m", "ImageNet-M"))
    for name, m in models.items():
        pred = int(m.top1[row])
        v = table.verdict(row, pred)
        right = verdict_is_right(v)
        shown = c.names[pred] if pred >= 0 else _(NO_PREDICTION)
        title = f"{name}: {shown} ({c.wnids[pred]}), {_(v)}" if pred >= 0 else f"{name}: {_(v)}"
        out.append(Chip(v if right else "wrong", f"{'✓' if right else '✗'} {name}: {shown}", title))
    return out


def image_description(table: AnnotationTable, row: int, _: Translate = str) -> str:
    """The picture in words (its text alternative): file name, original label, each label set
    by name and the flags, so nothing the tiles show in colour is lost without sight."""
    names = load_classes().names
    original = names[int(table.original_label[row])]
    parts = [f"{table.file_name[row]}, " + _("original label {label}").format(label=original)]
    for s in LABEL_SETS:
        classes = getattr(table, s.field).row(row).tolist()
        listed = ", ".join(names[k] for k in classes) if classes else _("none")
        parts.append(f"{_(s.name)}: {listed}")
    real = real_names(table, row)
    if real is not None:
        parts.append(f"ReaL: {', '.join(real) if real else _('no label')}")
    if table.is_problematic[row]:
        parts.append(_("problematic"))
    if table.in_imagenet_m[row]:
        parts.append(_("in ImageNet-M"))
    return "; ".join(parts)


def view_records(
    table: AnnotationTable, models: Mapping[str, Model], rows: np.ndarray
) -> list[dict]:
    """One record per image of the view, in its order: file name, original label (name and
    wnid), the three label sets (names), problematic and its reason, ImageNet-M, the ReaL
    labels (names; when the source has them), and for each loaded model its top-1 and the
    experts' verdict on it."""
    c = load_classes()
    out = []
    for r in np.asarray(rows, dtype=np.int64).tolist():
        orig = int(table.original_label[r])
        rec = {
            "file_name": str(table.file_name[r]),
            "original_label": c.names[orig],
            "original_wnid": c.wnids[orig],
            **{
                s.name: [c.names[k] for k in getattr(table, s.field).row(r).tolist()]
                for s in LABEL_SETS
            },
            "is_problematic": bool(table.is_problematic[r]),
            "problematic_reason": str(table.problematic_reason[r]),
            "in_imagenet_m": bool(table.in_imagenet_m[r]),
        }
        real = real_names(table, r)
        if real is not None:
            rec["real"] = real
        for name, m in models.items():
            p = int(m.top1[r])
            rec[f"{name}: top-1"] = c.names[p] if p >= 0 else NO_PREDICTION
            rec[f"{name}: verdict"] = table.verdict(r, p)
        out.append(rec)
    return out


def view_jsonl(records: list[dict]) -> str:
    """JSON Lines: one object per image, label sets as lists."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def view_csv(records: list[dict]) -> str:
    """CSV: label sets joined with " | "; cells that a spreadsheet would run are neutralised."""
    import pandas as pd

    from data_access.csv_safe import frame_csv

    flat = [{k: " | ".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in records]
    return frame_csv(pd.DataFrame(flat))
