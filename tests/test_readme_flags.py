"""Every flag the README and docs/ show exists, where they use it ("the docs cover
every setting"): the app's command lines go through the app's parser, the CLI's through the
CLI's, and each documented app command line parses without an "unknown arguments" problem."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from data_access.cli.main import build_parser as cli_parser
from ui.cli_args import app_args
from ui.cli_args import build_parser as app_parser

_ROOT = Path(__file__).resolve().parents[1]
# The README and every page of docs/, as one text.
README = "\n".join(p.read_text() for p in [_ROOT / "README.md", *sorted(_ROOT.glob("docs/*.md"))])
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*(?![\w.-])")


def _flags(parser) -> set[str]:
    out = set(parser._option_string_actions)
    for action in parser._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict):  # subcommands
            for sub in choices.values():
                out |= _flags(sub)
    return out


def _spans(marker: str) -> list[str]:
    """Code spans and code-block lines of the README that contain ``marker``."""
    spans = re.findall(r"`([^`\n]+)`", README)
    blocks = re.findall(r"```(?:\w+)?\n(.*?)```", README, re.S)
    lines = [ln for b in blocks for ln in b.replace("\\\n", " ").splitlines()]
    return [s for s in spans + lines if marker in s]


def test_the_readme_shows_app_and_cli_command_lines():
    assert len(_spans("streamlit run app.py --")) >= 5
    assert len(_spans("python -m data_access")) >= 8


def test_app_flags_in_the_readme_are_the_apps(tmp_path, monkeypatch):
    known = _flags(app_parser())
    # The README's config file example, where its command line looks for it.
    toml = re.search(r"```toml\n(.*?)```", README, re.S).group(1)
    (tmp_path / "lab.toml").write_text(toml)
    monkeypatch.chdir(tmp_path)
    config = app_args(["--config", "lab.toml"])
    assert config.problem is None and config.server_mode and config.params.kind == "tfds"
    assert config.allow_reviewers == ("ada@lab.org", "bob@lab.org")
    for span in _spans("streamlit run app.py"):
        if " -- " not in span and not span.endswith(" --"):
            continue
        after = span.split(" -- ", 1)[1] if " -- " in span else ""
        for flag in FLAG.findall(after):
            assert flag in known, (flag, span)
        # The line parses as the app parses it, with nothing ignored.
        text = after.replace("--source ...", "--source json").replace("...", "X")
        words = [w for w in shlex.split(text.replace("[", "").replace("]", "")) if w != "|"]
        assert app_args(words).problem is None, span


def test_cli_flags_in_the_readme_are_the_clis():
    known = _flags(cli_parser())
    for span in _spans("python -m data_access"):
        for flag in FLAG.findall(span.split("python -m data_access", 1)[1]):
            assert flag in known, (flag, span)


def _benchmark_flags() -> set[str]:
    """The flags the benchmarks' own parsers define (read from their add_argument calls)."""
    import ast

    out = set()
    for path in (_ROOT / "benchmarks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
                out |= {a.value for a in node.args if isinstance(a, ast.Constant)}
    return {f for f in out if isinstance(f, str) and f.startswith("--")}


def test_every_flag_in_the_readme_is_known_somewhere():
    known = _flags(app_parser()) | _flags(cli_parser()) | {"--help"}
    # The flags of timm's inference.py, named where the README says which files load.
    timm = {"--topk", "--include-index", "--label-type", "--fullname", "--results-separate-col",
            "--output-type", "--exclude-output", "--results-format"}  # fmt: skip
    scripts = {"--check"}  # scripts/compile_catalogs.py
    scripts |= _benchmark_flags()
    unknown = {f for f in FLAG.findall(README) if f not in known | timm | scripts}
    assert not unknown, unknown
