"""The language of the course's own messages: the exercises' feedback (checks, hints,
solutions, progress), the banner and the set-up errors.

Every message a student reads goes through ``_()``, written as a template whose values are
filled in *after* translation, so that one catalog entry serves every value::

    raise WrongAnswer(_("position {answer} is not where token_type_ids first become 1.").format(answer=answer))

Never an f-string inside ``_()``: the catalog is keyed by the template's exact English text
(a test rejects any ``_()`` whose argument is not a plain string). A text that must be
defined before the language is known (a hint, a label, a choice) is marked with ``N_()``,
which only marks it for the catalog, and goes through ``_()`` where it is shown.

English is the default and needs no catalog. A notebook chooses another language
explicitly and visibly, in its banner cell; the zh-TW notebooks do::

    from helpers.i18n import set_language

    set_language("zh-TW")

The translations are gettext catalogs: ``helpers/locale/<locale>/LC_MESSAGES/course.po``
(the source translators edit) compiled to ``course.mo`` (what is read here, with Python's
own ``gettext``: no extra package at run time). ``make messages`` extracts the messages
from ``helpers/``, updates every ``.po`` and compiles it; ``tests/test_i18n.py`` fails while
a message has no reviewed translation.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

DOMAIN = "course"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENGLISH = "en"
# The languages set_language() accepts, and the gettext locale folder of each catalog.
LANGUAGES = {ENGLISH: None, "zh-TW": "zh_TW"}

_language = ENGLISH


def _normalize(language: str) -> str:
    """``zh-TW``, ``zh_TW``, ``zh-tw`` all name the same language; the result is a key of LANGUAGES."""
    wanted = str(language).strip().replace("_", "-").lower()
    for name in LANGUAGES:
        if name.lower() == wanted:
            return name
    choices = ", ".join(repr(name) for name in LANGUAGES)
    raise ValueError(f"{language!r} is not a language of the course. Choose one of: {choices}.")


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English has none: its messages are the keys)."""
    locale = LANGUAGES[_normalize(language)]
    if locale is None:
        return gettext.NullTranslations()
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.is_file():
        raise FileNotFoundError(
            f"The {language} catalog {path.name} is missing from {path.parent}. "
            "Fix: reinstall the course helpers, or run `make messages` in a clone of the course."
        )
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def set_language(language: str) -> None:
    """Print the course's messages in ``language`` from now on: ``"zh-TW"`` or ``"en"``."""
    global _language
    name = _normalize(language)
    catalog(name)  # a missing catalog is reported here, not at the first message
    _language = name


def get_language() -> str:
    return _language


def _(message: str) -> str:
    """The message in the chosen language; the English text itself when it has no translation."""
    if _language == ENGLISH:
        return message
    return catalog(_language).gettext(message)


def N_(message: str) -> str:
    """Mark a text for the catalog without translating it yet (it goes through ``_()`` when shown)."""
    return message
