import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_access.analysis.metrics import hits
from data_access.annotations import AnnotationTable, LabelSets
from data_access.schema import CORRECT, UNCLEAR, WRONG, verdict, verdict_is_right

label_lists = st.lists(st.lists(st.integers(0, 999), max_size=4), min_size=1, max_size=30)


def _table(correct, unclear, wrong):
    n = len(correct)
    return AnnotationTable.from_records(
        {
            "file_name": f"ILSVRC2012_val_{i + 1:08d}.JPEG",
            "original_label": i % 1000,
            "correct_multi_labels": correct[i],
            "unclear_multi_labels": unclear[i % len(unclear)],
            "wrong_multi_labels": wrong[i % len(wrong)],
            "is_problematic": i % 5 == 0,
            "in_imagenet_m": i % 7 == 0,
        }
        for i in range(n)
    )


@settings(max_examples=60, deadline=None)
@given(label_lists, label_lists, label_lists, st.integers(0, 2**32 - 1))
def test_hits_match_set_membership(correct, unclear, wrong, seed):
    t = _table(correct, unclear, wrong)
    rng = np.random.default_rng(seed)
    pred = rng.integers(0, 1000, size=len(t))
    # Make some predictions hit the sets.
    for i in range(0, len(t), 2):
        if correct[i]:
            pred[i] = correct[i][0]
    expect = [
        int(p)
        in set(t.correct_multi_labels.row(i).tolist()) | set(t.unclear_multi_labels.row(i).tolist())
        for i, p in enumerate(pred)
    ]
    assert hits(t, pred).tolist() == expect
    topk = np.stack([pred, (pred + 1) % 1000], axis=1)
    assert hits(t, topk)[:, 0].tolist() == expect
    # The verdict words say the same: right exactly when the class is correct or unclear.
    for i, p in enumerate(pred):
        v = verdict(int(t.label_state[i, p]), int(p))
        assert verdict_is_right(v) == expect[i]
        in_sets = [int(p) in getattr(t, f"{k}_multi_labels").row(i).tolist()
                   for k in ("correct", "unclear", "wrong")]  # fmt: skip
        assert v == (["correct", "unclear", "wrong"][in_sets.index(True)] if any(in_sets)
                     else "unjudged")  # fmt: skip


def test_label_state_keeps_every_flag():
    # A class listed both as wrong and as unclear must still count as accepted.
    t = _table([[1, 2]], [[2, 3]], [[3, 4]])
    s = t.label_state[0]
    assert s[1] == CORRECT and s[2] == CORRECT | UNCLEAR and s[3] == UNCLEAR | WRONG
    assert s[4] == WRONG and s[5] == 0
    assert hits(t, np.array([3])).tolist() == [True]
    assert hits(t, np.array([4])).tolist() == [False]
    assert hits(t, np.array([-1])).tolist() == [False]
    assert verdict(0, -1) == "no prediction" and not verdict_is_right("no prediction")


def test_summary_counts_distinct_accepted_labels():
    t = _table([[1], [1, 1], [1, 2], [5]], [[], [], [2], [6]], [[9]])
    # rows 0 is problematic (i % 5 == 0); the rest: {1,1}->1, {1,2}∪{2}->2, {5}∪{6}->2
    s = t.summary()
    assert s["images"] == 4 and s["problematic"] == 1 and s["imagenet_m"] == 1
    assert s["multi_label_images"] == 2
    assert s["mean_accepted_labels"] == pytest.approx(5 / 3)


def test_arrays_round_trip_and_reject_damage():
    t = _table([[1, 2], [], [999]], [[0]], [[3]])
    arrays = t.to_arrays()
    back = AnnotationTable.from_arrays(arrays)
    assert back.file_name.tolist() == t.file_name.tolist()
    assert back.correct_multi_labels.to_lists() == [[1, 2], [], [999]]
    bad = dict(arrays)
    bad["correct_multi_labels.values"] = np.array([1, 2, 1000], dtype=np.int16)
    with pytest.raises(ValueError):
        AnnotationTable.from_arrays(bad)
    bad = dict(arrays)
    bad["wrong_multi_labels.offsets"] = np.array([0, 5, 2, 3])
    with pytest.raises(ValueError):
        AnnotationTable.from_arrays(bad)
    bad = dict(arrays)
    del bad["in_imagenet_m"]
    with pytest.raises(KeyError):
        AnnotationTable.from_arrays(bad)


def test_label_sets_csr():
    s = LabelSets.from_lists([[3, 1], [], [7]])
    assert s.offsets.tolist() == [0, 2, 2, 3]
    assert s.row_ids().tolist() == [0, 0, 2]
    assert s.lengths.tolist() == [2, 0, 1]


def test_content_key_and_the_metric_cache_follow_the_annotations():
    """Same file names, one label changed: a new key, and the cached metric is recomputed
    (a cache keyed by paths would serve the old number)."""
    from data_access.predictions import model_from_arrays
    from ui.cache import evaluate_cached

    a = _table([[1], [2], [3]], [[]], [[4]])
    b = _table([[1], [2], [5]], [[]], [[4]])
    assert a.content_key == _table([[1], [2], [3]], [[]], [[4]]).content_key
    assert a.content_key != b.content_key
    m = model_from_arrays("m", a, np.array([1, 2, 3]))
    ra, rb = evaluate_cached(a, m), evaluate_cached(b, m)
    assert ra.multilabel_accuracy_per_image != rb.multilabel_accuracy_per_image
    assert rb.multilabel_accuracy_per_image == pytest.approx(1 / 2)  # row 0 is problematic
