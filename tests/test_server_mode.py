"""Server mode (--server-mode, or a config file's [server] section): no path fields, shared
prediction files to pick (nothing outside their folder), the config file's settings, and an
image page that serves only the opened source's images."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.paths import shared_files
from tests.helpers import plain, write_top1_csv
from ui.cli_args import app_args, config_argv

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PATH_FIELDS = {"Label JSON path (json source)", "Add a prediction file by path",
               "TFDS data_dir (tfds source)", "Images: folder or ILSVRC2012_img_val.tar (optional)"}  # fmt: skip


@pytest.fixture
def shared(tmp_path, table):
    folder = tmp_path / "shared"
    folder.mkdir()
    write_top1_csv(folder / "vit.csv", table, table.original_label)
    (folder / ".hidden.csv").write_text("x")
    (folder / "notes.md").write_text("not a prediction file")
    outside = tmp_path / "secret.csv"
    outside.write_text("file_name,label\n")
    (folder / "leak.csv").symlink_to(outside)
    (folder / "sub").mkdir()
    return folder


def test_shared_files_stay_in_their_folder(shared):
    assert [p.name for p in shared_files([shared], ["csv", "npy"])] == ["vit.csv"]
    assert shared_files([shared / "missing"], ["csv"]) == []


def test_server_mode_has_no_path_fields_and_offers_the_shared_files(
    monkeypatch, shared, label_json, table
):
    monkeypatch.setattr(sys, "argv", ["app.py", "--source", "json", "--labels-json",
                                      str(label_json), "--server-mode", "--share-folder", str(shared)])  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert not {t.label for t in at.sidebar.text_input} & PATH_FIELDS
    assert any("Server mode: the operator chose the source" in c.value for c in at.sidebar.caption)
    box = next(s for s in at.sidebar.selectbox if s.label == "Shared prediction files")
    assert box.options == ["vit.csv"]  # names shown; the value is a position in the list
    box.set_value(0)
    next(b for b in at.sidebar.button if b.label == "Add").click().run()
    next(b for b in at.sidebar.button if b.label == "Add model").click().run()
    assert not at.exception
    status = next(plain(c.value) for c in at.sidebar.caption if "images" in c.value)
    assert status.startswith("**Label JSON") and status.endswith(" · 1 model"), status


def test_config_file(tmp_path, monkeypatch, label_json, shared):
    config = tmp_path / "lab.toml"
    config.write_text(
        "[server]\n"
        'source = "json"\n'
        f'labels_json = "{label_json}"\n'
        f'share_folders = ["{shared}"]\n'
        'allow_reviewers = ["ada@lab.org", "bob@lab.org"]\n'
        f'reviews_db = "{tmp_path / "r.sqlite"}"\n'
    )
    args = app_args(["--config", str(config), "--read-only-reviewer", "guest@lab.org"])
    assert args.problem is None and args.server_mode
    assert args.params.kind == "json" and args.params.labels_json == str(label_json)
    assert args.allow_reviewers == ("ada@lab.org", "bob@lab.org")
    assert args.read_only_reviewers == ("guest@lab.org",) and args.share_folders == (shared,)
    bad = tmp_path / "bad.toml"
    for text, message in [("[server]\nbogus = 1\n", "unknown key 'bogus'"),
                          ("[other]\n", "no [server] section"), ("x = [", "bad.toml")]:  # fmt: skip
        bad.write_text(text)
        with pytest.raises(ValueError, match=re.escape(message)):
            config_argv(str(bad))
        assert message in app_args(["--config", str(bad)]).problem
    assert "No such file" in app_args(["--config", str(tmp_path / "none.toml")]).problem


@pytest.mark.parametrize("name", ["ILSVRC2012_val_00049999.JPEG", "../../etc/passwd", "<b>x</b>"])
def test_image_page_serves_only_the_sources_images(monkeypatch, label_json, name):
    monkeypatch.setattr(sys, "argv", ["app.py", "--source", "json", "--labels-json",
                                      str(label_json), "--server-mode"])  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.query_params["image"] = name
    at.switch_page("app_pages/image.py").run()
    assert not at.exception
    shown = [plain(w.value) for w in [*at.warning, *at.info, *at.error]]
    assert any("is not an annotated image" in s or "No image chosen" in s for s in shown), shown
    assert not at.get("imgs")
