"""The built-in demo: synthetic annotations with the real split's shape, and demo models.

Nothing here is ImageNet data. The demo picks 20 real validation file names per class (so
file-name-ordered NumPy prediction files line up with it exactly as with the real data), gives
them synthetic label sets whose statistics follow the real split's (about 6.5% problematic,
about 19% of the rest with more than one accepted label, about 1.26 accepted labels per image, 68
non-problematic ImageNet-M images), and renders every image on demand as a plainly synthetic
picture that says so. Everything is a pure function of the seed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data_access.analysis.real import RealLabels, from_lists
from data_access.annotations import AnnotationTable, LabelSets
from data_access.classes import (
    NUM_CLASSES,
    load_classes,
    near_classes,
    validation_file_name,
    validation_labels,
)
from data_access.errors import DataError
from data_access.i18n import N_
from data_access.predictions import Model, model_from_arrays
from data_access.predictions.probabilities import AlignedScores
from data_access.schema import is_accepted

DEMO_SEED = 20_22
IMAGES_PER_CLASS = 20
NUM_IMAGENET_M = 68
DEMO_NOTICE = N_("Synthetic demo data: generated labels and pictures, not ImageNet.")

# Synthetic stand-ins for the kinds of problematic image the dataset names.
PROBLEMATIC_REASONS = (  # N_: the app shows them in its language
    N_("original label wrong (synthetic)"),
    N_("original label unclear (synthetic)"),
    N_("drawing, painting or render (synthetic)"),
    N_("heavily edited (synthetic)"),
    N_("inappropriate content (synthetic)"),
)

# name -> (accuracy on ordinary images, accuracy on ImageNet-M images)
DEMO_MODELS = {
    "demo-strong": (0.93, 0.30),
    "demo-medium": (0.80, 0.15),
    "demo-weak": (0.55, 0.05),
}


def _pick(rng: np.random.Generator, pool: list[int], k: int, exclude: set[int]) -> list[int]:
    """``k`` distinct classes from ``pool`` outside ``exclude`` (topped up from all classes).

    ``pool`` is a list of Python ints: filtering NumPy scalars was a third of the demo's
    generation time (the same values, so the same draws and the same demo)."""
    if not k:
        return []
    candidates = [c for c in pool if c not in exclude]
    if len(candidates) < k:
        candidates += [c for c in range(NUM_CLASSES) if c not in exclude and c not in candidates]
    if k == 1:  # the common case, without rng.choice's overhead
        return [candidates[int(rng.integers(len(candidates)))]]
    return [candidates[int(j)] for j in rng.choice(len(candidates), size=k, replace=False)]


@dataclass(frozen=True)
class DemoPhoto:
    """A real photograph shown for one demo image (its label sets fit the photo).

    Attributes:
        file: the JPEG under ``data_access/data/photos``.
        title: what it shows.
        credit: who made it and under which terms, as its source states them.
        correct: the demo image's ``correct`` set as wnids (None: the generated sets fit).
        wrong: its ``wrong`` set as wnids (None: as generated).
    """

    file: str
    title: str
    credit: str
    correct: tuple[str, ...] | None = None
    wrong: tuple[str, ...] | None = None


# Three openly licensed photographs from scikit-image's sample data (skimage.data, whose
# docstrings give each one's terms), so the demo's lessons show real pictures: a cat that is
# both "tabby" and "tiger cat", an espresso that is also a "cup", a rocket ("missile").
DEMO_PHOTOS = {
    "ILSVRC2012_val_00023228.JPEG": DemoPhoto(
        "chelsea.jpg",
        "Chelsea the cat",
        "Stefan van der Walt, CC0, via scikit-image",
    ),
    "ILSVRC2012_val_00013874.JPEG": DemoPhoto(
        "coffee.jpg",
        "A cup of espresso, courtesy of Pikolo Espresso Bar",
        "Rachel Michetti, CC0, via scikit-image",
        correct=("n07920052", "n07930864"),  # espresso, cup
        wrong=("n07871810", "n07590611", "n07615774", "n07860988", "n07697313"),
    ),
    "ILSVRC2012_val_00016588.JPEG": DemoPhoto(
        "rocket.jpg",
        "Falcon 9 carrying DSCOVR lifting off",
        "SpaceX, public domain, via scikit-image",
    ),
}
PHOTOS_DIR = Path(__file__).resolve().parents[1] / "data" / "photos"


@functools.lru_cache(maxsize=2)
def demo_table(seed: int = DEMO_SEED, images_per_class: int = IMAGES_PER_CLASS) -> AnnotationTable:
    """The demo annotation table: ``1000 * images_per_class`` rows (20,000 by default); the
    images shown as :data:`DEMO_PHOTOS` carry label sets that fit their photographs."""
    table = _generated_table(seed, images_per_class)
    row_of = table.row_of
    changed = {row_of[f]: p for f, p in DEMO_PHOTOS.items() if f in row_of and p.correct}
    if not changed:
        return table
    index = load_classes().wnid_to_index
    sets = {
        field: getattr(table, field).to_lists()
        for field in ("correct_multi_labels", "wrong_multi_labels")
    }
    for row, photo in changed.items():
        sets["correct_multi_labels"][row] = [index[w] for w in photo.correct or ()]
        sets["wrong_multi_labels"][row] = [index[w] for w in photo.wrong or ()]
    return dataclasses.replace(
        table,
        correct_multi_labels=LabelSets.from_lists(sets["correct_multi_labels"]),
        wrong_multi_labels=LabelSets.from_lists(sets["wrong_multi_labels"]),
    )


@functools.lru_cache(maxsize=2)
def _generated_table(seed: int, images_per_class: int) -> AnnotationTable:
    rng = np.random.default_rng(seed)
    labels = validation_labels()
    neighbours = [x.tolist() for x in near_classes()]
    chosen = []
    for c in range(NUM_CLASSES):
        pool = np.flatnonzero(labels == c)
        chosen.append(np.sort(rng.choice(pool, size=images_per_class, replace=False)))
    positions = np.sort(np.concatenate(chosen))
    n = len(positions)
    original = labels[positions].astype(np.int16)

    problematic = rng.random(n) < 0.065
    reason_codes = rng.integers(0, len(PROBLEMATIC_REASONS), size=n)
    correct, unclear, wrong = [], [], []
    for i in range(n):
        c = int(original[i])
        near = neighbours[c]
        extra = 0
        if rng.random() < 0.19:
            extra = int(rng.choice([1, 2, 3], p=[0.75, 0.15, 0.10]))
        extras = _pick(rng, near, extra, {c})
        cor = [c]
        unc: list[int] = []
        for e in extras:
            (cor if rng.random() < 0.7 else unc).append(e)
        if problematic[i]:
            reason = int(reason_codes[i])
            if reason == 0:  # the original label is wrong: it moves to the wrong set
                cor = [e for e in cor if e != c] or _pick(rng, near, 1, {c})
            elif reason == 1:  # the original label is unclear
                cor = [e for e in cor if e != c]
                unc = [c, *unc]
        accepted = set(cor) | set(unc)
        n_wrong = int(rng.choice([0, 0, 1, 2, 3, 5]))
        wro = _pick(rng, near, min(n_wrong, max(0, len(near) - len(accepted))), accepted)
        if problematic[i] and int(reason_codes[i]) == 0:
            wro = [c, *wro]
        correct.append(cor)
        unclear.append(unc)
        wrong.append(wro)

    # ImageNet-M: non-problematic images, preferring ones with several accepted labels or
    # wrong labels from close classes (the hard, contested kind).
    hard = np.array(
        [len(w) + 2 * (len(c) + len(u)) for w, c, u in zip(wrong, correct, unclear, strict=True)]
    )
    candidates = np.flatnonzero(~problematic & (hard >= 4))
    in_m = np.zeros(n, dtype=bool)
    in_m[rng.choice(candidates, size=NUM_IMAGENET_M, replace=False)] = True

    return AnnotationTable(
        file_name=np.array([validation_file_name(int(p)) for p in positions]),
        original_label=original,
        correct_multi_labels=LabelSets.from_lists(correct),
        unclear_multi_labels=LabelSets.from_lists(unclear),
        wrong_multi_labels=LabelSets.from_lists(wrong),
        is_problematic=problematic,
        problematic_reason=np.where(
            problematic, np.array(PROBLEMATIC_REASONS)[reason_codes], ""
        ).astype("U"),
        in_imagenet_m=in_m,
    )


@functools.lru_cache(maxsize=1)
def demo_real_labels() -> RealLabels:
    """Synthetic ReaL lists for all 50,000 validation positions, marked synthetic.

    The demo's pictures and expert sets are generated, so ImageNet's real ReaL labels would
    not fit them; these follow the demo's own sets with ReaL's kinds of disagreement: about 6%
    of images without a label (45% of problematic ones), an accepted label left out of some
    multi-label images, and now and then a label the experts called wrong accepted.
    """
    table = demo_table()
    rng = np.random.default_rng([DEMO_SEED, 7])
    labels = validation_labels()
    lists: list[list[int]] = [[int(c)] for c in labels.tolist()]
    rows, classes = np.nonzero(is_accepted(table.label_state))
    per_row = np.split(classes, np.searchsorted(rows, range(1, len(table))))
    drop, add, empty = rng.random((3, len(table))).tolist()
    pick = rng.integers(0, 1 << 30, len(table)).tolist()
    empty_p = np.where(table.is_problematic, 0.45, 0.04).tolist()
    wrong = table.wrong_multi_labels
    for r, pos in enumerate(table.validation_position.tolist()):
        accepted = per_row[r].tolist()
        if len(accepted) > 1 and drop[r] < 0.15:
            accepted.pop(pick[r] % len(accepted))
        if add[r] < 0.05 and wrong.offsets[r + 1] > wrong.offsets[r]:
            accepted.append(int(wrong.values[wrong.offsets[r]]))
        lists[pos] = [] if empty[r] < empty_p[r] else accepted
    annotated = set(table.validation_position.tolist())
    for pos in np.flatnonzero(rng.random(len(lists)) < 0.02).tolist():
        if pos not in annotated:
            lists[pos] = []
    return from_lists(lists, "demo ReaL labels", synthetic=True)


# A prediction "path" naming a demo model, in the app's --predictions and the command line's.
DEMO_PREFIX = "demo:"


def demo_model(table: AnnotationTable, name: str, keep_probabilities: bool = False) -> Model:
    """The demo model ``name`` (a key of :data:`DEMO_MODELS`) aligned to ``table``, which
    must be the demo's; with every class's probability when ``keep_probabilities``.

    Raises:
        DataError: ``name`` is no demo model, or ``table`` is not the demo's.
    """
    if name not in DEMO_MODELS:
        raise DataError(
            DEMO_PREFIX + name[:60], f"no such demo model (there are {', '.join(DEMO_MODELS)})"
        )
    demo = demo_table()
    # The demo source adds ReaL labels to the same table, so its content key differs.
    if not (
        np.array_equal(table.file_name, demo.file_name)
        and np.array_equal(table.original_label, demo.original_label)
    ):
        raise DataError(DEMO_PREFIX + name, "demo models only fit the demo source")
    p = demo_predictions()[name]
    model = dataclasses.replace(
        model_from_arrays(name, table, p["top_k"], p["scores"]), every_class=True
    )
    if keep_probabilities:
        return dataclasses.replace(model, probabilities=AlignedScores.of(demo_probabilities(name)))
    return model


@functools.lru_cache(maxsize=2)
def demo_predictions(seed: int = DEMO_SEED) -> dict[str, dict[str, np.ndarray]]:
    """Top-5 predictions and scores of the three demo models, one row per table row.

    Returns:
        ``{model: {"top_k": int16 (n, 5), "scores": float32 (n, 5)}}``, aligned to
        :func:`demo_table` rows; column 0 is top-1.
        The models differ clearly in accuracy (about 0.93, 0.80 and 0.55 under the
        multi-label protocol) and all find ImageNet-M hard.
    """
    # The sets as generated: the models were made before the photos' sets were written, so
    # a photo changes no prediction (and no number that rests on one).
    table = _generated_table(seed, IMAGES_PER_CLASS)
    neighbours = [x.tolist() for x in near_classes()]
    n = len(table)
    # Per-image lists, computed once for the three models.
    rows, classes = np.nonzero(is_accepted(table.label_state))  # row-major: sorted per row
    accepted_lists = [c.tolist() for c in np.split(classes, np.searchsorted(rows, range(1, n)))]
    accepted_sets = [set(a) for a in accepted_lists]
    wrong_lists = [table.wrong_multi_labels.row(i).tolist() for i in range(n)]
    originals = table.original_label.tolist()
    out = {}
    for m, (name, (acc, acc_m)) in enumerate(DEMO_MODELS.items()):
        rng = np.random.default_rng([seed, m])
        p_right = np.where(table.in_imagenet_m, acc_m, acc)
        right = rng.random(n) < p_right
        top_k = np.zeros((n, 5), dtype=np.int16)
        picked = []
        for i in range(n):
            accepted = accepted_lists[i]
            c = originals[i]
            if right[i] and accepted:
                if c in accepted_sets[i] and rng.random() < 0.85:
                    first = c
                else:
                    first = accepted[int(rng.integers(len(accepted)))]
            else:
                judged_wrong = wrong_lists[i]
                pool = judged_wrong if judged_wrong and rng.random() < 0.6 else neighbours[c]
                first = _pick(rng, pool, 1, accepted_sets[i])[0]
            picked.append([first, *_pick(rng, neighbours[c], 4, {first})])
        top_k[:] = picked
        logits = np.sort(rng.normal(0.0, 1.0, size=(n, 5)), axis=1)[:, ::-1] * 2.0
        scores = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        # 2-5% of the probability goes to the other 995 classes (demo_probabilities), so
        # that every class has one, as in a real model's softmax.
        # Each other class gets at most 3 / 995 of it (demo_probabilities' weights), which
        # must stay below the fifth score for the top-5 to stay the top-5.
        fifth = scores[:, 4] * 0.95
        rest = np.minimum(0.02 + 0.03 * rng.random(n), 0.9 * fifth * (NUM_CLASSES - 5) / 3)
        out[name] = {
            "top_k": top_k,
            "scores": (scores * (1.0 - rest)[:, None]).astype(np.float32),
            "rest": rest.astype(np.float32),
        }
    return out


def demo_probabilities(name: str) -> np.ndarray:
    """float32 (n, 1000): every class's probability for the demo model ``name``, one row
    per :func:`demo_table` row. The top-5 hold :func:`demo_predictions`' scores; the rest of
    each row's probability is spread over the other classes, each below the fifth."""
    p = demo_predictions()[name]
    n = len(p["rest"])
    weights = np.random.default_rng([DEMO_SEED, list(DEMO_MODELS).index(name), 1]).random(
        (n, NUM_CLASSES), dtype=np.float32
    )
    weights += 0.5
    rows = np.arange(n)[:, None]
    top = p["top_k"].astype(np.int64)
    weights[rows, top] = 0.0
    weights *= (p["rest"] / weights.sum(axis=1))[:, None]
    weights[rows, top] = p["scores"]
    return weights


