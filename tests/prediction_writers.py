"""Prediction files written the way real tools write them, from one set of predictions.

Class names come from the class metadata (WordNet), not from the code under test:
timm / Hugging Face descriptions are the synonyms joined by ", ", Keras names the first
synonym with "_" for spaces, timm's detailed labels add the gloss before its examples.
"""

from __future__ import annotations

import json
from pathlib import Path
from sys import maxsize

import numpy as np
import pandas as pd

from data_access.classes import load_classes


def description(i: int) -> str:
    return ", ".join(load_classes().synonyms[i])


_EXAMPLES = '; "'  # WordNet glosses end with quoted examples; timm's definitions leave them out


def detailed(i: int) -> str:
    return f"{description(i)}: {load_classes().glosses[i].split(_EXAMPLES)[0]}"


def keras_name(i: int) -> str:
    return load_classes().synonyms[i][0].replace(" ", "_")


def write_timm(
    path: Path,
    filenames: list[str],
    top_ids: np.ndarray,
    values: np.ndarray,
    *,
    topk: int = 1,
    include_index: bool = False,
    label_type: str = "description",
    separate: bool = False,
    results_format: str = "csv",
    output_type: str = "prob",
    filename_col: str = "filename",
    index_col: str = "index",
    label_col: str = "label",
    exclude_output: bool = False,
) -> Path:
    """What timm's ``inference.py`` writes: its data_dict and save_results, step by step."""
    to_label = {
        "description": description,
        "detailed": detailed,
        "name": lambda i: load_classes().wnids[i],
    }.get(label_type)
    all_indices = top_ids[:, :topk] if include_index else None
    all_labels = None
    if to_label is not None:
        all_labels = np.vectorize(to_label, otypes=[object])(top_ids[:, :topk])
    all_outputs = values[:, :topk].astype(np.float32)
    output_col = "prob" if output_type == "prob" else "logit"
    data_dict = {filename_col: filenames}
    if separate and all_outputs.shape[-1] > 1:
        if all_indices is not None:
            for i in range(all_indices.shape[-1]):
                data_dict[f"{index_col}_{i}"] = all_indices[:, i]
        if all_labels is not None:
            for i in range(all_labels.shape[-1]):
                data_dict[f"{label_col}_{i}"] = all_labels[:, i]
        for i in range(all_outputs.shape[-1] * (not exclude_output)):
            data_dict[f"{output_col}_{i}"] = all_outputs[:, i]
    else:
        if all_indices is not None:
            if all_indices.shape[-1] == 1:
                all_indices = all_indices.squeeze(-1)
            data_dict[index_col] = list(all_indices)
        if all_labels is not None:
            if all_labels.shape[-1] == 1:
                all_labels = all_labels.squeeze(-1)
            data_dict[label_col] = list(all_labels)
        if all_outputs.shape[-1] == 1:
            all_outputs = all_outputs.squeeze(-1)
        if not exclude_output:  # timm versions that honour --exclude-output
            data_dict[output_col] = list(all_outputs)
    df = pd.DataFrame(data=data_dict)
    with np.printoptions(threshold=maxsize):
        if results_format == "parquet":
            df.set_index(filename_col).to_parquet(path)
        elif results_format == "json":
            df.set_index(filename_col).to_json(path, indent=4, orient="index")
        elif results_format == "json-records":
            df.to_json(path, lines=True, orient="records")
        elif results_format == "json-split":
            df.to_json(path, indent=4, orient="split", index=False)
        else:
            df.to_csv(path, index=False)
    return path


def hf_pipeline(top_ids: np.ndarray, probs: np.ndarray) -> list[list[dict]]:
    """The image-classification pipeline's output per image (id2label = descriptions)."""
    return [
        [{"label": description(int(c)), "score": float(p)} for c, p in zip(ids, ps, strict=True)]
        for ids, ps in zip(top_ids, probs, strict=True)
    ]


def keras_decoded(top_ids: np.ndarray, probs: np.ndarray) -> list[list[tuple]]:
    """``keras.applications.imagenet_utils.decode_predictions`` per image."""
    wnids = load_classes().wnids
    return [
        [(wnids[int(c)], keras_name(int(c)), float(p)) for c, p in zip(ids, ps, strict=True)]
        for ids, ps in zip(top_ids, probs, strict=True)
    ]


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data))
    return path
