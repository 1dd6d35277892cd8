"""How fresh a catalogue's data is: which entries were confirmed over a year ago, or never.

Each service counts with its effective `checked` date (its own, else its institution's), so a
coordinator sees what to confirm next, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from catalog.model import Catalog, Service

STALE_AFTER_MONTHS = 12


@dataclass(frozen=True, slots=True)
class Freshness:
    """The services to confirm: never checked, and checked before `since` (oldest first)."""

    never: tuple[Service, ...]
    stale: tuple[Service, ...]
    since: date

    def oldest(self, limit: int) -> tuple[Service, ...]:
        """What to confirm first: never-checked entries, then the oldest."""
        return (*self.never, *self.stale)[:limit]


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day where it has fewer days)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


def freshness_of(catalog: Catalog, today: date) -> Freshness:
    """Which of the catalogue's services were never checked or checked over a year ago."""
    since = months_before(today, STALE_AFTER_MONTHS)
    never = tuple(service for service in catalog.services if service.checked is None)
    stale = sorted(
        (s for s in catalog.services if s.checked is not None and s.checked < since),
        key=lambda service: (service.checked, service.id),
    )
    return Freshness(never=never, stale=tuple(stale), since=since)
