"""Search: eligibility (place, age) as a filter, then ranking by situation, text and locality.

CONTRACT (fixed by the lead; the implementation fills the bodies and may add fields with
defaults): `Query`, `Match`, `SearchResult`, `SearchIndex.search`.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.model import Catalog, Level, Service


@dataclass(frozen=True, slots=True)
class Query:
    """What we know about the person who needs help."""

    text: str = ""
    situations: frozenset[str] = frozenset()
    age: int | None = None  # of the person who needs help, not of the one writing
    gmina: str | None = None  # 6-digit code; None: place unknown -> only country-wide services


@dataclass(frozen=True, slots=True)
class Match:
    """A service that serves the person, with why it was chosen."""

    service: Service
    score: float
    situations: tuple[str, ...]  # the query's situations this service covers
    level: Level  # the narrowest of its areas that contains the person's gmina


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Services best first, and what was understood from the words."""

    matches: tuple[Match, ...]
    situations: frozenset[str]  # given plus detected from the text
    danger: bool = False  # the text signals immediate danger: crisis lines come first
    understood: bool = True  # False when the text meant nothing to us ("asdf")


class SearchIndex:
    """A catalogue prepared for fast searching; immutable, swapped whole on reload."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def search(self, query: Query, *, limit: int = 10) -> SearchResult:
        """Services that serve this person, best first (never one outside place or age)."""
        raise NotImplementedError
