"""Languages of the app: English (the message ids) and Hindi, through standard gettext
message catalogs.

The catalogs live in ``data_access/locale/<lang>/LC_MESSAGES/imlr.po`` (edited by hand or with
any PO editor; its header fixes the terms) and the compiled ``imlr.mo`` beside them
(``python scripts/compile_catalogs.py``, checked by a test). A page writes ``_ = translator()``
(``ui.language``) and ``_("text")``; a text defined in ``data_access`` is marked with
:func:`N_` and translated where it is shown, and a function that words a message for a page
takes the page's ``_`` (``str``, the default, is English). Class names stay as WordNet gives
them.

Messages worded in ``data_access`` from values (a refused file's problem, a build's step) are
f-strings; their catalog ids are *templates*, the f-string with each value as ``{0}``,
``{1}``, ... (``scripts/compile_catalogs.py`` finds them in the code; its docstring says where).
``_`` translates such a message by the template it fits, with the values put back in the
translation's places (a value that is itself a message is translated the same way; a value
copied from a file never is).
"""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DOMAIN = "imlr"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "hi": "हिन्दी (Hindi)"}
DEFAULT_LANGUAGE = "en"
# A page's translation of a message: what words a message for a page takes (``str``: English).
Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a message id for the catalogs without translating it here."""
    return message


# The label-set and verdict names as the Teach page and the Overview say them.
SET_NAMES = {
    "correct": N_("correct"),
    "unclear": N_("unclear"),
    "wrong": N_("wrong"),
    "unjudged": N_("unjudged"),
    "no prediction": N_("no prediction"),
}


def language(value: object) -> str:
    """A supported language code from a URL or widget value; English for anything else."""
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


@functools.lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang`` (English: the message ids themselves)."""
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def gettext_for(lang: str) -> Translate:
    """``_`` for ``lang``: the translation of a message id or of a message that fits a
    template (see the module's docstring); the message itself when there is none."""
    return _translator(language(lang))


_PLACE = re.compile(r"\{(\d+)\}")
_FROM_FILE = "\x02"  # errors.quoted's mark: a value copied from a file is never translated
_DEPTH = 3  # a value that is a message is translated, to this depth


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]
    order: tuple[int, ...]  # which value each group is
    translation: str
    anchor: str  # its longest fixed text: a message without it cannot fit
    fixed: int  # how much fixed text it has


@functools.lru_cache(maxsize=len(LANGUAGES))
def _translator(lang: str) -> Translate:
    catalog = translations(lang)
    if lang == DEFAULT_LANGUAGE:
        return catalog.gettext
    templates = _templates(getattr(catalog, "_catalog", {}))

    def translate(message: str, depth: int = 0) -> str:
        found = catalog.gettext(message)
        if found is not message or depth >= _DEPTH:
            return found
        for t in templates:
            if t.anchor not in message:
                continue
            m = t.pattern.fullmatch(message)
            if m is None:
                continue
            values = [""] * (max(t.order) + 1)
            for group, k in enumerate(t.order, start=1):
                v = m.group(group)
                phrase = " " in v and _FROM_FILE not in v
                values[k] = translate(v, depth + 1) if phrase else v
            return t.translation.format(*values)
        return message

    return translate


def _templates(catalog: dict) -> list[_Template]:
    """The catalog's templates (ids with ``{0}``), the most specific first."""
    out = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or "{0}" not in msgid or not msgstr:
            continue
        parts = _PLACE.split(msgid)  # literal, index, literal, index, ..., literal
        fixed = [p.replace("{{", "{").replace("}}", "}") for p in parts[::2]]
        order = tuple(int(k) for k in parts[1::2])
        pattern = "".join(
            re.escape(text) + ("(.*?)" if i < len(order) else "") for i, text in enumerate(fixed)
        )
        compiled = re.compile(pattern, re.DOTALL)
        out.append(_Template(compiled, order, msgstr, max(fixed, key=len), len("".join(fixed))))
    # More fixed text first: "row {0}" must not win over "{0} rows but {1} file names".
    out.sort(key=lambda t: -t.fixed)
    return out
