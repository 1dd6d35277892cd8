"""Loads locales/ and renders user-facing texts: `t(key, lang, **values)`.

Texts are gettext .po files, one per domain and language (`locales/<lang>/<domain>.po`), with
keys as msgids ("dialog.greeting") so translators see every sentence in every language. They are
compiled in memory by Babel at first use; no .mo files are kept.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("pl", "uk", "en")
DEFAULT_LANGUAGE = "pl"


def pick_language(code: str | None) -> str:
    """The supported language for a Telegram/IETF code ('uk-UA' -> 'uk'; 'ru' -> 'pl')."""
    if code:
        base = code.split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def po_catalogs(lang: str) -> list[PoCatalog]:
    """Every .po file of a language, parsed (also used by the completeness test)."""
    folder = resources.files("locales").joinpath(lang)
    catalogs = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".po"):
            with entry.open("rb") as handle:
                catalogs.append(read_po(handle, locale=lang, domain=entry.name[:-3]))
    return catalogs


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """All domains of one language merged into one gettext translator."""
    merged = PoCatalog(locale=lang)
    for catalog in po_catalogs(lang):
        for message in catalog:
            if message.id:
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """The text for a key in a language, with {placeholders} filled."""
    text = translations(pick_language(lang)).gettext(key)
    return text.format(**values) if values else text


def tn(key: str, count: int, lang: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """The plural form of a text for `count` ({count} is available to the text)."""
    text = translations(pick_language(lang)).ngettext(key, key, count)
    return text.format(count=count, **values)


def situation_label(situation: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A life situation's key as people read it ('domestic_violence' -> 'Przemoc w rodzinie')."""
    return t(f"situation.{situation}", lang)
