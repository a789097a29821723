"""ReaL labels: the shipped file, ReaL accuracy against the README's own loop, the ways the
experts and ReaL disagree on a hand-built fixture, and the Browse filter."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from data_access.analysis import metrics, real
from data_access.analysis.evaluation import evaluate
from data_access.annotations import AnnotationTable
from data_access.browse.records import image_description, real_chips, view_records
from data_access.browse.url import from_params, to_params
from data_access.browse.view import BrowseState, view_rows
from data_access.classes import NUM_VALIDATION_IMAGES, validation_file_name
from data_access.predictions import PredictionFileError, load_predictions, model_from_arrays
from data_access.sources.source import open_source
from tests.helpers import real_kinds_oracle


def readme_real_accuracy(real_labels: list, predictions) -> float:
    """The loop from github google-research/reassessed-imagenet's README, as written there."""
    is_correct = [pred in real_labels[i] for i, pred in enumerate(predictions) if real_labels[i]]
    return np.mean(is_correct)


@pytest.fixture(scope="module")
def real_lists() -> list:
    return json.loads(real.REAL_JSON.read_text())


def test_the_shipped_file_is_the_published_one(real_lists):
    data = real.REAL_JSON.read_bytes()
    # The published file's size and SHA-256 (github google-research/reassessed-imagenet).
    assert len(data) == 388_478
    assert hashlib.sha256(data).hexdigest() == (
        "d83e9bff374c631aae8439eb064c7019acc56e1b3bc3f56b8380c2a710b0220b"
    )
    labels = real.shipped_real_labels()
    assert not labels.synthetic
    assert [labels.row(i) for i in (0, 1, 2)] == real_lists[:3] == [[], [970, 795], [230, 231]]
    assert int((labels.lengths == 0).sum()) == sum(1 for x in real_lists if not x) == 3163
    assert all(labels.row(i) == real_lists[i] for i in range(0, NUM_VALIDATION_IMAGES, 997))


def test_a_changed_file_is_refused_and_the_source_still_opens(
    tmp_path, monkeypatch, label_json, table
):
    changed = tmp_path / "real.json"
    data = bytearray(real.REAL_JSON.read_bytes())
    data[5] = ord("7") if data[5] != ord("7") else ord("8")
    changed.write_bytes(bytes(data))
    monkeypatch.setattr(real, "REAL_JSON", changed)
    real.shipped_real_labels.cache_clear()
    try:
        with pytest.raises(real.RealLabelsError, match="expected the published file"):
            real.shipped_real_labels()
        source = open_source("json", labels_json=label_json, index_root=tmp_path / "idx")
        assert source.table.real is None and len(source.table) == len(table)
        assert "ReaL labels not shown" in source.details["real_labels"]
    finally:
        real.shipped_real_labels.cache_clear()


@pytest.mark.parametrize(
    "lists, message",
    [
        ([[]] * 10, "expected a list of 50,000 lists, got 10 entries"),
        ({"a": 1}, "got dict"),
        ([[1, 1]] + [[]] * 49_999, "entry 0 must be a list of at most 16 distinct"),
        ([[]] * 49_999 + [[1000]], "entry 49999 must be"),
        ([[]] * 3 + [[True]] + [[]] * 49_996, "entry 3 must be"),
        ([[]] * 3 + [[2.0]] + [[]] * 49_996, "entry 3 must be"),
        ([[]] * 3 + [7] + [[]] * 49_996, "entry 3 must be"),
        ([[]] * 3 + [[-1]] + [[]] * 49_996, "entry 3 must be"),
        ([[]] * 3 + [list(range(17))] + [[]] * 49_996, "entry 3 must be"),
    ],
)
def test_bad_real_lists(lists, message):
    with pytest.raises(real.RealLabelsError, match=message):
        real.from_lists(lists, "x.json")


def test_real_accuracy_equals_the_readme_loop(real_lists):
    labels = real.shipped_real_labels()
    rng = np.random.default_rng(13)
    truth = np.array([x[0] if x else 0 for x in real_lists])
    for p_right in (0.0, 0.3, 0.8, 1.0):
        predictions = np.where(
            rng.random(NUM_VALIDATION_IMAGES) < p_right,
            truth,
            rng.integers(0, 1000, NUM_VALIDATION_IMAGES),
        )
        expected = readme_real_accuracy(real_lists, predictions.tolist())
        assert real.real_accuracy(labels, predictions.astype(np.int16)) == expected
    assert real.real_accuracy(labels, truth.astype(np.int16)) == 1.0


