"""Label-error scores against hand computations and a plain-Python re-implementation of the
published definitions (Northcutt et al. 2021), never against the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from data_access.analysis import label_errors as le
from data_access.analysis.suspects import (
    ProbabilityMean,
    available_methods,
    default_method,
    measure_all,
    score_models,
)
from data_access.annotations import AnnotationTable
from data_access.predictions import Model, model_from_arrays

# Four images, three classes, written out by hand.
P = np.array(
    [
        [0.7, 0.2, 0.1],  # labelled 0: the model agrees
        [0.1, 0.6, 0.3],  # labelled 0: class 1 clears its threshold, class 0 does not
        [0.5, 0.4, 0.1],  # labelled 1: p(1) equals its threshold 0.4 exactly: it clears
        [0.2, 0.2, 0.6],  # labelled 2: agrees
    ]
)
Y = np.array([0, 0, 1, 2])


def test_the_three_probability_scores_by_hand():
    np.testing.assert_allclose(le.self_confidence(P, Y), [0.7, 0.1, 0.4, 0.6])
    np.testing.assert_allclose(le.normalized_margin(P, Y), [0.5, -0.5, -0.1, 0.4])
    p_label = le.self_confidence(P, Y)
    # t[0] = mean(0.7, 0.1) = 0.4; t[1] = 0.4 (image 2 alone); t[2] = 0.6 (image 3 alone).
    t = le.class_thresholds(p_label, Y, 3)
    np.testing.assert_allclose(t, [0.4, 0.4, 0.6])
    # Image 1: 0.6 >= t[1] and 0.1 < t[0]. Image 2: its own 0.4 >= 0.4 clears (>=, not >).
    assert le.confident_suspects(P, Y, t).tolist() == [False, True, False, False]


def test_a_class_without_images_never_clears_and_nan_rows_are_not_scored():
    probs = np.array([[0.1, 0.1, 0.8], [np.nan, np.nan, np.nan], [0.9, 0.05, 0.05]])
    labels = np.array([0, 0, 0])  # nobody is labelled 1 or 2: no threshold for them
    t = le.class_thresholds(le.self_confidence(probs, labels), labels, 3)
    assert t[0] == pytest.approx(0.5) and np.isnan(t[1]) and np.isnan(t[2])
    assert le.confident_suspects(probs, labels, t).tolist() == [False, False, False]


def test_suspicion_scores_and_their_order_by_hand():
    s = le.suspicion("self_confidence", Y, ["m"], probabilities=[P])
    np.testing.assert_allclose(s.score, [0.3, 0.9, 0.6, 0.4])
    assert s.ranked().tolist() == [1, 2, 3, 0]
    assert s.flagged.tolist() == [False, True, True, False]  # another class more likely
    s = le.suspicion("normalized_margin", Y, ["m"], probabilities=[P])
    np.testing.assert_allclose(s.score, [-0.5, 0.5, 0.1, -0.4])
    assert s.ranked().tolist() == [1, 2, 3, 0]
    s = le.suspicion("confident", Y, ["m"], probabilities=[P])
    np.testing.assert_allclose(s.score, [0.3, 1.9, 0.6, 0.4])
    assert s.flagged.tolist() == [False, True, False, False]


def test_several_models_are_the_mean_of_their_probabilities():
    other = np.array([[0.1, 0.8, 0.1], [0.5, 0.4, 0.1], [0.3, 0.6, 0.1], [0.2, 0.2, 0.6]])
    s = le.suspicion("self_confidence", Y, ["a", "b"], probabilities=[P, other])
    # Mean p(y): (0.7+0.1)/2, (0.1+0.5)/2, (0.4+0.6)/2, 0.6.
    np.testing.assert_allclose(1 - s.score, [0.4, 0.3, 0.5, 0.6])
    s = le.suspicion("normalized_margin", Y, ["a", "b"], probabilities=[P, other])
    # Image 0: mean row (0.4, 0.5, 0.1): 0.4 - 0.5. Image 1: (0.3, 0.5, 0.2): 0.3 - 0.5.
    np.testing.assert_allclose(-s.score, [-0.1, -0.2, 0.5 - 0.4, 0.4])
    # A model without a prediction for image 3 leaves it unscored, not scored by the other.
    gap = other.copy()
    gap[3] = np.nan
    s = le.suspicion("confident", Y, ["a", "b"], probabilities=[P, gap])
    assert np.isnan(s.score[3]) and 3 not in s.ranked() and not s.flagged[3]


def test_vote_counts_models_outside_their_top_k_and_their_agreement():
    labels = np.array([5, 5, 5, 5])
    a = np.array([[5, 1], [1, 2], [1, 2], [1, 2]])  # top-2 of model a
    b = np.array([[1, 5], [1, 5], [3, 2], [1, 2]])
    c = np.array([[2, 1], [2, 1], [4, 2], [-1, -1]])  # no prediction for image 3
    votes, agree = le.vote([a, b, c], labels)
    # Image 0: nobody has 5 outside... a and b hold 5; c does not: 1 vote, 1 agreeing.
    # Image 1: a (1) and c (2) vote, for different classes: 2 votes, largest group 1.
    # Image 2: all three vote, for 1, 3 and 4: 3 votes, 1. Image 3: unscored.
    assert votes.tolist() == [1, 2, 3, -1] and agree.tolist() == [1, 1, 1, -1]
    votes, agree = le.vote([a, a, b], labels)
    assert votes.tolist() == [0, 2, 3, 3] and agree.tolist() == [0, 2, 2, 3]
    s = le.suspicion("vote", labels, ["a", "a2", "b"], top_ks=[a, a, b])
    np.testing.assert_allclose(s.score, [0, 2 + 2 / 4, 3 + 2 / 4, 3 + 3 / 4])
    assert s.flagged.tolist() == [False, True, True, True]  # 2 of 3 is a majority


def test_precision_base_rate_and_curve_by_hand():
    s = le.Suspicion("x", np.array([0.9, np.nan, 0.1, 0.5, 0.7]), np.zeros(5, bool), ("m",))
    truth = np.array([True, True, False, True, False])
    m = le.measure(s, truth)
    assert m.ranked.tolist() == [0, 4, 3, 2]  # the unscored image 1 is not ranked
    assert m.hits.tolist() == [True, False, True, False]
    assert m.base_rate == pytest.approx(2 / 4)  # over the ranked images only
    assert [m.precision_at(k) for k in (1, 2, 3, 4, 10)] == pytest.approx(
        [1, 1 / 2, 2 / 3, 2 / 4, 2 / 4]
    )
    precision, recall = m.curve()
    np.testing.assert_allclose(precision, [1, 1 / 2, 2 / 3, 2 / 4])
    np.testing.assert_allclose(recall, [1 / 2, 1 / 2, 1, 1])
    assert m.average_precision() == pytest.approx((1 + 2 / 3) / 2)


def test_unknown_method_and_no_probabilities_are_refused_with_the_fix():
    with pytest.raises(le.LabelErrorInputError, match="expected one of"):
        le.suspicion("cleanlab", Y, ["m"], probabilities=[P])
    with pytest.raises(le.LabelErrorInputError, match="no model"):
        le.suspicion("confident", Y, [], probabilities=[])


# --- an independent oracle: the definitions as plain Python loops ---------------------------


def _oracle(probs_per_model, top_ks, labels):
    n, c = len(labels), len(probs_per_model[0][0])
    mean = [
        [sum(m[i][j] for m in probs_per_model) / len(probs_per_model) for j in range(c)]
        for i in range(n)
    ]
    sc = [mean[i][labels[i]] for i in range(n)]
    margin = [sc[i] - max(mean[i][j] for j in range(c) if j != labels[i]) for i in range(n)]
    thresholds = []
    for j in range(c):
        own = [mean[i][j] for i in range(n) if labels[i] == j]
        thresholds.append(sum(own) / len(own) if own else None)
    suspect = []
    for i in range(n):
        y = labels[i]
        others = any(
            thresholds[k] is not None and mean[i][k] >= thresholds[k] for k in range(c) if k != y
        )
        suspect.append(others and mean[i][y] < thresholds[y])
    votes, agree = [], []
    for i in range(n):
        outside = [tk[i][0] for tk in top_ks if labels[i] not in list(tk[i])]
        votes.append(len(outside))
        agree.append(max((outside.count(x) for x in outside), default=0))
    return {
        "self_confidence": [1 - x for x in sc],
        "normalized_margin": [-x for x in margin],
        "confident": [float(s) + 1 - x for s, x in zip(suspect, sc, strict=True)],
        "vote": [v + a / (len(top_ks) + 1) for v, a in zip(votes, agree, strict=True)],
    }


def test_every_method_matches_the_plain_python_definitions_on_random_models():
    rng = np.random.default_rng(3)
    n, c = 300, 7
    labels = rng.integers(0, c, n)
    probs = []
    for _ in range(3):
        logits = rng.normal(size=(n, c)) * 2
        logits[np.arange(n), labels] += rng.normal(1.0, 1.5, n)  # mostly agree with the label
        probs.append(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))
    top_ks = [np.argsort(-p, axis=1, kind="stable")[:, :2] for p in probs]
    expected = _oracle([p.tolist() for p in probs], [t.tolist() for t in top_ks], labels.tolist())
    for method, want in expected.items():
        s = le.suspicion(method, labels, ["a", "b", "c"], probabilities=probs, top_ks=top_ks)
        np.testing.assert_allclose(s.score, want, rtol=0, atol=1e-12, err_msg=method)
        # Most suspect first; ties by row, as a sort of (-score, row) by hand.
        order = sorted(range(n), key=lambda i: (-want[i], i))
        if method != "vote":  # float ties are not exact there; the vote's are
            assert s.ranked().tolist()[:50] == order[:50], method
        else:
            assert s.ranked().tolist() == order


def test_the_softmax_is_the_textbook_one_and_never_overflows():
    logits = np.array([[1000.0, 999.0, 0.0], [1.0, 2.0, 3.0]])
    got = le.softmax(logits)
    denominators = [sum(math.exp(x - max(row)) for x in row) for row in logits.tolist()]
    for i, row in enumerate(logits.tolist()):
        for j, x in enumerate(row):
            assert got[i, j] == pytest.approx(math.exp(x - max(row)) / denominators[i])


# --- over the annotation table and loaded models ------------------------------------------


def _hand_table() -> AnnotationTable:
    def rec(i, original, correct, unclear=(), wrong=(), problematic=False):
        return {
            "file_name": f"ILSVRC2012_val_{i:08d}.JPEG",
            "original_label": original,
            "correct_multi_labels": list(correct),
            "unclear_multi_labels": list(unclear),
            "wrong_multi_labels": list(wrong),
            "is_problematic": problematic,
            "problematic_reason": "duplicate" if problematic else "",
            "in_imagenet_m": False,
        }

    return AnnotationTable.from_records(
        [
            rec(1, 3, [3]),  # the original label is correct
            rec(2, 3, [4], wrong=[3]),  # judged wrong: a label error
            rec(3, 3, [4], unclear=[3]),  # unclear counts as accepted: no error
            rec(4, 5, [5], problematic=True),  # problematic: an error whatever its sets
            rec(5, 5, [6]),  # not in any set: an error (the experts did not accept it)
        ]
    )


def test_a_label_error_is_an_original_label_the_experts_did_not_accept():
    assert _hand_table().original_label_error.tolist() == [False, True, False, True, True]


def _model(name, table, top_k, probs=None) -> Model:
    m = model_from_arrays(name, table, np.array(top_k))
    if probs is None:
        return m
    import dataclasses

    from data_access.predictions.probabilities import AlignedScores

    return dataclasses.replace(m, probabilities=AlignedScores.of(np.asarray(probs, np.float32)))


def test_methods_follow_what_the_files_hold_and_precision_is_counted_against_the_experts():
    t = _hand_table()
    full = np.full((5, 1000), 0.0001, dtype=np.float32)
    for row, (cls, p) in enumerate([(3, 0.9), (4, 0.8), (3, 0.5), (9, 0.7), (6, 0.6)]):
        full[row, cls] = p
    top_only = _model("top", t, [[3], [4], [4], [9], [6]])
    assert available_methods([top_only]) == ("vote",) and default_method([top_only]) == "vote"
    with pytest.raises(le.LabelErrorInputError, match="only their top-k"):
        score_models(t, [top_only], "confident")
    with_p = _model("full", t, [[3], [4], [3], [9], [6]], full)
    assert available_methods([top_only, with_p])[0] == "self_confidence"
    assert default_method([with_p]) == "confident"
    measured = measure_all(t, [with_p, top_only])
    # Self-confidence: p(y) = 0.9, 0.0001, 0.5, 0.0001, 0.0001: rows 1, 3, 4 tie first (in
    # row order), then 2, then 0. Errors are rows 1, 3, 4: the top 3 are all errors.
    sc = measured["self_confidence"]
    assert sc.ranked.tolist() == [1, 3, 4, 2, 0]
    assert sc.precision_at(3) == 1.0 and sc.base_rate == pytest.approx(3 / 5)
    # The vote uses both models: row 2 has 3 outside the top-1 of "top" only.
    assert measured["vote"].ranked.tolist()[:3] == [1, 3, 4]
    assert score_models(t, [with_p, top_only], "confident").models == ("full",)


def test_a_logit_file_read_with_every_class_is_its_softmax_on_the_right_rows(table, tmp_path):
    """An .npz of logits whose rows are in another order than the table (named rows), with
    a row for an image outside the table: each table row gets its own image's softmax,
    computed here one value at a time."""
    from data_access.classes import validation_file_name
    from data_access.predictions import load_predictions

    rng = np.random.default_rng(5)
    n = len(table)
    order = rng.permutation(n)
    names = [str(table.file_name[i]) for i in order]
    outside = validation_file_name(49_999)
    assert outside not in set(table.file_name.tolist())
    logits = rng.normal(0, 3, size=(n + 1, 1000)).astype(np.float32)
    # Every row's top-1 is its image's original label, so that the sanity gate lets it in.
    logits[np.arange(n), table.original_label[order]] += 40
    path = tmp_path / "logits.npz"
    np.savez(path, logits=logits, file_names=np.array([*names, outside]))
    model = load_predictions(path, table, keep_probabilities=True)
    assert model.probabilities is not None
    dense = model.probabilities.dense()
    assert dense.shape == (n, 1000) and dense.dtype == np.float32
    mean = ProbabilityMean()
    mean.add(model)
    summed = mean.mean()  # the mean of one model is its probabilities
    assert summed is not None
    for row in (0, 7, n - 1):
        file_row = names.index(str(table.file_name[row]))
        z = logits[file_row].astype(np.float64).tolist()
        top = max(z)
        denominator = sum(math.exp(x - top) for x in z)
        for cls in (0, int(table.original_label[row]), 999):
            want = math.exp(z[cls] - top) / denominator
            assert dense[row, cls] == pytest.approx(want, rel=1e-5, abs=1e-9)
            assert summed[row, cls] == pytest.approx(want, rel=1e-5, abs=1e-9)
    # Without asking, the model keeps its top-5 only (the app's caches hold these).
    assert load_predictions(path, table).probabilities is None


def test_probabilities_are_used_as_they_are_and_top_k_files_have_none(table, tmp_path):
    from data_access.predictions import load_predictions
    from tests.helpers import write_top1_csv

    n = len(table)
    probs = np.full((n, 1000), 0.5 / 999, dtype=np.float32)
    probs[np.arange(n), table.original_label] = 0.5
    probs[0, :] = 0.001  # row 0 sums to 1 too, with no class preferred
    path = tmp_path / "probs.npy"
    np.save(path, probs)
    (tmp_path / "probs.file_names.txt").write_text("\n".join(table.file_name.tolist()))
    model = load_predictions(path, table, keep_probabilities=True)
    assert model.probabilities is not None
    np.testing.assert_array_equal(model.probabilities.dense(), probs)  # no softmax of them
    mean = ProbabilityMean()
    mean.add(model)
    np.testing.assert_array_equal(mean.mean(), probs.astype(np.float64))
    csv = write_top1_csv(tmp_path / "top1.csv", table, table.original_label)
    assert load_predictions(csv, table, keep_probabilities=True).probabilities is None


def test_cli_candidates_json_matches_a_hand_ranking_of_the_demo(capsys):
    """``labels candidates`` on the demo: the JSON's precision and base rate are counted here
    from the experts' sets image by image, and its candidates are the most suspect by a
    plain re-computation of the vote."""
    import json

    from data_access.cli.main import main
    from data_access.sources.demo import demo_predictions, demo_table

    code = main(
        [
            "labels",
            "candidates",
            "demo:demo-weak",
            "demo:demo-medium",
            "--method",
            "vote",
            "--top",
            "25",
            "--format",
            "json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    t = demo_table()
    preds = demo_predictions()
    tops = [preds["demo-weak"]["top_k"].tolist(), preds["demo-medium"]["top_k"].tolist()]
    labels = t.original_label.tolist()
    score = []
    for i, y in enumerate(labels):
        outside = [tk[i][0] for tk in tops if y not in tk[i]]
        agree = max((outside.count(x) for x in outside), default=0)
        score.append(len(outside) + agree / 3)
    order = sorted(range(len(labels)), key=lambda i: (-score[i], i))

    def is_error(i):
        accepted = set(t.correct_multi_labels.row(i).tolist())
        accepted |= set(t.unclear_multi_labels.row(i).tolist())
        return bool(t.is_problematic[i]) or labels[i] not in accepted

    assert out["method"] == "vote" and out["top"] == 25
    assert [c["file_name"] for c in out["candidates"]] == [str(t.file_name[i]) for i in order[:25]]
    assert [c["score"] for c in out["candidates"]] == pytest.approx([score[i] for i in order[:25]])
    assert out["precision"] == pytest.approx(sum(is_error(i) for i in order[:25]) / 25)
    assert out["base_rate"] == pytest.approx(sum(map(is_error, range(len(labels)))) / len(labels))
    assert set(out["methods"]) == {"self_confidence", "normalized_margin", "confident", "vote"}


def test_cli_candidates_writes_each_methods_precision_recall_curve(tmp_path, capsys):
    import csv

    from data_access.cli.main import main
    from data_access.sources.demo import demo_table

    curve = tmp_path / "curve.csv"
    assert main(["labels", "candidates", "demo:demo-weak", "--curve", str(curve)]) == 0
    rows = list(csv.DictReader(curve.open()))
    errors = int(demo_table().original_label_error.sum())
    for method in ("self_confidence", "normalized_margin", "confident", "vote"):
        mine = [r for r in rows if r["method"] == method]
        assert [int(r["k"]) for r in mine] == list(range(1, 20_001))
        # At the end every image is in: precision is the base rate, recall is 1.
        assert float(mine[-1]["precision"]) == pytest.approx(errors / 20_000)
        assert float(mine[-1]["recall"]) == 1.0
        found = [round(float(r["precision"]) * int(r["k"])) for r in mine]
        assert all(0 <= b - a <= 1 for a, b in zip([0, *found], found, strict=False))


def test_cli_candidates_refuses_a_probability_method_on_top_k_files(table, tmp_path, capsys):
    from data_access.cli.main import main
    from tests.helpers import write_fixture_json, write_top1_csv

    labels = write_fixture_json(table, tmp_path / "labels.json")
    csv = write_top1_csv(tmp_path / "top1.csv", table, table.original_label)
    code = main(
        [
            "labels",
            "candidates",
            str(csv),
            "--labels-json",
            str(labels),
            "--method",
            "normalized_margin",
        ]
    )
    err = capsys.readouterr().err
    assert code != 0 and "only their top-k" in err and "--method vote" in err
    assert "Traceback" not in err
