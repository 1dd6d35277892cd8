"""Normalisation shared by places and search: people write without Polish letters,
in any case, inflected, sometimes in Cyrillic; both sides are compared after the same folding."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import simplemma

LEMMA_LANGUAGES = ("pl", "uk")

# Letters that NFKD does not decompose into a base letter plus a combining mark.
_EXTRA_FOLDS = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "ø": "o", "ß": "ss", "ё": "е"})
# Invisible characters people paste by accident, and bidirectional marks.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_APOSTROPHES = re.compile("[\u2019\u02bc\u02b9\u0060\u00b4]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_SPACES = re.compile(r"\s+")

_lemma_lock = threading.Lock()


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


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The dictionary form of a lower-case word (Polish or Ukrainian), lower-cased.

    Words the dictionaries do not know come back unchanged.
    """
    with _lemma_lock:  # simplemma loads its dictionaries lazily and not thread-safely
        found = simplemma.lemmatize(word, lang=LEMMA_LANGUAGES)
    return str(found).casefold()


def folded_words(text: str) -> list[str]:
    """The words of a text, folded."""
    return [fold(word) for word in words(text)]


def folded_lemmas(text: str) -> list[str]:
    """The folded dictionary form of each word: 'w Siedlcach' -> ['w', 'siedlec']."""
    return [fold(lemma(word)) for word in words(text)]


def preload_lemmas() -> None:
    """Load the lemma dictionaries now (they take seconds), e.g. in a thread at start-up."""
    lemma("praca")
