"""Random bytes and random mutations of valid prediction files, under every name a user may
give them: the loader returns a model or raises the project's error, never anything else."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_access.errors import DataError
from data_access.predictions import load_predictions
from data_access.sources.demo import demo_table

NAMES = [f"ILSVRC2012_val_{i:08d}.JPEG" for i in range(1, 41)]


def _seeds() -> list[bytes]:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 1000, (40, 3))
    csv_text = "filename,index,label,prob\n" + "".join(
        f"{n},[{a} {b} {c}],\"['tench, Tinca tinca' 'goldfish, Carassius auratus' 'crane']\","
        f"[0.5 0.3 0.2]\n"
        for n, (a, b, c) in zip(NAMES, ids, strict=True)
    )
    hf = json.dumps({n: [{"label": "tabby, tabby cat", "score": 0.9}] for n in NAMES})
    jsonl = "\n".join(
        json.dumps({"file_name": n, "prediction": int(k)})
        for n, k in zip(NAMES, ids[:, 0], strict=True)
    )
    buf = io.BytesIO()
    np.savez(buf, predictions=ids, file_names=np.array(NAMES))
    npy = io.BytesIO()
    np.save(npy, ids[:, 0])
    return [csv_text.encode(), hf.encode(), jsonl.encode(), buf.getvalue(), npy.getvalue()]


SEEDS = _seeds()
SUFFIXES = [".csv", ".tsv", ".json", ".jsonl", ".npy", ".npz", ".parquet", ".txt", ""]


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.integers(0, 3))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == 0 and data:  # flip a byte
            data[at] = draw(st.integers(0, 255))
        elif op == 1:  # insert bytes
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == 2:  # cut the rest
            del data[at:]
        else:  # delete a run
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


@pytest.fixture(scope="module")
def demo():
    return demo_table()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.one_of(mutated(), st.binary(max_size=512)), suffix=st.sampled_from(SUFFIXES))
def test_any_bytes_give_a_model_or_one_clear_error(tmp_path, demo, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        model = load_predictions(path, demo)
    except DataError as e:
        assert str(e).startswith(str(path)) and "\n" not in str(e).split(": ", 1)[1][:200]
    else:
        assert model.top1.shape == (len(demo),)
