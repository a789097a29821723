"""Builds ``data_access/data/classes.json``: metadata for the 1000 ImageNet classes.

Sources (both local, nothing is downloaded):

* the class order: ``tensorflow_datasets/datasets/imagenet2012/labels.txt`` inside the
  installed TFDS package (sorted WordNet ids, ``n01440764`` = 0);
* names, synonyms, glosses and hypernyms: WordNet 3.0 as shipped by Debian's
  ``wordnet-base`` package (``/usr/share/wordnet/data.noun``). An ImageNet wnid is ``n``
  followed by the 8-digit synset offset in WordNet 3.0's noun database.

Run ``apt-get install -y wordnet-base`` and then ``python scripts/make_class_metadata.py``.
The output is committed, so the app never needs WordNet or the network at run time.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORDNET = Path("/usr/share/wordnet/data.noun")
DEFAULT_OUT = ROOT / "data_access" / "data" / "classes.json"


def read_wordnet_nouns(path: Path) -> dict[str, dict]:
    """Parses WordNet's ``data.noun`` into ``{wnid: {lemmas, gloss, hypernyms}}``."""
    synsets: dict[str, dict] = {}
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("  "):  # licence header lines start with two spaces
                continue
            data, _, gloss = line.partition(" | ")
            fields = data.split()
            offset, w_cnt = fields[0], int(fields[3], 16)
            lemmas = [fields[4 + 2 * i].replace("_", " ") for i in range(w_cnt)]
            # WordNet marks adjective positions like "(a)"; they are not part of the name.
            lemmas = [lemma.split("(")[0] if lemma.endswith(")") else lemma for lemma in lemmas]
            pos = 4 + 2 * w_cnt
            p_cnt = int(fields[pos])
            hypernyms = []
            for i in range(p_cnt):
                symbol, target, target_pos = fields[pos + 1 + 4 * i : pos + 4 + 4 * i]
                # "@" is a hypernym, "@i" an instance hypernym; both lead towards the root.
                if symbol in ("@", "@i") and target_pos == "n":
                    hypernyms.append("n" + target)
            synsets["n" + offset] = {
                "lemmas": lemmas,
                "gloss": gloss.strip(),
                "hypernyms": hypernyms,
            }
    return synsets


def primary_path(wnid: str, synsets: dict[str, dict]) -> list[str]:
    """Root-to-class path following the first hypernym at every step."""
    path = [wnid]
    while synsets[path[-1]]["hypernyms"]:
        path.append(synsets[path[-1]]["hypernyms"][0])
    return path[::-1]


def all_ancestors(wnid: str, synsets: dict[str, dict]) -> list[str]:
    """Every ancestor through any hypernym (WordNet allows several parents)."""
    seen: set[str] = set()
    stack = list(synsets[wnid]["hypernyms"])
    while stack:
        cur = stack.pop()
        if cur not in seen:
            seen.add(cur)
            stack.extend(synsets[cur]["hypernyms"])
    return sorted(seen)


def tfds_labels_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("tensorflow_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("tensorflow-datasets is not installed")
    base = Path(next(iter(spec.submodule_search_locations)))
    return base / "datasets" / "imagenet2012" / "labels.txt"


def build(wordnet: Path, labels: Path) -> dict:
    synsets = read_wordnet_nouns(wordnet)
    wnids = labels.read_text().split()
    if len(wnids) != 1000 or wnids != sorted(wnids):
        raise SystemExit(f"{labels}: expected 1000 sorted wnids, got {len(wnids)}")
    classes = []
    for index, wnid in enumerate(wnids):
        s = synsets[wnid]
        classes.append(
            {
                "index": index,
                "wnid": wnid,
                "name": s["lemmas"][0],
                "synonyms": s["lemmas"],
                "gloss": s["gloss"],
                "path": primary_path(wnid, synsets),
                "ancestors": all_ancestors(wnid, synsets),
            }
        )
    # A few first lemmas repeat (two "crane"s, two "maillot"s): disambiguate them with the
    # parent's name so every readable name is unique.
    counts = Counter(c["name"] for c in classes)
    for c in classes:
        if counts[c["name"]] > 1:
            parent = synsets[c["path"][-2]]["lemmas"][0]
            c["name"] = f"{c['name']} ({parent})"
    names = Counter(c["name"] for c in classes)
    assert max(names.values()) == 1, [n for n, k in names.items() if k > 1]
    used = {a for c in classes for a in c["ancestors"]}
    ancestors = {
        a: {"name": synsets[a]["lemmas"][0], "gloss": synsets[a]["gloss"]} for a in sorted(used)
    }
    return {
        "source": "WordNet 3.0 (Debian wordnet-base data.noun) + TFDS imagenet2012 labels.txt",
        "classes": classes,
        "ancestors": ancestors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=DEFAULT_WORDNET)
    parser.add_argument("--labels", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    data = build(args.wordnet, args.labels or tfds_labels_file())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {args.out}: {len(data['classes'])} classes, {len(data['ancestors'])} ancestors")


if __name__ == "__main__":
    main()
