"""Metrics against literal transcriptions of SPEC's reference loop, on many random datasets."""

import dataclasses
import math

import numpy as np
import pytest

from data_access.analysis import metrics as M
from data_access.analysis.evaluation import evaluate
from data_access.annotations import AnnotationTable
from data_access.predictions import Model, model_from_arrays
from data_access.schema import CORRECT
from tests.helpers import HEADLINE_KEYS


class _T:
    """Stands in for a tf.Tensor: the reference loop calls .numpy() on every field."""

    def __init__(self, value):
        self.value = value

    def numpy(self):
        return self.value


def _examples(table: AnnotationTable):
    for i in range(len(table)):
        yield {
            "file_name": _T(table.file_name[i].encode()),
            "original_label": _T(np.int64(table.original_label[i])),
            "correct_multi_labels": _T(table.correct_multi_labels.row(i).astype(np.int64)),
            "unclear_multi_labels": _T(table.unclear_multi_labels.row(i).astype(np.int64)),
            "wrong_multi_labels": _T(table.wrong_multi_labels.row(i).astype(np.int64)),
            "is_problematic": _T(np.bool_(table.is_problematic[i])),
        }


def reference_multilabel_accuracy(ds, predictions):
    """SPEC's reference loop, transcribed literally (predictions: file_name -> class index)."""
    num_correct_per_class, num_images_per_class = {}, {}
    for example in ds:  # tfds.load('imagenet2012_multilabel', split='validation')
        if example["is_problematic"].numpy():
            continue
        cur_class = example["original_label"].numpy()
        if cur_class not in num_correct_per_class:
            num_correct_per_class[cur_class] = 0
            num_images_per_class[cur_class] = 0
        num_images_per_class[cur_class] += 1
        cur_pred = predictions[example["file_name"].numpy()]
        if (
            cur_pred in example["correct_multi_labels"].numpy()
            or cur_pred in example["unclear_multi_labels"].numpy()
        ):
            num_correct_per_class[cur_class] += 1
    assert len(num_correct_per_class) == 1000
    avg_acc = sum(num_correct_per_class[c] / num_images_per_class[c] for c in range(1000)) / 1000
    return avg_acc


def reference_for_rows(table: AnnotationTable, top1) -> float:
    """The reference loop over ``table`` with one top-1 class per row (in row order)."""
    predictions = {n.encode(): int(k) for n, k in zip(table.file_name.tolist(), top1, strict=True)}
    return reference_multilabel_accuracy(list(_examples(table)), predictions)


def reference_strict(ds, predictions):
    """The same loop with unclear counting as wrong."""
    num_correct_per_class, num_images_per_class = {}, {}
    for example in ds:
        if example["is_problematic"].numpy():
            continue
        cur_class = example["original_label"].numpy()
        if cur_class not in num_correct_per_class:
            num_correct_per_class[cur_class] = 0
            num_images_per_class[cur_class] = 0
        num_images_per_class[cur_class] += 1
        cur_pred = predictions[example["file_name"].numpy()]
        if cur_pred in example["correct_multi_labels"].numpy():
            num_correct_per_class[cur_class] += 1
    assert len(num_correct_per_class) == 1000
    return sum(num_correct_per_class[c] / num_images_per_class[c] for c in range(1000)) / 1000


def reference_per_image(ds, predictions):
    correct = total = 0
    for example in ds:
        if example["is_problematic"].numpy():
            continue
        total += 1
        cur_pred = predictions[example["file_name"].numpy()]
        if (
            cur_pred in example["correct_multi_labels"].numpy()
            or cur_pred in example["unclear_multi_labels"].numpy()
        ):
            correct += 1
    return correct / total


def reference_imagenet_m(ds_m, predictions):
    """ImageNet-M: images whose top-1 is in correct ∪ unclear, over the imagenet_m split."""
    return sum(
        1
        for example in ds_m
        if predictions[example["file_name"].numpy()] in example["correct_multi_labels"].numpy()
        or predictions[example["file_name"].numpy()] in example["unclear_multi_labels"].numpy()
    )


