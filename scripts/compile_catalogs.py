"""The message catalogs of the teaching texts (data_access/i18n.py).

``python scripts/compile_catalogs.py`` compiles every ``data_access/locale/*/LC_MESSAGES/imlr.po``
into its ``imlr.mo`` (Babel); ``--check`` instead lists message ids used in the code (calls
``_("...")`` and ``N_("...")`` in :data:`SOURCES`) that a catalog lacks or leaves untranslated,
and exits 1 if there are any.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "data_access" / "locale"
SOURCES = (
    "app_pages/teach.py",
    "app_pages/overview.py",
    "ui/teach.py",
    "ui/pages.py",
    "ui/state.py",
    "ui/language.py",
    "ui/models.py",
    "ui/model_upload.py",
    "ui/revised.py",
    "ui/render.py",
    "data_access/teach/lessons.py",
    "data_access/i18n.py",
    "data_access/teach/handout.py",
    "data_access/predictions/vocab.py",
    "data_access/sources/demo.py",
    "data_access/analysis/real.py",
    "app_pages/browse.py",
    "data_access/browse/filters.py",
    "data_access/browse/view.py",
    "data_access/analysis/label_errors.py",
    "data_access/browse/records.py",
    "app_pages/image.py",
    "ui/grid.py",
    "data_access/browse/choices.py",
    "app_pages/imagenet_m.py",
    "app_pages/compare.py",
    "app_pages/accuracy.py",
    "ui/leaderboard.py",
    "data_access/analysis/published.py",
    "ui/revised.py",
    "ui/identity.py",
    "ui/review_queue.py",
    "app_pages/review.py",
    "app_pages/labels.py",
    "ui/label_tabs.py",
    "ui/label_error_tab.py",
    "data_access/reviews/taxonomy.py",
    "data_access/browse/url.py",
    "ui/widgets.py",
)


def message_ids() -> set[str]:
    """String literals passed to ``_`` or ``N_`` in the translated files."""
    out = set()
    for rel in SOURCES:
        for node in ast.walk(ast.parse((ROOT / rel).read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
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
