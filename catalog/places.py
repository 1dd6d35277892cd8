"""Places: the gazetteer (TERYT units, localities, postal codes, coordinates), its import from
the official files, and resolving what a person types or shares to the gmina that serves them.

CONTRACT (fixed by the lead; the implementation fills the bodies):
- `Unit`, `PlaceAnswer`, `ReferenceAnswer` and the public methods of `Gazetteer` below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

UnitLevel = Literal["wojewodztwo", "powiat", "gmina"]


@dataclass(frozen=True, slots=True)
class Unit:
    """A territorial unit of TERYT: a województwo, a powiat or a gmina."""

    code: str  # serving prefix: 2, 4 or 6 digits (a gmina without its type digit)
    teryt: str  # the full TERYT code: 2, 4 or 7 digits
    level: UnitLevel
    name: str  # official name, e.g. "Siedlce", "siedlecki", "mazowieckie"
    kind: str  # TERC type: "gmina miejska", "gmina wiejska", "gmina miejsko-wiejska", "powiat",
    #            "miasto na prawach powiatu", "województwo"
    powiat: str | None = None  # name of the powiat a gmina lies in
    wojewodztwo: str | None = None  # name of the województwo a gmina or powiat lies in


@dataclass(frozen=True, slots=True)
class PlaceAnswer:
    """What a person's place (text or pin) resolved to: one gmina, candidates, or nothing."""

    gmina: Unit | None = None
    candidates: tuple[Unit, ...] = ()  # when several gminas fit; what tells them apart is in them
    same_name_other: Unit | None = None  # "Siedlce" -> the town; this is the rural gmina "Siedlce"
    locality: str | None = None  # the village or town name matched, when not the gmina's own
    suggestions: tuple[str, ...] = ()  # "did you mean" when nothing matched
    outside_poland: bool = False


@dataclass(frozen=True, slots=True)
class ReferenceAnswer:
    """A catalogue's place reference resolved strictly: an area code, or why not."""

    code: str | None = None  # '' for Polska, 2/4/6 digits; None when unknown or ambiguous
    unit: Unit | None = None  # None for Polska or on failure
    candidates: tuple[Unit, ...] = ()  # when ambiguous
    suggestions: tuple[str, ...] = ()  # when unknown


class Gazetteer:
    """All known places, indexed in memory for fast lookups."""

    @classmethod
    def builtin(cls) -> Gazetteer:
        """The project's own small place list for the sample regions (catalog/data)."""
        raise NotImplementedError

    def find(self, text: str) -> PlaceAnswer:
        """Resolve what a person wrote ('w Siedlcach', '08-110', 'Мехув') to their gmina."""
        raise NotImplementedError

    def extract(self, text: str) -> tuple[PlaceAnswer | None, str]:
        """Find a place mentioned inside a longer text ('mąż mnie bije, Siedlce').

        Returns the answer (None when no place is mentioned) and the text without the place.
        """
        raise NotImplementedError

    def locate(self, lat: float, lon: float) -> PlaceAnswer:
        """Resolve a shared location pin to the gmina (nearest known place)."""
        raise NotImplementedError

    def reference(self, text: str) -> ReferenceAnswer:
        """Resolve a catalogue `place`/`area` strictly (no guessing; ambiguity is an error)."""
        raise NotImplementedError

    def unit(self, code: str) -> Unit | None:
        """The unit with this serving prefix (2, 4 or 6 digits) or full TERYT code."""
        raise NotImplementedError
