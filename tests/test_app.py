"""AppTest of the app shell and the Overview page."""

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.analysis.real import DISAGREEMENTS, shipped_real_labels
from data_access.sources.source import index_is_current, open_source
from tests.helpers import grid_tiles, real_kinds_oracle, viewer_data
from ui.text import md

TIMEOUT = 60
APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def _argv(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["app.py"])


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _expected(table):
    """The Overview's figures: the table's counts, and how it disagrees with ReaL (counted by
    the oracle) when ReaL labels are attached."""
    summary = table.summary()
    real = {}
    if table.real is not None:
        real = {DISAGREEMENTS[k]: f"{v:,}" for k, v in real_kinds_oracle(table).items()}
    return real | {
        "Images": f"{summary['images']:,}",
        "Problematic": f"{summary['problematic']:,}",
        "ImageNet-M": f"{summary['imagenet_m']:,}",
        "Classes": f"{summary['classes']:,}",
        "Multi-label images": f"{summary['multi_label_images']:,}",
        "Mean accepted labels": f"{summary['mean_accepted_labels']:.3f}",
    }


def test_overview_on_demo():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    table = open_source("demo").table
    assert table.real.synthetic
    assert _metrics(at) == _expected(table)
    assert all(int(_metrics(at)[v].replace(",", "")) > 100 for v in DISAGREEMENTS.values())
    assert "Synthetic demo data" in at.warning[0].value
    assert any("Synthetic demo data, not ImageNet" in m.value for m in at.sidebar.markdown)
    tiles = grid_tiles(at, "overview_examples")
    assert [t["heading"] for t in tiles] == [
        "Several correct labels", "Unclear labels", "Problematic", "ImageNet-M"
    ]  # fmt: skip
    assert sum(c["kind"] == "correct" for c in tiles[0]["labels"]) >= 2
    assert any(c["kind"] == "unclear" for c in tiles[1]["labels"])
    assert any(c["kind"] == "problematic" for c in tiles[2]["flags"])
    assert any(c["kind"] == "imagenet_m" for c in tiles[3]["flags"])


def _charts(at) -> list[tuple[dict, dict]]:
    """Each Vega-Lite chart of the page: (its spec, its data as columns)."""
    import json

    import pyarrow as pa

    found = []

    def walk(node) -> None:
        if type(getattr(node, "proto", None)).__name__ == "VegaLiteChart":
            data = pa.ipc.open_stream(node.proto.data.data).read_all().to_pydict()
            found.append((json.loads(node.proto.spec), data))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return found


def test_overview_charts_count_what_the_label_sets_say():
    """The three label-set charts against counts over the rows, by hand: accepted labels per
    non-problematic image, classes by how many problematic images they have, and problematic
    images by reason (most first). Numbers come in numeric order and the spec keeps the
    data's order (Vega-Lite would sort the labels as text: "10" before "2"). Each chart says
    what it shows; the reasons' count axis is the one titled "images"."""
    from collections import Counter

    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    table = open_source("demo").table
    accepted, reasons, per_class = Counter(), Counter(), Counter()
    for i in range(len(table)):
        if table.is_problematic[i]:
            reasons[str(table.problematic_reason[i]) or "not recorded"] += 1
            per_class[int(table.original_label[i])] += 1
        else:
            sets = set(table.correct_multi_labels.row(i)) | set(table.unclear_multi_labels.row(i))
            accepted[str(len(sets))] += 1
    classes = Counter(str(per_class.get(c, 0)) for c in range(1000))
    charts = _charts(at)
    assert [spec["description"] for spec, _ in charts] == [
        "Accepted labels per non-problematic image",
        "Classes by number of problematic images",
        "Problematic images by reason",
    ]
    got = [dict(zip(data["label"], data["count"], strict=True)) for _, data in charts]
    assert got == [dict(accepted), dict(classes), dict(reasons)]
    assert charts[0][1]["label"] == sorted(accepted, key=int)
    assert charts[1][1]["label"] == sorted(classes, key=int)
    assert charts[2][1]["count"] == sorted(reasons.values(), reverse=True)
    assert all(
        spec["encoding"]["x" if k != 2 else "y"]["sort"] is None
        for k, (spec, _) in enumerate(charts)
    )
    assert charts[2][0]["encoding"]["x"]["title"] == "images"
    assert charts[2][0]["encoding"]["y"]["title"] == ""


def test_sidebar_opens_a_label_json(label_json, table):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.sidebar.radio(key="source_kind").set_value("json")
    at.sidebar.text_input[0].set_value(str(label_json))
    at.sidebar.button[0].click().run()
    assert not at.exception and not at.error
    # A real source shows the shipped ReaL labels (the fixture has a few of each kind).
    assert _metrics(at) == _expected(table.with_real(shipped_real_labels()))
    assert not at.warning  # no synthetic banner on real data
    assert any("labels only" in c.value for c in at.sidebar.caption)
    assert any("labels only" in i.value for i in at.info)
    # The Overview's examples: one grid, a heading per kind found, no pictures to show.
    tiles = grid_tiles(at, "overview_examples")
    assert tiles and all(
        t["src"] is None and t["no_picture"] == "no image: labels only" for t in tiles
    )
    assert {t["heading"] for t in tiles} <= {
        "Several correct labels", "Unclear labels", "Problematic", "ImageNet-M"
    }  # fmt: skip
    # The index was built by the app (with its progress bar) and is now current on disk.
    assert index_is_current("json", labels_json=label_json)
    # The Image page says why there is no picture, and still steps through the view.
    at.query_params["image"] = str(table.file_name[1])
    at.switch_page("app_pages/image.py").run()
    data = viewer_data(at)
    assert [data[k]["no_picture"] for k in ("prev", "current", "next")] == [
        "no image: labels only"
    ] * 3
    assert data["position"] == 1 and data["next"]["name"] == str(table.file_name[2])


