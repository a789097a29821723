"""The label review loop at full size: three reviewers over every image of the demo table
(20,000 images, the real split's shape), each judging its first three labels and its
problematic flag.

Measured, in one process:

* an import of the 60,000 label reviews into a SQLite store (one transaction) and reading
  them back with the Review page's proposals merged;
* agreement (Krippendorff's alpha over ~60,000 units, each reviewer with the experts, the
  disagreement queue);
* ``revise`` (majority) over all of them, and the JSON it writes;
* one model re-scored under both files with a 1000-replicate paired bootstrap, against the
  baseline ``evaluate`` of the same model (1000-replicate bootstrap too).

Targets: import <= 15 s, read back <= 3 s, agreement <= 3 s, revise <= 3 s, re-score <= 1 s
per model.

Usage: ``python -m benchmarks.bench_labels``.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path


def _timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main() -> None:
    from data_access.analysis.evaluation import evaluate
    from data_access.analysis.rescore import rescore, revised_table
    from data_access.classes import load_classes
    from data_access.reviews import ReviewStore
    from data_access.reviews.label_agreement import (
        disagreements,
        expert_view,
        reviewer_agreement,
    )
    from data_access.reviews.label_store import all_label_reviews, save_label_reviews
    from data_access.reviews.labels import LabelReview
    from data_access.reviews.revise import revise
    from data_access.sources.demo import demo_model
    from data_access.sources.labels_json import label_data_from_table
    from data_access.sources.source import open_source

    table = open_source("demo").table
    wnids = load_classes().wnids
    sets = (table.correct_multi_labels, table.unclear_multi_labels, table.wrong_multi_labels)
    reviews = []
    for i, name in enumerate(table.file_name.tolist()):
        labels = [wnids[c] for s in sets for c in s.row(i).tolist()][:3]
        for k, who in enumerate(("ada", "bob", "cy")):
            verdicts = {
                w: ("wrong" if (i + k + j) % 7 == 0 else "correct") for j, w in enumerate(labels)
            }
            flag = (i + k) % 11 == 0 or None
            reviews.append(LabelReview(name, who, verdicts, flag, "blurry" if flag else ""))
    with tempfile.TemporaryDirectory() as tmp:
        store = ReviewStore(Path(tmp) / "labels.sqlite")
        t_import, _ = _timed(lambda: save_label_reviews(store, reviews))
        t_read, stored = _timed(lambda: all_label_reviews(store))
    t_agree, _ = _timed(
        lambda: (
            reviewer_agreement(stored, *expert_view(table, table.file_name.tolist())),
            disagreements(stored, *expert_view(table, table.file_name.tolist())),
        )
    )
    base = label_data_from_table(table)
    t_revise, revision = _timed(lambda: revise(base, stored))
    t_json, text = _timed(lambda: json.dumps(revision.labels))
    revised = revised_table(table, json.loads(text), "revised")
    model = demo_model(table, "demo-medium")
    t_eval, _ = _timed(lambda: evaluate(table, model, n_boot=1000))
    t_rescore, _ = _timed(lambda: rescore(table, revised, {"m": model}, n_boot=1000))
    print(f"label reviews: {len(reviews):,} ({len(revision.changelog):,} images changed)")
    print(f"import (one transaction)  {t_import:6.2f} s   target <= 15 s")
    print(f"read back (+ proposals)   {t_read:6.2f} s   target <= 3 s")
    print(f"agreement + queue         {t_agree:6.2f} s   target <= 3 s")
    print(f"revise (majority)         {t_revise:6.2f} s   target <= 3 s")
    print(f"revised JSON written      {t_json:6.2f} s   ({len(text) / 1e6:.1f} MB)")
    print(
        f"re-score one model        {t_rescore:6.2f} s   target <= 1 s "
        f"({t_rescore / t_eval:.0f}x its evaluate, {t_eval * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
