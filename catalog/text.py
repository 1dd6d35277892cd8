"""Normalisation shared by places and search: people write without Polish letters,
in any case, inflected, sometimes in Cyrillic; both sides are compared after the same folding."""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose into a base letter plus a combining mark.
_EXTRA_FOLDS = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "ø": "o", "ß": "ss", "ё": "е"})
# Invisible characters people paste by accident, and bidirectional marks.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_APOSTROPHES = re.compile("[\u2019\u02bc\u02b9\u0060\u00b4]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """Text as typed, made comparable: NFC, no invisible characters, one kind of apostrophe."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _APOSTROPHES.sub("'", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower case without diacritics: 'Łódź' and 'lodz' fold to the same string.

    Cyrillic stays Cyrillic (only 'й' -> 'и' and 'ї' -> 'і' lose their marks).
    """
    text = clean(text).translate(_EXTRA_FOLDS).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, diacritics kept (lemmatisation needs them)."""
    return _WORD.findall(clean(text).casefold())


def folded_words(text: str) -> list[str]:
    """The words of a text, folded."""
    return [fold(word) for word in words(text)]


_CYRILLIC = re.compile("[\u0400-\u04ff]")
# Each Cyrillic letter and the Polish spellings it may stand for, likeliest first: Ukrainian
# and Russian spell Polish names by sound ('Мехув' Miechów, 'Седльце' Siedlce, 'Жешув' Rzeszów).
_CYRILLIC_LETTERS: dict[str, tuple[str, ...]] = {
    "а": ("a",),
    "б": ("b",),
    "в": ("w",),
    "г": ("g", "h"),
    "ґ": ("g",),
    "д": ("d",),
    "е": ("ie", "e"),
    "є": ("ie", "je", "e"),
    "ё": ("io", "o"),
    "ж": ("z", "rz"),
    "з": ("z",),
    "и": ("y", "i"),
    "і": ("i", "y"),
    "ї": ("ji", "i"),
    "й": ("j",),
    "к": ("k",),
    "л": ("l",),
    "м": ("m",),
    "н": ("n",),
    "о": ("o",),
    "п": ("p",),
    "р": ("r",),
    "с": ("s",),
    "т": ("t",),
    "у": ("u", "o"),
    "ф": ("f",),
    "х": ("ch", "h"),
    "ц": ("c",),
    "ч": ("cz",),
    "ш": ("sz",),
    "щ": ("szcz",),
    "ь": ("",),
    "ъ": ("",),
    "ы": ("y",),
    "э": ("e",),
    "ю": ("iu", "ju", "u"),
    "я": ("ia", "ja", "a"),
}
_CYRILLIC_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ький", ("ki",)),
    ("ський", ("ski",)),
    ("цький", ("cki",)),
    ("ий", ("y", "i")),
    ("ій", ("i",)),
    ("ів", ("ow", "iw")),
)
_VOWELS = frozenset("аеєёиіїоуыэюяьъ")


def has_cyrillic(text: str) -> bool:
    """True when the text has any Cyrillic letter."""
    return _CYRILLIC.search(text) is not None


def cyrillic_to_polish(text: str, *, limit: int = 64) -> list[str]:
    """Polish spellings a Cyrillic text may stand for, likeliest first ('Мехув' -> 'miechow').

    Lower case; Latin letters pass through. At most `limit` spellings.
    """
    text = clean(text).casefold()
    options: list[tuple[str, ...]] = []
    position = 0
    while position < len(text):
        char = text[position]
        ending = _cyrillic_ending(text, position)
        if ending is not None:
            options.append(ending[1])
            position += len(ending[0])
            continue
        spelled = _CYRILLIC_LETTERS.get(char, (char,))
        after_vowel = (
            position == 0 or not text[position - 1].isalpha() or text[position - 1] in _VOWELS
        )
        if char in "еєюя" and after_vowel:
            spelled = tuple(s.replace("i", "j", 1) if s.startswith("i") else s for s in spelled)
        options.append(spelled)
        position += 1
    variants = [""]
    for spelled in options:
        variants = [variant + choice for variant in variants for choice in spelled][: limit * 4]
    return list(dict.fromkeys(variants))[:limit]


def _cyrillic_ending(text: str, position: int) -> tuple[str, tuple[str, ...]] | None:
    """The word ending ('-ький', '-ів') that starts at this position, if the word ends there."""
    for cyrillic, spelled in _CYRILLIC_ENDINGS:
        end = position + len(cyrillic)
        if text.startswith(cyrillic, position) and (end >= len(text) or not text[end].isalpha()):
            return cyrillic, spelled
    return None
