"""Browse filters and sorts against a plain-Python re-implementation: a small
hand-built table, read image by image with sets and ``if``s, never through the vectorised code
or the label-state matrix. Every filter, every verdict, every sort in both directions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from data_access.annotations import AnnotationTable
from data_access.browse.filters import LABEL_STATES, VERDICTS
from data_access.browse.view import SORTS, BrowseState, evidence_for, view_rows
from data_access.classes import load_classes
from data_access.predictions import Model

# (original label, correct, unclear, wrong, problematic, ImageNet-M); classes 151.. are dogs.
IMAGES = [
    (151, [151], [], [152], False, False),  # plain
    (151, [151, 152], [], [], False, True),  # two correct
    (152, [], [152], [151], False, False),  # only unclear
    (152, [153], [], [152], False, False),  # original label wrong
    (404, [404], [405], [], False, False),  # correct + unclear
    (404, [], [], [], True, False),  # problematic, no labels
    (405, [405, 405], [], [404, 7], False, True),  # a repeated class
    (7, [7], [7], [], False, False),  # a class in two sets
    (7, [8], [], [7, 9], False, False),
    (9, [9], [], [], True, False),  # problematic with labels
    (9, [9, 10, 11], [12], [13], False, True),
    (10, [10], [], [], False, False),
]
# Two models' top-1 and top-1 score (NaN: no score); -1 is "no prediction".
M1 = [151, 152, 151, 152, 405, 404, 7, 7, 9, 9, 500, -1]
S1 = [0.9, 0.5, 0.7, 0.2, 0.5, 0.1, math.nan, 0.99, 0.3, 0.6, 0.4, 0.5]
M2 = [151, 151, 152, 153, 1, 404, 405, 9, 8, 9, 13, 10]
S2 = [0.1] * 12


def _name(i: int) -> str:
    return f"ILSVRC2012_val_{(i * 7919) % 50_000 + 1:08d}.JPEG"


@pytest.fixture(scope="module")
def view():
    records = [
        {
            "file_name": _name(i),
            "original_label": o,
            "correct_multi_labels": c,
            "unclear_multi_labels": u,
            "wrong_multi_labels": w,
            "is_problematic": p,
            "in_imagenet_m": m,
        }
        for i, (o, c, u, w, p, m) in enumerate(IMAGES)
    ]
    table = AnnotationTable.from_records(records)
    by_name = {_name(i): i for i in range(len(IMAGES))}  # table row -> IMAGES index
    order = [by_name[f] for f in table.file_name.tolist()]

    def model(name, top1, scores):
        t = np.array([top1[k] for k in order], dtype=np.int16)
        s = np.array([[scores[k]] for k in order], dtype=np.float32)
        return Model(name, t, None, s)

    models = {"m1": model("m1", M1, S1), "m2": model("m2", M2, S2)}
    images = [
        {
            "name": table.file_name[r],
            "orig": IMAGES[k][0],
            "correct": set(IMAGES[k][1]),
            "unclear": set(IMAGES[k][2]),
            "wrong": set(IMAGES[k][3]),
            "problematic": IMAGES[k][4],
            "m": IMAGES[k][5],
            "top1": {"m1": M1[k], "m2": M2[k]},
            "score": {"m1": S1[k], "m2": S2[k]},
        }
        for r, k in enumerate(order)
    ]
    return table, models, images


def _right(img, model):
    p = img["top1"][model]
    return p >= 0 and (p in img["correct"] or p in img["unclear"])


def _state(img, name):
    accepted = img["correct"] | img["unclear"]
    return {
        "multi": len(accepted) > 1,
        "unclear": len(img["unclear"]) > 0,
        "orig_not_correct": img["orig"] not in img["correct"],
        "orig_wrong": img["orig"] in img["wrong"],
        "problematic": img["problematic"],
        "not_problematic": not img["problematic"],
        "imagenet_m": img["m"],
    }[name]


def _verdict(img, verdict, model, vs):
    p = img["top1"][model]
    if verdict == "right":
        return _right(img, model)
    if verdict == "wrong":
        return not _right(img, model)
    if verdict == "right_ml_wrong_top1":
        return _right(img, model) and p != img["orig"]
    if verdict == "wrong_ml_right_top1":
        return not _right(img, model) and p == img["orig"]
    if verdict == "unjudged":
        judged = img["correct"] | img["unclear"] | img["wrong"]
        return p >= 0 and p not in judged and not img["problematic"]
    if verdict == "disagree":
        rights = [_right(img, m) for m in ("m1", "m2")]
        return any(rights) and not all(rights)
    if verdict == "beats":
        return _right(img, model) and not _right(img, vs)
    if verdict == "loses":
        return not _right(img, model) and _right(img, vs)
    raise AssertionError(verdict)


def _sort_key(img, sort, model):
    if sort == "class":
        return img["orig"]
    if sort == "labels":
        return len(img["correct"] | img["unclear"])
    if sort == "confidence":
        s = img["score"][model]
        return -1.0 if math.isnan(s) else s
    if sort == "suspicion":  # top-1 files: the vote; most suspect first, unscored last
        return -_vote(img) if _vote(img) is not None else math.inf
    return 0  # file name: the table order itself


def _vote(img):
    """Models whose top-1 is not the original label, plus how many of them agree on one
    class over (models + 1); None when a model has no prediction."""
    firsts = [img["top1"][m] for m in ("m1", "m2")]
    if min(firsts) < 0:
        return None
    outside = [p for p in firsts if p != img["orig"]]
    agree = max((outside.count(p) for p in outside), default=0)
    return len(outside) + agree / 3


def _oracle(images, state: BrowseState, model="m1", vs="m2", reviewed=()):
    kept = [
        i
        for i, img in enumerate(images)
        if all(_state(img, s) for s in state.states)
        and (state.verdict is None or _verdict(img, state.verdict, model, vs))
        and (not state.classes or img["orig"] in state.classes)
        and (state.predicted is None or img["top1"][model] == state.predicted)
        # The vote flags an image when both models (a majority of two) leave its label out.
        and (state.suspect is None or ((_vote(img) or 0) >= 2 and i not in reviewed))
    ]
    if state.sort == "file_name":
        return kept[::-1] if state.descending else kept
    # Ties keep file-name order in both directions.
    sign = -1 if state.descending else 1
    return sorted(kept, key=lambda i: sign * _sort_key(images[i], state.sort, model))


def test_the_oracle_table_exercises_every_filter(view):
    """Each filter keeps some images and drops others here, or the comparison proves little."""
    _, _, images = view
    for s in LABEL_STATES:
        kept = _oracle(images, BrowseState(states=(s,)))
        assert 0 < len(kept) < len(images), s
    for v in VERDICTS:
        kept = _oracle(images, BrowseState(verdict=v))
        assert 0 < len(kept) < len(images), v


@pytest.mark.parametrize("verdict", [None, *VERDICTS])
@pytest.mark.parametrize("model", ["m1", "m2"])
def test_filters_match_the_oracle(view, verdict, model):
    table, models, images = view
    vs = "m2" if model == "m1" else "m1"
    combos = [()] + [(s,) for s in LABEL_STATES] + list(itertools.combinations(LABEL_STATES, 2))
    for states in combos:
        state = BrowseState(states=states, verdict=verdict, model=model, vs=vs)
        got = view_rows(table, models, state).tolist()
        assert got == _oracle(images, state, model, vs), (states, verdict, model)


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_sorts_match_the_oracle(view, sort, descending):
    table, models, images = view
    for model in ("m1", "m2"):
        state = BrowseState(sort=sort, descending=descending, model=model)
        evidence = evidence_for(table, models, state)
        got = view_rows(table, models, state, evidence).tolist()
        assert got == _oracle(images, state, model)


def test_the_likely_label_error_filter_matches_the_oracle_and_drops_reviewed_images(view):
    table, models, images = view
    state = BrowseState(suspect="vote", sort="suspicion")
    expect = _oracle(images, state)
    assert 0 < len(expect) < len(images)  # the table exercises the filter
    assert view_rows(table, models, state, evidence_for(table, models, state)).tolist() == expect
    reviewed = np.zeros(len(table), dtype=bool)
    reviewed[expect[0]] = True
    evidence = evidence_for(table, models, state, reviewed=reviewed)
    got = view_rows(table, models, state, evidence).tolist()
    assert got == _oracle(images, state, reviewed={expect[0]}) == expect[1:]
    # Without the scores a view that needs them is refused, never shown in another order.
    with pytest.raises(ValueError, match="label-error scores"):
        view_rows(table, models, state)


def test_class_group_and_predicted_filters_match_the_oracle(view):
    table, models, images = view
    for classes in [(151,), (7, 9), (999,)]:
        state = BrowseState(classes=classes)
        assert view_rows(table, models, state).tolist() == _oracle(images, state)
    for predicted in (7, 152, -1, 500):
        state = BrowseState(predicted=predicted, model="m1")
        assert view_rows(table, models, state).tolist() == _oracle(images, state)
    # A WordNet group: the dog classes here (151-153) and nothing else.
    c = load_classes()
    dog = "n02084071"
    expect = [i for i, img in enumerate(images) if dog in c.ancestors[img["orig"]]]
    assert expect and len(expect) < len(images)
    assert view_rows(table, models, BrowseState(group=dog)).tolist() == expect
