"""Languages of the app: English (the message ids) and Hindi, through standard gettext
message catalogs.

The catalogs live in ``data_access/locale/<lang>/LC_MESSAGES/imlr.po`` (edited by hand or with
any PO editor; its header fixes the terms) and the compiled ``imlr.mo`` beside them
(``python scripts/compile_catalogs.py``, checked by a test). A page writes ``_ = translator()``
(``ui.language``) and ``_("text")``; a text defined in ``data_access`` is marked with
:func:`N_` and translated where it is shown, and a function that words a message for a page
takes the page's ``_`` (``str``, the default, is English). Class names stay as WordNet gives
them.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable
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
    """``_`` for ``lang``: the translation of a message id, the id itself when untranslated."""
    return translations(language(lang)).gettext