def random_case(seed: int):
    """A random dataset with every class present, and predictions that often hit the sets."""
    rng = np.random.default_rng(seed)
    records, preds = [], []
    pos = 0
    for c in range(1000):
        n = int(rng.integers(1, 4))
        for j in range(n):
            pos += int(rng.integers(1, 5))
            pool = rng.integers(0, 1000, size=6)
            correct = list(rng.choice(pool, size=rng.integers(0, 3), replace=False)) + (
                [c] if rng.random() < 0.8 else []
            )
            unclear = list(rng.choice(pool, size=rng.integers(0, 3), replace=False))
            wrong = list(rng.choice(pool, size=rng.integers(0, 3), replace=False))
            problematic = j > 0 and rng.random() < 0.3  # the first of a class never is
            records.append(
                {
                    "file_name": f"ILSVRC2012_val_{pos:08d}.JPEG",
                    "original_label": c,
                    "correct_multi_labels": correct,
                    "unclear_multi_labels": unclear,
                    "wrong_multi_labels": wrong,
                    "is_problematic": problematic,
                    "in_imagenet_m": (not problematic) and rng.random() < 0.03,
                }
            )
            r = rng.random()
            pick = c if r < 0.4 else int(rng.choice(pool)) if r < 0.85 else int(rng.integers(1000))
            preds.append(pick)
    table = AnnotationTable.from_records(records)
    order = np.argsort([r["file_name"] for r in records], kind="stable")
    top1 = np.array(preds, dtype=np.int16)[order]
    return table, top1


@pytest.mark.parametrize("seed", range(25))
def test_headline_equals_reference_loop_exactly(seed):
    table, top1 = random_case(seed)
    predictions = {f.encode(): int(p) for f, p in zip(table.file_name, top1, strict=True)}
    expected = reference_multilabel_accuracy(_examples(table), predictions)
    assert M.multilabel_accuracy(table, top1) == expected  # to the last digit
    assert M.multilabel_accuracy(table, top1, CORRECT) == reference_strict(
        _examples(table), predictions
    )
    assert M.multilabel_accuracy_per_image(table, top1) == pytest.approx(
        reference_per_image(_examples(table), predictions), abs=1e-12
    )
    m_rows = np.flatnonzero(table.in_imagenet_m)
    m_table = [e for i, e in enumerate(_examples(table)) if i in set(m_rows.tolist())]
    solved, total, detail = M.imagenet_m(table, top1)
    assert solved == reference_imagenet_m(m_table, predictions)
    assert total == len(m_rows) and detail[:, 1].sum() == solved


def test_missing_predictions_count_as_wrong():
    table, top1 = random_case(3)
    partial = top1.copy()
    partial[::3] = -1
    filled = top1.copy()
    # Equivalent: a prediction that is surely wrong for those images.
    for i in range(0, len(table), 3):
        state = table.label_state[i]
        filled[i] = int(np.flatnonzero((state & 3) == 0)[0])
    assert M.multilabel_accuracy(table, partial) == M.multilabel_accuracy(table, filled)
    assert M.multilabel_accuracy_per_image(table, partial) == M.multilabel_accuracy_per_image(
        table, filled
    )


def test_top1_and_topk():
    table, top1 = random_case(5)
    keep = ~table.is_problematic
    assert M.top1_accuracy(table, top1) == np.mean(top1[keep] == table.original_label[keep])
    assert M.top1_accuracy(table, top1, all_images=True) == np.mean(top1 == table.original_label)
    rng = np.random.default_rng(0)
    top_k = np.concatenate([top1[:, None], rng.integers(0, 1000, (len(table), 4))], axis=1)
    k1 = M.multilabel_topk_accuracy(table, top_k, 1)
    assert k1 == M.multilabel_accuracy(table, top1)
    k5 = M.multilabel_topk_accuracy(table, top_k, 5)
    # Reference: class-averaged "any of the five accepted".
    per = {}
    for i in np.flatnonzero(keep):
        ok = any(
            p in table.correct_multi_labels.row(i) or p in table.unclear_multi_labels.row(i)
            for p in top_k[i]
        )
        per.setdefault(int(table.original_label[i]), []).append(ok)
    assert k5 == pytest.approx(sum(np.mean(per[c]) for c in range(1000)) / 1000, abs=1e-12)
    assert k5 >= k1


def test_per_class_groups_confusions_unjudged():
    table, top1 = random_case(7)
    model = Model("m", top1)
    pc = M.per_class(table, model)
    keep = ~table.is_problematic
    c = int(table.original_label[np.flatnonzero(keep)[0]])
    rows = np.flatnonzero(keep & (table.original_label == c))
    assert pc["images"][c] == len(rows)
    assert pc["multilabel_accuracy"][c] == M.hits(table, top1)[rows].mean()
    assert pc["gap"][c] == pytest.approx(pc["multilabel_accuracy"][c] - pc["top1_accuracy"][c])
    assert np.nanmean(pc["multilabel_accuracy"]) == pytest.approx(
        M.multilabel_accuracy(table, top1)
    )
    dogs = next(g for g in M.groups(table, model) if g["group"] == "dogs")
    assert dogs["classes"] == 118
    assert dogs["multilabel_accuracy"] == pytest.approx(np.mean(pc["multilabel_accuracy"][151:269]))
    conf = M.confusions(table, top1, limit=5)
    counts = [x["count"] for x in conf]
    assert counts == sorted(counts, reverse=True)
    wrong = keep & ~M.hits(table, top1)
    top = conf[0]
    assert top["count"] == int(
        ((table.original_label == top["original"]) & (top1 == top["predicted"]) & wrong).sum()
    )
    uj = M.unjudged(table, top1)
    assert all(table.label_state[i, top1[i]] == 0 and keep[i] for i in uj)
    assert len(uj) == sum(
        1
        for i in np.flatnonzero(keep)
        if top1[i]
        not in set(
            table.correct_multi_labels.row(i).tolist()
            + table.unclear_multi_labels.row(i).tolist()
            + table.wrong_multi_labels.row(i).tolist()
        )
    )


