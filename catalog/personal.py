"""Taking personal details out of a short text a person wrote (a report's note) before it is
stored or sent: phone numbers, e-mail addresses and the obvious names ("nazywam się Anna
Nowak"). A note is about a service; who wrote it is none of the coordinators' business.

Phone numbers are found by libphonenumber's matcher (Polish numbers with or without +48, and
international ones); a number the note is about (the service's own, from the catalogue) stays.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

import phonenumbers

REMOVED: Final = "[...]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# What introduces one's own name, in the bot's languages (and Russian, which many Ukrainians
# write); the next word is the name, and the one after it too unless it is a short joining word.
INTRODUCTIONS: Final = (
    r"nazywam\s+si[eę]|mam\s+na\s+imi[eę]|na\s+imi[eę]\s+mam|moje\s+imi[eę]\s+(?:to|jest)|"
    r"imi[eę]\s+i\s+nazwisko:?|my\s+name\s+is|мене\s+звати|моє\s+ім['ʼ’]?я|меня\s+зовут"
)
_INTRODUCTION = re.compile(
    rf"\b(?:{INTRODUCTIONS})\s+(?P<first>[^\s,.;:!?]+)(?P<second>\s+[^\s,.;:!?]+)?",
    re.IGNORECASE,
)
_NOT_A_NAME: Final = frozenset(
    {"i", "a", "z", "w", "oraz", "ale", "and", "і", "й", "та", "а", "и", "tel", "telefon"}
)


def redact_personal(text: str, *, keep_phones: Collection[str] = (), region: str = "PL") -> str:
    """The text with phone numbers, e-mail addresses and introduced names replaced by '[...]'.

    `keep_phones` are E.164 numbers that may stay (the reported service's own).
    """
    found = [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(text, region)
        if phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        not in keep_phones
    ]
    for match in reversed(found):
        text = text[: match[0]] + REMOVED + text[match[1] :]
    text = _EMAIL.sub(REMOVED, text)
    return _INTRODUCTION.sub(_without_name, text)


def _without_name(match: re.Match[str]) -> str:
    introduction = match.group(0)[: match.start("first") - match.start(0)]
    second = match.group("second")
    if second is not None and (
        second.strip().casefold() in _NOT_A_NAME or len(second.strip()) <= 2
    ):
        return f"{introduction}{REMOVED}{second}"
    return f"{introduction}{REMOVED}"
