import dataclasses
import io

import numpy as np
from PIL import Image

from data_access.analysis.metrics import hits
from data_access.classes import validation_labels
from data_access.sources.demo import (
    DEMO_MODELS,
    demo_predictions,
    demo_probabilities,
    demo_table,
    render_demo_image,
)


def test_demo_has_the_real_split_shape():
    t = demo_table()
    s = t.summary()
    assert s["images"] == 20_000 and s["classes"] == 1000 and s["imagenet_m"] == 68
    assert np.bincount(t.original_label, minlength=1000).tolist() == [20] * 1000
    assert 0.055 < s["problematic"] / s["images"] < 0.075
    assert not np.any(t.is_problematic & t.in_imagenet_m)
    assert 0.17 < s["multi_label_images"] / s["non_problematic"] < 0.21
    assert 1.2 < s["mean_accepted_labels"] < 1.32
    # Real validation names with their real original labels, sorted and unique.
    assert (validation_labels()[t.validation_position] == t.original_label).all()
    assert len(set(t.file_name.tolist())) == 20_000
    assert t.file_name.tolist() == sorted(t.file_name.tolist())
    # Non-problematic images accept their original label; every problematic one has a reason.
    keep = ~t.is_problematic
    assert hits(t, t.original_label)[keep].all()
    assert (t.problematic_reason[t.is_problematic] != "").all()
    assert (t.problematic_reason[keep] == "").all()


def test_demo_is_deterministic():
    a = demo_table(seed=5, images_per_class=2)
    b = demo_table.__wrapped__(seed=5, images_per_class=2)
    c = demo_table.__wrapped__(seed=6, images_per_class=2)
    assert a.file_name.tolist() == b.file_name.tolist()
    assert a.correct_multi_labels.to_lists() == b.correct_multi_labels.to_lists()
    assert a.file_name.tolist() != c.file_name.tolist()


def test_demo_models_differ_clearly():
    t = demo_table()
    preds = demo_predictions()
    assert list(preds) == list(DEMO_MODELS)
    keep = ~t.is_problematic
    accs = []
    for p in preds.values():
        assert p["top_k"].shape == (20_000, 5) and p["scores"].shape == (20_000, 5)
        # The top-5 hold most of the probability, the other 995 classes 0-5% of it.
        top5 = p["scores"].sum(axis=1)
        assert (top5 < 1.0).all() and (top5 >= 0.95 - 1e-6).all()
        assert (np.diff(p["scores"], axis=1) <= 0).all()  # sorted, top-1 first
        accs.append(hits(t, p["top_k"][:, 0])[keep].mean())
    assert accs[0] - accs[1] > 0.08 and accs[1] - accs[2] > 0.15
    # ImageNet-M is hard for all of them.
    assert all(hits(t, p["top_k"][:, 0])[t.in_imagenet_m].sum() < 34 for p in preds.values())


def test_demo_probabilities_are_a_full_softmax_that_keeps_the_top_5():
    """Every class has a probability, each row sums to 1, and the five largest are the
    model's top-5 with its scores, in order (checked by sorting, not by the construction)."""
    preds = demo_predictions()
    for name in DEMO_MODELS:
        full = demo_probabilities(name)
        assert full.shape == (20_000, 1000) and (full > 0).all()
        np.testing.assert_allclose(full.sum(axis=1), 1.0, atol=1e-5)
        order = np.argsort(-full, axis=1, kind="stable")[:, :5]
        np.testing.assert_array_equal(order, preds[name]["top_k"])
        np.testing.assert_array_equal(
            np.take_along_axis(full, order, axis=1), preds[name]["scores"]
        )


def test_demo_image_is_a_jpeg_and_deterministic():
    data = render_demo_image("ILSVRC2012_val_00000001.JPEG", 65)
    assert data == render_demo_image("ILSVRC2012_val_00000001.JPEG", 65)
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG" and img.size == (500, 375)
    assert render_demo_image("ILSVRC2012_val_00000001.JPEG", 66) != data


def test_a_demo_picture_shows_no_class_and_no_file_name(monkeypatch):
    """Teach asks "what would you label this?": the picture must not answer. With the class
    names replaced and every file's accent colour made one, the picture stays the same: no
    name and no file name is drawn into it."""
    import data_access.sources.demo as demo

    before = render_demo_image("ILSVRC2012_val_00000001.JPEG", 65)
    classes = demo.load_classes()
    monkeypatch.setattr(
        demo,
        "load_classes",
        lambda: dataclasses.replace(classes, names=["x" * 40] * len(classes.names)),
    )
    assert render_demo_image("ILSVRC2012_val_00000001.JPEG", 65) == before
    monkeypatch.setattr(demo, "_colour", lambda text: (90, 90, 90))
    one = render_demo_image("ILSVRC2012_val_00000001.JPEG", 65)
    assert one == render_demo_image("ILSVRC2012_val_00049999.JPEG", 65)


def test_the_demo_photographs_and_their_label_sets():
    """A cat both tabby and tiger cat, an espresso that is also a cup, a rocket: real
    photographs with sets that fit them, and the models' predictions as generated."""
    from data_access.classes import load_classes
    from data_access.sources.demo import DEMO_PHOTOS

    c = load_classes()
    t = demo_table()
    sets = {}
    for file_name, photo in DEMO_PHOTOS.items():
        row = t.row_of[file_name]
        sets[photo.file] = sorted(c.names[k] for k in t.correct_multi_labels.row(row).tolist())
        img = Image.open(io.BytesIO(render_demo_image(file_name, 0, (200, 150))))
        assert img.size == (200, 150) and img.format == "JPEG"
        assert "CC0" in photo.credit or "public domain" in photo.credit
    assert sets == {
        "chelsea.jpg": ["tabby", "tiger cat"],
        "coffee.jpg": ["cup", "espresso"],
        "rocket.jpg": ["missile"],
    }
