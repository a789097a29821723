"""The notebook API (data_access.api): the README's example runs as written, and its numbers
agree with independent computations."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import data_access
from data_access import api
from data_access.sources.demo import demo_predictions
from tests.test_metrics import _examples, reference_multilabel_accuracy

README = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_the_readme_example_runs_and_its_numbers_are_right(capsys):
    section = README.read_text().split("## From Python", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    ns: dict = {}
    exec(compile(code, "docs/cli.md", "exec"), ns)  # noqa: S102 (our own docs)
    assert "multi-label accuracy" in capsys.readouterr().out
    table = ns["source"].table
    top1 = demo_predictions()["demo-medium"]["top_k"][:, 0]
    preds = {n.encode(): int(k) for n, k in zip(table.file_name, top1, strict=True)}
    assert ns["result"].multilabel_accuracy == reference_multilabel_accuracy(
        list(_examples(table)), preds
    )
    # ImageNet-M: 68 images; "right" counted by hand from the label sets.
    hard = ns["hard"]
    assert len(hard) == 68
    expect = 0
    for i in range(len(table)):
        if table.in_imagenet_m[i]:
            p = int(top1[i])
            accepted = set(table.correct_multi_labels.row(i).tolist())
            accepted |= set(table.unclear_multi_labels.row(i).tolist())
            expect += p in accepted
    assert int(hard["right"].sum()) == expect
    # The mistakes: every image whose top-1 is in neither accepted set, most confident first.
    mistakes = ns["mistakes"]
    wrong = [
        i
        for i in range(len(table))
        if int(top1[i])
        not in set(table.correct_multi_labels.row(i).tolist())
        | set(table.unclear_multi_labels.row(i).tolist())
    ]
    assert sorted(mistakes.index.tolist()) == wrong
    scores = ns["model"].scores[mistakes.index, 0]
    assert (scores[:-1] >= scores[1:]).all()
    assert ns["undercounted"]["gap"].is_monotonic_decreasing


def test_the_api_docstring_examples_pass():
    assert doctest.testmod(api).failed == 0


def test_the_public_names_resolve():
    for name in data_access.__all__:
        assert getattr(data_access, name) is not None


def test_load_predictions_takes_the_cli_reading_options(tmp_path):
    import numpy as np
    import pytest

    source = data_access.open_source("demo")
    top1 = demo_predictions()["demo-weak"]["top_k"][:, 0]
    full = np.zeros(50_000, dtype=np.int64)
    full[source.table.validation_position] = top1
    np.save(tmp_path / "ids.npy", full + 1)  # 1-based ids: refused until told
    with pytest.raises(data_access.DataError, match="drop-background"):
        data_access.load_predictions(tmp_path / "ids.npy", source)
    m = data_access.load_predictions(tmp_path / "ids.npy", source, "w", drop_background=True)
    assert m.name == "w" and m.top1.tolist() == top1.tolist()
