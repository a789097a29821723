"""JSON and JSON Lines, in every shape tools write:

* ``{file_name: class}`` or ``{file_name: [top-k]}`` (class index, wnid or name);
* Hugging Face ``image-classification`` pipeline output per image,
  ``{file_name: [{"label": "tabby, tabby cat", "score": 0.97}, ...]}``, as records
  ``[{"file_name": ..., "predictions": [...]}]``, or as JSON Lines;
* Keras ``decode_predictions`` triples ``{file_name: [[wnid, name, score], ...]}``;
* timm ``inference.py --results-format json`` (``{file: {"label": ..., "prob": ...}}``),
  ``json-split`` (``{"columns": [...], "data": [[...]]}``) and ``json-records`` (JSON Lines);
* records ``[{"file_name": ..., "prediction": ...}]`` and the paper's
  ``{file_name: {"top_prediction": class_index, ...}}``;
* a plain list of 50,000 class ids or top-k id lists, in validation file-name order.
"""

from __future__ import annotations

import json
from operator import itemgetter
from pathlib import Path

from data_access.errors import quoted
from data_access.predictions.columns import SAMPLE, PredictionFileError, from_columns, ragged_ids
from data_access.predictions.parsed import Parsed

_SCORE_KEYS = ("score", "prob", "probability", "confidence", "logit")
_LABEL_KEYS = ("label", "class", "prediction", "pred", "wnid", "index", "class_index")


class _Pairs:
    """An ``object_pairs_hook`` that notices a key written twice with different values (JSON
    keeps the last silently, which would score a prediction the file contradicts)."""

    def __init__(self):
        self.repeated: tuple | None = None

    def __call__(self, pairs: list) -> dict:
        d = dict(pairs)
        if len(d) != len(pairs) and self.repeated is None:
            seen: dict = {}
            for k, v in pairs:
                if k in seen and seen[k] != v:
                    self.repeated = (k, seen[k], v)
                    break
                seen[k] = v
        return d

    def check(self, path: Path) -> None:
        if self.repeated:
            k, a, b = self.repeated
            raise PredictionFileError(
                path,
                f"key {quoted(str(k), 80)} appears twice with different values "
                f"({quoted(a, 40)}, then {quoted(b, 40)}); JSON keeps only the last, "
                "so the file is ambiguous",
            )


def _parse(path: Path, text: str):
    hook = _Pairs()
    data = json.loads(text, object_pairs_hook=hook)
    hook.check(path)
    return data


def _loads(path: Path, text: str):
    try:
        return _parse(path, text), None
    except json.JSONDecodeError as e:
        if e.msg == "Extra data":
            return None, _lines(path, text)
        raise PredictionFileError(
            path, f"not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
        ) from e
    except RecursionError as e:
        raise PredictionFileError(path, "JSON nested too deeply") from e
    except PredictionFileError:
        raise
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        raise PredictionFileError(path, f"not usable JSON: {str(e)[:120]}") from e


def _lines(path: Path, text: str) -> list:
    lines = [line for line in text.splitlines() if line.strip()]
    try:  # one parse of the whole file is faster than one per line
        return _parse(path, "[" + ",".join(lines) + "]")
    except PredictionFileError:
        raise
    except (json.JSONDecodeError, RecursionError, ValueError):
        pass  # the line-by-line parse below names the line
    records = []
    for k, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(_parse(path, line))
        except PredictionFileError:
            raise
        except (json.JSONDecodeError, RecursionError, ValueError) as e:
            raise PredictionFileError(
                path, f"not a JSON value: {str(e)[:100]}", where=f"line {k}"
            ) from e
    return records


def _expand(header: list[str], cols: list[list]) -> tuple[list[str], list[list]]:
    """Cells that are lists of ``{"label", "score"}`` objects (Hugging Face) or of
    ``[wnid, name, score]`` triples (Keras) become a class column and a score column."""
    out_h, out_c = [], []
    for h, col in zip(header, cols, strict=True):
        first = next((c for c in col if c), None)
        probe = first[0] if isinstance(first, list) and first else first
        if isinstance(probe, dict) and isinstance(first, list):
            cells = [c if isinstance(c, list) else ([] if c is None else [c]) for c in col]
            lk = next((k for k in _LABEL_KEYS if k in probe), None)
            sk = next((k for k in _SCORE_KEYS if k in probe), None)
            for key in (lk, sk):
                if key:
                    out_h.append(f"{h}.{key}" if h else key)
                    out_c.append(_field(cells, key))
            continue
        if (
            isinstance(probe, list)
            and len(probe) == 3
            and isinstance(probe[0], str)
            and isinstance(probe[2], float | int)
        ):
            out_h += [f"{h}.wnid", f"{h}.score"]
            out_c.append([[t[0] for t in c] if isinstance(c, list) else c for c in col])
            out_c.append([[t[2] for t in c] if isinstance(c, list) else c for c in col])
            continue
        out_h.append(h)
        out_c.append(col)
    return out_h, out_c


