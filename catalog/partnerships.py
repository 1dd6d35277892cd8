"""Several partnerships' catalogues served as one: what a person searches is their union.

Each partnership keeps its own catalogue (its file names it: `partnership: siedlce`), and a
deployment may serve many. The search, cards and deep links work on one `Catalog`, so the
served catalogues are merged into one: eligibility stays per service (a service serves the
places and ages it says, whoever keeps it), and every service knows whose catalogue it is.

Ids are unique within a partnership, not across them. In the merged catalogue an id keeps its
own form when no partnership before it (the default one first, then by id) has used it, and is
qualified as `<partnership>_<id>` otherwise; '_' cannot occur in an id, so a qualified id never
collides, and it is still a valid deep-link payload (`card_<id>`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from hashlib import sha256
from typing import Final

from catalog.assemble import Layout, content_hash_of
from catalog.model import Catalog, Institution, Service

DEFAULT: Final = ""  # the partnership of a catalogue file without a `partnership:` key
SEPARATOR: Final = "_"


def qualified_id(partnership: str, identifier: str) -> str:
    """An id made unique across partnerships ('siedlce', 'mopr' -> 'siedlce_mopr')."""
    return f"{partnership}{SEPARATOR}{identifier}" if partnership else identifier


def serving_order(catalogs: Iterable[Catalog]) -> list[Catalog]:
    """The default partnership's catalogue first, then the others by partnership id."""
    return sorted(catalogs, key=_serving_key)


def _serving_key(catalog: Catalog) -> tuple[bool, str]:
    return (catalog.partnership != DEFAULT, catalog.partnership)


def merge(catalogs: Sequence[Catalog]) -> Catalog:
    """One catalogue to search from the partnerships' catalogues.

    A single catalogue is served as it is (output exactly as with one partnership). Several:
    their institutions and services side by side, ids qualified where an earlier catalogue has
    the same one, each service marked with its catalogue's name (`Service.origin`).
    """
    ordered = serving_order(catalogs)
    if not ordered:
        raise ValueError("nothing to merge")
    if len(ordered) == 1:
        return ordered[0]
    institutions: list[Institution] = []
    services: list[Service] = []
    partnership_of: dict[str, str] = {}
    institution_ids: set[str] = set()
    for catalog in ordered:
        renamed: dict[int, Institution] = {}
        for institution in catalog.institutions:
            if institution.id in institution_ids:
                new_id = qualified_id(catalog.partnership, institution.id)
                renamed[id(institution)] = dataclasses.replace(institution, id=new_id)
                institution = renamed[id(institution)]
            institution_ids.add(institution.id)
            institutions.append(institution)
        for service in catalog.services:
            service_id = service.id
            if service_id in partnership_of:
                service_id = qualified_id(catalog.partnership, service_id)
            partnership_of[service_id] = catalog.partnership
            services.append(
                dataclasses.replace(
                    service,
                    id=service_id,
                    institution=renamed.get(id(service.institution), service.institution),
                    origin=catalog.name,
                )
            )
    combined = sha256()
    for catalog in ordered:
        combined.update(f"{catalog.partnership}:{catalog.content_hash}\n".encode())
    loaded = [catalog.loaded_at for catalog in ordered if catalog.loaded_at is not None]
    return Catalog(
        name="; ".join(catalog.name for catalog in ordered),
        services=tuple(services),
        institutions=tuple(institutions),
        content_hash=combined.hexdigest(),
        loaded_at=max(loaded) if loaded else None,
        partnership_of_service=partnership_of,
    )


def partnerships_at(catalogs: Iterable[Catalog], gmina: str | None) -> list[str]:
    """The partnerships (with an id) whose catalogues have a local service for this gmina:
    where a person's search counts in the partnership's own statistics."""
    if not gmina:
        return []
    return [
        catalog.partnership
        for catalog in serving_order(catalogs)
        if catalog.partnership != DEFAULT
        and any(gmina.startswith(code) for code in catalog.local_areas)
    ]


def as_partnership(
    catalog: Catalog, partnership: str | None, *, layout: Layout | None = None
) -> Catalog | None:
    """The checked catalogue as the given partnership's: as it is when the file named it (None
    when it named another), marked and hashed as such when the file did not say (from its
    `layout` when the check made it: the content is the same, only the head changes)."""
    if not partnership or catalog.partnership == partnership:
        return catalog
    if catalog.partnership:
        return None
    if layout is not None:
        content_hash = layout.content_hash(catalog.name, catalog.updated, partnership)
    else:
        content_hash = content_hash_of(
            catalog.name,
            catalog.updated,
            catalog.institutions,
            catalog.services,
            partnership=partnership,
        )
    return dataclasses.replace(catalog, partnership=partnership, content_hash=content_hash)


def loaded_as(found: str, partnerships: frozenset[str] | None) -> str | None:
    """Whose catalogue a checked file becomes when loaded by someone who may reload these
    partnerships (None: any): the partnership it names when that is theirs; a file naming none,
    loaded by the coordinator of exactly one partnership, is that one's; None: not theirs."""
    if partnerships is None or found in partnerships:
        return found
    if not found and len(partnerships) == 1:
        return next(iter(partnerships))
    return None
