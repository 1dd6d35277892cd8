"""What a resident's search gave them, in one word: the partnership's measure of unmet needs.

- `local`: a local service answered (not a national line, not a crisis line; its area that
  holds the person's gmina is the gmina or the powiat);
- `fallback`: nothing local fits the situation, so the gmina's general social-help office
  (or, failing that, the caseworkers' contacts) was offered instead — the no-dead-end answer;
- `national`: only national (or regional) lines;
- `none`: nothing at all.

Every outcome but `local` is an unmet need: people asked, and no one local answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from catalog.search import Match

Outcome = Literal["local", "fallback", "national", "none"]
UNMET: Final[frozenset[Outcome]] = frozenset({"fallback", "national", "none"})
LOCAL_LEVELS: Final = frozenset({"gmina", "powiat"})


def search_outcome(matches: Sequence[Match], *, fallback: bool) -> Outcome:
    """The outcome of a search from what it found; `fallback` when the general office was
    offered because nothing local fits (the search says so)."""
    if fallback:
        return "fallback"
    if any(is_local(match) for match in matches):
        return "local"
    return "national" if matches else "none"


def is_local(match: Match) -> bool:
    """True for a local service that serves the person: gmina or powiat level, not a
    nationwide or crisis line."""
    service = match.service
    return match.level in LOCAL_LEVELS and not service.crisis and not service.nationwide
