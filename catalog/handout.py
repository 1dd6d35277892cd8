"""What printed handouts show: the few contacts on a poster for one place, and the whole
catalogue by situation for a printable directory. Choices only; the layout is the adapter's."""

from __future__ import annotations

from collections.abc import Sequence

from catalog.model import Catalog, Service
from catalog.search import Query, SearchIndex
from catalog.taxonomy import SITUATIONS

POSTER_MOST = 5
POSTER_LEAST = 3
_SEARCH_LIMIT = 50


def poster_services(
    index: SearchIndex,
    gmina: str,
    situation: str | None = None,
    *,
    most: int = POSTER_MOST,
    least: int = POSTER_LEAST,
) -> tuple[Service, ...]:
    """The contacts a poster for this gmina (and situation) lists, one per institution.

    Local services first: for a situation in the search's order, without one the broadest
    (most situations) first, which puts the general offices (MOPS/GOPS, PUP, PCPR) on top. When
    fewer than `least` are local, national lines fill up to `least`. Eligibility is the
    search's: nothing that does not serve the gmina. With no local service for the situation,
    the gmina's general offices are listed instead.
    """
    situations = frozenset({situation}) if situation else frozenset()
    found = index.search(Query(situations=situations, gmina=gmina), limit=_SEARCH_LIMIT)
    local = [m.service for m in found.matches if not m.service.nationwide]
    national = [m.service for m in found.matches if m.service.nationwide]
    if situation is None:
        local.sort(key=lambda service: (-len(service.situations), service.id))
    chosen = _one_per_institution(local)[:most]
    if not chosen and situation is not None:  # no dead end: the general offices instead
        chosen = list(poster_services(index, gmina, None, most=least, least=0))
    if len(chosen) < least:
        chosen += _one_per_institution(national)[: least - len(chosen)]
    return tuple(chosen)


def directory_sections(catalog: Catalog) -> tuple[tuple[str, tuple[Service, ...]], ...]:
    """Each situation that some service covers, with those services: local before
    national (narrowest area first), then by institution and name."""
    order = {"gmina": 0, "powiat": 1, "wojewodztwo": 2, "country": 3}
    sections = []
    for situation in SITUATIONS:
        services = [service for service in catalog.services if situation in service.situations]
        services.sort(key=lambda s: (order[s.narrowest_level], s.institution.name, s.name, s.id))
        if services:
            sections.append((situation, tuple(services)))
    return tuple(sections)


def _one_per_institution(services: Sequence[Service]) -> list[Service]:
    seen: set[str] = set()
    chosen = []
    for service in services:
        if service.institution.id not in seen:
            seen.add(service.institution.id)
            chosen.append(service)
    return chosen
