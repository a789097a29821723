"""Reference categorisations (the paper's published files, or any export of this app):
reading and checking them. The exchange format is the published one:
``{file_name: {"top_prediction": int, "failure category": str, "failure severity": str}}``;
exports add ``model``, ``reviewer``, ``note`` and ``proposed_correct_labels`` to each entry,
which the importer accepts too.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from data_access.classes import NUM_CLASSES, validation_position
from data_access.csv_safe import read_cell
from data_access.files import read_text_capped
from data_access.reviews.taxonomy import CATEGORIES, ReviewError, category_key, severity_key

MAX_REFERENCE_BYTES = 200 << 20  # the published files are ~50 KB; the size is checked first


def parse_reference_file(path: Path | str) -> list[dict]:
    """Reads and checks a categorisation file (JSON in the published format, or CSV)."""
    path = Path(path)
    text = read_text_capped(path, MAX_REFERENCE_BYTES, ReviewError, "a categorisation file")
    return parse_reference_text(text, path, is_csv=path.suffix.lower() == ".csv")


def parse_reference_bytes(data: bytes, name: str) -> list[dict]:
    """An uploaded categorisation file, checked in memory (never written anywhere); ``name``
    (the upload's name) says whether it is CSV and names it in messages."""
    if len(data) > MAX_REFERENCE_BYTES:
        raise ReviewError(name, f"{len(data):,} bytes: over the {MAX_REFERENCE_BYTES >> 20} MiB "
                          "limit for a categorisation file")  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ReviewError(name, f"not UTF-8 text (byte {e.start})") from e
    return parse_reference_text(text, name, is_csv=name.lower().endswith(".csv"))


def parse_reference_text(text: str, path: Path | str, is_csv: bool) -> list[dict]:
    """Checks a categorisation file's text; ``path`` names it in messages."""
    if is_csv:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # Windows and old Mac files
        reader = csv.DictReader(io.StringIO(text))
        try:
            rows = [
                {k: read_cell(v) if isinstance(v, str) else v for k, v in r.items()} for r in reader
            ]
        except csv.Error as e:
            raise ReviewError(path, f"not readable as CSV ({e})", f"line {reader.line_num}") from e
        entries = [(f"line {k + 2}", r.get("file_name"), r) for k, r in enumerate(rows)]
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ReviewError(path, f"not valid JSON at line {e.lineno}: {e.msg}") from e
        except RecursionError as e:
            raise ReviewError(path, "JSON nested too deeply") from e
        if not isinstance(data, dict):
            raise ReviewError(
                path,
                "expected an object {file_name: {top_prediction, failure "
                "category, failure severity}}",
            )
        entries = [(f"key {k!r}", k, v) for k, v in data.items()]
    items, seen = [], set()
    for where, name, entry in entries:
        if not isinstance(name, str) or validation_position(name) < 0:
            raise ReviewError(
                path, f"{str(name)[:60]!r} is not an ImageNet validation file name", where
            )
        if name in seen:
            raise ReviewError(path, f"{name} appears twice", where)
        seen.add(name)
        if not isinstance(entry, dict):
            raise ReviewError(
                path,
                "expected an object with top_prediction, failure category, failure severity",
                where,
            )
        missing = [
            k
            for k in ("top_prediction", "failure category", "failure severity")
            if entry.get(k) in (None, "")
        ]
        if missing:
            raise ReviewError(path, f"missing {', '.join(missing)}", where)
        try:
            pred = int(entry["top_prediction"])
        except (TypeError, ValueError) as e:
            raise ReviewError(
                path, f"top_prediction {entry['top_prediction']!r} is not a class index", where
            ) from e
        if not 0 <= pred < NUM_CLASSES or isinstance(entry["top_prediction"], bool):
            raise ReviewError(path, f"top_prediction {pred} is not in 0..999", where)
        cat, sev = str(entry["failure category"]), str(entry["failure severity"])
        if category_key(cat) is None:
            raise ReviewError(
                path,
                f"unknown failure category {cat[:60]!r}; expected one of "
                f"{', '.join(CATEGORIES.values())}",
                where,
            )
        if severity_key(sev) is None:
            raise ReviewError(
                path,
                f"unknown failure severity {sev[:60]!r}; expected Major, Minor or Borderline",
                where,
            )
        items.append(
            {
                "file_name": name,
                "top_prediction": pred,
                "category": category_key(cat),
                "severity": severity_key(sev),
                "raw_category": cat,
                "raw_severity": sev,
            }
        )
    if not items:
        raise ReviewError(path, "no entries")
    return items
