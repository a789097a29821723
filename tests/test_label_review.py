"""The label review loop: verdicts stored, compared, turned into a revised label file, and
every model re-scored against it.

Oracles: Krippendorff's published example and small tables counted by hand for agreement;
policies checked on hand-made votes (ties, abstentions, minimums); the revised file re-read by
a plain-Python reading of its JSON, and the headline under it by the dataset card's reference
loop (:func:`tests.test_metrics.reference_multilabel_accuracy`) run on that reading.
"""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest

from data_access.analysis.rescore import (
    changed_images,
    kendall_tau_b,
    ranking_change,
    rescore,
    revised_table,
)
from data_access.classes import load_classes
from data_access.cli.main import main
from data_access.errors import LabelFileError
from data_access.reviews import Review, ReviewStore
from data_access.reviews.label_agreement import (
    disagreements,
    krippendorff_alpha,
    reviewer_agreement,
)
from data_access.reviews.label_store import (
    all_label_reviews,
    decisions,
    label_history,
    label_reviews,
    save_decision,
    save_label_review,
    save_label_reviews,
)
from data_access.reviews.labels import LabelReview
from data_access.reviews.revise import revise
from data_access.reviews.taxonomy import ReviewError
from data_access.reviews.verdict_files import read_verdicts, write_verdicts
from data_access.sources.labels_json import label_data_from_table
from tests.test_metrics import _T, reference_multilabel_accuracy

WNIDS = load_classes().wnids
A, B, C, D = WNIDS[0], WNIDS[1], WNIDS[2], WNIDS[3]
IMG = "ILSVRC2012_val_00000001.JPEG"
BASE = {
    "initial_annots": {
        IMG: {"wrong": [C], "correct": [A], "unclear": [B]},
        "ILSVRC2012_val_00000002.JPEG": {"correct": [B]},
        "imagenetv2_0001.jpeg": {"correct": [D]},  # ImageNetV2 entries ride along untouched
    },
    "problematic_images": {},
    "imagenet_m": [IMG],
}


def _r(who: str, name: str = IMG, problematic=None, reason: str = "", **verdicts) -> LabelReview:
    return LabelReview(
        name, who, {WNIDS[int(k[1:])]: v for k, v in verdicts.items()}, problematic, reason
    )


# --- agreement --------------------------------------------------------------------------


def test_krippendorff_alpha_on_the_published_example():
    """Krippendorff (2011), the 4 coders x 12 units example: nominal alpha = 0.743."""
    coders = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = [[c[u] for c in coders if c[u] is not None] for u in range(12)]
    result = krippendorff_alpha(units)
    assert round(result["alpha"], 3) == 0.743
    assert result["units"] == 11 and result["values"] == 40  # unit 12 has one value


def test_krippendorff_alpha_by_hand():
    # units [a,a] [a,b] [b,b]: o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n = 6, n_a = n_b = 3
    # alpha = 1 - (n - 1) * (o_ab + o_ba) / (n_a n_b + n_b n_a) = 1 - 5 * 2 / 18
    assert krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"]])["alpha"] == 1 - 10 / 18
    assert math.isnan(krippendorff_alpha([["a", "a"], ["a", "a"]])["alpha"])  # no variation
    assert math.isnan(krippendorff_alpha([["a"], ["b"]])["alpha"])  # nothing pairable


def test_reviewer_agreement_with_the_experts_and_the_queue():
    reviews = [
        _r("ada", c0="correct", c1="wrong", c5="correct"),  # c5: a class the experts lack
        _r("bob", c0="correct", c1="unclear"),
        _r("bob", "ILSVRC2012_val_00000002.JPEG", True, "blurry", c1="correct"),
    ]
    experts = {
        IMG: {A: "correct", B: "unclear", C: "wrong"},
        "ILSVRC2012_val_00000002.JPEG": {B: "correct"},
    }
    stats = reviewer_agreement(reviews, experts, set())
    # ada: A agrees, B disagrees (wrong vs unclear); 2 judged, 1 agree, 1 added
    assert stats["reviewers"]["ada"] | {"kappa": 0} == {
        "images": 1,
        "judged": 2,
        "agree": 1,
        "kappa": 0,
        "added": 1,
    }
    # bob: A, B agree on image 1; B agrees on image 2, problematic does not: 4 judged, 3 agree
    assert stats["reviewers"]["bob"]["judged"] == 4 and stats["reviewers"]["bob"]["agree"] == 3
    assert stats["labels"]["units"] == 2  # (IMG, A) and (IMG, B) judged by both
    queue = disagreements(reviews, experts, set(), decided=["ILSVRC2012_val_00000002.JPEG"])
    assert [q["file_name"] for q in queue] == [IMG, "ILSVRC2012_val_00000002.JPEG"]
    assert queue[0]["between_reviewers"] == [B]
    assert queue[0]["with_experts"] == [B, WNIDS[5]]
    assert queue[1]["between_reviewers"] == [] and queue[1]["with_experts"] == ["problematic"]
    assert queue[1]["decided"] and not queue[0]["decided"]


