"""How often the review suggestion rule agrees with a published categorisation.

The rule (``data_access.reviews.suggest``) pre-selects "fine-grained error" when the
prediction lies within N WordNet steps of an accepted label. Without the real label JSON the
accepted labels are unknown here, so this measures the rule against the image's original
label (from TFDS's validation_labels.txt) over every entry of a published file, for N = 1..5.

Usage: ``python -m benchmarks.suggestion_agreement FILE [FILE ...]``
(e.g. the paper's ``vit3b_mistakes.json`` / ``greedy_soups_mistakes.json``).
"""

import json
import sys

from data_access.classes import validation_labels, validation_position
from data_access.reviews import FINE_GRAINED_MAX_STEPS, parse_reference_file, wordnet_distance


def main(paths: list[str]) -> None:
    labels = validation_labels()
    out = {}
    for path in paths:
        items = parse_reference_file(path)
        for steps in range(1, 6):
            tp = fp = fn = tn = 0
            for it in items:
                original = int(labels[validation_position(it["file_name"])])
                flagged = wordnet_distance(it["top_prediction"], original) <= steps
                fine = it["category"] == "fine_grained"
                tp += flagged and fine
                fp += flagged and not fine
                fn += fine and not flagged
                tn += not fine and not flagged
            out[f"{path} steps={steps}"] = {
                "agreement": round((tp + tn) / len(items), 3),
                "precision": round(tp / max(1, tp + fp), 3),
                "recall": round(tp / max(1, tp + fn), 3),
                "n": len(items),
                "rule": steps == FINE_GRAINED_MAX_STEPS,
            }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
