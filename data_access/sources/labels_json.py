"""The label JSON behind the TFDS builder (``human_accuracy_v3.0.0.json``): read, check, fetch.

:func:`parse_label_json` turns the file into an :class:`AnnotationTable` exactly as the TFDS
builder does (keep ``initial_annots`` entries whose name starts with ``ILSVRC2012_val_``;
an image is problematic when its name is a key of ``problematic_images``; ImageNet-M is the
``imagenet_m`` list; original labels come from TFDS's ``validation_labels.txt``), and checks
everything on the way, so that bad input stops here with a :class:`LabelFileError`.

:func:`download_label_json` fetches the public file, verified by its sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np

from data_access.annotations import AnnotationTable
from data_access.classes import (
    VALIDATION_PREFIX,
    load_classes,
    validation_labels,
    validation_position,
)
from data_access.errors import DownloadError, LabelFileError, quoted
from data_access.files import read_text_capped
from data_access.progress import Progress
from data_access.schema import LABEL_SETS

LABELS_URL = (
    "https://storage.googleapis.com/brain-car-datasets/imagenet-mistakes/human_accuracy_v3.0.0.json"
)
LABELS_FILE_NAME = "human_accuracy_v3.0.0.json"
LABELS_SHA256 = "d5b2b6111fc9efea16aaebd21bc5a401d16ad18285d3fd99635d8b32ebdb6287"
MAX_LABEL_JSON_BYTES = 512 << 20  # 2.5x the real file: a larger one is not the label JSON
_SET_KEYS = {s.name: s.field for s in LABEL_SETS}  # the JSON's keys -> the table's columns


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    # json.load keeps the last of two equal keys without a word; a duplicated file name in a
    # label file is a corrupt file, not something to guess about.
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return d


def load_json_file(path: Path, *, reject_duplicate_keys: bool = False) -> object:
    """Reads a JSON file, turning every way it can fail into a :class:`LabelFileError`.

    Args:
        reject_duplicate_keys: check every object for repeated keys (about 2.5 times slower;
            :func:`parse_label_json` uses it only when a fast scan finds a suspect).
    """
    path = Path(path)
    # The real file is 191 MiB; parsing takes several times the file's size in memory.
    text = read_text_capped(
        path, MAX_LABEL_JSON_BYTES, LabelFileError, "the label JSON file", "; is it the label JSON?"
    )
    return load_json_text(text, path, reject_duplicate_keys=reject_duplicate_keys)


def load_json_bytes(raw: bytes, name: str) -> object:
    """:func:`load_json_file` for bytes in memory (an upload), ``name`` naming it in messages.

    Raises:
        LabelFileError: larger than the label JSON can be, not UTF-8, or not usable JSON.
    """
    if len(raw) > MAX_LABEL_JSON_BYTES:
        raise LabelFileError(name, f"{len(raw):,} bytes: larger than the label JSON file can be")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LabelFileError(name, f"not UTF-8 text (byte {e.start}); is it the label JSON?") from e
    if not text.strip():
        raise LabelFileError(name, "the file is empty")
    return load_json_text(text, name)


def load_json_text(text: str, path: Path | str, *, reject_duplicate_keys: bool = False) -> object:
    """The JSON of ``text`` (read from ``path``), every failure a :class:`LabelFileError`."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates if reject_duplicate_keys else None)
    except _DuplicateKey as e:
        raise LabelFileError(path, "the key appears twice", where=repr(e.args[0])) from e
    except json.JSONDecodeError as e:
        # An unterminated string, or an error at the very end, means the text stopped early.
        at_end = e.pos >= len(text.rstrip()) - 1 or e.msg.startswith("Unterminated string")
        hint = " (the file looks truncated)" if at_end else ""
        raise LabelFileError(
            path, f"not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}{hint}"
        ) from e
    except RecursionError as e:
        raise LabelFileError(path, "JSON nested too deeply") from e
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        raise LabelFileError(path, f"not usable JSON: {str(e)[:100]}") from e
    if not reject_duplicate_keys and isinstance(data, dict) and _may_repeat_names(text, data):
        return load_json_text(text, path, reject_duplicate_keys=True)
    return data


_NAME_KEY = re.compile(r'"(ILSVRC2012_val_[0-9]{8}\.JPEG)"\s*:\s*\{')