# --- policies ---------------------------------------------------------------------------


def _after(revision, name=IMG):
    return revision.labels["initial_annots"][name]


def test_majority_moves_a_label_and_a_tie_changes_nothing():
    reviews = [_r("ada", c0="wrong", c1="correct"), _r("bob", c0="wrong", c1="wrong"),
               _r("cy", c0="correct")]  # fmt: skip  # c1: 1 vs 1 (cy abstains): a tie
    revision = revise(BASE, reviews)
    # A: 2 of 3 say wrong -> moved to wrong (appended); B unchanged; the key order is kept
    assert _after(revision) == {"wrong": [C, A], "unclear": [B]}
    assert list(_after(revision)) == ["wrong", "unclear"]  # correct is empty: left out
    [entry] = revision.changelog
    assert entry["before"]["correct"] == [A] and entry["after"]["wrong"] == [C, A]
    assert entry["how"] == "majority of 3" and entry["reviewers"] == ["ada", "bob", "cy"]


def test_unanimous_and_min_reviewers():
    reviews = [
        _r("ada", c0="wrong", c2="correct"),
        _r("bob", c0="wrong"),
        _r("cy", c0="correct", c2="correct"),
    ]
    unanimous = _after(revise(BASE, reviews, policy="unanimous"))
    assert unanimous == {"correct": [A, C], "unclear": [B]}  # C: 2 of 2 say correct
    # With at least 3 reviewers per label, C (2 judged it) is not decided, A is 2:1
    assert _after(revise(BASE, reviews, min_reviewers=3)) == {"wrong": [C, A], "unclear": [B]}
    assert revise(BASE, reviews, policy="unanimous", min_reviewers=3).changelog == []


def test_adjudicated_uses_the_lead_and_otherwise_only_unanimity():
    reviews = [
        _r("ada", c0="wrong"),
        _r("bob", c0="correct"),
        _r("ada", "ILSVRC2012_val_00000002.JPEG", c1="unclear"),
        _r("bob", "ILSVRC2012_val_00000002.JPEG", c1="unclear"),
    ]
    lead = _r("lee", c0="unclear", problematic=True, reason="two objects")
    revision = revise(BASE, reviews, {IMG: lead}, policy="adjudicated")
    assert _after(revision) == {"wrong": [C], "unclear": [B, A]}
    assert revision.labels["problematic_images"][IMG]["reason"] == "two objects"
    assert revision.labels["problematic_images"][IMG]["reviewer"] == "lee"
    assert _after(revision, "ILSVRC2012_val_00000002.JPEG") == {"unclear": [B]}
    # Without the lead, the disputed image waits
    assert _after(revise(BASE, reviews, policy="adjudicated")) == BASE["initial_annots"][IMG]


def test_problematic_by_majority_and_cleared():
    base = {**BASE, "problematic_images": {"ILSVRC2012_val_00000002.JPEG": {"reason": "x"}}}
    reviews = [_r("ada", problematic=True, reason="drawing"),
               _r("bob", problematic=True, reason="blurry"),
               _r("cy", problematic=False),
               _r("ada", "ILSVRC2012_val_00000002.JPEG", problematic=False),
               _r("bob", "ILSVRC2012_val_00000002.JPEG")]  # fmt: skip  # bob: no opinion
    revision = revise(base, reviews)
    # 2 of 3 say problematic; the reasons tie 1:1, the first in order is kept
    assert revision.labels["problematic_images"] == {
        IMG: {"reason": "blurry", "reviewer": "ada, bob"}}  # fmt: skip  # those who said so
    assert base["problematic_images"]  # the base is never changed


