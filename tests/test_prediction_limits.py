"""Prediction files that would give a silent wrong number, or that claim or expand to far
more memory than a prediction file needs, are refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from data_access.predictions import PredictionFileError, ReadOptions, load_predictions
from data_access.sources.demo import demo_table
from tests.helpers import python_child

N1, N2 = "ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00000002.JPEG"


@pytest.fixture(scope="module")
def demo():
    return demo_table()


def test_repeated_json_keys(tmp_path, demo):
    """JSON keeps the last of two equal keys: a contradiction is refused, a repeat is fine."""
    (tmp_path / "a.json").write_text(f'{{"{N1}": 5, "{N2}": 7, "{N1}": 6}}')
    with pytest.raises(PredictionFileError, match=f"key '{N1}' appears twice .*5, then 6"):
        load_predictions(tmp_path / "a.json", demo)
    (tmp_path / "b.json").write_text(f'{{"{N1}": 5, "{N1}": 5}}')
    assert load_predictions(tmp_path / "b.json", demo).top1[0] == 5
    inner = f'{{"{N1}": {{"label": "tench, Tinca tinca", "label": "goldfish"}}}}'
    (tmp_path / "c.json").write_text(inner)
    with pytest.raises(PredictionFileError, match="key 'label' appears twice"):
        load_predictions(tmp_path / "c.json", demo)
    (tmp_path / "d.jsonl").write_text(
        json.dumps({"file_name": N1, "label": 1})
        + "\n"
        + f'{{"file_name": "{N2}", "label": 1, "label": 2}}\n'
    )
    with pytest.raises(PredictionFileError, match="key 'label' appears twice"):
        load_predictions(tmp_path / "d.jsonl", demo)


def test_probabilities_only_if_every_row_says_so(tmp_path, demo):
    """Rows that are probabilities at the top of a file and logits further down are logits:
    every row goes through the softmax, not just the later ones."""
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (50_000, 1000)).astype(np.float32)
    labels = np.zeros(50_000, np.int64)
    from data_access.classes import validation_labels

    labels[:] = validation_labels()
    logits[np.arange(50_000), labels] += 10
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    mixed = logits.copy()
    mixed[:4096] = probs[:4096]  # the first two chunks look like probabilities
    np.save(tmp_path / "mixed.npy", mixed)
    model = load_predictions(tmp_path / "mixed.npy", demo)
    row = int(np.flatnonzero(demo.validation_position < 4096)[0])
    p = demo.validation_position[row]
    softmax = np.exp(mixed[p] - mixed[p].max())
    softmax /= softmax.sum()
    assert model.scores[row, 0] == pytest.approx(softmax.max(), rel=1e-5)
    assert model.scores[row, 0] < probs[p].max()  # not the raw value


def _bomb(path: Path, shape: tuple, extra: dict | None = None) -> Path:
    """An .npz whose member claims ``shape`` (float32) and inflates to all of it, from a few
    hundred KB of zeros."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("logits.npy", "w", force_zip64=True) as f:
            header = {"descr": "<f4", "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_1_0(f, header)
            chunk = bytes(1 << 22)
            left = int(np.prod(shape)) * 4
            while left > 0:
                f.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
        for name, data in (extra or {}).items():
            buf = zf.open(f"{name}.npy", "w")
            np.lib.format.write_array(buf, data)
            buf.close()
    return path


def _peak_rss_mb(path: Path, *args: str) -> tuple[float, str]:
    """Loads ``path`` in a fresh process; returns its peak RSS (MB) and the error line."""
    code = (
        "import sys\n"
        "from data_access.sources.demo import demo_table\n"
        "from data_access.predictions import load_predictions, PredictionFileError\n"
        "t = demo_table()\n"
        "try:\n"
        f"    load_predictions({str(path)!r}, t)\n"
        "    msg = 'loaded'\n"
        "except PredictionFileError as e:\n"
        "    msg = str(e)\n"
        # VmHWM belongs to this process's own memory; ru_maxrss would carry pytest's peak
        # across the exec.
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1]) / 1024)\n"
        "print(msg)\n"
    )
    rss, msg = python_child(code, timeout=120).strip().split("\n", 1)
    return float(rss), msg