def _may_repeat_names(text: str, data: dict) -> bool:
    """Fast scan (0.2 s for 200 MB): does a validation file name appear as an object key more
    often than the parsed ``initial_annots`` and ``problematic_images`` account for?

    ``json.loads`` silently keeps the last of two equal keys, and a file name listed twice is
    a corrupt file. Only on a suspect does the slow, exact check run.
    """
    counts = Counter(_NAME_KEY.findall(text))
    annots = data.get("initial_annots")
    problematic = data.get("problematic_images")
    annots = annots if isinstance(annots, dict) else {}
    problematic = problematic if isinstance(problematic, dict) else {}
    return any(k > (name in annots) + (name in problematic) for name, k in counts.items())


def _wnid_list(path: Path, file_name: str, key: str, value: object) -> list[int]:
    where = f"initial_annots[{file_name!r}][{key!r}]"  # a checked validation name
    if not isinstance(value, list):
        raise LabelFileError(path, f"expected a list of wnids, got {type(value).__name__}", where)
    lookup = load_classes().wnid_to_index
    out = []
    for w in value:
        if not isinstance(w, str) or w not in lookup:
            raise LabelFileError(
                path,
                f"{quoted(w)} is not one of the 1000 ImageNet class wnids (e.g. 'n01440764')",
                where,
            )
        out.append(lookup[w])
    return out


def table_from_label_data(data: object, path: Path | str) -> AnnotationTable:
    """Checks a parsed label JSON and builds the annotation table, as the TFDS builder would.

    Raises:
        LabelFileError: naming the key and what was expected.
    """
    path = Path(path)
    if not isinstance(data, dict):
        raise LabelFileError(path, f"expected a JSON object at the top, got {type(data).__name__}")
    required = {"initial_annots": dict, "problematic_images": dict, "imagenet_m": list}
    missing = [k for k in required if k not in data]
    if missing:
        found = quoted(", ".join(sorted(map(str, data))[:8])) if data else "none"
        raise LabelFileError(
            path,
            f"missing top-level key(s) {', '.join(missing)} (found: {found}); "
            "expected the human_accuracy_v3.0.0.json label file",
        )
    for key, typ in required.items():
        if not isinstance(data[key], typ):
            raise LabelFileError(
                path,
                f"expected {'an object' if typ is dict else 'a list'}, got "
                f"{type(data[key]).__name__}",
                where=key,
            )

    labels = validation_labels()
    problematic = data["problematic_images"]
    records = []
    for file_name, annots in data["initial_annots"].items():
        if not file_name.startswith(VALIDATION_PREFIX):
            continue  # ImageNetV2 images share the file; the validation split drops them
        pos = validation_position(file_name)
        if pos < 0:
            raise LabelFileError(
                path,
                "not an ImageNet validation file name (expected ILSVRC2012_val_"
                "00000001.JPEG to ILSVRC2012_val_00050000.JPEG)",
                where=f"initial_annots[{quoted(file_name)}]",
            )
        if not isinstance(annots, dict):
            raise LabelFileError(
                path,
                f"expected an object with correct/unclear/wrong lists, got {type(annots).__name__}",
                where=f"initial_annots[{file_name!r}]",
            )
        unknown = set(annots) - set(_SET_KEYS)
        if unknown:
            raise LabelFileError(
                path,
                f"unexpected key(s) {quoted(sorted(map(str, unknown)))}; "
                "expected correct, unclear, wrong",
                where=f"initial_annots[{file_name!r}]",
            )
        reason = problematic.get(file_name)
        record = {
            "file_name": file_name,
            "original_label": int(labels[pos]),
            "is_problematic": file_name in problematic,
            "problematic_reason": _reason_text(reason) if file_name in problematic else "",
        }
        for key, field in _SET_KEYS.items():
            record[field] = _wnid_list(path, file_name, key, annots.get(key, []))
        records.append(record)
    if not records:
        raise LabelFileError(
            path,
            "no ILSVRC2012_val_ image in initial_annots; is this the ImageNet label file?",
            where="initial_annots",
        )

    annotated = {r["file_name"] for r in records}
    imagenet_m = data["imagenet_m"]
    for k, name in enumerate(imagenet_m):
        if not isinstance(name, str) or name not in annotated:
            raise LabelFileError(
                path,
                f"{quoted(name)} is not an annotated validation image",
                where=f"imagenet_m[{k}]",
            )
    if len(set(imagenet_m)) != len(imagenet_m):
        dup = next(n for n in imagenet_m if imagenet_m.count(n) > 1)
        raise LabelFileError(path, f"{quoted(dup)} is listed twice", where="imagenet_m")
    in_m = set(imagenet_m)
    for r in records:
        r["in_imagenet_m"] = r["file_name"] in in_m
    return AnnotationTable.from_records(records)


