"""The Browse filters as one list: every filter round-trips through a link and through the
command line's flags, and keeps exactly the images a plain-Python reading of the demo says.

The oracles here read the demo image by image (sets and ``if``s over each image's label sets,
ReaL list and the models' top-1), never through the filters' masks. A filter added to
``FILTERS`` without an oracle, a link key or a field fails the first test.
"""

from __future__ import annotations

import dataclasses
import io
import json
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pytest

from data_access.analysis.suspects import ProbabilityMean
from data_access.browse.filters import FILTERS, LABEL_STATES, REAL_FILTERS, VERDICTS, by_key
from data_access.browse.url import from_params, to_params
from data_access.browse.view import BrowseState, evidence_for, filter_rows
from data_access.classes import load_classes
from data_access.cli.main import main
from data_access.sources.demo import demo_model
from data_access.sources.source import open_source

# The fields of a view that are not filters: what the verdict refers to, and how rows show.
VIEW_FIELDS = {"model", "vs", "sort", "descending", "page", "page_size", "image"}
# Each filter's link key, written out: a link made today must open the same view tomorrow.
LINK_KEYS = {
    "classes": "class",
    "group": "group",
    "states": "state",
    "real": "real",
    "verdict": "verdict",
    "predicted": "pred",
    "suspect": "suspect",
    "images": "file",
}
TABBY, TIGER_CAT, DOMESTIC_CAT = 281, 282, "n02121808"
MODELS = ("demo-medium", "demo-weak")


@pytest.fixture(scope="module")
def demo():
    source = open_source("demo")
    table = source.table
    models = {n: demo_model(table, n) for n in MODELS}
    # Every class's probability, for the label-error filter (the mean of the two models).
    full = [demo_model(table, n, keep_probabilities=True).probabilities for n in MODELS]
    assert full[0] is not None and full[1] is not None
    mean_p = (full[0].dense().astype(np.float64) + full[1].dense()) / 2
    images = []
    for r in range(len(table)):
        real = None
        if table.real_rows is not None:
            real = {k for k in table.real_rows[r].tolist() if k >= 0}
        images.append(
            {
                **_labels_of(table, r),
                "real": real,
                "top1": {n: int(m.top1[r]) for n, m in models.items()},
                "top5": {n: m.top_k[r].tolist() for n, m in models.items()},
                "mean_p": mean_p[r],
                "number": int(str(table.file_name[r]).split("_")[-1].split(".")[0]),
            }
        )
    return table, models, images


def _labels_of(table, r: int) -> dict:
    """One image's labels as plain Python sets and flags, read one row at a time."""
    return {
        "orig": int(table.original_label[r]),
        "correct": set(table.correct_multi_labels.row(r).tolist()),
        "unclear": set(table.unclear_multi_labels.row(r).tolist()),
        "wrong": set(table.wrong_multi_labels.row(r).tolist()),
        "problematic": bool(table.is_problematic[r]),
        "m": bool(table.in_imagenet_m[r]),
        "ancestors": set(load_classes().ancestors[int(table.original_label[r])]),
    }


def _suspect(img, method):
    """The method flags the image: for the vote, both models (a majority of two) leave the
    original label out of their top-5; for the normalized margin, another class has a larger
    mean probability than the original label (one image at a time)."""
    y = img["orig"]
    if method == "vote":
        return all(y not in img["top5"][n] for n in MODELS)
    p = img["mean_p"]
    return bool(p[y] < max(np.delete(p, y)))


def _right(img, model):
    return img["top1"][model] in img["correct"] | img["unclear"]


def _state(img, s):
    accepted = img["correct"] | img["unclear"]
    return {
        "multi": len(accepted) > 1,
        "unclear": bool(img["unclear"]),
        "orig_not_correct": img["orig"] not in img["correct"],
        "orig_wrong": img["orig"] in img["wrong"],
        "problematic": img["problematic"],
        "not_problematic": not img["problematic"],
        "imagenet_m": img["m"],
    }[s]


