"""The revised-labels change's paired interval against a plain-Python loop of its protocol:
in each replicate every image is replaced by a uniformly drawn image of its own original
class (the same draws: ``default_rng(seed).random`` in chunks of replicates, a row's draw
``floor(u * class size)`` into its class's images in file order), both headlines are
computed on that resample, and the interval is the 2.5% and 97.5% quantiles of the change.
"""

import math

import numpy as np
import pytest

from data_access.analysis import rescore as R
from data_access.predictions import Model
from tests.helpers import hand_table


def _reference(original_rows, revised_rows, top1, n_boot, seed, chunk):
    labels = [r[0] for r in original_rows]
    members = {c: [i for i in range(len(labels)) if labels[i] == c] for c in sorted(set(labels))}
    positions = [i for c in members for i in members[c]]  # images by class, file order within

    def right(rows, i):
        return (not rows[i][3]) and (top1[i] in rows[i][1] or top1[i] in rows[i][2])

    def headline(rows, drawn):
        accs = []
        for own in members.values():
            picked = [drawn[i] for i in own]
            counted = [j for j in picked if not rows[j][3]]
            if counted:
                accs.append(sum(right(rows, j) for j in counted) / len(counted))
        return sum(accs) / len(accs)

    rng = np.random.default_rng(seed)
    changes = []
    for done in range(0, n_boot, chunk):
        u = rng.random((min(chunk, n_boot - done), len(positions)))
        for rep in u:
            drawn = {}
            for p, i in enumerate(positions):
                own = members[labels[i]]
                drawn[i] = own[math.floor(rep[p] * len(own))]
            changes.append(headline(revised_rows, drawn) - headline(original_rows, drawn))
    return tuple(float(q) for q in np.quantile(changes, [0.025, 0.975]))


def _case(seed: int):
    rng = np.random.default_rng(seed)
    original, revised, top1 = [], [], []
    for c in range(12):
        for _ in range(int(rng.integers(1, 6))):
            correct = [c] if rng.random() < 0.8 else [c + 100]
            unclear = [c + 200] if rng.random() < 0.3 else []
            problematic = bool(rng.random() < 0.15)
            original.append((c, correct, unclear, problematic))
            # The reviewers move some labels between sets and flip some flags.
            new_correct = [*correct, c + 200] if rng.random() < 0.2 else correct
            new_unclear = [] if rng.random() < 0.2 else unclear
            flipped = problematic ^ bool(rng.random() < 0.1)
            revised.append((c, new_correct, new_unclear, flipped))
            top1.append(int(rng.choice([c, c + 100, c + 200, 999])))
    return original, revised, top1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_paired_interval_is_the_reference_loops(seed):
    original, revised, top1 = _case(seed)
    a, b = hand_table(original), hand_table(revised)
    got = R.rescore(a, b, {"m": Model("m", np.array(top1))}, n_boot=120, seed=seed)[0]
    want = _reference(original, revised, top1, 120, seed, R.CHUNK)
    assert (got.change_low, got.change_high) == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_a_class_all_problematic_in_one_file_leaves_only_that_files_average():
    """Class 1 is problematic only in the revised file: the revised headline averages the
    other class alone, in every replicate."""
    original = [(0, [0], [], False), (0, [0], [], False), (1, [1], [], False), (1, [1], [], False)]
    revised = [(0, [0], [], False), (0, [0], [], False), (1, [1], [], True), (1, [1], [], True)]
    top1 = [0, 5, 1, 1]  # class 0: 1 of 2 right; class 1: 2 of 2
    want = _reference(original, revised, top1, 200, 4, R.CHUNK)
    got = R.rescore(
        hand_table(original), hand_table(revised), {"m": Model("m", np.array(top1))}, 200, 4
    )
    assert (got[0].change_low, got[0].change_high) == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert got[0].change == pytest.approx(0.5 - 0.75)
