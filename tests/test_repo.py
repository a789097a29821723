"""Repository-level checks: lint/format, and the shipped class metadata is reproducible."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORDNET = Path("/usr/share/wordnet/data.noun")


def test_ruff_lint_and_format():
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.skipif(
    not WORDNET.exists(), reason="needs Debian's wordnet-base (.ci/run installs it)"
)
def test_class_metadata_is_reproducible():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_class_metadata
    finally:
        sys.path.pop(0)
    built = make_class_metadata.build(WORDNET, make_class_metadata.tfds_labels_file())
    shipped = json.loads((ROOT / "data_access" / "data" / "classes.json").read_text())
    assert built == shipped