def test_unchanged_images_keep_their_bytes_and_bad_options_are_refused():
    revision = revise(BASE, [_r("ada", c0="wrong")])
    for name, entry in BASE["initial_annots"].items():
        if name != IMG:
            assert json.dumps(revision.labels["initial_annots"][name]) == json.dumps(entry)
    assert revision.labels["imagenet_m"] == BASE["imagenet_m"]
    assert revise(BASE, [_r("ada", "ILSVRC2012_val_00000009.JPEG", c0="wrong")]).skipped == [
        "ILSVRC2012_val_00000009.JPEG"
    ]
    with pytest.raises(ReviewError, match="'mean' is not one of majority"):
        revise(BASE, [], policy="mean")
    with pytest.raises(ReviewError, match="--min-reviewers: expected a whole number >= 1"):
        revise(BASE, [], min_reviewers=0)


# --- the revised file, re-read and re-scored ---------------------------------------------


def _reference_examples(data: dict, table) -> list[dict]:
    """The revised JSON read in plain Python, as the TFDS builder reads a label file."""
    index = {w: i for i, w in enumerate(WNIDS)}
    original = dict(zip(table.file_name.tolist(), table.original_label.tolist(), strict=True))
    out = []
    for name, sets in data["initial_annots"].items():
        if not name.startswith("ILSVRC2012_val_"):
            continue
        example = {
            "file_name": _T(name.encode()),
            "original_label": _T(original[name]),
            "is_problematic": _T(name in data["problematic_images"]),
        }
        for key in ("correct", "unclear", "wrong"):
            example[f"{key}_multi_labels"] = _T(np.array([index[w] for w in sets.get(key, [])]))
        out.append(example)
    return out


def _demo_reviews(table, k: int = 60) -> list[LabelReview]:
    """Three reviewers over the first ``k`` demo images: the first correct label called wrong
    by two of them on every third image, and every fifth image called problematic by two."""
    out = []
    for i in range(k):
        name = str(table.file_name[i])
        first = WNIDS[int(table.correct_multi_labels.row(i)[0])]
        for who in ("ada", "bob", "cy"):
            verdict = "wrong" if i % 3 == 0 and who != "cy" else "correct"
            flag = (i % 5 == 0 and who != "ada") or None
            out.append(LabelReview(name, who, {first: verdict}, flag, "blurry" if flag else ""))
    return out


def test_revised_file_rereads_as_intended_and_rescores_by_the_reference_loop(tmp_path, demo):
    table, models = demo
    revision = revise(label_data_from_table(table), _demo_reviews(table))
    path = tmp_path / "revised.json"
    path.write_text(json.dumps(revision.labels))
    revised = revised_table(table, json.loads(path.read_text()), path)
    examples = _reference_examples(json.loads(path.read_text()), table)
    # Intended: on 20 images (i % 3 == 0) the first correct label moved to wrong, and 12
    # images (i % 5 == 0) are problematic now (4 of them were already in the demo's flags
    # or not: counted from the table)
    moved = {str(table.file_name[i]) for i in range(0, 60, 3)}
    for i, name in enumerate(table.file_name[:60].tolist()):
        first = int(table.correct_multi_labels.row(i)[0])
        in_wrong = first in revised.wrong_multi_labels.row(i).tolist()
        assert in_wrong == (name in moved or first in table.wrong_multi_labels.row(i).tolist())
        assert bool(revised.is_problematic[i]) == (i % 5 == 0 or bool(table.is_problematic[i]))
    changed = set(table.file_name[changed_images(table, revised)].tolist())
    assert changed == {c["file_name"] for c in revision.changelog}
    results = rescore(table, revised, models, n_boot=200)
    for r in results:
        top1 = models[r.model].top1
        predictions = {
            n.encode(): int(p) for n, p in zip(table.file_name.tolist(), top1, strict=True)
        }
        assert r.revised == reference_multilabel_accuracy(examples, predictions)
        assert r.change == r.revised - r.original
        assert r.change_low <= r.change <= r.change_high
        assert r.now_excluded == int((revised.is_problematic & ~table.is_problematic).sum())


def test_a_revised_file_of_other_images_is_refused(tmp_path, demo):
    table, _ = demo
    data = label_data_from_table(table)
    del data["initial_annots"][str(table.file_name[7])]
    with pytest.raises(
        LabelFileError,
        match=f"a revised file must annotate the same images, e.g. {table.file_name[7]}",
    ):
        revised_table(table, data, tmp_path / "r.json")


