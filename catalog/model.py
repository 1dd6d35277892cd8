"""The catalogue as the rest of the program sees it: validated, places resolved, contacts
inherited, and what changes between two catalogues (`diff_catalogs`). Built by
`catalog.assemble` from a checked file (`catalog.validation`) or from the database
(`catalog.storage`).

A place served is a TERYT prefix: '' for Poland, 2 digits for a województwo, 4 for a powiat,
6 for a gmina (its 7-digit code without the type digit, which changes when a village becomes a
town). A person lives in a gmina, known by its 6-digit code; a service serves them when one of
its areas is a prefix of that code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Literal

Level = Literal["country", "wojewodztwo", "powiat", "gmina"]
LEVEL_BY_CODE_LENGTH: Mapping[int, Level] = {
    0: "country",
    2: "wojewodztwo",
    4: "powiat",
    6: "gmina",
}


# The ages a person can have, for the whole program: what the bot accepts as someone's age and
# what a catalogue's age ranges may name.
MIN_AGE, MAX_AGE = 1, 120


@dataclass(frozen=True, slots=True)
class AgeRange:
    """Ages served, both ends included; None means open on that side."""

    low: int | None = None
    high: int | None = None

    def contains(self, age: int) -> bool:
        """True when a person of this age is served."""
        return (self.low is None or age >= self.low) and (self.high is None or age <= self.high)

    @property
    def is_any(self) -> bool:
        """True when every age is served."""
        return self.low is None and self.high is None

    def __str__(self) -> str:
        if self.is_any:
            return ""
        return f"{'' if self.low is None else self.low}-{'' if self.high is None else self.high}"


@dataclass(frozen=True, slots=True)
class Area:
    """A place served: a TERYT prefix and the reference as the file wrote it."""

    code: str
    written: str

    def contains(self, gmina_code: str) -> bool:
        """True when the gmina (6-digit code) lies inside this area."""
        return gmina_code.startswith(self.code)

    @property
    def level(self) -> Level:
        """How wide the area is."""
        return LEVEL_BY_CODE_LENGTH[len(self.code)]


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number as written in the file and as dialled ('+48251234567' or '112')."""

    written: str
    dial: str
    display: str  # international format for full numbers ('+48 25 123 45 67'), '116 111' for short


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach a service; a service's own values override its institution's."""

    phones: tuple[Phone, ...] = ()
    email: str | None = None
    website: str | None = None
    hours: str | None = None
    languages: tuple[str, ...] = ("pl",)

    @property
    def is_empty(self) -> bool:
        """True when there is no way to reach it (no phone, e-mail or website)."""
        return not (self.phones or self.email or self.website)


@dataclass(frozen=True, slots=True)
class Institution:
    """An institution of the partnership: where it is and how to reach it."""

    id: str
    name: str
    place: Area
    contact: Contact
    short_name: str | None = None
    address: str | None = None
    geo: tuple[float, float] | None = None
    sources: tuple[str, ...] = ()
    checked: date | None = None  # when the data was last confirmed
    confidential: bool = False  # its address and coordinates are never shown


@dataclass(frozen=True, slots=True)
class Service:
    """One thing an institution offers, to whom and where."""

    id: str
    institution: Institution
    name: str
    situations: tuple[str, ...]
    areas: tuple[Area, ...]
    contact: Contact  # effective: the service's own values, else its institution's
    description: str | None = None
    keywords: tuple[str, ...] = ()
    ages: AgeRange = field(default_factory=AgeRange)
    crisis: bool = False
    free: bool = True
    checked: date | None = None  # effective: the service's own date, else its institution's
    confidential: bool = False  # effective: the service's or its institution's
    # Whose catalogue the service comes from, set only when several partnerships' catalogues
    # are served together (`catalog.partnerships.merge`): then a card names it.
    origin: str | None = None

    @property
    def shown_address(self) -> str | None:
        """The address a person may see: none for a confidential place (a shelter)."""
        return None if self.confidential else self.institution.address

    @property
    def shown_geo(self) -> tuple[float, float] | None:
        """The coordinates a person may see (a map, a pin): none for a confidential place."""
        return None if self.confidential else self.institution.geo

    @property
    def nationwide(self) -> bool:
        """True when one of the service's areas is all of Poland."""
        return any(area.code == "" for area in self.areas)

    def serves_place(self, gmina_code: str | None) -> bool:
        """True when the gmina (6-digit code) lies inside one of the service's areas; with the
        place unknown (None), only a nationwide service surely serves it."""
        if gmina_code is None:
            return self.nationwide
        return any(area.contains(gmina_code) for area in self.areas)

    def serves_age(self, age: int | None) -> bool:
        """True when the age is served, or unknown."""
        return age is None or self.ages.contains(age)

    @property
    def narrowest_level(self) -> Level:
        """The most local of the service's areas ('gmina' before 'powiat' ...)."""
        return LEVEL_BY_CODE_LENGTH[max(len(area.code) for area in self.areas)]


@dataclass(frozen=True)
class Catalog:
    """A whole validated catalogue, ready to search.

    It does not keep the file it was read from (a second copy of every text): `document`
    rebuilds the file's content from the catalogue, for export and round trips.
    """

    name: str
    services: tuple[Service, ...]
    institutions: tuple[Institution, ...]
    content_hash: str  # of the content (`catalog.format.content_hash_of`), whatever the form
    updated: date | None = None
    loaded_at: datetime | None = None
    partnership: str = ""  # whose catalogue ('' : the deployment's default partnership)
    # In catalogues merged from several partnerships: the partnership of each service id.
    partnership_of_service: Mapping[str, str] = field(default_factory=dict)

    def partnership_of(self, service_id: str) -> str:
        """The partnership whose catalogue has this service."""
        return self.partnership_of_service.get(service_id, self.partnership)

    def service(self, service_id: str) -> Service | None:
        """The service with this id, if the catalogue has it."""
        return self._services_by_id.get(service_id)

    @cached_property
    def local_areas(self) -> frozenset[str]:
        """The areas its services serve, all of Poland left out (whose places it is about)."""
        return frozenset(area.code for s in self.services for area in s.areas if area.code)

    @cached_property
    def _services_by_id(self) -> Mapping[str, Service]:
        return {service.id: service for service in self.services}


@dataclass(frozen=True, slots=True)
class CatalogDiff:
    """What a reload changes, by service id."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        """True when the new catalogue serves exactly the same services."""
        return not (self.added or self.removed or self.changed)


def diff_catalogs(old: Catalog | None, new: Catalog) -> CatalogDiff:
    """Services added, removed and changed (in anything, its institution's data included)."""
    before: Mapping[str, Service] = {s.id: s for s in old.services} if old else {}
    after: Mapping[str, Service] = {s.id: s for s in new.services}
    return CatalogDiff(
        added=tuple(sid for sid in after if sid not in before),
        removed=tuple(sid for sid in before if sid not in after),
        changed=tuple(sid for sid in after if sid in before and before[sid] != after[sid]),
    )