def test_real_accuracy_only_when_every_labelled_image_is_predicted(real_lists):
    labels = real.shipped_real_labels()
    predictions = np.array([x[-1] if x else 5 for x in real_lists], dtype=np.int16)
    empty = next(i for i, x in enumerate(real_lists) if not x)
    labelled = next(i for i, x in enumerate(real_lists) if x)
    gap = predictions.copy()
    gap[empty] = -1  # an image ReaL leaves out: the loop never looks at it
    assert real.real_accuracy(labels, gap) == 1.0
    gap[labelled] = -1  # an image the loop needs: not estimated
    assert real.real_accuracy(labels, gap) is None
    assert real.real_accuracy(labels, predictions[:100]) is None


def _file_with(tmp_path, name: str, positions, classes) -> str:
    path = tmp_path / name
    path.write_text(
        "file_name,label\n"
        + "".join(
            f"{validation_file_name(int(p))},{int(c)}\n"
            for p, c in zip(positions, classes, strict=True)
        )
    )
    return str(path)


def test_evaluate_on_a_full_and_an_annotated_only_file(tmp_path, label_json, table, real_lists):
    source = open_source("json", labels_json=label_json, index_root=tmp_path / "idx")
    t = source.table
    assert t.real is real.shipped_real_labels()
    rng = np.random.default_rng(5)
    full = rng.integers(0, 1000, NUM_VALIDATION_IMAGES)
    right = rng.random(NUM_VALIDATION_IMAGES) < 0.5
    full = np.where(right, [x[0] if x else 0 for x in real_lists], full)
    everything = load_predictions(
        _file_with(tmp_path, "all.csv", range(NUM_VALIDATION_IMAGES), full), t
    )
    e = evaluate(t, everything, n_boot=0)
    assert e.real_accuracy == readme_real_accuracy(real_lists, full.tolist())
    positions = [int(f[15:23]) - 1 for f in t.file_name]
    annotated_lists = [real_lists[p] for p in positions]
    assert e.real_accuracy_annotated == readme_real_accuracy(
        annotated_lists, full[positions].tolist()
    )
    # Only the annotated images (one of them missing): no ReaL accuracy over 50,000; the
    # annotated one counts the missing image as wrong.
    kept = positions[1:]
    some = load_predictions(_file_with(tmp_path, "some.csv", kept, full[kept]), t)
    e = evaluate(t, some, n_boot=0)
    assert e.real_accuracy is None
    missing_as_wrong = [-1, *full[kept].tolist()]
    assert e.real_accuracy_annotated == readme_real_accuracy(annotated_lists, missing_as_wrong)
    # Per class: each class's annotated images with a ReaL list, counted by hand.
    pc = metrics.per_class(t, everything)
    for c in set(t.original_label.tolist()):
        rows = [i for i in range(len(t)) if t.original_label[i] == c and real_lists[positions[i]]]
        hits = sum(int(full[positions[i]]) in real_lists[positions[i]] for i in rows)
        assert pc["real_images"][c] == len(rows)
        if rows:
            assert pc["real_accuracy"][c] == hits / len(rows)


def test_conflicting_duplicates_outside_the_annotated_images_are_refused(tmp_path, table):
    outside = next(p for p in range(NUM_VALIDATION_IMAGES) if validation_file_name(p) not in table.row_of)  # fmt: skip
    path = _file_with(tmp_path, "dup.csv", [outside, outside, 0], [1, 2, 3])
    with pytest.raises(PredictionFileError, match="appears twice with different predictions"):
        load_predictions(path, table)


def _hand_table() -> AnnotationTable:
    """Five images, each disagreeing with its ReaL list in a known way."""
    rows = [
        # file position, correct, unclear, wrong, problematic
        (0, [1], [], [2], False),  # ReaL [1, 2]: accepts a wrong label
        (1, [3, 4], [], [], False),  # ReaL [3]: leaves out an accepted label
        (2, [5], [6], [], False),  # ReaL []: no label
        (3, [], [], [7], True),  # problematic, ReaL [8]
        (4, [9], [10], [11], False),  # ReaL [10, 9]: agrees (order does not matter)
    ]
    return AnnotationTable.from_records(
        {
            "file_name": validation_file_name(p),
            "original_label": (c or [7])[0],
            "correct_multi_labels": c,
            "unclear_multi_labels": u,
            "wrong_multi_labels": w,
            "is_problematic": prob,
            "problematic_reason": "drawing" if prob else "",
        }
        for p, c, u, w, prob in rows
    )


