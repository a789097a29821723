"""Random bytes and mutations of valid files at the other readers: the label JSON, a review
reference file (JSON or CSV), pictures, TFDS metadata and TFRecord framing, the validation
tar's member headers and the on-disk index. Each gives a result or the project's error."""

from __future__ import annotations

import io
import json
import struct
import tarfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from data_access.errors import DataError, ImageSourceError, TfdsSourceError
from data_access.reviews import parse_reference_file
from data_access.sources.images import check_image, make_thumbnail
from data_access.sources.labels_json import parse_label_json

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


def _tfrecord(payloads: list[bytes]) -> bytes:
    out = b""
    for p in payloads:
        out += struct.pack("<Q", len(p)) + b"\0" * 4 + p + b"\0" * 4
    return out


@FUZZ
@given(data=st.one_of(mutated(_tfrecord([b"abc" * 20, b"x" * 50])), st.binary(max_size=256)))
def test_tfrecord_framing(tmp_path, data):
    from data_access.sources.tfds import _tfrecord_records

    path = tmp_path / "shard.tfrecord"
    path.write_bytes(data)
    try:
        for offset, payload in _tfrecord_records(path):
            assert data[offset : offset + len(payload)] == payload
    except TfdsSourceError as e:
        assert str(e).startswith(str(path))


def _dataset_info() -> bytes:
    splits = [
        {"name": s, "shardLengths": ["1"], "filepathTemplate": "{SPLIT}-{SHARD_X_OF_Y}"}
        for s in ("validation", "imagenet_m")
    ]
    return json.dumps({"fileFormat": "tfrecord", "splits": splits}).encode()


@FUZZ
@given(data=st.one_of(mutated(_dataset_info()), st.binary(max_size=256)))
def test_dataset_info_reader(tmp_path, data):
    from data_access.sources.tfds import dataset_dir, read_dataset_info

    ddir = dataset_dir(tmp_path)
    ddir.mkdir(parents=True, exist_ok=True)
    for s in ("validation", "imagenet_m"):
        (ddir / f"{s}-00000-of-00001").write_bytes(b"")
    (ddir / "dataset_info.json").write_bytes(data)
    try:
        info = read_dataset_info(tmp_path)
    except TfdsSourceError as e:
        assert str(e).startswith(str(ddir))
    else:
        for split in info["splits"].values():
            assert all(f.parent == ddir for f in split["files"])  # never outside the build


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for i in (1, 2):
            info = tarfile.TarInfo(N.format(i))
            info.size = 40
            tar.addfile(info, io.BytesIO(bytes([i]) * 40))
    return buf.getvalue()


@FUZZ
@given(data=st.one_of(mutated(_tar()), st.binary(max_size=600)))
def test_tar_member_index(tmp_path, data):
    from data_access.sources.images import index_tar

    path = tmp_path / "ILSVRC2012_img_val.tar"
    path.write_bytes(data)
    try:
        found = index_tar(path, {N.format(1), N.format(2)})
    except ImageSourceError as e:
        assert str(e).startswith(str(path))
    else:
        for offset, size in found.values():
            assert offset >= 0 and offset + size <= len(data)


@FUZZ
@given(data=st.binary(max_size=64), at=st.integers(0, 10_000))
def test_damaged_index_is_never_trusted(tmp_path, data, at):
    """Any damage to index.npz makes the load say "stale" (and the source rebuild), never
    crash and never return arrays that differ from what was saved."""
    import numpy as np

    from data_access.sources import index as index_lib

    folder = tmp_path / "idx"
    arrays = {"file_name": np.array([N.format(1), N.format(2)]), "x": np.arange(2)}
    path = index_lib.save_index(folder, "json", {"f": 1}, arrays, {})
    raw = bytearray(path.read_bytes())
    at = at % len(raw)
    raw[at : at + len(data)] = data
    path.write_bytes(bytes(raw))
    try:
        loaded, _ = index_lib.load_index(folder, "json", {"f": 1})
    except index_lib.StaleIndex:
        return
    assert loaded["file_name"].tolist() == arrays["file_name"].tolist()
    assert loaded["x"].tolist() == [0, 1]


def test_an_index_member_lost_to_damage_is_stale(tmp_path):
    """Found by the fuzz test above: one byte changed in the zip's central directory (the
    comment length of the entry before an array's) hides that array while every checksum
    still holds; the index must say "stale", not hand back fewer arrays."""
    import numpy as np

    from data_access.sources import index as index_lib

    folder = tmp_path / "idx"
    arrays = {"file_name": np.array([N.format(1)]), "x": np.arange(2)}
    path = index_lib.save_index(folder, "json", {"f": 1}, arrays, {})
    raw = bytearray(path.read_bytes())
    entry = raw.rindex(b"file_name.npy") - 46  # its central-directory header
    assert raw[entry : entry + 4] == b"PK\x01\x02"
    raw[entry + 32] = ord("3")  # the entry's comment now runs over the next entry
    path.write_bytes(bytes(raw))
    with pytest.raises(index_lib.StaleIndex, match="damaged index"):
        index_lib.load_index(folder, "json", {"f": 1})
