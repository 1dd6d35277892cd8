"""What a place lookup gives (a unit, an answer, candidates) and what a gazetteer is built from:
the values shared by the gazetteer (`catalog.places`), its store and its importer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NamedTuple

UnitLevel = Literal["wojewodztwo", "powiat", "gmina"]
# How locally the catalogue in use serves a gmina (6-digit code): 0 not at all, more is nearer.
ServesGmina = Callable[[str], int]


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
    # parallel to candidates: the village or town of the query's name in that gmina, if any
    candidate_localities: tuple[str | None, ...] = ()
    distance_km: float | None = None  # for a pin: how far the nearest known place is
    weak: bool = False  # found in a sentence only by a capital letter: a guess to confirm


@dataclass(frozen=True, slots=True)
class ReferenceAnswer:
    """A catalogue's place reference resolved strictly: an area code, or why not."""

    code: str | None = None  # '' for Polska, 2/4/6 digits; None when unknown or ambiguous
    unit: Unit | None = None  # None for Polska or on failure
    candidates: tuple[Unit, ...] = ()  # when ambiguous
    suggestions: tuple[str, ...] = ()  # when unknown


# --- what a gazetteer is built from (see catalog.places_store) --------------------------------


class UnitRecord(NamedTuple):
    """A TERC unit: 2, 4 or 7-digit code, name, TERC type."""

    teryt: str
    name: str
    kind: str


class LocalityRecord(NamedTuple):
    """A SIMC locality: SYM id, name, 6-digit gmina code, SIMC type (RM)."""

    sym: str
    name: str
    gmina: str
    rm: str


class PostalRecord(NamedTuple):
    """A postal code and a gmina it serves."""

    code: str
    gmina: str


class ExonymRecord(NamedTuple):
    """A name of a gmina's town in another language ('Warsaw', 'Білосток'), from GeoNames."""

    name: str
    gmina: str  # 6-digit code


class PointRecord(NamedTuple):
    """A point with coordinates in a gmina."""

    lat: float
    lon: float
    gmina: str
    name: str


@dataclass(frozen=True, slots=True)
class PlaceData:
    """Everything a gazetteer is built from."""

    units: tuple[UnitRecord, ...]
    localities: tuple[LocalityRecord, ...] = ()
    postal: tuple[PostalRecord, ...] = ()
    points: tuple[PointRecord, ...] = ()
    exonyms: tuple[ExonymRecord, ...] = ()
    info: tuple[tuple[str, str], ...] = ()  # (key, value): sources and data dates
