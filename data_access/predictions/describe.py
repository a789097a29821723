"""How a prediction file was read, in words: the same lines in the CLI
(``python -m data_access predictions describe FILE``) and in the app's upload summary."""

from __future__ import annotations

from data_access.predictions.vocab import vocabulary_text

_CLASSES = {
    "index": "class indices (0..999)",
    "wnid": "wnids",
    "index (argmax of the scores)": "argmax of 1000 scores per row",
}


def classes_text(vocabulary: str) -> str:
    """``description`` -> ``class names (timm / Hugging Face descriptions)``."""
    parts = []
    for kind in vocabulary.split(" + "):
        if kind in _CLASSES:
            parts.append(_CLASSES[kind])
        elif kind == "mixed":
            parts.append("class names from several vocabularies")
        else:
            parts.append(f"class names ({vocabulary_text(kind)})")
    return " and ".join(parts)


def reading_lines(reading: dict, notes: bool = True) -> list[tuple[str, str]]:
    """(label, value) rows describing ``Model.reading`` (``notes=False``: without the
    ambiguity note, for places that show the notes on their own)."""
    cov = reading["coverage"]
    rows = [
        ("format", reading["format"]),
        ("columns", "; ".join(f"{k}: {v}" for k, v in reading["columns"].items())),
        ("classes", classes_text(reading["classes"])),
        ("rows", f"{reading['rows']:,} read {reading['order']}"),
        ("class ids", reading["ids"]),
        ("top-k", str(reading["top_k"])),
        ("scores", reading["scores"] or "none"),
        (
            "coverage",
            f"{cov['predicted']:,} of {cov['annotated']:,} annotated images "
            f"({cov['fraction']:.1%}); {cov['ignored_outside']:,} outside the annotated set; "
            f"{cov['unrecognised']:,} unrecognised names",
        ),
    ]
    if "order_agreement" in reading:
        agree = ", ".join(f"{k} {v:.1%}" for k, v in reading["order_agreement"].items())
        rows.append(("order check", f"top-1 = original label: {agree}"))
    if notes and reading.get("ambiguous"):
        rows.append(("ambiguous", reading["ambiguous"]))
    first = "; ".join(
        f"{r['file_name']} -> {r['top1']} {r['class']}" for r in reading["first_rows"]
    )
    rows.append(("first rows", first))
    return rows


def reading_headline(reading: dict) -> str:
    """One line: ``JSON object · 20,000 rows by file name · top-5 · class names (...)``."""
    cov = reading["coverage"]
    return (
        f"{reading['format']} · {reading['rows']:,} rows read {reading['order']} · "
        f"top-{reading['top_k']} · {classes_text(reading['classes'])} · "
        f"{cov['predicted']:,} of {cov['annotated']:,} annotated images"
    )
