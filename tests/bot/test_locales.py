"""Every text in every language: same keys, same placeholders, right number of plural forms."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Message

from bot.dialog import AGE_RANGES, CONTROL_WORDS, WHO
from bot.i18n import LANGUAGES, po_catalogs, t
from catalog.hours import DAYS
from catalog.taxonomy import SITUATIONS

LOCALES = Path(__file__).resolve().parents[2] / "locales"
PLURAL_FORMS = {"pl": 3, "uk": 3, "en": 2}
SOURCES = [
    Path(__file__).resolve().parents[2] / "bot" / name
    for name in ("dialog.py", "render.py", "console.py")
]
_KEY_USE = re.compile(r"""\bt[n]?\(\s*f?["']([a-z_]+\.[a-z0-9_.\-]+)["']""")


def messages(lang: str) -> dict[tuple[str, str], Message]:
    """(domain, key) -> message, over every .po file of a language."""
    found = {}
    for catalog in po_catalogs(lang):
        for message in catalog:
            if message.id:
                key = message.id if isinstance(message.id, str) else message.id[0]
                found[(str(catalog.domain), key)] = message
    return found


def forms(message: Message) -> list[str]:
    if isinstance(message.string, tuple | list):
        return [str(form) for form in message.string]
    return [str(message.string)]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_the_same_po_files() -> None:
    files = {lang: sorted(p.name for p in (LOCALES / lang).glob("*.po")) for lang in LANGUAGES}

    assert files["uk"] == files["pl"]
    assert files["en"] == files["pl"]


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_every_key_exists_in_every_language(lang: str) -> None:
    polish = set(messages("pl"))
    other = set(messages(lang))

    assert sorted(polish - other) == []
    assert sorted(other - polish) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_is_left_empty(lang: str) -> None:
    empty = [key for key, message in messages(lang).items() if not all(forms(message))]

    assert empty == []


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_placeholders_are_the_same_as_in_polish(lang: str) -> None:
    polish = messages("pl")
    differing = []
    for key, message in messages(lang).items():
        if key not in polish:
            continue
        expected = set().union(*(placeholders(form) for form in forms(polish[key])))
        for form in forms(message):
            if placeholders(form) - expected or (expected - {"count"}) - placeholders(form):
                differing.append((key, form))

    assert differing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_texts_have_the_languages_number_of_forms(lang: str) -> None:
    wrong = [
        (key, len(forms(message)))
        for key, message in messages(lang).items()
        if message.pluralizable and len(forms(message)) != PLURAL_FORMS[lang]
    ]

    assert wrong == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_situation_has_a_label(lang: str) -> None:
    labels = {key: t(f"situation.{key}", lang) for key in SITUATIONS}

    assert [key for key, label in labels.items() if label.startswith("situation.")] == []
    assert len(set(labels.values())) == len(SITUATIONS)


def test_every_key_the_conversation_uses_exists() -> None:
    known = {key for _, key in messages("pl")}
    used = {key for source in SOURCES for key in _KEY_USE.findall(source.read_text("utf-8"))}

    missing = sorted(key for key in used if not key.endswith(".") and key not in known)

    assert len(used) > 30
    assert missing == []


def test_keys_built_from_values_exist_for_every_value() -> None:
    known = {key for _, key in messages("pl")}
    built = [
        *(f"dialog.who.{who}" for who in WHO),
        *(f"dialog.age.question.{who}" for who in WHO),
        *(f"dialog.place.question.{who}" for who in WHO),
        *(f"dialog.age.range.{token}" for token in AGE_RANGES),
        *(f"dialog.language.{lang}" for lang in LANGUAGES),
        *(f"card.day.{day}" for day in DAYS),
        *(f"dialog.words.{word}" for word in CONTROL_WORDS),
    ]

    assert [key for key in built if key not in known] == []