def test_bootstrap_is_seeded_and_brackets_the_headline():
    table, top1 = random_case(11)
    a = M.bootstrap_ci(table, top1, seed=1)
    assert a == M.bootstrap_ci(table, top1, seed=1)
    assert a != M.bootstrap_ci(table, top1, seed=2)
    value = M.multilabel_accuracy(table, top1)
    assert a[0] < value < a[1]
    # Against literal resampling of images within classes (both seeded, so loose bounds).
    rng = np.random.default_rng(0)
    keep = ~table.is_problematic
    h = M.hits(table, top1)[keep]
    labels = table.original_label[keep]
    groups = [np.flatnonzero(labels == c) for c in range(1000)]
    means = [np.mean([h[rng.choice(g, len(g))].mean() for g in groups]) for _ in range(400)]
    lo, hi = np.quantile(means, [0.025, 0.975])
    assert abs(lo - a[0]) < 0.006 and abs(hi - a[1]) < 0.006


def test_paired_mcnemar():
    table, top1 = random_case(13)
    other = top1.copy()
    keep = ~table.is_problematic
    other[np.flatnonzero(keep)[:50]] = table.original_label[np.flatnonzero(keep)[:50]]
    res = M.paired(table, Model("a", top1), Model("b", other))
    ha, hb = M.hits(table, top1)[keep], M.hits(table, other)[keep]
    assert res.a_only == int((ha & ~hb).sum()) and res.b_only == int((~ha & hb).sum())
    assert res.both + res.neither + res.a_only + res.b_only == keep.sum()
    n, k = res.a_only + res.b_only, min(res.a_only, res.b_only)
    exact = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
    assert res.p_value == pytest.approx(exact, rel=1e-9)
    assert res.class_wins + res.class_losses + res.class_ties == 1000
    same = M.paired(table, Model("a", top1), Model("b", top1))
    assert same.p_value == 1.0 and same.class_ties == 1000


def test_evaluate_fields():
    table, top1 = random_case(17)
    m = model_from_arrays("m", table, np.stack([top1] * 5, axis=1))
    e = evaluate(table, m, n_boot=200)
    for key in ("model", *HEADLINE_KEYS):
        assert getattr(e, key) is not None, key
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.multilabel_accuracy = 1.0  # type: ignore[misc]
    assert list(e.as_dict())[:2] == ["model", "multilabel_accuracy"]
    assert isinstance(e.as_dict()["ci95"], list) and len(e.as_dict()["ci95"]) == 2
    assert e.multilabel_top5_accuracy == e.multilabel_accuracy
    assert e.coverage == 1.0 and e.classes_evaluated == 1000
    assert all(
        0 <= getattr(e, k) <= 1 for k in ("multilabel_accuracy", "top1_accuracy", "coverage")
    )