def _real(img, kind):
    real = img["real"]
    if real is None:
        return False
    kinds = {
        "real_accepts_wrong": bool(real & img["wrong"]),
        "experts_accept_missing": bool(real) and bool((img["correct"] | img["unclear"]) - real),
        "real_empty": not real,
        "problematic_with_real": img["problematic"] and bool(real),
    }
    return any(kinds.values()) if kind == "disagree" else kinds[kind]


def _verdict(img, verdict, model="demo-medium", vs="demo-weak"):
    p = img["top1"][model]
    right = _right(img, model)
    if verdict == "unjudged":
        judged = img["correct"] | img["unclear"] | img["wrong"]
        return p not in judged and not img["problematic"]
    if verdict == "disagree":
        return right != _right(img, vs)
    return {
        "right": right,
        "wrong": not right,
        "right_ml_wrong_top1": right and p != img["orig"],
        "wrong_ml_right_top1": not right and p == img["orig"],
        "beats": right and not _right(img, vs),
        "loses": not right and _right(img, vs),
    }[verdict]


# One plain-Python predicate per filter, over one value: (image, value) -> kept.
ORACLES = {
    "classes": lambda img, v: img["orig"] == v,
    "group": lambda img, v: v in img["ancestors"],
    "states": _state,
    "real": _real,
    "verdict": _verdict,
    "predicted": lambda img, v: img["top1"]["demo-medium"] == v,
    "suspect": _suspect,
    "images": lambda img, v: img["number"] == v,
}
# Values tried per filter (every option where there are few).
VALUES = {
    "classes": [0, TABBY, TIGER_CAT, 999],
    "group": [DOMESTIC_CAT, "n02084071"],
    "states": list(LABEL_STATES),
    "real": list(REAL_FILTERS),
    "verdict": list(VERDICTS),
    "predicted": [TABBY, 0],
    "suspect": ["vote", "normalized_margin"],
    "images": [1, 3, 4, 50000],  # 3 is not in the demo
}


def _mean(table) -> ProbabilityMean:
    mean = ProbabilityMean()
    for n in MODELS:
        mean.add(demo_model(table, n, keep_probabilities=True))
    return mean


def _one(f, value) -> BrowseState:
    extra = {"model": "demo-medium", "vs": "demo-weak"} if f.needs == "models" else {}
    return BrowseState(**{f.name: (value,) if f.multiple else value}, **extra)


def test_every_filter_is_one_entry_with_a_field_a_key_and_an_oracle():
    fields = {f.name for f in dataclasses.fields(BrowseState)}
    names = [f.name for f in FILTERS]
    assert len(set(names)) == len(names)
    assert set(names) | VIEW_FIELDS == fields and not set(names) & VIEW_FIELDS
    assert {f.name: f.key for f in FILTERS} == LINK_KEYS
    assert set(ORACLES) == set(names) == set(VALUES)
    assert all(by_key(f.key) is f for f in FILTERS)


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.name)
def test_a_filter_round_trips_through_a_link(f):
    for value in VALUES[f.name]:
        state = _one(f, value)
        params = to_params(state)
        assert f.key in params, (f.name, value)
        parsed = from_params(params)
        assert not parsed.problems and parsed.state == state, (f.name, value)
    # An unknown value is dropped with a message that names the filter, never kept.
    parsed = from_params({f.key: "<b>nonsense</b>"})
    assert parsed.state == BrowseState()
    assert parsed.problems == [f"unknown {f.what} '<b>nonsense</b>' in the link was ignored"]


