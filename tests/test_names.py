"""How a file names an image, by hand: every form tools write is the same image, and nothing
else is (another script's digits, a number out of range, a name inside a longer word)."""

from __future__ import annotations

import json

import pytest

from data_access.classes import validation_position as dataset_position
from data_access.errors import LabelFileError
from data_access.predictions.names import looks_like_file_name, validation_position
from data_access.sources.labels_json import parse_label_json

ARABIC_ONE = "٠٠٠٠٠٠٠١"  # eight Arabic-Indic digits: int() reads them as 1

HAND = [
    ("ILSVRC2012_val_00000001.JPEG", 0),
    ("ILSVRC2012_val_00050000.JPEG", 49_999),
    ("ILSVRC2012_val_00050001.JPEG", -1),
    ("ILSVRC2012_val_00000000.JPEG", -1),
    ("ILSVRC2012_val_00000002.jpg", 1),
    ("ILSVRC2012_val_00000002.png", 1),
    ("ILSVRC2012_val_00000002", 1),
    ("ilsvrc2012_VAL_00000002.jpeg", 1),
    ("val/n09193705/ILSVRC2012_val_00000002.JPEG", 1),
    ("C:\\data\\val\\ILSVRC2012_val_00000002.JPEG", 1),
    ("ILSVRC2012_val_00000002_n09193705.JPEG", 1),
    ("  ILSVRC2012_val_00000002.JPEG  ", 1),
    ("ILSVRC2012_val_0000002.JPEG", -1),  # seven digits
    ("ILSVRC2012_val_000000002.JPEG", -1),  # nine
    ("ILSVRC2012_val_0000000a.JPEG", -1),
    ("xILSVRC2012_val_00000002.JPEG", -1),  # inside a longer word
    ("ILSVRC2012_val_00000002.JPEG.txt", -1),
    ("ILSVRC2012_val_00000002_n0919370.JPEG", -1),
    (f"ILSVRC2012_val_{ARABIC_ONE}.JPEG", -1),
    (f"val/ILSVRC2012_val_{ARABIC_ONE}.jpg", -1),
    ("ILSVRC2012_val_00000002_n٠٩١٩٣٧٠٥.JPEG", -1),
    ("", -1),
    # The ends of the range, in the dataset's own form and in others (mutmut's survivors).
    ("ILSVRC2012_val_00050000.JPEG", 49_999),
    ("ILSVRC2012_val_00050001.JPEG", -1),
    ("ILSVRC2012_val_00000000.JPEG", -1),
    ("ILSVRC2012_val_99999999.JPEG", -1),
    ("ILSVRC2012_val_00050000.jpg", 49_999),
    ("val/ILSVRC2012_val_00050001.jpg", -1),
    ("ILSVRC2012_val_00000000.png", -1),
    ("ILSVRC2012_val_10000001.JPEG", -1),  # a nonzero first digit
]


@pytest.mark.parametrize(("raw", "position"), HAND)
def test_file_names_by_hand(raw, position):
    assert validation_position(raw) == position
    assert looks_like_file_name(raw) == (position >= 0)


def test_the_dataset_s_own_form_only_in_the_table():
    assert dataset_position("ILSVRC2012_val_00000007.JPEG") == 6
    for other in (
        "ILSVRC2012_val_00000007.jpg",
        f"ILSVRC2012_val_{ARABIC_ONE}.JPEG",
        "ILSVRC2012_val_00000000.JPEG",
        "ILSVRC2012_val_00050001.JPEG",
    ):
        assert dataset_position(other) == -1


def test_another_script_s_digits_in_a_label_file_are_refused(tmp_path):
    """Without the ASCII rule this key was image 1 a second time."""
    path = tmp_path / "labels.json"
    path.write_text(
        json.dumps(
            {
                "initial_annots": {
                    "ILSVRC2012_val_00000001.JPEG": {"correct": ["n01440764"]},
                    f"ILSVRC2012_val_{ARABIC_ONE}.JPEG": {"correct": ["n01443537"]},
                },
                "problematic_images": {},
                "imagenet_m": [],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    with pytest.raises(LabelFileError, match="not an ImageNet validation file name"):
        parse_label_json(path)
