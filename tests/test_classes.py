import numpy as np
import pytest

from data_access.classes import (
    load_classes,
    tfds_package_file,
    validation_file_name,
    validation_labels,
    validation_position,
)


def test_class_order_is_tfds_labels_txt():
    wnids = tfds_package_file("datasets/imagenet2012/labels.txt").read_text().split()
    classes = load_classes()
    assert list(classes.wnids) == wnids
    assert classes.wnids[0] == "n01440764"
    assert classes.names[0] == "tench"
    assert classes.index_of("n15075141") == 999


def test_names_unique_and_readable():
    classes = load_classes()
    assert len(set(classes.names)) == 1000
    assert classes.names[134] == "crane (wading bird)"
    assert classes.names[517] == "crane (lifting device)"
    assert "Tinca tinca" in classes.synonyms[0]
    assert all(
        p[0] == "n00001740" and p[-1] == w
        for p, w in zip(classes.paths, classes.wnids, strict=True)
    )


def test_wordnet_groups():
    classes = load_classes()
    dogs = np.flatnonzero(classes.group_mask("n02084071"))  # dog, domestic dog
    assert dogs.tolist() == list(range(151, 269))  # the 118 dog breeds
    organisms = classes.group_mask("n00004475")
    artifacts = classes.group_mask("n00021939")
    assert 390 < organisms.sum() < 420 and 500 < artifacts.sum() < 540
    assert not np.any(organisms & artifacts)
    assert classes.ancestor_names["n02084071"] == "dog"
    with pytest.raises(KeyError):
        classes.group_mask("n99999999")


def test_validation_labels_and_names():
    labels = validation_labels()
    assert labels.shape == (50_000,)
    assert np.bincount(labels, minlength=1000).tolist() == [50] * 1000
    assert load_classes().wnids[labels[0]] == "n01751748"  # ILSVRC2012_val_00000001: sea snake
    assert validation_file_name(0) == "ILSVRC2012_val_00000001.JPEG"
    assert validation_position("ILSVRC2012_val_00050000.JPEG") == 49_999
    for bad in [
        "ILSVRC2012_val_00050001.JPEG",
        "ILSVRC2012_val_00000000.JPEG",
        "ILSVRC2012_val_1.JPEG",
        "../ILSVRC2012_val_00000001.JPEG",
        "x",
    ]:
        assert validation_position(bad) == -1