def test_links_are_written_as_they_always_were():
    """Literal links: a filter's text in a link is part of what users keep (bookmarks)."""
    state = BrowseState(
        classes=(TABBY, TIGER_CAT),
        group=DOMESTIC_CAT,
        states=("multi", "imagenet_m"),
        real="real_empty",
        verdict="beats",
        predicted=0,
        images=(7, 1),
        model="a",
        vs="b",
    )
    assert to_params(state) == {
        "class": ["n02123045", "n02123159"],
        "group": DOMESTIC_CAT,
        "state": ["multi", "imagenet_m"],
        "real": "real_empty",
        "verdict": "beats",
        "pred": "n01440764",
        "file": ["7", "1"],
        "model": "a",
        "vs": "b",
    }
    # A class index is read too (older links), and repeated values once.
    params = {"class": ["281", "n02123045", "282"], "pred": "0"}
    assert from_params(params).state == BrowseState(classes=(TABBY, TIGER_CAT), predicted=0)


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.name)
def test_a_filter_keeps_what_the_oracle_keeps(demo, f):
    table, models, images = demo
    tried = 0
    for value in VALUES[f.name]:
        expect = [i for i, img in enumerate(images) if ORACLES[f.name](img, value)]
        state = _one(f, value)
        evidence = evidence_for(table, models, state, _mean(table))
        got = filter_rows(table, models, state, evidence).tolist()
        assert got == expect, (f.name, value)
        tried += 0 < len(expect) < len(images)
    assert tried, f"no value of {f.name} tells kept from dropped on the demo"


def test_multiple_values_combine_as_the_page_says(demo):
    """Several classes: any of them; several label states: all of them."""
    table, models, images = demo
    state = BrowseState(classes=(TABBY, TIGER_CAT), states=("multi", "not_problematic"))
    expect = [
        i
        for i, img in enumerate(images)
        if img["orig"] in (TABBY, TIGER_CAT) and _state(img, "multi") and not img["problematic"]
    ]
    assert expect and filter_rows(table, models, state).tolist() == expect


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["browse", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.name)
def test_a_filter_is_a_flag_of_the_command_line(demo, f):
    table, _, images = demo
    value = VALUES[f.name][1]
    text = f.encode(value)
    extra = []
    if f.needs == "models":
        extra = [*(f"demo:{n}" for n in MODELS), "--model", "demo-medium", "--vs", "demo-weak"]
    code, out, err = _cli(f"--{f.key}", text, *extra)
    expect = [
        str(table.file_name[i]) for i, img in enumerate(images) if ORACLES[f.name](img, value)
    ]
    assert code == 0, err
    assert out.splitlines() == expect
    assert f"{len(expect):,} of 20,000 images" in err


def test_the_command_line_refuses_what_a_link_would_drop(demo):
    code, out, err = _cli("--state", "nonsense")
    assert code == 2 and not out
    assert err.startswith("error: --state: unknown label filter 'nonsense'")
    code, _, err = _cli("--verdict", "wrong")
    assert code == 2 and "needs predictions" in err
    code, _, err = _cli("demo:demo-weak", "--verdict", "beats")
    assert code == 2 and "needs --vs" in err
    code, _, err = _cli("demo:demo-weak", "--model", "gpt")
    assert code == 2 and "no loaded model is named 'gpt' (loaded: demo-weak)" in err


def test_the_command_line_exports_the_view_as_the_app_does(demo):
    images = demo[2]
    code, out, _ = _cli("--class", "n02123045", "--format", "jsonl")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["original_wnid"] for r in records] == ["n02123045"] * sum(
        img["orig"] == TABBY for img in images
    )
    code, out, _ = _cli("--class", "n02123045", "--format", "csv")
    assert out.splitlines()[0].startswith("file_name,original_label,original_wnid,correct")


