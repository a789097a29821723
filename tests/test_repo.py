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


def test_mypy_on_the_data_layer():
    """``mypy`` over ``data_access`` as pyproject.toml configures it (strict for the new and
    pure modules)."""
    checked = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


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


def _bare_expressions(source: str) -> list[int]:
    """Lines of statements that Streamlit's magic would write to the page: a bare expression
    that is not a call, a docstring, a yield or an await."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for i, stmt in enumerate(body):
                if not isinstance(stmt, ast.Expr):
                    continue
                value = stmt.value
                if isinstance(value, ast.Call | ast.Yield | ast.YieldFrom | ast.Await):
                    continue
                if i == 0 and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    continue
                found.append(stmt.lineno)
    return found


def test_no_page_relies_on_magic():
    """Magic is off (.streamlit/config.toml: it recompiled every script on each new session),
    so a bare expression in app.py or a page would silently show nothing."""
    assert _bare_expressions('"""doc"""\nx = 1\nx\nst.title("t")\n[1, 2]\n') == [3, 5]
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "magicEnabled = false" in config
    for path in [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]:
        assert _bare_expressions(path.read_text()) == [], path.name
