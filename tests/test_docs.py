"""The documentation cannot drift from the code (as datasette tests its documentation):

* every ``$ python -m data_access ...`` line of a ``console`` block in the README and
  ``docs/`` runs on the demo and prints the lines the page shows under it (``...`` stands
  for lines left out);
* every ``python`` block runs;
* the layout in ``docs/architecture.md`` names folders and modules that exist, and every
  module of ``ui/`` and ``data_access/``;
* every page the README links to exists, and every page of ``docs/`` is linked from it.

The flags of every command line shown are checked in ``test_readme_flags.py``.
"""

from __future__ import annotations

import io
import re
import shlex
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from data_access.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CLI = "python -m data_access "


def _blocks(lang: str) -> list[tuple[str, str]]:
    """(page name, block text) of every fenced block of language ``lang``."""
    out = []
    for page in PAGES:
        for block in re.findall(rf"```{lang}\n(.*?)```", page.read_text(), re.S):
            out.append((page.name, block))
    return out


def _sessions() -> list[tuple[str, str, list[str]]]:
    """(page, command, the lines shown under it) for every ``$`` line of console blocks."""
    out = []
    for page, block in _blocks("console"):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *shown = chunk.rstrip("\n").split("\n")
            out.append((page, command, shown))
    return out


def _matches(shown: list[str], printed: list[str]) -> bool:
    """Whether ``printed`` holds ``shown``: runs of lines between ``...`` appear in order,
    each run contiguous; the first run starts the output unless ``...`` comes first."""
    runs: list[list[str]] = [[]]
    for line in shown:
        if line.strip() == "...":
            runs.append([])
        else:
            runs[-1].append(line.rstrip())
    at = 0
    for k, run in enumerate(runs):
        if not run:
            continue
        starts = range(at, len(printed) - len(run) + 1)
        found = next((i for i in starts if printed[i : i + len(run)] == run), None)
        if found is None or (k == 0 and found != 0):
            return False
        at = found + len(run)
    return True


def test_the_docs_show_demo_sessions():
    commands = [c for _, c, _ in _sessions()]
    assert sum(c.startswith(CLI) for c in commands) >= 4, commands


@pytest.mark.parametrize(("page", "command", "shown"), _sessions(), ids=lambda x: str(x)[:60])
def test_a_documented_command_prints_what_the_page_shows(page, command, shown, tmp_path):
    assert command.startswith(CLI), f"{page}: only data_access commands run here: {command}"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(shlex.split(command[len(CLI) :]))
    assert code == 0, f"{page}: {command}: {err.getvalue()}"
    printed = [line.rstrip() for line in out.getvalue().splitlines()]
    assert _matches(shown, printed), f"{page}: {command}\n" + "\n".join(printed[:20])


def test_the_matcher_is_strict():
    printed = ["a", "b", "c", "d"]
    assert _matches(["a", "b", "..."], printed) and _matches(["...", "c", "d"], printed)
    assert _matches(["a", "...", "d"], printed)
    assert not _matches(["b", "..."], printed)  # not where the output starts
    assert not _matches(["a", "c", "..."], printed)  # a run is contiguous
    assert not _matches(["...", "d", "...", "c"], printed)  # in order
    assert not _matches(["a", "b", "c", "x"], printed)


@pytest.mark.parametrize(("page", "code"), _blocks("python"), ids=lambda x: str(x)[:40])
def test_a_documented_python_block_runs(page, code, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, page, "exec"), {"__name__": "docs"})  # noqa: S102 (our own docs)


def _tree() -> set[str]:
    """The paths the architecture page's tree names (first column only)."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"```text\n(.*?)```", text, re.S).group(1)
    parents: list[tuple[int, str]] = []
    paths = set()
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip())
        first = re.split(r"\s{2,}", line.strip())[0]
        names = [n.strip() for n in first.split(",")]
        if not all(re.fullmatch(r"[\w.]+/|[\w.]+\.(py|js|css)", n) for n in names):
            continue  # a description's second line
        while parents and parents[-1][0] >= indent:
            parents.pop()
        prefix = parents[-1][1] if parents else ""
        for n in names:
            paths.add(prefix + n)
        if names[-1].endswith("/"):
            parents.append((indent, prefix + names[-1]))
    return paths


def test_the_architecture_page_matches_the_folders():
    named = _tree()
    assert len(named) > 60
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"named in docs/architecture.md but not in the tree: {missing}"
    modules = {
        str(p.relative_to(ROOT))
        for folder in ("ui", "data_access")
        for p in (ROOT / folder).rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py") and "__pycache__" not in p.parts
    }
    unnamed = sorted(modules - named)
    assert not unnamed, f"modules the architecture page does not name: {unnamed}"


def test_the_readme_links_every_page_and_every_link_holds():
    readme = (ROOT / "README.md").read_text()
    linked = set(re.findall(r"\]\((docs/[\w-]+\.md)\)", readme))
    assert linked == {f"docs/{p.name}" for p in PAGES[1:]}
    for page in PAGES:
        for target in re.findall(r"\]\(([\w./-]+\.(?:md|png))(?:#[\w-]+)?\)", page.read_text()):
            assert (page.parent / target).exists(), (page.name, target)