def test_zip_bomb_refused_before_inflating(tmp_path):
    """400 MB of zeros in a ~0.4 MB .npz: refused from its header, peak RSS under 300 MB."""
    bomb = _bomb(tmp_path / "bomb.npz", (100_000, 1000))
    assert bomb.stat().st_size < 2_000_000
    rss, msg = _peak_rss_mb(bomb)
    assert "100,000 rows but no file names" in msg
    assert rss < 300, rss


@pytest.mark.parametrize(
    "shape, expected",
    [
        ((50_000, 6000), "not a prediction array"),  # too wide
        ((2_000_000, 1000), "not a prediction array"),  # too many rows
        ((50_000, 10, 10), "not a prediction array"),  # 3-D
    ],
)
def test_npz_header_claims_are_checked(tmp_path, demo, shape, expected):
    path = tmp_path / "claim.npz"
    with zipfile.ZipFile(path, "w") as zf, zf.open("logits.npy", "w") as f:
        header = {"descr": "<f4", "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(f, header)
        f.write(b"\0" * 64)  # the header lies: nothing behind it is ever read
    with pytest.raises(PredictionFileError, match=expected):
        load_predictions(path, demo)


def test_npz_rows_must_match_names_before_inflating(tmp_path, demo):
    names = np.array([N1, N2])
    path = _bomb(tmp_path / "n.npz", (3, 1000), extra={"file_names": names})
    with pytest.raises(PredictionFileError, match="3 rows but 2 file names"):
        load_predictions(path, demo, options=ReadOptions(order="validation"))


def _chunked_cases(tmp_path: Path) -> dict[str, Path]:
    from data_access.classes import validation_file_name
    from tests import prediction_writers as W

    rng = np.random.default_rng(3)
    names = [validation_file_name(i) for i in range(600)]
    top5 = rng.integers(0, 1000, (600, 5))
    probs = np.sort(rng.dirichlet(np.ones(1000), 600)[:, :5], axis=1)[:, ::-1]
    logits = rng.normal(0, 2, (600, 1000)).round(4)
    wide = tmp_path / "wide.csv"
    lines = [f"{n}," + ",".join(map(str, row)) for n, row in zip(names, logits, strict=True)]
    wide.write_text("file_name," + ",".join(f"logit_{k}" for k in range(1000)) + "\n")
    with wide.open("a") as f:
        f.write("\n".join(lines) + "\n")
    mixed = tmp_path / "mixed.csv"  # ints first, a float late: read as if cell by cell
    mixed.write_text(
        ",file_name,class_id,score\n"
        + "".join(f"{i},{n},{i % 1000},{1 if i < 500 else 0.5}\n" for i, n in enumerate(names))
    )
    return {
        "timm top-5 + index": W.write_timm(
            tmp_path / "t.csv", names, top5, probs, topk=5, include_index=True
        ),
        "timm descriptions": W.write_timm(tmp_path / "d.csv", names, top5, probs, topk=5),
        "1000 logit columns": wide,
        "pandas index, mixed numbers": mixed,
    }


def test_streamed_chunks_read_like_one_pass(tmp_path, demo, monkeypatch):
    """CSV text is parsed a few MiB at a time (memory near the result's size); with
    chunks of a few rows every file reads exactly as in one pass."""
    from data_access.predictions import text

    real = text._parse_column
    # Random predictions: a parsing test, so the sanity gate is told they are intended.
    options = ReadOptions(allow_implausible=True)
    for case, path in _chunked_cases(tmp_path).items():
        whole = load_predictions(path, demo, options=options)
        calls: list[int] = []
        monkeypatch.setattr(text, "_CHUNK_CHARS", 300)
        monkeypatch.setattr(text, "_parse_column", lambda *a, c=calls: c.append(1) or real(*a))
        parts = load_predictions(path, demo, options=options)
        monkeypatch.undo()
        assert len(calls) > 100, case  # really read in many chunks
        assert parts.top1.tolist() == whole.top1.tolist(), case
        for a, b in ((parts.top_k, whole.top_k), (parts.scores, whole.scores)):
            assert (a is None) == (b is None), case
            if a is not None:
                np.testing.assert_array_equal(a, b, err_msg=case)
        assert parts.reading == whole.reading, case
    # An error in a late chunk names its line, as in one pass.
    bad = tmp_path / "bad.csv"
    rows = [f"ILSVRC2012_val_{i + 1:08d}.JPEG,{i % 1000}" for i in range(400)]
    rows[350] = rows[350].replace(",", ",1,")
    bad.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(text, "_CHUNK_CHARS", 300)
    with pytest.raises(PredictionFileError, match="line 351: 3 columns, expected 2"):
        load_predictions(bad, demo)


@pytest.mark.parametrize(("field", "value"), [("flag", 1), ("method", 99)])
def test_npz_with_encrypted_or_unknown_members_is_one_line(tmp_path, demo, field, value):
    """zipfile raises RuntimeError / NotImplementedError for these: still the one-line error."""
    path = tmp_path / "p.npz"
    np.savez(path, scores=np.zeros((20_000, 5), np.float32))
    raw = bytearray(path.read_bytes())
    central = raw.rfind(b"PK\x01\x02")
    local = 0
    if field == "flag":  # general purpose bit 0: encrypted
        raw[central + 8] |= value
        raw[local + 6] |= value
    else:  # the compression method
        raw[central + 10 : central + 12] = value.to_bytes(2, "little")
        raw[local + 8 : local + 10] = value.to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(PredictionFileError, match="p.npz"):
        load_predictions(path, demo)


def test_a_huge_file_names_list_is_refused_before_reading(tmp_path, demo):
    names = tmp_path / "names.txt"
    with names.open("wb") as f:
        f.write(b"ILSVRC2012_val_00000001.JPEG\n")
        f.truncate((256 << 20) + 1)  # sparse: never read
    preds = tmp_path / "p.npy"
    np.save(preds, np.zeros(3, dtype=np.int64))
    with pytest.raises(PredictionFileError, match="too large for a list of file names"):
        load_predictions(preds, demo, options=ReadOptions(file_names=str(names)))


def test_json_that_would_cost_too_much_memory_is_refused_before_parsing(
    tmp_path, demo, monkeypatch
):
    """A list of numbers is one Python object per comma: counted on the bytes, refused before
    json.loads builds any of them."""
    import json

    import data_access.predictions.registry as R

    path = tmp_path / "wide.json"
    path.write_text("[" + "7," * 2_000_000 + "7]")  # 4 MB of text, ~80 MB of objects
    calls: list[int] = []
    real = json.loads
    monkeypatch.setattr(json, "loads", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(R, "MAX_JSON_MEMORY", 50 << 20)
    with pytest.raises(PredictionFileError, match=r"about \d+ MB of memory \(at most 50 MB\)"):
        load_predictions(path, demo)
    assert calls == []


def test_csv_with_too_many_rows_is_refused_while_streaming(tmp_path, demo, monkeypatch):
    from data_access.predictions import text

    monkeypatch.setattr(text, "MAX_ROWS", 500)
    path = tmp_path / "long.csv"
    rows = [f"ILSVRC2012_val_{i % 50000 + 1:08d}.JPEG,{i % 1000}" for i in range(2000)]
    rows[-1] = "broken,line,at,the,end"  # never reached
    path.write_text("file_name,pred\n" + "\n".join(rows) + "\n")
    with pytest.raises(PredictionFileError, match="line 502: more than 500 rows"):
        load_predictions(path, demo)