def test_kendall_tau_b_and_swaps_by_hand():
    assert kendall_tau_b([1, 2, 3], [1, 3, 2]) == 1 / 3  # C = 2, D = 1
    assert kendall_tau_b([1, 1, 2], [1, 2, 3]) == 2 / math.sqrt(3 * 2)  # one tie in x
    assert math.isnan(kendall_tau_b([1, 1], [1, 2]))

    class R:
        def __init__(self, model, original, revised):
            self.model, self.original, self.revised = model, original, revised

    change = ranking_change([R("a", 0.9, 0.7), R("b", 0.8, 0.8), R("c", 0.5, 0.6)])
    assert change["swaps"] == [["a", "b"]] and change["kendall_tau"] == 1 / 3


# --- files, store, CLI --------------------------------------------------------------------


def test_verdict_files_round_trip_and_refuse_bad_rows(tmp_path):
    reviews = [
        LabelReview(IMG, "ada", {A: "wrong", B: "correct"}, True, "blurry", "=HYPERLINK(1)"),
        LabelReview(IMG, "bob", {}, False, "", ""),
        LabelReview("ILSVRC2012_val_00000002.JPEG", "bob", {}, None, "", "just a note"),
    ]
    for fmt in ("csv", "jsonl"):
        path = tmp_path / f"v.{fmt}"
        path.write_text(write_verdicts(reviews, fmt))
        back = sorted(read_verdicts(path), key=lambda r: (r.file_name, r.reviewer))
        assert [r.as_dict() for r in back] == [r.as_dict() for r in reviews]
    assert "'=HYPERLINK(1)" in (tmp_path / "v.csv").read_text()  # safe in a spreadsheet
    bad = {
        "file_name,wnid,verdict\n" + f"{IMG},{A},maybe\n": "row 2: verdict 'maybe'",
        "file_name,wnid,verdict,colour\n" + f"{IMG},{A},wrong,red\n": "unknown column 'colour'",
        f"file_name,wnid,verdict\n{IMG},{A},wrong\n{IMG},{A},correct\n": "row 3: " + A + " is "
        "judged wrong and correct",
        f"file_name,wnid,verdict\n{IMG},n99999999,wrong\n": "not the wnid of an ImageNet class",
        f"file_name,wnid,verdict\n../etc/passwd,{A},wrong\n": "not an ImageNet validation file",
        f"file_name,wnid,verdict,problematic_reason\n{IMG},,,\n{IMG},,problematic,\n": "problematic without a problematic_reason",
        "wnid,verdict\n": "no file_name column",
        '{"file_name": 3}\n': "line 1: 'file_name' must be text",
    }
    for text, message in bad.items():
        path = tmp_path / "bad.csv"
        path.write_text(text)
        with pytest.raises(ReviewError, match=message.replace("(", r"\(")):
            read_verdicts(path, "ada")
    path.write_text(f"file_name,wnid,verdict\n{IMG},{A},wrong\n")
    with pytest.raises(ReviewError, match="no reviewer: add a reviewer column or give --as"):
        read_verdicts(path)
    # Truncated, empty, not text, or larger than any verdict file: one line each
    path.write_text('{"file_name": "' + IMG + '", "wnid": "' + A + '", "verdict": "wr')
    with pytest.raises(ReviewError, match="line 1: not a JSON object"):
        read_verdicts(path, "ada")
    path.write_text("")
    with pytest.raises(ReviewError, match="the file is empty"):
        read_verdicts(path, "ada")
    path.write_bytes(b"file_name\n\xff\xfe\x00")
    with pytest.raises(ReviewError, match="not UTF-8 text"):
        read_verdicts(path, "ada")
    with open(path, "wb") as f:
        f.truncate(65 << 20)  # sparse: refused by its size before a byte is read
    with pytest.raises(ReviewError, match="larger than a verdict file can be"):
        read_verdicts(path, "ada")