def _reason_text(entry: object) -> str:
    if isinstance(entry, dict):
        reason = entry.get("reason")
        return str(reason) if reason is not None else "problematic (no reason given)"
    return "problematic (no reason given)"


def parse_label_json(path: Path) -> AnnotationTable:
    """Reads and checks a local label JSON; see :func:`table_from_label_data`."""
    return table_from_label_data(load_json_file(path), path)


def download_label_json(
    dest: Path,
    url: str = LABELS_URL,
    sha256: str | None = LABELS_SHA256,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> Path:
    """Downloads the label JSON to ``dest``, verified by sha256; ``dest`` appears only if valid.

    Raises:
        DownloadError: HTTP errors (with advice for the known 403), network errors, or a
            checksum mismatch. A partial download never replaces ``dest``.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        response = urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (user-chosen URL)
    except urllib.error.HTTPError as e:
        advice = ""
        if e.code in (401, 403):
            advice = (
                "; this public URL is known to refuse downloads. Get the file another way "
                f"(sha256 {LABELS_SHA256}) and pass it with --labels-json PATH"
            )
        raise DownloadError(url, f"HTTP {e.code} {e.reason}{advice}") from e
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise DownloadError(
            url, f"cannot connect: {reason}; pass a local copy with --labels-json PATH"
        ) from e
    total = int(response.headers.get("Content-Length") or 0)
    h = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".part")
    done = 0
    try:
        with os.fdopen(fd, "wb") as out, response:
            while block := response.read(1 << 20):
                out.write(block)
                h.update(block)
                done += len(block)
                if progress:
                    progress(done, total, "downloading the label JSON")
        if total and done != total:
            raise DownloadError(url, f"download ended early: {done} of {total} bytes")
        if sha256 and h.hexdigest() != sha256:
            raise DownloadError(
                url, f"checksum mismatch: got sha256 {h.hexdigest()}, expected {sha256}"
            )
        os.replace(tmp, dest)
    except OSError as e:
        raise DownloadError(url, f"download failed: {e}") from e
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def label_data_from_table(table: AnnotationTable) -> dict:
    """``table`` in the label JSON's shape (the demo's and a TFDS build's label file, which
    have none of their own): sets by wnid with empty lists left out, as in the real file;
    problematic images get a reason entry."""
    classes = load_classes()
    annots: dict[str, dict] = {}
    for i, name in enumerate(table.file_name.tolist()):
        entry = {}
        for key, field in _SET_KEYS.items():
            row = getattr(table, field).row(i)
            if len(row):
                entry[key] = [classes.wnids[int(c)] for c in row]
        annots[name] = entry
    problematic = {
        name: {
            "reason": reason or "marked as problematic in the review server",
            "reviewer": "demo",
            "server_username": "demo",
            "time_marked": "2019-03-29T22:48:36.956685+00:00",
            "time_reviewed": "2019-03-29T22:49:32.290916+00:00",
        }
        for name, reason, flag in zip(
            table.file_name.tolist(),
            table.problematic_reason.tolist(),
            table.is_problematic,
            strict=True,
        )
        if flag
    }
    return {
        "initial_annots": annots,
        "problematic_images": problematic,
        "imagenet_m": table.file_name[np.flatnonzero(table.in_imagenet_m)].tolist(),
    }


def write_label_json(table: AnnotationTable, path: Path, extra_annots: dict | None = None) -> Path:
    """Writes ``table`` in the label JSON's shape (:func:`label_data_from_table`; used by
    tests, benchmarks and ``demo``), with ``extra_annots`` added to ``initial_annots``."""
    data = label_data_from_table(table)
    data["initial_annots"].update(extra_annots or {})
    Path(path).write_text(json.dumps(data))
    return Path(path)
