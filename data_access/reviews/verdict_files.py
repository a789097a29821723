"""Label verdicts in and out as CSV or JSON Lines: ``file_name, wnid, verdict`` per row.

Columns (CSV header, or the keys of each JSON object):

* ``file_name`` (required): the validation image;
* ``wnid``: the class judged; ``verdict``: ``correct``, ``unclear`` or ``wrong``;
* ``problematic_reason``: on a row without a ``wnid``, marks the image problematic for that
  reason; a row without a ``wnid`` whose ``verdict`` is ``not problematic`` says it is not;
* ``reviewer``: who said it (else the name given to the import: ``--as NAME``);
* ``note``: free text.

Rows of one image and reviewer become one :class:`.labels.LabelReview`. Every problem is
refused with the file and the row, before anything is saved; text cells that an export
protected against spreadsheet formulas (``'=...``) are read back as written.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from data_access.csv_safe import SafeWriter, read_cell
from data_access.files import read_text_capped
from data_access.reviews.labels import VERDICTS, LabelReview, label_review_problems
from data_access.reviews.taxonomy import ReviewError, reviewer_key

COLUMNS = ("file_name", "wnid", "verdict", "problematic_reason", "reviewer", "note")
NOT_PROBLEMATIC = "not problematic"
MAX_BYTES = 64 << 20  # 20,000 images x 1,000 classes of verdicts is ~1 GB; a review is far less


def _rows(path: Path, text: str) -> list[tuple[str, dict[str, str]]]:
    """(where, row) of a CSV or JSON Lines text, every value a string."""
    if text.lstrip().startswith("{"):
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError) as e:
                raise ReviewError(path, "not a JSON object", f"line {n}") from e
            if not isinstance(obj, dict):
                raise ReviewError(path, "not a JSON object", f"line {n}")
            bad = [k for k, v in obj.items() if v is not None and not isinstance(v, str)]
            if bad:
                raise ReviewError(path, f"{bad[0]!r} must be text", f"line {n}")
            out.append((f"line {n}", {k: v or "" for k, v in obj.items()}))
        return out
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    if "file_name" not in header:
        raise ReviewError(path, f"no file_name column (expected the columns {', '.join(COLUMNS)})")
    out = []
    for row in reader:
        if None in row:
            raise ReviewError(path, "more cells than columns", f"row {reader.line_num}")
        out.append((f"row {reader.line_num}", {k: read_cell(v or "") for k, v in row.items()}))
    return out


def read_verdicts(path: Path | str, reviewer: str | None = None) -> list[LabelReview]:
    """The label reviews a verdict file holds, one per image and reviewer.

    Args:
        reviewer: the reviewer of rows without one (``--as NAME``).

    Raises:
        ReviewError: unreadable, an unknown column, a row without a file name, reviewer,
            known wnid or verdict, or two rows that say different things of one label.
    """
    path = Path(path)
    text = read_text_capped(path, MAX_BYTES, ReviewError, "a verdict file")
    reviews: dict[tuple[str, str], LabelReview] = {}
    for where, row in _rows(path, text):
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            raise ReviewError(
                path, f"unknown column {unknown[0]!r} (expected {', '.join(COLUMNS)})", where
            )
        name = row.get("reviewer", "").strip() or (reviewer or "")
        if not name.strip():
            raise ReviewError(path, "no reviewer: add a reviewer column or give --as NAME", where)
        file_name = row.get("file_name", "").strip()
        review = reviews.setdefault(
            (file_name, reviewer_key(name)), LabelReview(file_name, reviewer_key(name))
        )
        _apply(path, where, row, review)
    out = list(reviews.values())
    for r in out:
        problems = label_review_problems(r)
        if problems:
            raise ReviewError(path, problems[0][1], f"{problems[0][0]}, reviewer {r.reviewer!r}")
    return out


def _apply(path: Path, where: str, row: dict[str, str], review: LabelReview) -> None:
    wnid = row.get("wnid", "").strip()
    verdict = row.get("verdict", "").strip().lower()
    reason = row.get("problematic_reason", "").strip()
    note = row.get("note", "")
    if wnid:
        if verdict not in VERDICTS:
            raise ReviewError(
                path,
                f"verdict {verdict[:20]!r} for {wnid[:20]!r}: expected "
                f"one of {', '.join(VERDICTS)}",
                where,
            )
        if review.verdicts.get(wnid, verdict) != verdict:
            raise ReviewError(
                path,
                f"{wnid} is judged {review.verdicts[wnid]} and {verdict} by {review.reviewer!r}",
                where,
            )
        review.verdicts[wnid] = verdict
    elif reason or verdict:
        problematic = verdict != NOT_PROBLEMATIC
        if verdict not in ("", NOT_PROBLEMATIC, "problematic"):
            raise ReviewError(
                path,
                f"a row without a wnid has verdict {verdict[:20]!r}: "
                f"expected problematic or {NOT_PROBLEMATIC}",
                where,
            )
        if problematic and not reason:
            raise ReviewError(path, "problematic without a problematic_reason", where)
        if review.problematic is not None and (review.problematic, review.reason) != (
            problematic,
            reason if problematic else "",
        ):
            raise ReviewError(
                path,
                f"{review.reviewer!r} says two things of whether the image is problematic",
                where,
            )
        review.problematic, review.reason = problematic, reason if problematic else ""
    if note:
        if review.note and review.note != note:
            raise ReviewError(path, f"two different notes from {review.reviewer!r}", where)
        review.note = note


def _records(reviews: list[LabelReview]) -> list[dict[str, str]]:
    out = []
    for r in reviews:
        rows = [
            {
                "file_name": r.file_name,
                "wnid": w,
                "verdict": v,
                "problematic_reason": "",
                "reviewer": r.reviewer,
                "note": "",
            }
            for w, v in sorted(r.verdicts.items())
        ]
        if r.problematic is not None or not rows:
            rows.append(
                {
                    "file_name": r.file_name,
                    "wnid": "",
                    "verdict": "problematic"
                    if r.problematic
                    else (NOT_PROBLEMATIC if r.problematic is False else ""),
                    "problematic_reason": r.reason,
                    "reviewer": r.reviewer,
                    "note": "",
                }
            )
        rows[0]["note"] = r.note
        out.extend(rows)
    return out


def write_verdicts(reviews: list[LabelReview], fmt: str = "csv") -> str:
    """Label reviews as a verdict file (CSV made safe for spreadsheets, or JSON Lines) that
    :func:`read_verdicts` reads back to the same reviews.

    Raises:
        ReviewError: an unknown format.
    """
    records = _records(reviews)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if fmt != "csv":
        raise ReviewError("--format", f"{fmt!r} is not csv or jsonl")
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(COLUMNS)
    for r in records:
        writer.writerow([r[c] for c in COLUMNS])
    return out.getvalue()


def as_records(reviews: list[LabelReview]) -> list[dict[str, Any]]:
    """The rows :func:`write_verdicts` writes, as dicts (for a table in the app)."""
    return _records(reviews)