def test_store_keeps_versions_history_and_proposals(review_db):
    store = ReviewStore(review_db)
    first = save_label_review(store, LabelReview(IMG, " Ada ", {B: "wrong"}))
    second = save_label_review(store, LabelReview(IMG, "Ada", {B: "correct"}, True, "drawing"))
    assert (first.version, second.version, second.reviewer) == (1, 2, "Ada")
    history = label_history(store, IMG)
    assert [h["new"]["verdicts"] for h in history] == [{B: "wrong"}, {B: "correct"}]
    assert history[1]["old"]["verdicts"] == {B: "wrong"}
    store.save(Review("m", IMG, "bob", "fine_grained", "minor", 5, [2, 7], ""))
    store.save(Review("m", IMG, "Ada", "fine_grained", "minor", 5, [1], ""))
    by_reviewer = {r.reviewer: r.verdicts for r in all_label_reviews(store)}
    assert by_reviewer == {"Ada": {B: "correct"}, "bob": {C: "correct", WNIDS[7]: "correct"}}
    # An import adds to what a reviewer said: its verdicts win, the rest (flag, note) stays
    save_label_reviews(store, [LabelReview(IMG, "Ada", {C: "wrong"}, None, "", "")], merge=True)
    [merged] = label_reviews(store, reviewer="Ada")
    assert merged.verdicts == {B: "correct", C: "wrong"} and merged.problematic is True
    assert merged.reason == "drawing" and merged.version == 3
    save_decision(store, LabelReview(IMG, "lee", {B: "unclear"}))
    assert decisions(store)[IMG].verdicts == {B: "unclear"}
    with pytest.raises(ReviewError, match="nothing to save"):
        save_label_review(store, LabelReview(IMG, "ada"))


def test_two_reviewers_saving_at_once_lose_nothing(review_db):
    store = ReviewStore(review_db)
    names = [f"ILSVRC2012_val_{i:08d}.JPEG" for i in range(1, 21)]
    barrier = threading.Barrier(2)
    errors = []

    def work(who: str) -> None:
        try:
            barrier.wait()
            for name in names:
                save_label_review(
                    ReviewStore(review_db, migrate=False), LabelReview(name, who, {A: "correct"})
                )
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(w,)) for w in ("ada", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(label_reviews(store)) == 40


def test_cli_import_revise_and_rescore_on_the_demo(tmp_path, demo, capsys, review_db):
    """The whole loop from the command line, on SQLite and on PostgreSQL."""
    table, models = demo
    db = review_db
    path = tmp_path / "verdicts.jsonl"
    path.write_text(write_verdicts(_demo_reviews(table), "jsonl"))
    assert main(["labels", "--db", db, "import", str(path)]) == 0
    assert "imported 180 label reviews (180 label verdicts, 60 images, 3 reviewers)" in (
        capsys.readouterr().out
    )
    out, log = tmp_path / "revised.json", tmp_path / "changes.json"
    assert main(["labels", "--db", db, "revise", "--out", str(out), "--changelog", str(log)]) == 0
    expected = revise(label_data_from_table(table), _demo_reviews(table))
    written = json.loads(out.read_text())
    for name, entry in written["problematic_images"].items():
        # when the reviewers saved it (the expected run saved nothing: no time)
        assert entry.get("time_marked", "") >= "2019"
        if "time_marked" not in expected.labels["problematic_images"][name]:
            del entry["time_marked"]
    assert written == expected.labels
    assert len(json.loads(log.read_text())) == len(expected.changelog)
    capsys.readouterr()
    args = [
        "evaluate",
        "demo:demo-strong",
        "demo:demo-weak",
        "--revised-labels",
        str(out),
        "--bootstrap",
        "0",
        "--format",
        "json",
    ]
    assert main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    revised = revised_table(table, expected.labels, out)
    examples = _reference_examples(expected.labels, table)
    for row in printed["models"]:
        top1 = models[row["model"]].top1
        predictions = {
            n.encode(): int(p) for n, p in zip(table.file_name.tolist(), top1, strict=True)
        }
        assert row["revised_revised"] == reference_multilabel_accuracy(examples, predictions)
    assert printed["changed_images"] == len(changed_images(table, revised))
    assert printed["ranking"]["swaps"] == [] and printed["ranking"]["kendall_tau"] == 1.0
    assert main(["labels", "--db", db, "agreement"]) == 0
    assert "Krippendorff's alpha" in capsys.readouterr().out
    assert main(["labels", "--db", db, "revise", "--out", str(out), "--min-reviewers", "0"]) == 2
    assert "--min-reviewers: expected a whole number >= 1" in capsys.readouterr().err
    # A bad row anywhere: one line, exit 2, nothing of the file saved
    before = [r.as_dict() for r in label_reviews(ReviewStore(db))]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"file_name,wnid,verdict,reviewer\n{IMG},{A},wrong,zoe\n{IMG},{B},maybe,zoe\n")
    assert main(["labels", "--db", db, "import", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "row 3: verdict 'maybe'" in err[0]
    assert [r.as_dict() for r in label_reviews(ReviewStore(db))] == before
