import json
import subprocess
import sys

import pytest

from data_access.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_info_json_demo(capsys):
    code, out, _ = _run(capsys, "info", "--format", "json")
    info = json.loads(out)
    assert code == 0
    for key in (
        "images",
        "problematic",
        "imagenet_m",
        "classes",
        "multi_label_images",
        "mean_accepted_labels",
    ):
        assert key in info
    assert info["images"] == 20_000 and info["imagenet_m"] == 68 and info["synthetic"] is True


def test_info_json_source_numbers(capsys, label_json, val_tar, table):
    code, out, _ = _run(
        capsys,
        "info",
        "--source",
        "json",
        "--labels-json",
        str(label_json),
        "--images",
        str(val_tar[0]),
        "--format",
        "json",
    )
    info = json.loads(out)
    assert code == 0
    assert info == {**info, **table.summary()}
    assert info["images_found"] == len(table)


def test_info_table(capsys, label_json):
    code, out, _ = _run(capsys, "info", "--source", "json", "--labels-json", str(label_json))
    assert code == 0
    assert "images                 33" in out and "labels only" in out and "(built now)" in out
    code, out, _ = _run(capsys, "info")
    assert out.startswith("NOTE: Synthetic demo data")


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["info", "--source", "json", "--labels-json", "/nonexistent/l.json"],
            "error: /nonexistent/l.json: file not found",
        ),
        (
            ["info", "--source", "tfds", "--data-dir", "/nonexistent"],
            "no prepared imagenet2012_multilabel",
        ),
        (["prepare", "--manual-dir", "/nonexistent"], "ILSVRC2012_img_val.tar not found"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_download_labels_403(capsys, tmp_path):
    import http.server
    import threading

    class Forbidden(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_error(403)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forbidden)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/human_accuracy_v3.0.0.json"
        code, _, err = _run(
            capsys, "download-labels", "--url", url, "--out", str(tmp_path / "x.json")
        )
    finally:
        server.shutdown()
        server.server_close()
    assert code == 2 and "HTTP 403" in err and "--labels-json" in err
    assert not (tmp_path / "x.json").exists()


def test_module_entry_point(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "data_access",
            "info",
            "--source",
            "json",
            "--labels-json",
            str(tmp_path / "missing.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: {tmp_path / 'missing.json'}: file not found"
