"""The app's message catalogs (data_access/i18n.py).

``python scripts/compile_catalogs.py`` compiles every ``data_access/locale/*/LC_MESSAGES/imlr.po``
into its ``imlr.mo`` (Babel); ``--check`` instead lists message ids used in the code that a
catalog lacks or leaves untranslated, and exits 1 if there are any. The ids are:

* the texts of ``_("...")``, ``N_("...")`` and ``translator()("...")`` calls in every module
  of the app;
* the messages of ``data_access`` (not its English-only command line): the texts given to an
  error of the ``DataError`` family, the step of a ``progress(done, total, step)`` call, and
  a note appended to ``notes``, and a message kept in a variable or keyword named like
  :data:`_MESSAGE_NAMES` or returned by a helper whose name ends so; an f-string or a ``+``
  chain as its template (each value ``{0}``, ``{1}``, ...; see ``data_access.i18n``), both
  branches of ``a if c else b``.
  A text without a space is a name (a flag, a key), and one without a letter outside its
  values is only their punctuation: neither is a message.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "data_access" / "locale"
# Every module of the app: a message marked anywhere is checked (no list to forget a file in).
SOURCES = (
    *sorted(
        str(path.relative_to(ROOT))
        for folder in ("app_pages", "ui", "data_access")
        for path in (ROOT / folder).rglob("*.py")
    ),
    "app.py",
)


def _named(func: ast.expr, *names: str) -> bool:
    return isinstance(func, ast.Name) and func.id in names


def _translator_call(func: ast.expr) -> bool:
    """``translator()("...")``: a page's translation used at once."""
    return isinstance(func, ast.Call) and _named(func.func, "translator")


def message_ids() -> set[str]:
    """String literals passed to ``_``, ``N_`` or ``translator()`` in the app's modules."""
    out = set()
    for rel in SOURCES:
        for node in ast.walk(ast.parse((ROOT / rel).read_text())):
            if (
                isinstance(node, ast.Call)
                and (_named(node.func, "_", "N_") or _translator_call(node.func))
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                out.add(node.args[0].value)
    return out


# Errors raised with a message for a person (the DataError family; the builtins are bugs).
_BUILTIN_ERRORS = {
    "ValueError",
    "KeyError",
    "TypeError",
    "AttributeError",
    "RuntimeError",
    "OSError",
    "SystemExit",
    "ArgumentTypeError",
    "NotImplementedError",
}
_MESSAGE_CALLS = {"StaleIndex", "ImageNotAvailable", "PathNotAllowed", "error"}
_PROGRESS_CALLS = {"progress", "report"}
# A message kept in a variable, a keyword or a helper's return value goes by these names.
_MESSAGE_NAMES = ("problem", "where", "note", "warning", "ambiguity", "implausible")


def _pieces(node: ast.expr) -> list[str | None]:
    """An f-string or ``+`` chain as fixed text (braces doubled) and values (None)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value.replace("{", "{{").replace("}", "}}")]
    if isinstance(node, ast.JoinedStr):
        return [
            str(v.value).replace("{", "{{").replace("}", "}}")
            if isinstance(v, ast.Constant)
            else None
            for v in node.values
        ]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_pieces(node.left), *_pieces(node.right)]
    return [None]


def _texts(node: ast.expr) -> list[str]:
    """The catalog ids of a message expression: a string as it is; an f-string or a ``+``
    chain with each value as ``{0}``, ``{1}``, ... (its own braces doubled, as
    ``str.format`` reads them); both branches of ``a if c else b``; a lambda's body."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) and node.value else []
    if isinstance(node, ast.IfExp):
        return [*_texts(node.body), *_texts(node.orelse)]
    if isinstance(node, ast.Lambda):
        return _texts(node.body)
    if not isinstance(node, (ast.JoinedStr, ast.BinOp)):
        return []
    pieces = _pieces(node)
    if all(p is None for p in pieces):
        return []
    out, k = [], 0
    for piece in pieces:
        if piece is None:
            out.append(f"{{{k}}}")
            k += 1
        else:
            out.append(piece)
    nested = [t for sub in ast.walk(node) if isinstance(sub, ast.IfExp) for t in _texts(sub)]
    return ["".join(out), *nested]


def _message_exprs(tree: ast.AST):
    """Every expression in ``tree`` that words a message (see the module's docstring)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            if name in _PROGRESS_CALLS:
                yield from node.args[2:3]
            elif (name.endswith("Error") and name not in _BUILTIN_ERRORS) or (
                name in _MESSAGE_CALLS
            ):
                yield from (*node.args, *(k.value for k in node.keywords))
            yield from (k.value for k in node.keywords if k.arg in _MESSAGE_NAMES)
            owner = getattr(f, "value", None)  # notes.append(...): a model's note
            if name == "append" and getattr(owner, "id", getattr(owner, "attr", "")) == "notes":
                yield from node.args
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id in _MESSAGE_NAMES for t in node.targets):
                yield node.value
        elif isinstance(node, (ast.FunctionDef, ast.AnnAssign)):
            name = getattr(node, "name", None) or getattr(getattr(node, "target", None), "id", "")
            if isinstance(node, ast.AnnAssign) and name in _MESSAGE_NAMES and node.value:
                yield node.value
            if isinstance(node, ast.FunctionDef) and name.lstrip("_").endswith(_MESSAGE_NAMES):
                yield from (
                    r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value
                )


def message_templates() -> dict[str, str]:
    """``data_access``'s messages (see the module's docstring), each with where it is."""
    out: dict[str, str] = {}
    for path in sorted((ROOT / "data_access").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "cli" in rel.parts:
            continue
        for expr in _message_exprs(ast.parse(path.read_text())):
            for text in _texts(expr):
                fixed = re.sub(r"\{\d+\}", "", text)
                if " " in text.strip() and any(ch.isalpha() for ch in fixed):
                    out.setdefault(text, f"{rel}:{expr.lineno}")
    return out


def catalogs():
    from babel.messages.pofile import read_po

    for po in sorted(LOCALE.glob("*/LC_MESSAGES/imlr.po")):
        with open(po, "rb") as f:
            yield po, read_po(f)


def problems() -> list[str]:
    wanted = message_ids() | set(message_templates())
    out = []
    for po, catalog in catalogs():
        have = {m.id: m.string for m in catalog if m.id}
        lang = po.parent.parent.name
        out += [f"{lang}: missing {m!r}" for m in sorted(wanted - set(have))]
        out += [f"{lang}: untranslated {m!r}" for m in sorted(wanted) if have.get(m) == ""]
    return out


def compile_all() -> None:
    from babel.messages.mofile import write_mo

    for po, catalog in catalogs():
        with open(po.with_suffix(".mo"), "wb") as f:
            write_mo(f, catalog)
        print(f"wrote {po.with_suffix('.mo').relative_to(ROOT)}")


if __name__ == "__main__":
    if "--check" in sys.argv:
        found = problems()
        print("\n".join(found) or "every message id has a translation")
        sys.exit(1 if found else 0)
    compile_all()
