"""What a page shows in words, and which of them are English: for the Hindi pages' test.

Every text an element carries (bodies, labels, options, help, placeholders, captions, table
headers) is collected from an AppTest tree. Class names (as WordNet gives them), wnids, file
names, model names, numbers and a short list of proper names are taken out; any Latin-letter
word left is English the page forgot to translate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from google.protobuf.json_format import MessageToDict

from data_access.classes import load_classes

# Proper names, names of software and file formats, which Hindi text writes as they are; the
# language selector names each language in its own script ("Language · भाषा", "English").
PROPER = {
    "ImageNet", "ImageNet-M", "ReaL", "WordNet", "TFDS", "JSON", "CSV", "TSV", "HTML", "JPEG",
    "URL", "SQLite", "PostgreSQL", "Ctrl", "Enter", "Esc", "Alt", "Shift", "Escape", "PDF",
    "PNG", "Streamlit", "NumPy", "Parquet", "Lines", "Keras", "Hugging", "Face", "timm",
    "torchvision", "open_clip", "ImageFolder", "scikit-image", "CC0", "tar", "json", "tfds",
    "Shankar", "Vasudevan", "Beyer", "Northcutt", "et", "al", "Language", "English", "Hindi",
    "arXiv", "wnid", "Peychev", "Apache-2.0", "McNemar", "Kendall", "tau", "Krippendorff",
    "alpha", "Cohen", "kappa", "Tab", "logits", "softmax",
}  # fmt: skip
# Text fields of element protos that a reader sees.
TEXT_KEYS = {"body", "label", "options", "help", "placeholder", "caption", "title", "text",
             "heading", "alt", "original", "no_picture", "details", "previous", "next", "goto",
             "size", "where", "outside"}  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’._-]*[A-Za-z0-9]|[A-Za-z]")
# Not words, taken out before the names: Markdown and Streamlit marks, icons, links, code in
# backticks, a message's {placeholders}, the “title” of a cited work; after the names:
# wnids, numbers (1e-16), file names and paths, identifiers (with an underscore),
# single letters (a formula's i, k, n).
_MARKUP = re.compile(
    r":material/[a-z_]+:|https?://\S+|`[^`]*`|\*\*|:[a-z]+-badge\[|:[a-z]+\[|<[^>]+>|"
    r"\{[a-z_]+\}|“[^”]*”"
)
_NOT_WORDS = re.compile(
    r"n\d{8}|\d+(?:\.\d+)?e[-+]?\d+|\S*ILSVRC2012\S*|\S*/\S*|\S*_\S*|"
    r"\S+\.(?:json|npy|npz|tar|csv)\b|\b[A-Za-z]\b"
)


def _strings(value, out: list[str], key: str | None = None) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _strings(v, out, k)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out, key)
    elif isinstance(value, str) and key in TEXT_KEYS:
        out.append(value)


def page_texts(at) -> list[str]:
    """Every text of the app's main area and sidebar, with each table's column headers."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if kind == "bidi_component":  # the image grid: its tiles' words are its JSON data
            _strings(json.loads(MessageToDict(proto).get("json", "{}")), out)
        elif proto is not None and kind not in ("code", "json", "html"):
            _strings(MessageToDict(proto), out)
        if kind in ("dataframe", "table", "arrow_data_frame", "arrow_table"):
            # A column's header is its configured label, else its name; its help shows on hover.
            config = json.loads(MessageToDict(proto).get("columns", "{}"))
            for column in node.value.columns:
                shown = config.get(str(column), {})
                out.append(shown.get("label") or str(column))
                out.extend([shown["help"]] if shown.get("help") else [])
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return out


def english_words(texts: Iterable[str], keep: Iterable[str] = ()) -> dict[str, str]:
    """English words left in ``texts`` (word -> the first text it is in), after class names
    and their WordNet synonyms and groups, wnids, file names, the names in ``keep`` (models,
    reviewers) and :data:`PROPER`."""
    classes = load_classes()
    wordnet = {*classes.names, *(n for s in classes.synonyms for n in s)}
    wordnet |= set(classes.ancestor_names.values())  # the WordNet groups of the class filter
    names = sorted(wordnet | set(keep), key=len, reverse=True)
    names_re = re.compile(
        "(?<![A-Za-z])(?:" + "|".join(re.escape(n) for n in names if n) + ")(?![A-Za-z])"
    )
    found: dict[str, str] = {}
    for text in texts:
        text = re.sub(r"\\(.)", r"\1", text)  # Markdown's escapes: "demo\-strong"
        plain = _NOT_WORDS.sub(" ", names_re.sub(" ", _MARKUP.sub(" ", text)))
        for word in _WORD.findall(plain):
            if word not in PROPER and word.strip("._-") not in PROPER:
                found.setdefault(word, text[:100])
    return found