def test_per_class_columns_match_a_hand_count():
    """Every per-class column against a plain loop over a hand table: a class with only
    problematic images has NaN accuracies (never 0); strict accepts only ``correct``; top-1
    is the original label; ReaL counts the class's images with a ReaL list, a list holding
    only class 0 included."""
    from data_access.analysis import real
    from data_access.classes import NUM_VALIDATION_IMAGES, validation_file_name

    # (position, original, correct, unclear, problematic, prediction, ReaL list or None)
    rows = [
        (0, 0, [0], [], False, 0, [0]),  # right everywhere; ReaL holds only class 0
        (1, 0, [0], [5], False, 5, None),  # unclear: right, not strict, not top-1
        (2, 0, [], [0], False, 0, [3]),  # top-1 right, strict wrong, ReaL wrong
        (3, 1, [1, 2], [], False, 2, [2]),  # a second correct label
        (4, 1, [1], [], False, 7, []),  # wrong; ReaL has no label (no ReaL image)
        (5, 2, [2], [], True, 2, [2]),  # class 2: problematic only (ReaL still counts it)
        (6, 4, [], [4], False, 4, None),  # class 4: one image, right but not strict
    ]
    lists = [[] for _ in range(NUM_VALIDATION_IMAGES)]
    for p, *_, r in rows:
        lists[p] = r or []
    table = AnnotationTable.from_records(
        {
            "file_name": validation_file_name(p),
            "original_label": o,
            "correct_multi_labels": c,
            "unclear_multi_labels": u,
            "wrong_multi_labels": [],
            "is_problematic": prob,
        }
        for p, o, c, u, prob, _, _ in rows
    ).with_real(real.from_lists(lists))
    model = Model("m", np.array([r[5] for r in rows]))
    pc = M.per_class(table, model)
    for cls in (0, 1, 2, 4):
        mine = [r for r in rows if r[1] == cls and not r[4]]
        n = len(mine)
        expect = {
            "images": n,
            "multilabel_accuracy": sum(r[5] in r[2] + r[3] for r in mine) / n if n else None,
            "strict_accuracy": sum(r[5] in r[2] for r in mine) / n if n else None,
            "top1_accuracy": sum(r[5] == r[1] for r in mine) / n if n else None,
        }
        for key, value in expect.items():
            got = pc[key][cls]
            assert math.isnan(got) if value is None else got == value, (cls, key, got)
        with_real = [r for r in rows if r[1] == cls and r[6]]
        assert pc["real_images"][cls] == len(with_real), cls
        right = sum(r[5] in r[6] for r in with_real)
        if with_real:
            assert pc["real_accuracy"][cls] == right / len(with_real), cls
    assert pc["gap"][0] == pc["multilabel_accuracy"][0] - pc["top1_accuracy"][0]
    assert math.isnan(pc["real_accuracy"][3]) and pc["images"][3] == 0
    # Each class is named by its index, wnid and name (the columns the pages and CSV show)
    assert pc["index"][281] == 281 and pc["wnid"][0] == "n01440764" and pc["name"][0] == "tench"


def test_binomial_p_value_against_math_comb():
    """The exact two-sided p-value against the sum of binomial coefficients, for every k of
    small n (n = 0 and 1 included: no discordant pair, or one, is no evidence)."""
    for n in range(0, 13):
        for k in range(0, n + 1):
            lo = min(k, n - k)
            exact = min(1.0, 2 * sum(math.comb(n, i) for i in range(lo + 1)) / 2**n)
            assert M._binom_two_sided(k, n) == pytest.approx(exact, rel=1e-12), (k, n)
    assert M._binom_two_sided(0, 0) == 1.0 and M._binom_two_sided(1, 1) == 1.0


def test_confusions_and_groups_by_hand():
    """Confusions: most frequent first, ties by (original, predicted); groups: the mean of
    the group's present classes, NaN for a group with no image."""
    # class 1 -> 2 three times, 3 -> 4 once, 5 -> 6 twice (every prediction in no set).
    pairs = [(1, 2)] * 3 + [(3, 4)] + [(5, 6)] * 2
    records = [
        {
            "file_name": f"ILSVRC2012_val_{i + 1:08d}.JPEG",
            "original_label": o,
            "correct_multi_labels": [o],
            "unclear_multi_labels": [],
            "wrong_multi_labels": [],
            "is_problematic": False,
        }
        for i, (o, _) in enumerate(pairs)
    ]
    table = AnnotationTable.from_records(records)
    top1 = np.array([p for _, p in pairs])
    got = M.confusions(table, top1)
    assert [(c["original"], c["predicted"], c["count"]) for c in got] == [
        (1, 2, 3),
        (5, 6, 2),
        (3, 4, 1),
    ]
    # At most 20 by default: 25 different confusions, one image each, keep 20
    many = AnnotationTable.from_records(
        {
            **records[0],
            "file_name": f"ILSVRC2012_val_{i + 1:08d}.JPEG",
            "original_label": i,
            "correct_multi_labels": [i],
        }
        for i in range(25)
    )
    assert len(M.confusions(many, np.arange(25) + 100)) == 20
    fish = "n02512053"  # fish: goldfish (1), tiger shark (3), electric ray (5), and more
    # Right on classes 1 and 3, wrong on 5: the group's mean is 2/3 over its 3 present
    # classes (its other classes have no image and do not count).
    model = Model("m", np.array([o if o != 5 else 6 for o, _ in pairs]))
    groups = M.groups(table, model, {fish: "fish", "n02084071": "dog"})
    assert groups[0]["wnid"] == fish and groups[0]["group"] == "fish"
    assert groups[0]["classes"] == 3 and groups[0]["multilabel_accuracy"] == pytest.approx(2 / 3)
    assert groups[1]["classes"] == 0 and math.isnan(groups[1]["multilabel_accuracy"])
    assert math.isnan(groups[1]["top1_accuracy"])
