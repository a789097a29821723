import hashlib
import http.server
import json
import threading

import pytest

from data_access.errors import DownloadError, LabelFileError
from data_access.sources.labels_json import download_label_json, parse_label_json


def test_parse_matches_the_table(label_json, table):
    parsed = parse_label_json(label_json)
    assert parsed.file_name.tolist() == table.file_name.tolist()  # the ImageNetV2 name is dropped
    assert parsed.original_label.tolist() == table.original_label.tolist()
    for key in ("correct_multi_labels", "unclear_multi_labels", "wrong_multi_labels"):
        assert getattr(parsed, key).to_lists() == getattr(table, key).to_lists()
    assert parsed.is_problematic.tolist() == table.is_problematic.tolist()
    assert parsed.in_imagenet_m.tolist() == table.in_imagenet_m.tolist()
    assert parsed.problematic_reason.tolist() == table.problematic_reason.tolist()


def test_parse_the_tfds_fixture_shape(tmp_path):
    # The shape of TFDS's own dummy file: absent keys mean empty lists; a problematic entry
    # may name an image that is not annotated.
    data = {
        "initial_annots": {
            "ILSVRC2012_val_00000001.JPEG": {"wrong": ["n01665541"], "correct": ["n01751748"]},
            "ILSVRC2012_val_00000022.JPEG": {"correct": ["n02091244"], "unclear": ["n02105412"]},
            "ILSVRC2012_val_00000004.JPEG": {},
        },
        "problematic_images": {
            "ILSVRC2012_val_00000004.JPEG": {
                "reason": "marked as problematic in the review server",
                "reviewer": "a",
                "server_user_name": "b",
            },
            "ILSVRC2012_val_00000064.JPEG": {"reason": "x"},
        },
        "imagenet_m": ["ILSVRC2012_val_00000022.JPEG"],
    }
    path = tmp_path / "l.json"
    path.write_text(json.dumps(data))
    t = parse_label_json(path)
    assert t.file_name.tolist() == [
        "ILSVRC2012_val_00000001.JPEG",
        "ILSVRC2012_val_00000004.JPEG",
        "ILSVRC2012_val_00000022.JPEG",
    ]
    assert t.original_label.tolist() == [65, 809, 173]  # from validation_labels.txt
    assert t.correct_multi_labels.to_lists() == [[65], [], [173]]
    assert t.unclear_multi_labels.to_lists() == [[], [], [227]]
    assert t.is_problematic.tolist() == [False, True, False]
    assert t.problematic_reason.tolist()[1] == "marked as problematic in the review server"
    assert t.in_imagenet_m.tolist() == [False, False, True]


GOOD = {
    "initial_annots": {"ILSVRC2012_val_00000001.JPEG": {"correct": ["n01751748"]}},
    "problematic_images": {},
    "imagenet_m": [],
}


def _variant(**changes):
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        data[key] = value
    return json.dumps(data)


