"""How a prediction file names an image: the one rule for matching file names.

Tools write the same validation image in many ways: ``ILSVRC2012_val_00000002.JPEG`` (the
dataset), ``.jpg`` / ``.png`` (re-encoded copies), ``val/n09193705/ILSVRC2012_val_00000002.JPEG``
(timm ``--fullname``, torchvision ``ImageFolder`` paths), ``ILSVRC2012_val_00000002_n09193705.JPEG``
(Hugging Face ``datasets``), or no extension at all. All of them are the same image.
"""

from __future__ import annotations

import re

from data_access.classes import NUM_VALIDATION_IMAGES

# Any folder prefix (/ or \), the 8-digit number (ASCII digits: \d takes any script's), an
# optional _nXXXXXXXX wnid suffix and an optional image extension; letter case is ignored.
_NAME = re.compile(
    r"(?:.*[/\\])?ILSVRC2012_val_([0-9]{8})(?:_n[0-9]{8})?(?:\.[a-z]{3,4})?", re.IGNORECASE
)


def validation_position(raw: str) -> int:
    """0-based position (row of a 50,000-row array) of a validation image named ``raw`` in any
    of the forms above, or -1 when ``raw`` names no validation image."""
    if len(raw) == 28 and raw.startswith("ILSVRC2012_val_") and raw.endswith(".JPEG"):
        digits = raw[15:23]  # the dataset's own form: the common case, without a regex
        if digits.isascii() and digits.isdigit():  # "٠٠٠٠٠٠٠١" is no image's number
            pos = int(digits) - 1
            return pos if 0 <= pos < NUM_VALIDATION_IMAGES else -1
    m = _NAME.fullmatch(raw.strip())
    if not m:
        return -1
    pos = int(m.group(1)) - 1
    return pos if 0 <= pos < NUM_VALIDATION_IMAGES else -1


def looks_like_file_name(value: object) -> bool:
    """True for a string that names a validation image (used to find the file-name column)."""
    return isinstance(value, str) and validation_position(value) >= 0