def _hand_real(synthetic: bool = False) -> real.RealLabels:
    lists = [[] for _ in range(NUM_VALIDATION_IMAGES)]
    lists[:5] = [[1, 2], [3], [], [8], [10, 9]]
    return real.from_lists(lists, synthetic=synthetic)


def test_each_kind_of_disagreement_on_a_hand_built_fixture():
    t = _hand_table().with_real(_hand_real())
    got = {k: np.flatnonzero(m).tolist() for k, m in t.real_disagreements.items()}
    assert got == {
        "real_accepts_wrong": [0],
        "experts_accept_missing": [1],
        "real_empty": [2],
        "problematic_with_real": [3],
    }
    assert {k: len(v) for k, v in got.items()} == real_kinds_oracle(t)
    # The Browse filter: each kind, and "any way", through the URL as a user shares it.
    for kind, expected in [*got.items(), ("disagree", [0, 1, 2, 3])]:
        parsed = from_params({"real": kind})
        assert not parsed.problems and to_params(parsed.state) == {"real": kind}
        assert view_rows(t, {}, parsed.state).tolist() == expected
    parsed = from_params({"real": "<script>"})
    assert parsed.state.real is None
    assert parsed.problems == ["unknown ReaL filter '<script>' in the link was ignored"]
    # Without ReaL labels the filter keeps nothing (never a silent "all").
    assert view_rows(_hand_table(), {}, BrowseState(real="disagree")).tolist() == []


def test_real_accuracy_annotated_on_the_hand_fixture():
    t = _hand_table().with_real(_hand_real())
    model = model_from_arrays("m", t, np.array([2, 4, 5, 8, 9]))
    # Images with a ReaL list: 0 (2 in [1, 2]), 1 (4 not in [3]), 3 (8 in [8]), 4 (9 in it).
    e = evaluate(t, model, n_boot=0)
    assert e.real_accuracy_annotated == 3 / 4
    # These five are the only images with a ReaL list, so the file covers all that count.
    assert e.real_accuracy == 3 / 4
    lists = [[] for _ in range(NUM_VALIDATION_IMAGES)]
    lists[:5], lists[10] = [[1, 2], [3], [], [8], [10, 9]], [4]
    wider = _hand_table().with_real(real.from_lists(lists))
    e = evaluate(wider, model, n_boot=0)
    assert e.real_accuracy is None and e.real_accuracy_annotated == 3 / 4
    assert evaluate(_hand_table(), model, n_boot=0).real_accuracy_annotated is None


def test_real_in_words_chips_records_and_alt_text():
    t = _hand_table().with_real(_hand_real())
    chips = real_chips(t, 0)
    assert [(c.kind, c.text) for c in chips] == [("real", "ReaL: goldfish · great white shark")]
    assert "n01443537" in chips[0].title  # goldfish's wnid on hover
    assert real_chips(t, 2)[0].text == "ReaL: no label"
    assert real_chips(_hand_table(), 0) == []
    demo = _hand_table().with_real(_hand_real(synthetic=True))
    assert real_chips(demo, 0)[0].text.startswith("ReaL (synthetic): ")
    records = view_records(t, {}, np.array([0, 2]))
    assert [r["real"] for r in records] == [["goldfish", "great white shark"], []]
    assert "real" not in view_records(_hand_table(), {}, np.array([0]))[0]
    assert "ReaL: no label" in image_description(t, 2)
    assert "ReaL: goldfish, great white shark" in image_description(t, 0)


def test_demo_real_labels_are_synthetic_and_deterministic():
    table = open_source("demo").table
    assert table.real.synthetic and table.real.padded.shape[0] == NUM_VALIDATION_IMAGES
    from data_access.sources.demo import demo_real_labels

    assert np.array_equal(demo_real_labels().padded, table.real.padded)
    counts = real_kinds_oracle(table)
    assert {k: int(m.sum()) for k, m in table.real_disagreements.items()} == counts
    assert all(v > 100 for v in counts.values())


def test_real_membership_never_matches_padding_or_a_missing_prediction():
    """Rows are padded with -1 and a missing prediction is -1: they must never match."""
    import numpy as np

    from data_access.analysis.real import in_real

    padded = np.array([[5, -1], [-1, -1], [5, 7], [-1, -1]], dtype=np.int16)
    predictions = np.array([-1, -1, 7, 3])
    assert in_real(padded, predictions).tolist() == [False, False, True, False]
