"""The app's message catalogs (data_access/i18n.py).

``python scripts/compile_catalogs.py`` compiles every ``data_access/locale/*/LC_MESSAGES/imlr.po``
into its ``imlr.mo`` (Babel); ``--check`` instead lists message ids used in the code (calls
``_("...")``, ``N_("...")`` and ``translator()("...")`` in every module of the app) that a
catalog lacks or leaves untranslated,
and exits 1 if there are any.
"""

from __future__ import annotations

import ast
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


def catalogs():
    from babel.messages.pofile import read_po

    for po in sorted(LOCALE.glob("*/LC_MESSAGES/imlr.po")):
        with open(po, "rb") as f:
            yield po, read_po(f)


def problems() -> list[str]:
    wanted = message_ids()
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