def _colour(seed_text: str) -> tuple[int, int, int]:
    h = hashlib.sha256(seed_text.encode()).digest()
    return (64 + h[0] % 160, 64 + h[1] % 160, 64 + h[2] % 160)


def render_demo_image(
    file_name: str, class_index: int, size: tuple[int, int] = (500, 375)
) -> bytes:
    """A plainly synthetic JPEG: a class-coloured pattern under a "synthetic demo" banner,
    with no class, label or file name in it (the app's captions give those, so Teach's
    question does not show its answer); the :data:`DEMO_PHOTOS` images are their photograph.

    Deterministic for a given file name, class and size.
    """
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    photo = DEMO_PHOTOS.get(file_name)
    if photo is not None:
        with Image.open(PHOTOS_DIR / photo.file) as im:
            out = io.BytesIO()
            # Cropped to the demo's picture size, never stretched.
            fitted = ImageOps.fit(im.convert("RGB"), size)
            fitted.save(out, format="JPEG", quality=85)
            return out.getvalue()

    classes = load_classes()
    w, h = size
    base = _colour(classes.wnids[class_index])
    accent = _colour(file_name)
    img = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(img)
    step = max(8, w // 12)
    kind = class_index % 3
    for k in range(-h, w + h, step):
        if kind == 0:  # stripes
            draw.line([(k, 0), (k + h, h)], fill=accent, width=max(2, step // 4))
        elif kind == 1:  # checks
            for y in range(0, h, step):
                if (k // step + y // step) % 2 == 0 and 0 <= k < w:
                    draw.rectangle([k, y, k + step - 1, y + step - 1], fill=accent)
        elif 0 <= k < w:  # rings
            r = k // 2
            draw.ellipse([w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r], outline=accent, width=2)
    font_size = max(9, h // 11)
    font = ImageFont.load_default(size=font_size)
    draw.rectangle([0, 0, w, font_size + 8], fill=(20, 20, 20))
    draw.text((6, 3), "SYNTHETIC DEMO", fill=(255, 210, 0), font=font)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()
