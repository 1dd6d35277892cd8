"""A catalogue put together: built from a checked document (`build_catalog`), written back in
the file's layout (`layout_of` for its hash and storage, `document_of` for export), and its
content hash (the same catalogue, whatever file gave it, hashes the same)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from hashlib import sha256
from typing import Any, TypeVar

from catalog.format import CatalogDocument, canonical_json
from catalog.model import AgeRange, Area, Catalog, Contact, Institution, Phone, Service
from catalog.values import parse_ages, parse_phone

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Layout:
    """A catalogue's institutions in the file's layout, each as canonical JSON (UTF-8: half
    the memory of the text).

    Made once per load (`build_with_layout`): the content hash is made of it and storage keeps
    it, so a reload lays the catalogue out once. It goes from the check to the store and is
    dropped; a served catalogue never keeps it (a second copy of every text).
    """

    institutions: tuple[bytes, ...]

    def content_hash(self, name: str, updated: date | None, partnership: str | None) -> str:
        """The hash of the catalogue with these own keys and this content."""
        return _hashed(catalog_head(name, updated, partnership), self.institutions)


def build_with_layout(
    document: CatalogDocument, place_codes: Mapping[str, str]
) -> tuple[Catalog, Layout]:
    """The catalogue of a checked document (see `build_catalog`), hashed, and its layout."""
    catalog = build_catalog(document, place_codes, content_hash="")
    layout = layout_of(catalog.institutions, catalog.services)
    content_hash = layout.content_hash(catalog.name, catalog.updated, catalog.partnership)
    return dataclasses.replace(catalog, content_hash=content_hash), layout


def build_catalog(
    document: CatalogDocument,
    place_codes: Mapping[str, str],
    *,
    content_hash: str,
    loaded_at: datetime | None = None,
) -> Catalog:
    """The catalogue from a checked document and the TERYT prefix of every place it names,
    with its content hash known (storage rebuilds a catalogue from its stored document, codes
    and hash; a new one is hashed from its layout by `build_with_layout`).
    """
    institutions: list[Institution] = []
    services: list[Service] = []
    # Values that repeat across services (places, situation lists, inherited contacts) are
    # shared, one object each: a third less memory for a country-scale catalogue.
    shared: dict[object, Any] = {}

    def one(value: _T) -> _T:
        found: _T = shared.setdefault(value, value)
        return found

    for written in document.institutions:
        place = one(Area(code=place_codes[written.place], written=written.place))
        institution = Institution(
            id=written.id,
            name=written.name,
            place=place,
            contact=one(
                _contact(
                    written.phones,
                    written.email,
                    written.website,
                    written.hours,
                    written.languages,
                )
            ),
            short_name=written.short_name,
            address=written.address,
            geo=written.geo,
            sources=tuple(written.sources),
            checked=written.checked,
            confidential=written.confidential,
        )
        institutions.append(institution)
        inherited = institution.contact
        for item in written.services:
            contact = inherited
            if item.phones or item.email or item.website or item.hours or item.languages:
                own = _contact(
                    item.phones or [], item.email, item.website, item.hours, item.languages
                )
                contact = one(
                    Contact(
                        phones=own.phones or inherited.phones,
                        email=own.email or inherited.email,
                        website=own.website or inherited.website,
                        hours=own.hours or inherited.hours,
                        languages=own.languages if item.languages else inherited.languages,
                    )
                )
            ages = parse_ages(item.ages) if item.ages else AgeRange()
            services.append(
                Service(
                    id=item.id,
                    institution=institution,
                    name=item.name,
                    situations=one(tuple(one(key) for key in item.situations)),
                    areas=one(
                        tuple(
                            one(Area(code=place_codes[area], written=area))
                            for area in (item.area or [written.place])
                        )
                    ),
                    contact=contact,
                    description=item.description,
                    keywords=one(tuple(item.keywords)),
                    ages=one(ages if isinstance(ages, AgeRange) else AgeRange()),
                    crisis=item.crisis,
                    free=item.free,
                    checked=item.checked or written.checked,
                    confidential=item.confidential or written.confidential,
                )
            )
    return Catalog(
        name=document.name,
        services=tuple(services),
        institutions=tuple(institutions),
        content_hash=content_hash,
        updated=document.updated,
        loaded_at=loaded_at,
        partnership=document.partnership or "",
    )


def _contact(
    phones: Sequence[str],
    email: str | None,
    website: str | None,
    hours: str | None,
    languages: Sequence[str] | None,
) -> Contact:
    parsed = tuple(phone for phone in map(parse_phone, phones) if isinstance(phone, Phone))
    return Contact(
        phones=parsed,
        email=email,
        website=website,
        hours=hours,
        languages=tuple(language.lower() for language in languages) if languages else ("pl",),
    )


# --- a catalogue's content in the file's layout ----------------------------------------------


def catalog_head(
    name: str, updated: date | None, partnership: str | None = None
) -> dict[str, object]:
    """The catalogue's own keys, as JSON data (a key left out when not set, so a catalogue
    without a partnership hashes as it always did)."""
    head: dict[str, object] = {"version": 1, "name": name}
    if updated is not None:
        head["updated"] = updated.isoformat()
    if partnership:
        head["partnership"] = partnership
    return head


def institutions_data(
    institutions: Sequence[Institution], services: Sequence[Service]
) -> Iterator[dict[str, object]]:
    """Each institution with its services as JSON data in the file's layout, defaults left out.

    A service writes a contact value only where it differs from its institution's: the same
    catalogue whether the file repeated the value or let the service inherit it.
    """
    owned: dict[str, list[Service]] = {institution.id: [] for institution in institutions}
    for service in services:
        owned.setdefault(service.institution.id, []).append(service)
    for institution in institutions:
        yield _institution_data(institution, owned[institution.id])


def _institution_data(institution: Institution, services: Sequence[Service]) -> dict[str, object]:
    data: dict[str, object] = {"id": institution.id, "name": institution.name}
    if institution.short_name is not None:
        data["short_name"] = institution.short_name
    if institution.address is not None:
        data["address"] = institution.address
    data["place"] = institution.place.written
    if institution.geo is not None:
        data["geo"] = list(institution.geo)
    contact = institution.contact
    if contact.phones:
        data["phones"] = [phone.written for phone in contact.phones]
    data.update(_contact_data(contact, None))
    if institution.sources:
        data["sources"] = list(institution.sources)
    if institution.checked is not None:
        data["checked"] = institution.checked.isoformat()
    if institution.confidential:
        data["confidential"] = True
    data["services"] = [_service_data(service, institution) for service in services]
    return data


def _service_data(service: Service, institution: Institution) -> dict[str, object]:
    data: dict[str, object] = {"id": service.id, "name": service.name}
    if service.description is not None:
        data["description"] = service.description
    data["situations"] = list(service.situations)
    if service.keywords:
        data["keywords"] = list(service.keywords)
    if not service.ages.is_any:
        data["ages"] = str(service.ages)
    if service.areas != (institution.place,):
        data["area"] = [area.written for area in service.areas]
    if service.crisis:
        data["crisis"] = True
    if not service.free:
        data["free"] = False
    if service.checked is not None and service.checked != institution.checked:
        data["checked"] = service.checked.isoformat()
    if service.confidential and not institution.confidential:
        data["confidential"] = True
    inherited = institution.contact
    if service.contact.phones != inherited.phones:
        data["phones"] = [phone.written for phone in service.contact.phones]
    data.update(_contact_data(service.contact, inherited))
    return data


def _contact_data(contact: Contact, inherited: Contact | None) -> dict[str, object]:
    """E-mail, website, hours and languages where given (and not the same as inherited)."""
    data: dict[str, object] = {}
    for key in ("email", "website", "hours"):
        value = getattr(contact, key)
        if value is not None and (inherited is None or value != getattr(inherited, key)):
            data[key] = value
    default = inherited.languages if inherited is not None else ("pl",)
    if contact.languages != default:
        data["languages"] = list(contact.languages)
    return data


def layout_of(institutions: Sequence[Institution], services: Sequence[Service]) -> Layout:
    """The catalogue's institutions in the file's layout (see `Layout`)."""
    return Layout(tuple(institutions_json(institutions, services)))


def institutions_json(
    institutions: Sequence[Institution], services: Sequence[Service]
) -> Iterator[bytes]:
    """Each institution with its services in the file's layout, as canonical JSON: what the
    content hash is made of and what storage keeps, one at a time."""
    return (canonical_json(data) for data in institutions_data(institutions, services))


HASH_STEP = 1 << 18  # bytes hashed at a time by `_hashed`


def content_hash_of(
    name: str,
    updated: date | None,
    institutions: Sequence[Institution],
    services: Sequence[Service],
    *,
    partnership: str | None = None,
) -> str:
    """sha256 of the catalogue's content: equal for the same catalogue, whatever file gave it
    (laid out one institution at a time; `Layout.content_hash` when the layout is at hand)."""
    head = catalog_head(name, updated, partnership)
    return _hashed(head, institutions_json(institutions, services))


def _hashed(head: Mapping[str, object], institutions: Iterable[bytes]) -> str:
    """sha256 of the catalogue's own keys and its institutions' JSON, each on its own line.

    Hashed a quarter of a megabyte at a time: hashlib lets go of the GIL for every update over
    2 kB and takes it straight back, and so many quick hand-overs keep the event loop waiting
    (a waiting thread asks for the GIL only after 5 ms without one), while long steps in
    between let it run.
    """
    digest = sha256(canonical_json(head))
    pending: list[bytes] = []
    size = 0
    for data in institutions:
        pending.append(b"\n" + data)
        size += len(pending[-1])
        if size >= HASH_STEP:
            digest.update(b"".join(pending))
            pending, size = [], 0
    digest.update(b"".join(pending))
    return digest.hexdigest()


def catalog_json(catalog: Catalog) -> str:
    """The catalogue's content as the JSON of a document (storage keeps it), in small steps."""
    head = json.dumps(
        catalog_head(catalog.name, catalog.updated, catalog.partnership), ensure_ascii=False
    )
    parts = ",".join(
        json.dumps(data, ensure_ascii=False)
        for data in institutions_data(catalog.institutions, catalog.services)
    )
    return f'{head[:-1]},"institutions":[{parts}]}}'


def document_of(catalog: Catalog) -> CatalogDocument:
    """The catalogue as a document, for export: checking it gives the same catalogue back."""
    return CatalogDocument.from_json(catalog_json(catalog))


def without_confidential_places(document: CatalogDocument) -> CatalogDocument:
    """The document for publishing: an institution that is confidential, or has a confidential
    service, loses its address and coordinates (its phone stays: the intake point)."""
    institutions = [
        institution.model_copy(update={"address": None, "geo": None})
        if institution.confidential or any(s.confidential for s in institution.services)
        else institution
        for institution in document.institutions
    ]
    return document.model_copy(update={"institutions": institutions})
