"""Random bytes and mutations of valid files at the other readers: the label JSON, a review
reference file (JSON or CSV), and pictures. Each gives a result or the project's error."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from data_access.errors import DataError
from data_access.images import check_image, make_thumbnail
from data_access.labels_json import parse_label_json
from data_access.reviews import parse_reference_file

N = "ILSVRC2012_val_{:08d}.JPEG"


def _label_json() -> bytes:
    annots = {N.format(i): {"correct": ["n01440764"], "wrong": ["n01443537"]} for i in range(1, 9)}
    data = {
        "initial_annots": annots,
        "problematic_images": {N.format(2): {"reason": "drawing", "reviewer": "a"}},
        "imagenet_m": [N.format(3)],
    }
    return json.dumps(data).encode()


def _reference_json() -> bytes:
    return json.dumps(
        {
            N.format(i): {
                "top_prediction": 5,
                "failure category": "fine-grained",
                "failure severity": "minor",
            }
            for i in range(1, 6)
        }
    ).encode()


def _reference_csv() -> bytes:
    rows = ["file_name,top_prediction,failure category,failure severity"]
    rows += [f"{N.format(i)},5,fine-grained,major" for i in range(1, 6)]
    return "\n".join(rows).encode()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 32), (30, 60, 90)).save(buf, format="JPEG")
    return buf.getvalue()


@st.composite
def mutated(draw, seed: bytes):
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.integers(0, 2))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == 0 and data:
            data[at] = draw(st.integers(0, 255))
        elif op == 1:
            data[at:at] = draw(st.binary(min_size=1, max_size=12))
        else:
            del data[at : at + draw(st.integers(1, 40))]
    return bytes(data)


def _result_or_one_error(read, path, data: bytes) -> None:
    """``read(path)`` returns, or raises the project's error naming ``path``: nothing else."""
    path.write_bytes(data)
    try:
        read(path)
    except DataError as e:
        assert str(e).startswith(str(path))


FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(data=st.one_of(mutated(_label_json()), st.binary(max_size=256)))
def test_label_json_reader(tmp_path, data):
    _result_or_one_error(parse_label_json, tmp_path / "human_accuracy_v3.0.0.json", data)


@FUZZ
@given(
    data=st.one_of(mutated(_reference_json()), mutated(_reference_csv()), st.binary(max_size=256)),
    suffix=st.sampled_from([".json", ".csv"]),
)
def test_reference_file_reader(tmp_path, data, suffix):
    _result_or_one_error(parse_reference_file, tmp_path / f"mistakes{suffix}", data)


@FUZZ
@given(data=st.one_of(mutated(_jpeg()), st.binary(max_size=256)))
def test_picture_readers(data):
    for read in (
        lambda d: check_image(d, "x.JPEG"),
        lambda d: make_thumbnail(d, 32, source="x.JPEG"),
    ):
        try:
            out = read(data)
        except DataError as e:
            assert str(e).startswith("x.JPEG")
        else:
            assert out[:2] == b"\xff\xd8" or out == data