def _field(cells: list[list], key: str) -> list[list]:
    """``key`` of every object in every cell (None where a cell holds something else)."""
    get = itemgetter(key)
    try:
        return [list(map(get, c)) for c in cells]
    except (KeyError, TypeError):
        return [[d.get(key) if isinstance(d, dict) else d for d in c] for c in cells]


def _records(path: Path, fmt: str, records: list, where) -> Parsed:
    keys: list[str] = []
    for k, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise PredictionFileError(
                path,
                f"expected an object with a file name and a prediction, got {type(rec).__name__}",
                where(k),
            )
        if k < 50:
            keys += [x for x in rec if x not in keys]
    cols = [[rec.get(x) for rec in records] for x in keys]
    header, cols = _expand(keys, cols)
    return from_columns(path, fmt, header, cols, where)


def _fractional(value) -> bool:
    return isinstance(value, list) and any(
        isinstance(x, float) and not x.is_integer() for x in value[:50]
    )


def _refuse_nameless_pipeline(path: Path, first) -> None:
    """A Hugging Face pipeline's output for a list of images, saved as it is: one list of
    ``{"label", "score"}`` per image (or one object per image with ``top_k=1``), and no file
    names, so the images they belong to are not in the file."""
    probe = first[0] if isinstance(first, list) and first else first
    if isinstance(probe, dict) and {"label", "score"} >= set(probe) and "label" in probe:
        raise PredictionFileError(
            path,
            "Hugging Face pipeline output without file names: which image each prediction is "
            "for is not in the file; save it with the names, e.g. "
            "json.dump(dict(zip(files, pipe(files))), f) for a list of image paths `files`",
        )


def read_json(path: Path, text: str) -> Parsed:
    """Reads any JSON shape in the module docstring."""
    data, lines = _loads(path, text)
    if lines is not None:
        if not lines:
            raise PredictionFileError(path, "no predictions in the file")
        _refuse_nameless_pipeline(path, lines[0])
        return _records(path, "JSON Lines", lines, lambda i: f"line {i + 1}")
    if isinstance(data, dict) and set(data) >= {"columns", "data"}:
        if not isinstance(data["columns"], list) or not isinstance(data["data"], list):
            raise PredictionFileError(
                path, "a split-orient JSON needs 'columns' (a list of names) and 'data' (rows)"
            )
        header = [str(c) for c in data["columns"]]
        rows = data["data"]
        if not isinstance(rows, list) or any(
            not isinstance(r, list) or len(r) != len(header) for r in rows
        ):
            raise PredictionFileError(path, f"'data' must be rows of {len(header)} values")
        cols = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in header]
        header, cols = _expand(header, cols)
        return from_columns(path, "JSON (split)", header, cols, lambda i: f"data[{i}]")
    if isinstance(data, dict):
        if not data:
            raise PredictionFileError(path, "no predictions in the file")
        keys = list(data)
        values = list(data.values())

        def where(i):
            return f"key {quoted(keys[i])}"

        if isinstance(values[0], dict):
            records = [{"file_name": k, **v} if isinstance(v, dict) else v for k, v in data.items()]
            return _records(path, "JSON object of records", records, where)
        # {"name": [0.12, -3.4, ...]}: numbers that are not whole are scores (logits or
        # probabilities per class), not class ids.
        role = "scores" if any(_fractional(v) for v in values[:SAMPLE]) else "prediction"
        header, cols = _expand(["file_name", role], [keys, values])
        return from_columns(path, "JSON object", header, cols, where)
    if isinstance(data, list):
        if not data:
            raise PredictionFileError(path, "no predictions in the file")
        first = data[0]
        _refuse_nameless_pipeline(path, first)
        if isinstance(first, int | list) and not isinstance(first, bool):
            ids = ragged_ids(
                path, [d if isinstance(d, list) else [d] for d in data], lambda i: f"item {i}"
            )
            return Parsed(
                "JSON list of class ids",
                None,
                ids=ids,
                from_integers=True,
                columns={"class ids": "the list"},
                where=lambda i: f"item {i}",
            )
        return _records(path, "JSON records", data, lambda i: f"item {i}")
    raise PredictionFileError(
        path,
        f"expected an object file_name -> prediction or a list of records, got "
        f"{type(data).__name__}",
    )
