"""A lesson as one self-contained HTML file: images embedded (scaled to slide size), the label
sets in words and the explanation; it opens offline in any browser and has no script.

Every text from the data (file names, class names, reasons, model names) is escaped, so a
hostile name shows as text.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping

from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.i18n import Translate
from data_access.predictions import Model
from data_access.sources.source import Source
from data_access.teach.lessons import answer_items

SLIDE_SIDE = 640

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #111;
       line-height: 1.45; padding: 0 1rem; }
section { page-break-inside: avoid; border-top: 1px solid #bbb; padding: 1rem 0; }
img { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
dt { font-weight: 600; } dd { margin: 0 0 0.4rem 1rem; }
.note { color: #333; font-size: 0.9rem; }
"""


def lesson_handout(
    source: Source,
    rows,
    title: str,
    explanation: str,
    _: Translate,
    lang: str = "en",
    models: Mapping[str, Model] | None = None,
    side: int = SLIDE_SIDE,
) -> str:
    """The HTML of a handout: one section per image of ``rows``.

    Args:
        title, explanation: the lesson's texts, already translated.
        _: the translation function of ``lang``.
        side: the longest side of the embedded pictures, in pixels.
    """
    e = html.escape
    table, names = source.table, load_classes().names
    parts = [
        f'<!doctype html><html lang="{e(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1><p>{e(explanation)}</p>",
    ]
    if source.synthetic:
        parts.append(f'<p class="note">{e(_("Synthetic demo data: not ImageNet."))}</p>')
    for k, row in enumerate(int(r) for r in rows):
        name = str(table.file_name[row])
        original = names[int(table.original_label[row])]
        parts.append(f"<section><h2>{k + 1}. {e(name)}</h2>")
        parts.append(_picture(source, name, f"{original} ({name})", side, _))
        parts.append("<dl>")
        for label, value in answer_items(table, row, models or {}, _):
            parts.append(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>")
        parts.append("</dl></section>")
    parts.append(f'<p class="note">{e(_("Made with ImageNet Multi-Label Review."))}</p>')
    parts.append("</body></html>")
    return "".join(parts)


def _picture(source: Source, name: str, alt: str, side: int, _) -> str:
    if not source.has_images:
        return f'<p class="note">{html.escape(_("No image in this source."))}</p>'
    try:
        jpeg = source.thumbs.one(name, max_side=side)
    except DataError:
        return f'<p class="note">{html.escape(_("No image in this source."))}</p>'
    data = base64.b64encode(jpeg).decode("ascii")
    return f'<img src="data:image/jpeg;base64,{data}" alt="{html.escape(alt, quote=True)}">'
