"""Builds ``data_access/data/vocabularies.json``: the class names each tool writes.

Prediction files name classes in the vocabulary of the tool that wrote them. This script
collects the four in use, in TFDS class order, and checks each against the shipped class
metadata (``classes.json``, from WordNet 3.0):

* ``description``: timm's ``imagenet_synset_to_lemma.txt`` (also Hugging Face ``id2label`` and
  Caffe's ``synset_words.txt``): the WordNet synonyms joined by ``", "``
  (``tench, Tinca tinca``);
* ``definition``: timm's ``imagenet_synset_to_definition.txt`` (the WordNet gloss without its
  examples), which ``--label-type detailed`` appends as ``description: definition``;
* ``keras``: the first synonym, as Keras' ``imagenet_class_index.json`` writes it with
  underscores for spaces (``great_white_shark``);
* ``torchvision``: ``torchvision.models._meta._IMAGENET_CATEGORIES`` (``weights.meta
  ["categories"]``), which renames 134 ``crane bird`` and 639 ``maillot tank suit``;
* ``open_clip``: ``open_clip.zero_shot_metadata.IMAGENET_CLASSNAMES`` (MIT licence), the
  names open_clip's zero-shot ImageNet classifiers are built from (``great white shark``,
  ``construction crane``); it writes ``missile`` and ``sunglasses`` for two classes each.

Sources are the packages' own files (nothing is fetched at run time):

    pip download --no-deps -d /tmp/wheels timm torchvision open_clip_torch
    cd /tmp/wheels && unzip -o -q 'timm-*.whl' 'timm/data/_info/*' \\
        && unzip -o -q 'torchvision-*.whl' torchvision/models/_meta.py \\
        && unzip -o -q 'open_clip_torch-*.whl' open_clip/zero_shot_metadata.py
    python scripts/make_vocabularies.py --timm-info /tmp/wheels/timm/data/_info \\
        --torchvision-meta /tmp/wheels/torchvision/models/_meta.py \\
        --open-clip-metadata /tmp/wheels/open_clip/zero_shot_metadata.py

(timm 1.0.31, torchvision 0.29.1 and open_clip_torch 3.3.0 made the shipped file.)
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ROOT / "data_access" / "data" / "classes.json"
DEFAULT_OUT = ROOT / "data_access" / "data" / "vocabularies.json"


def _tab_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("\t")
        out[key] = value
    return out


def torchvision_categories(meta: Path) -> list[str]:
    """The ``_IMAGENET_CATEGORIES`` list literal from torchvision's ``_meta.py`` (not imported)."""
    m = re.search(r"_IMAGENET_CATEGORIES = (\[.*?\])\n", meta.read_text(encoding="utf-8"), re.S)
    if not m:
        raise SystemExit(f"{meta}: no _IMAGENET_CATEGORIES list")
    return list(ast.literal_eval(m.group(1)))


def open_clip_classnames(metadata: Path) -> list[str]:
    """The ``IMAGENET_CLASSNAMES`` tuple literal from open_clip's ``zero_shot_metadata.py``
    (not imported: it would need torch)."""
    text = metadata.read_text(encoding="utf-8")
    m = re.search(r"IMAGENET_CLASSNAMES = (\(.*?\n\))", text, re.S)
    if not m:
        raise SystemExit(f"{metadata}: no IMAGENET_CLASSNAMES tuple")
    return list(ast.literal_eval(m.group(1)))


def build(timm_info: Path, torchvision_meta: Path, open_clip_metadata: Path) -> dict:
    classes = json.loads(CLASSES.read_text(encoding="utf-8"))["classes"]
    wnids = [c["wnid"] for c in classes]
    synsets = (timm_info / "imagenet_synsets.txt").read_text().split()
    if synsets != wnids:
        raise SystemExit("timm's imagenet_synsets.txt is not the TFDS class order")
    lemmas = _tab_file(timm_info / "imagenet_synset_to_lemma.txt")
    definitions = _tab_file(timm_info / "imagenet_synset_to_definition.txt")
    description = [lemmas[w] for w in wnids]
    definition = [definitions[w] for w in wnids]
    keras = [c["synonyms"][0].replace(" ", "_") for c in classes]
    torchvision = torchvision_categories(torchvision_meta)
    # Cross-checks against WordNet: a mismatch means a different class order or vocabulary.
    for i, c in enumerate(classes):
        if description[i] != ", ".join(c["synonyms"]):
            raise SystemExit(f"class {i}: timm lemma {description[i]!r} is not WordNet's")
        if definition[i] != c["gloss"].split('; "')[0]:
            raise SystemExit(f"class {i}: timm definition differs from WordNet's gloss")
    if len(torchvision) != 1000 or len(set(torchvision)) != 1000:
        raise SystemExit("torchvision categories: expected 1000 distinct names")
    open_clip = open_clip_classnames(open_clip_metadata)
    if len(open_clip) != 1000:
        raise SystemExit("open_clip class names: expected 1000")
    return {
        "source": "timm 1.0 data/_info (lemmas, definitions), Keras imagenet_class_index.json "
        "naming (first WordNet synonym), torchvision models/_meta.py _IMAGENET_CATEGORIES, "
        "open_clip zero_shot_metadata.py IMAGENET_CLASSNAMES (MIT licence)",
        "description": description,
        "definition": definition,
        "keras": keras,
        "torchvision": torchvision,
        "open_clip": open_clip,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timm-info", type=Path, required=True)
    parser.add_argument("--torchvision-meta", type=Path, required=True)
    parser.add_argument("--open-clip-metadata", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    data = build(args.timm_info, args.torchvision_meta, args.open_clip_metadata)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