BAD_FILES = {
    "empty": ("", "empty"),
    "whitespace": ("   \n", "empty"),
    "truncated": (json.dumps(GOOD)[:-7], "truncated"),
    "not json": ("hello, world", "not valid JSON"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not UTF-8"),
    "top-level list": ("[1, 2]", "expected a JSON object"),
    "missing keys": ('{"annotations": {}}', "missing top-level key(s) initial_annots"),
    "wrong type": (_variant(imagenet_m={}), "imagenet_m: expected a list"),
    "unknown wnid": (
        _variant(initial_annots={"ILSVRC2012_val_00000001.JPEG": {"correct": ["n99999999"]}}),
        "'n99999999' is not one of the 1000",
    ),
    "wnid not a list": (
        _variant(initial_annots={"ILSVRC2012_val_00000001.JPEG": {"correct": "n01751748"}}),
        "expected a list of wnids",
    ),
    "name outside validation": (
        _variant(initial_annots={"ILSVRC2012_val_00050001.JPEG": {"correct": ["n01751748"]}}),
        "not an ImageNet validation file name",
    ),
    "unexpected set key": (
        _variant(initial_annots={"ILSVRC2012_val_00000001.JPEG": {"right": ["n01751748"]}}),
        "unexpected key(s) ['right']",
    ),
    "no validation images": (_variant(initial_annots={"abc.jpeg": {}}), "no ILSVRC2012_val_"),
    "imagenet_m not annotated": (
        _variant(imagenet_m=["ILSVRC2012_val_00000002.JPEG"]),
        "imagenet_m[0]: 'ILSVRC2012_val_00000002.JPEG' is not an annotated",
    ),
    "duplicate file name": (
        '{"initial_annots": {"ILSVRC2012_val_00000001.JPEG": {}, '
        '"ILSVRC2012_val_00000001.JPEG": {}}, "problematic_images": {}, "imagenet_m": []}',
        "'ILSVRC2012_val_00000001.JPEG': the key appears twice",
    ),
    "hostile name": (
        _variant(initial_annots={"ILSVRC2012_val_<script>.JPEG": {}}),
        "not an ImageNet validation file name",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_label_files_name_file_and_problem(tmp_path, case):
    content, expected = BAD_FILES[case]
    path = tmp_path / "labels.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(LabelFileError) as err:
        parse_label_json(path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert expected in message


def test_duplicates_only_where_they_matter(tmp_path):
    path = tmp_path / "labels.json"
    # A name that is a key in initial_annots, problematic_images and in an unrelated extra
    # structure is fine: only a repeat inside one object is corrupt.
    path.write_text(
        '{"initial_annots": {"ILSVRC2012_val_00000001.JPEG": {"correct": ["n01751748"]}},'
        ' "problematic_images": {"ILSVRC2012_val_00000001.JPEG": {"reason": "r"}},'
        ' "extra": {"ILSVRC2012_val_00000001.JPEG": {}}, "imagenet_m": []}'
    )
    assert parse_label_json(path).is_problematic.tolist() == [True]
    path.write_text(
        '{"initial_annots": {"ILSVRC2012_val_00000001.JPEG": {}},'
        ' "problematic_images": {"ILSVRC2012_val_00000001.JPEG": {"reason": "r"},'
        ' "ILSVRC2012_val_00000001.JPEG": {"reason": "s"}}, "imagenet_m": []}'
    )
    with pytest.raises(
        LabelFileError, match="'ILSVRC2012_val_00000001.JPEG': the key appears twice"
    ):
        parse_label_json(path)


def test_missing_and_folder(tmp_path):
    with pytest.raises(LabelFileError, match="file not found"):
        parse_label_json(tmp_path / "nope.json")
    with pytest.raises(LabelFileError, match="is a folder"):
        parse_label_json(tmp_path)


@pytest.fixture
def file_server(tmp_path):
    """A local HTTP server: /labels.json serves a file, /forbidden answers 403."""
    body = json.dumps(GOOD).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/labels.json":
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif self.path == "/short":
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) + 100))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(403, "Forbidden")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hashlib.sha256(body).hexdigest()
    finally:
        server.shutdown()
        server.server_close()


def test_download_verified(file_server, tmp_path):
    base, sha = file_server
    dest = tmp_path / "out" / "human_accuracy_v3.0.0.json"
    seen = []
    download_label_json(dest, f"{base}/labels.json", sha, progress=lambda d, t, m: seen.append(d))
    assert parse_label_json(dest).file_name.tolist() == ["ILSVRC2012_val_00000001.JPEG"]
    assert seen and seen[-1] == dest.stat().st_size


def test_download_errors_leave_nothing(file_server, tmp_path):
    base, sha = file_server
    dest = tmp_path / "labels.json"
    with pytest.raises(DownloadError, match="HTTP 403.*known to refuse.*--labels-json"):
        download_label_json(dest, f"{base}/forbidden", sha)
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download_label_json(dest, f"{base}/labels.json", "0" * 64)
    with pytest.raises(DownloadError, match="ended early|download failed"):
        download_label_json(dest, f"{base}/short", sha, timeout=5)
    with pytest.raises(DownloadError, match="cannot connect"):
        download_label_json(dest, "http://127.0.0.1:9/labels.json", sha, timeout=2)
    assert list(tmp_path.iterdir()) == []  # no partial file anywhere
    # An earlier good copy survives a failed download.
    download_label_json(dest, f"{base}/labels.json", sha)
    before = dest.read_bytes()
    with pytest.raises(DownloadError):
        download_label_json(dest, f"{base}/labels.json", "1" * 64)
    assert dest.read_bytes() == before


def test_oversized_label_json_refused_before_reading(tmp_path, monkeypatch):
    import data_access.sources.labels_json as L

    path = tmp_path / "huge.json"
    path.write_text('{"initial_annots": {}}' + " " * 5000)
    monkeypatch.setattr(L, "MAX_LABEL_JSON_BYTES", 1000)
    monkeypatch.setattr("builtins.open", None)  # nothing may be read
    with pytest.raises(
        L.LabelFileError, match="5,022 bytes: larger than the label JSON file can be"
    ):
        L.load_json_file(path)


def test_label_json_with_a_huge_integer_is_one_line(tmp_path):
    from data_access.sources.labels_json import LabelFileError, load_json_file

    path = tmp_path / "big.json"
    path.write_text('{"x": ' + "9" * 5000 + "}")
    with pytest.raises(LabelFileError, match="not usable JSON: Exceeds the limit"):
        load_json_file(path)