def test_bad_path_keeps_what_was_loaded(tmp_path):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.sidebar.radio(key="source_kind").set_value("json")
    at.sidebar.text_input[0].set_value(str(tmp_path / "missing <b>x</b>.json"))
    at.sidebar.button[0].click().run()
    assert not at.exception
    # Shown literally: the message is Markdown-escaped, never rendered as HTML or Markdown.
    assert at.sidebar.error[0].value == md(f"{tmp_path / 'missing <b>x</b>.json'}: file not found")
    assert _metrics(at)["Images"] == "20,000"  # the demo stays


def test_command_line_source(monkeypatch, label_json, table):
    monkeypatch.setattr(
        sys, "argv", ["app.py", "--source", "json", "--labels-json", str(label_json)]
    )
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert _metrics(at)["Images"] == str(len(table))


def test_bad_command_line_falls_back_to_demo(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["app.py", "--source", "tfds", "--data-dir", str(tmp_path)])
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert md("no prepared imagenet2012_multilabel") in at.sidebar.error[0].value
    assert _metrics(at)["Images"] == "20,000"


def test_bad_pictures_show_a_reason_and_the_pages_survive(monkeypatch, label_json, table, tmp_path):
    """An HTML file and a 64-megapixel PNG named like validation JPEGs, and an empty cached
    thumbnail: Browse and the Image page show "No picture: ..." and carry on."""
    import io

    from PIL import Image

    root = tmp_path / "imgs"
    root.mkdir()
    names = table.file_name.tolist()
    buf = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buf, format="PNG")
    (root / names[0]).write_bytes(buf.getvalue())
    (root / names[1]).write_bytes(b"<html><body>not a photo</body></html>")
    for n in names[2:]:
        buf = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 120, 10)).save(buf, format="JPEG")
        (root / n).write_bytes(buf.getvalue())
    argv = ["app.py", "--source", "json", "--labels-json", str(label_json), "--images", str(root)]
    monkeypatch.setattr(sys, "argv", argv)
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("app_pages/browse.py").run()
    assert not at.exception
    tiles = {t["name"]: t for t in grid_tiles(at, "browse_grid")}
    assert tiles[names[0]]["src"] is None
    assert "larger than any ImageNet photo" in tiles[names[0]]["no_picture"]
    assert tiles[names[1]]["no_picture"].startswith("No picture: ")
    assert tiles[names[2]]["src"].startswith("data:image/jpeg;base64,")
    for name in names[:2]:
        at.query_params["image"] = name
        at.switch_page("app_pages/image.py").run()
        assert not at.exception
        # The viewer: no picture and why, for the image and for a neighbour sent ahead.
        data = viewer_data(at)
        assert data["current"]["src"] is None
        assert data["current"]["no_picture"].startswith("No picture: ")
    assert data["prev"]["name"] == names[0] and data["prev"]["held"] is True  # sent just before
    assert data["next"]["src"].startswith("data:image/jpeg;base64,")


def test_new_session_sees_a_label_json_changed_while_the_server_runs(
    monkeypatch, label_json, tmp_path
):
    """The open-source cache is keyed by the fingerprint: a second session after an edit shows
    the new counts (the first keeps what it opened)."""
    import json

    copy = tmp_path / "labels.json"
    copy.write_bytes(label_json.read_bytes())
    monkeypatch.setattr(sys, "argv", ["app.py", "--source", "json", "--labels-json", str(copy)])
    first = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    before = _metrics(first)["ImageNet-M"]
    data = json.loads(copy.read_text())
    data["imagenet_m"] = data["imagenet_m"][:1]
    copy.write_text(json.dumps(data))
    second = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not second.exception
    assert _metrics(second)["ImageNet-M"] == "1" != before


def test_a_failing_page_or_sidebar_leaves_the_other_working(monkeypatch):
    """An unexpected error is one line where it happened; the rest of the app still works."""
    import ui.grid
    import ui.state

    def broken(*args, **kwargs):
        raise RuntimeError("/srv/secret/path details")

    monkeypatch.setattr(ui.grid, "image_grid", broken)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("app_pages/browse.py").run()
    assert not at.exception
    assert [e.value for e in at.main.error] == [
        md("This page failed (RuntimeError); the rest of the app still works. "
           "The server's log has the details.")
    ]  # fmt: skip
    assert any("20,000 images" in c.value for c in at.sidebar.caption)  # the sidebar is whole
    monkeypatch.undo()
    monkeypatch.setattr(sys, "argv", ["app.py"])
    monkeypatch.setattr(ui.state, "render_models_sidebar", broken)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "The sidebar failed (RuntimeError)" in at.sidebar.error[0].value.replace("\\", "")
    assert "secret" not in at.sidebar.error[0].value
    assert _metrics(at) == _expected(open_source("demo").table)  # the page is whole
