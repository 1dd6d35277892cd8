"""Personal details taken out of a report's note."""

from __future__ import annotations

import pytest

from catalog.personal import REMOVED, redact_personal


@pytest.mark.parametrize(
    "note",
    [
        "Nazywam się Anna Nowak, numer nie działa",
        "Na imię mam Anna, numer nie działa",
        "Moje imię to Anna, numer nie działa",
        "My name is Anna, the number is dead",
        "Мене звати Анна, номер не працює",
    ],
)
def test_an_introduced_name_is_taken_out(note: str) -> None:
    redacted = redact_personal(note)

    assert "Anna" not in redacted
    assert "Анна" not in redacted
    assert REMOVED in redacted