def test_filters_on_what_is_not_loaded_keep_nothing(demo):
    """A filter about a model keeps no image when there is no such model (never every image,
    never an error); a model named but not loaded means the first loaded one."""
    table, models, _ = demo
    none: dict = {}
    for state in (
        BrowseState(verdict="wrong"),
        BrowseState(verdict="disagree"),
        BrowseState(predicted=TABBY),
    ):
        assert filter_rows(table, none, state).tolist() == [], state
    one = {"demo-medium": models["demo-medium"]}
    assert filter_rows(table, one, BrowseState(verdict="disagree")).tolist() == []
    for vs in (None, "not-loaded", "demo-medium"):  # no second model, or the same one
        state = BrowseState(verdict="beats", model="demo-medium", vs=vs)
        assert filter_rows(table, models, state).tolist() == [], vs
    first = filter_rows(table, models, BrowseState(verdict="wrong")).tolist()
    unknown = filter_rows(table, models, BrowseState(verdict="wrong", model="gone")).tolist()
    assert first and unknown == first
    assert (
        filter_rows(table, models, BrowseState(verdict="wrong", model="demo-weak")).tolist()
        != first
    )


def test_a_class_index_in_a_link_stops_at_999():
    assert from_params({"class": "999"}).state.classes == (999,)
    parsed = from_params({"class": ["1000", "0999x"]})
    assert parsed.state.classes == () and len(parsed.problems) == 2


def test_reading_a_filter_from_text_by_hand():
    """A single-valued filter takes the last text only (a link's or a flag's repeat wins, and
    what came before it is not even read); a multiple one keeps each known value once, in
    order, and names the unknown ones."""
    group = by_key("group")
    assert group.read([DOMESTIC_CAT, "n02084071"]) == ("n02084071", [])
    assert group.read(["nonsense", DOMESTIC_CAT]) == (DOMESTIC_CAT, [])
    assert group.read([DOMESTIC_CAT, "nonsense"]) == (None, ["nonsense"])
    classes = by_key("class")
    assert classes.read(["n02123045", "x", "281", "282"]) == ((TABBY, TIGER_CAT), ["x"])


def test_a_filter_change_computes_only_the_changed_filter_and_never_serves_another_table(
    demo, monkeypatch
):
    """Filters that read the table alone are kept per (table, filter, value): changing one
    filter computes that filter's mask only. A table with other labels under the same file
    names gets its own masks: the rows always match the plain-Python oracle."""
    from data_access.bounded import Recent
    from data_access.browse import view as view_module
    from tests.helpers import small_table

    table, models, images = demo
    calls: list[str] = []

    def counting(f):
        def mask(*args):
            calls.append(f.name)
            return f.mask(*args)

        return dataclasses.replace(f, mask=mask)

    monkeypatch.setattr(view_module, "FILTERS", tuple(counting(f) for f in FILTERS))
    monkeypatch.setattr(view_module, "_masks", Recent(view_module.MASKS_KEPT))

    def oracle(imgs, state):
        return [
            r
            for r, img in enumerate(imgs)
            if all(_state(img, s) for s in state.states)
            and (state.group is None or state.group in img["ancestors"])
            and (not state.classes or img["orig"] in state.classes)
        ]

    a = BrowseState(states=("multi",), group=DOMESTIC_CAT)
    assert filter_rows(table, models, a).tolist() == oracle(images, a)
    assert sorted(calls) == ["group", "states"]
    calls.clear()
    b = a.with_(group=None, classes=(TABBY, TIGER_CAT))
    assert filter_rows(table, models, b).tolist() == oracle(images, b)
    assert calls == ["classes"]  # the label state's mask was kept
    calls.clear()
    assert filter_rows(table, models, a).tolist() == oracle(images, a)
    assert calls == []  # both kept
    # Other labels (another seed), the same kind of file names: computed afresh.
    other = small_table(seed=11, limit=None)
    other_images = [_labels_of(other, r) for r in range(len(other))]
    assert filter_rows(other, {}, a).tolist() == oracle(other_images, a)
    assert sorted(calls) == ["group", "states"]
    # A model's filter is computed each time (its model may be replaced under the same name).
    calls.clear()
    v = BrowseState(verdict="wrong", model="demo-medium")
    filter_rows(table, models, v)
    filter_rows(table, models, v)
    assert calls == ["verdict", "verdict"]
