"""Open Referral HSDS 3.0: the catalogue written as an open service directory, and read back.

Export (`export_hsds`) writes what the HSDS API returns for `/organizations?full_service=true`:
one page of fully nested organizations, each with its locations, phones and services, plus the
catalogue's `title`, `updated` and `partnership`. Everything format v1 holds has an HSDS place:

- ids are UUIDs made from our ids (`stable_id`), which stay in a `catalog_id` attribute;
- the place of an institution is its location (name as written, TERYT code as
  `external_identifier`); each area served is a `service_area` (`name` as written, the TERYT
  code in `uri`, `urn:teryt:terc:1465011`; all of Poland is `urn:iso:3166-1:PL`);
- opening hours are RFC 5545 weekly schedules, each also carrying the hours as written in its
  `description`;
- situations, keywords, crisis lines, paid services and sources are attributes whose terms come
  from the taxonomy shipped in `catalog/data/hsds/taxonomy.json` (`published_taxonomy`).

Import (`read_hsds`) takes such a file (or any HSDS 3.0 JSON: an organization, a service, a
page of either) or the HSDS tabular data package (a zip of its CSV files) and gives the data of
a format v1 file, which `catalog.validation` then checks like any other. What v1 has no place
for is reported as warnings (`catalog.hsds_dropped`: which HSDS field, how many times).
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

from babel import Locale, UnknownLocaleError

from catalog.format import RawDocument, ReadProblem
from catalog.hours import DAYS, OpeningHours, parse_hours
from catalog.model import Area, Catalog, Contact, Institution, Service
from catalog.places import Unit
from catalog.text import fold

HSDS_VERSION = "3.0"
NAMESPACE = uuid.UUID("6f1d2c8e-9b1a-4e0e-8a57-2d0c4b5e7a11")  # of every id we make: never change
TAXONOMY_RESOURCE = ("data", "hsds", "taxonomy.json")
TERYT_SCHEME = "TERYT"
TERYT_URI = "urn:teryt:terc:"
POLAND_URI = "urn:iso:3166-1:PL"
ZIP_MAGIC = b"PK\x03\x04"
DATA_PACKAGE = "datapackage.json"  # names the tabular form's folder
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ADDRESS = re.compile(r"^(?P<street>.+), (?P<postal>\d{2}-\d{3}) (?P<city>[^,]+)$")

Json = dict[str, Any]


class Units(Protocol):
    """What the export needs from the gazetteer: a unit's full TERYT code."""

    def unit(self, code: str) -> Unit | None:
        """The unit with this serving prefix (2, 4 or 6 digits)."""
        ...


def stable_id(kind: str, key: str) -> str:
    """The UUID HSDS needs for one of our things: the same on every export."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The published taxonomy: our situations and the attributes HSDS has no field for."""

    detail: Json
    terms: Mapping[str, Json]  # by code

    def term(self, code: str) -> Json:
        """The full term object (with its taxonomy) for an attribute."""
        return {**self.terms[code], "taxonomy_detail": self.detail}

    @property
    def codes_by_id(self) -> Mapping[str, str]:
        """Term id -> code, to recognise our terms in a file read."""
        return {term["id"]: code for code, term in self.terms.items()}


@cache
def published_taxonomy() -> Taxonomy:
    """The taxonomy file shipped with the package (see the module's docstring)."""
    data = json.loads(resources.files("catalog").joinpath(*TAXONOMY_RESOURCE).read_bytes())
    return Taxonomy(data["taxonomy"], {term["code"]: term for term in data["terms"]})


# --- export ---------------------------------------------------------------------------------


def export_hsds(catalog: Catalog, *, units: Units) -> Json:
    """The catalogue as one HSDS 3.0 page of fully nested organizations."""
    owned: dict[str, list[Service]] = defaultdict(list)
    for service in catalog.services:
        owned[service.institution.id].append(service)
    exporter = _Exporter(units, published_taxonomy())
    organizations = [
        exporter.organization(institution, owned[institution.id])
        for institution in catalog.institutions
    ]
    page: Json = {"title": catalog.name}
    if catalog.updated is not None:
        page["updated"] = catalog.updated.isoformat()
    if catalog.partnership:
        page["partnership"] = catalog.partnership
    count = len(organizations)
    return {
        **page,
        "version": HSDS_VERSION,
        "total_items": count,
        "total_pages": 1,
        "page_number": 1,
        "size": count,
        "first_page": True,
        "last_page": True,
        "empty": count == 0,
        "contents": organizations,
    }


def write_hsds(catalog: Catalog, *, units: Units) -> str:
    """`export_hsds` as JSON text."""
    return json.dumps(export_hsds(catalog, units=units), ensure_ascii=False, indent=2) + "\n"


class _Exporter:
    def __init__(self, units: Units, taxonomy: Taxonomy) -> None:
        self.units = units
        self.taxonomy = taxonomy

    def organization(self, institution: Institution, services: Sequence[Service]) -> Json:
        org_id = stable_id("organization", institution.id)
        data: Json = {"id": org_id, "name": institution.name, "description": ""}
        if institution.short_name is not None:
            data["alternate_name"] = institution.short_name
        contact = institution.contact
        _put(data, email=contact.email, website=contact.website)
        data["phones"] = self.phones(contact, "organization_id", org_id)
        data["locations"] = [self.location(institution, org_id)]
        attributes = [self.attribute(org_id, "organization", "catalog_id", institution.id)]
        attributes += [
            self.attribute(org_id, "organization", "source", source)
            for source in institution.sources
        ]
        if institution.checked is not None:
            day = institution.checked.isoformat()
            attributes.append(self.attribute(org_id, "organization", "checked", day))
        if institution.confidential:  # the address stays out; the flag says why
            attributes.append(self.attribute(org_id, "organization", "confidential"))
        data["attributes"] = attributes
        data["services"] = [self.service(service, org_id) for service in services]
        return data

    def location(self, institution: Institution, org_id: str) -> Json:
        location_id = stable_id("location", institution.id)
        identifier, scheme, _ = self.territory(institution.place)
        data: Json = {
            "id": location_id,
            "location_type": "physical",
            "organization_id": org_id,
            "name": institution.place.written,
            "external_identifier": identifier,
            "external_identifier_type": scheme,
        }
        if institution.geo is not None and not institution.confidential:
            data["latitude"], data["longitude"] = institution.geo
        if institution.address is not None and not institution.confidential:
            province = (
                self.units.unit(institution.place.code[:2]) if institution.place.code else None
            )
            data["addresses"] = [
                self.address(institution.address, location_id, province.name if province else "")
            ]
        contact = institution.contact
        data["languages"] = self.languages(contact, "location_id", location_id)
        data["schedules"] = self.schedules(contact.hours, "location_id", location_id)
        return data

    def address(self, written: str, location_id: str, province: str) -> Json:
        """The written address cut into HSDS parts when it reads 'street, 00-000 town'; else
        whole in `address_1` (the parts are joined back the same way on import)."""
        parts = _ADDRESS.match(written)
        street, postal, city = (
            (parts["street"], parts["postal"], parts["city"]) if parts else (written, "", "")
        )
        return {
            "id": stable_id("address", location_id),
            "location_id": location_id,
            "address_1": street,
            "city": city,
            "state_province": province,
            "postal_code": postal,
            "country": "PL",
            "address_type": "physical",
        }

    def service(self, service: Service, org_id: str) -> Json:
        service_id = stable_id("service", service.id)
        data: Json = {
            "id": service_id,
            "organization_id": org_id,
            "name": service.name,
            "status": "active",
        }
        contact = service.contact
        _put(data, description=service.description, url=contact.website, email=contact.email)
        _put(data, minimum_age=service.ages.low, maximum_age=service.ages.high)
        data.update(_assured(service))
        data["phones"] = self.phones(contact, "service_id", service_id)
        data["schedules"] = self.schedules(contact.hours, "service_id", service_id)
        data["service_areas"] = [self.service_area(area, service_id) for area in service.areas]
        data["languages"] = self.languages(contact, "service_id", service_id)
        attribute = self.attribute
        attributes = [attribute(service_id, "service", "catalog_id", service.id)]
        attributes += [attribute(service_id, "service", key) for key in service.situations]
        attributes += [
            attribute(service_id, "service", "keyword", word) for word in service.keywords
        ]
        if service.crisis:
            attributes.append(attribute(service_id, "service", "crisis_line"))
        if not service.free:
            attributes.append(attribute(service_id, "service", "paid"))
        if service.confidential and not service.institution.confidential:
            attributes.append(attribute(service_id, "service", "confidential"))
        data["attributes"] = attributes
        return data

    def service_area(self, area: Area, service_id: str) -> Json:
        _, _, uri = self.territory(area)
        return {
            "id": stable_id("service_area", f"{service_id}:{area.code}:{area.written}"),
            "service_id": service_id,
            "name": area.written,
            "uri": uri,
        }

    def territory(self, area: Area) -> tuple[str, str, str]:
        """An area's identifier, its scheme and its URI (full TERYT code for a gmina)."""
        if area.code == "":
            return "PL", "ISO 3166-1", POLAND_URI
        unit = self.units.unit(area.code)
        code = unit.teryt if unit is not None else area.code
        return code, TERYT_SCHEME, TERYT_URI + code

    def phones(self, contact: Contact, link: str, owner_id: str) -> list[Json]:
        return [
            {
                "id": stable_id("phone", f"{owner_id}:{phone.written}"),
                link: owner_id,
                "number": phone.written,
            }
            for phone in contact.phones
        ]

    def languages(self, contact: Contact, link: str, owner_id: str) -> list[Json]:
        found = []
        for code in contact.languages:
            data: Json = {"id": stable_id("language", f"{owner_id}:{code}"), link: owner_id}
            _put(data, name=_language_name(code), code=code)
            found.append(data)
        return found

    def schedules(self, hours: str | None, link: str, owner_id: str) -> list[Json]:
        if hours is None:
            return []
        parsed = parse_hours(hours)
        rules = _weekly_rules(parsed) if isinstance(parsed, OpeningHours) else []
        base: Json = {"description": hours}
        if not rules:
            return [{"id": stable_id("schedule", f"{owner_id}:0"), link: owner_id, **base}]
        return [
            {
                "id": stable_id("schedule", f"{owner_id}:{index}"),
                link: owner_id,
                **base,
                "freq": "WEEKLY",
                "wkst": "MO",
                "byday": ",".join(_RRULE_DAYS[day] for day in days),
                "opens_at": _clock(start),
                "closes_at": _clock(end),
            }
            for index, (days, start, end) in enumerate(rules)
        ]

    def attribute(self, link_id: str, entity: str, code: str, value: str | None = None) -> Json:
        term = self.taxonomy.term(code)
        data: Json = {
            "id": stable_id("attribute", f"{link_id}:{code}:{value or ''}"),
            "link_id": link_id,
            "link_type": "situation" if term.get("parent_id") else code,
            "link_entity": entity,
            "taxonomy_term_id": term["id"],
            "taxonomy_term": term,
        }
        if value is not None:
            data["value"] = value
        return data


def _assured(service: Service) -> Json:
    """`assured_date` ("when the information was last checked") from the service's `checked`."""
    return {"assured_date": service.checked.isoformat()} if service.checked else {}


def _put(data: Json, **values: object) -> None:
    """Set only the values that are given."""
    data.update({key: value for key, value in values.items() if value is not None})


@cache
def _language_name(code: str) -> str | None:
    try:
        name = Locale.parse(code).get_language_name("en")
    except (UnknownLocaleError, ValueError):
        return None
    return str(name) if name else None


def _weekly_rules(hours: OpeningHours) -> list[tuple[tuple[int, ...], int, int]]:
    """The week as (days, opens, closes) rules, days with the same span together."""
    by_span: dict[tuple[int, int], list[int]] = defaultdict(list)
    for day, spans in enumerate(hours.week):
        for start, end in spans:
            by_span[(start, end)].append(day)
    return [(tuple(days), start, end) for (start, end), days in by_span.items()]


def _clock(minutes: int) -> str:
    """'HH:MM'; a span past midnight closes at 23:59 here (the description keeps it whole)."""
    minutes = min(minutes, 24 * 60 - 1)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- import ---------------------------------------------------------------------------------


def is_hsds(data: bytes, *, filename: str) -> bool:
    """True for an HSDS file: a zip (the tabular package) or JSON that is not format v1."""
    if data.startswith(ZIP_MAGIC):
        return True
    name = filename.lower()
    if not (name.endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")):
        return False
    try:
        found = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return name.endswith(".json")
    return not (isinstance(found, dict) and "institutions" in found)


def read_hsds(data: bytes, *, filename: str) -> RawDocument:
    """An HSDS file (JSON, or the tabular package zipped) as the data of a format v1 file."""
    stem = re.split(r"[\\/]", filename)[-1].split(".", 1)[0] or "catalog"
    try:
        if data.startswith(ZIP_MAGIC):
            tables, package = _zip_tables(data)
            found: object = {**package, **nest_tables(tables)}
        else:
            found = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, zipfile.BadZipFile, csv.Error) as error:
        problem = ReadProblem("catalog.hsds_unreadable", {"detail": str(error)})
        return RawDocument(None, "hsds", problems=(problem,))
    organizations = _organizations(found)
    if organizations is None:
        problem = ReadProblem("catalog.hsds_unreadable", {"detail": "no organization or service"})
        return RawDocument(None, "hsds", problems=(problem,))
    reader = _Importer(published_taxonomy())
    head = found if isinstance(found, dict) else {}
    document: Json = {"version": 1, "name": str(head.get("title") or stem)}
    for key in ("updated", "partnership"):
        if head.get(key):
            document[key] = head[key]
    document["institutions"] = [reader.institution(org) for org in organizations]
    unattached = head.get("unattached")
    for table, count in unattached.items() if isinstance(unattached, dict) else ():
        reader.dropped[f"{table} (rows whose parent is not in the package)"] += count
    problems = tuple(
        ReadProblem("catalog.hsds_dropped", {"field": field, "count": count}, severity="warning")
        for field, count in sorted(reader.dropped.items())
    )
    return RawDocument(document, "hsds", problems=problems)


def _organizations(found: object) -> list[Json] | None:
    """The organizations of any HSDS JSON shape, services grouped under theirs."""
    if isinstance(found, dict) and isinstance(found.get("contents"), list):
        items = [item for item in found["contents"] if isinstance(item, dict)]
    elif isinstance(found, dict):
        items = [found]
    elif isinstance(found, list):
        items = [item for item in found if isinstance(item, dict)]
    else:
        return None
    organizations: dict[str, Json] = {}
    for item in items:
        if "status" in item and "services" not in item:  # a service, perhaps with its org
            org = item.get("organization")
            org = dict(org) if isinstance(org, dict) else {"id": item.get("organization_id")}
            key = str(org.get("id") or item.get("organization_id") or item.get("id"))
            holder = organizations.setdefault(key, {**org, "services": []})
            service = {key: value for key, value in item.items() if key != "organization"}
            holder["services"].append(service)
        else:
            organizations[str(item.get("id") or len(organizations))] = item
    return list(organizations.values()) or None


# HSDS fields v1 reads, per entity; any other field with a value is reported as dropped
_IDS = {"id", "organization_id", "service_id", "location_id", "link_id", "taxonomy_term_id"}
_READ: Mapping[str, frozenset[str]] = {
    "organization": frozenset(
        {
            *_IDS,
            "name",
            "alternate_name",
            "email",
            "website",
            "phones",
            "locations",
            "attributes",
            "services",
        }
    ),
    "service": frozenset(
        {
            *_IDS,
            "name",
            "description",
            "url",
            "email",
            "status",
            "minimum_age",
            "maximum_age",
            "phones",
            "schedules",
            "service_areas",
            "languages",
            "attributes",
            "organization",
            "assured_date",
        }
    ),
    "location": frozenset(
        {
            *_IDS,
            "location_type",
            "name",
            "external_identifier",
            "external_identifier_type",
            "latitude",
            "longitude",
            "addresses",
            "languages",
            "schedules",
        }
    ),
    "address": frozenset(
        {
            *_IDS,
            "address_1",
            "address_2",
            "city",
            "postal_code",
            "address_type",
            "country",
            "state_province",
            "region",
        }
    ),
    "phone": frozenset({*_IDS, "number"}),
    "language": frozenset({*_IDS, "code", "name"}),
    "service_area": frozenset({*_IDS, "name", "uri"}),
    "schedule": frozenset(
        {*_IDS, "description", "freq", "wkst", "byday", "opens_at", "closes_at"}
    ),
    "attribute": frozenset({*_IDS, "link_type", "link_entity", "value", "taxonomy_term"}),
}


class _Importer:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.codes = taxonomy.codes_by_id
        self.dropped: Counter[str] = Counter()

    def seen(self, entity: str, data: Mapping[str, Any]) -> None:
        """Count the fields of `data` that v1 has no place for."""
        for key, value in data.items():
            if key not in _READ[entity] and _given(value):
                self.dropped[f"{entity}.{key}"] += 1

    def institution(self, org: Json) -> Json:
        self.seen("organization", org)
        values = self.attributes(org)
        institution = _identity(org, values)
        _put(institution, short_name=_text(org.get("alternate_name")) or None)
        locations = [item for item in _list(org.get("locations")) if isinstance(item, dict)]
        physical = [item for item in locations if item.get("location_type") != "virtual"]
        for extra in physical[1:]:
            self.dropped["organization.locations (2nd and later)"] += 1
            del extra
        location = physical[0] if physical else {}
        if location:
            self.seen("location", location)
        address = self.address(location)
        _put(institution, address=address, place=self.place(location))
        if _given(location.get("latitude")) and _given(location.get("longitude")):
            institution["geo"] = [float(location["latitude"]), float(location["longitude"])]
        phones = self.phones(org)
        if phones:
            institution["phones"] = phones
        _put(institution, email=_text(org.get("email")) or None)
        _put(institution, website=_text(org.get("website")) or None)
        _put(institution, hours=self.hours(location))
        languages = self.languages(location)
        if languages:
            institution["languages"] = languages
        if values.get("source"):
            institution["sources"] = values["source"]
        if "confidential" in values:
            institution["confidential"] = True
        services = [item for item in _list(org.get("services")) if isinstance(item, dict)]
        institution["services"] = [
            self.service(service) for service in services if self.active(service)
        ]
        own = _first(values.get("checked"))  # ours: the organization's date as written
        dates = {item.get("checked") for item in institution["services"]}
        if own is None and len(dates) == 1 and None not in dates:  # one date for all
            own = dates.pop()
        if own is not None:
            institution["checked"] = own
            for item in institution["services"]:
                if item.get("checked") == own:  # inherited, as the file would write it
                    del item["checked"]
        return institution

    def active(self, service: Json) -> bool:
        status = service.get("status")
        if status in (None, "", "active"):
            return True
        self.dropped[f"service.status={status}"] += 1
        return False

    def service(self, data: Json) -> Json:
        self.seen("service", data)
        values = self.attributes(data)
        service = _identity(data, values)
        _put(service, description=_text(data.get("description")) or None)
        service["situations"] = values.get("situation", [])
        if values.get("keyword"):
            service["keywords"] = values["keyword"]
        ages = _ages(data.get("minimum_age"), data.get("maximum_age"))
        _put(service, ages=ages)
        areas = [self.area(area) for area in _list(data.get("service_areas"))]
        if any(areas):
            service["area"] = [area for area in areas if area]
        if "crisis_line" in values:
            service["crisis"] = True
        if "paid" in values:
            service["free"] = False
        if "confidential" in values:
            service["confidential"] = True
        _put(service, checked=_text(data.get("assured_date")) or None)
        phones = self.phones(data)
        if phones:
            service["phones"] = phones
        _put(service, email=_text(data.get("email")) or None)
        _put(service, website=_text(data.get("url")) or None, hours=self.hours(data))
        languages = self.languages(data)
        if languages:
            service["languages"] = languages
        return service

    def attributes(self, data: Mapping[str, Any]) -> dict[str, list[str]]:
        """Our terms found among the attributes: code -> values ('situation' -> keys)."""
        found: dict[str, list[str]] = defaultdict(list)
        for attribute in _list(data.get("attributes")):
            if not isinstance(attribute, dict):
                continue
            self.seen("attribute", attribute)
            term = attribute.get("taxonomy_term")
            term_id = attribute.get("taxonomy_term_id") or (
                term.get("id") if isinstance(term, dict) else None
            )
            code = self.codes.get(str(term_id))
            if code is None:
                name = term.get("name") if isinstance(term, dict) else term_id
                self.dropped[f"attribute: {name}"] += 1
            elif code in published_taxonomy().terms and published_taxonomy().terms[code].get(
                "parent_id"
            ):
                found["situation"].append(code)
            else:
                found[code].append(_text(attribute.get("value")))
        return found

    def place(self, location: Mapping[str, Any]) -> str | None:
        scheme = location.get("external_identifier_type")
        if scheme == TERYT_SCHEME:
            return _text(location.get("name")) or _text(location.get("external_identifier"))
        if scheme == "ISO 3166-1" and location.get("external_identifier") == "PL":
            return _text(location.get("name")) or "Polska"
        for address in _list(location.get("addresses")):
            if isinstance(address, dict) and _text(address.get("city")):
                return _text(address["city"])
        return _text(location.get("name")) or None

    def address(self, location: Mapping[str, Any]) -> str | None:
        addresses = [item for item in _list(location.get("addresses")) if isinstance(item, dict)]
        if not addresses:
            return None
        if len(addresses) > 1:
            self.dropped["location.addresses (2nd and later)"] += len(addresses) - 1
        address = addresses[0]
        self.seen("address", address)
        town = " ".join(
            part
            for part in (_text(address.get("postal_code")), _text(address.get("city")))
            if part
        )
        lines = (_text(address.get("address_1")), _text(address.get("address_2")), town)
        return ", ".join(line for line in lines if line) or None

    def area(self, area: object) -> str | None:
        if not isinstance(area, dict):
            return None
        self.seen("service_area", area)
        name, uri = _text(area.get("name")), _text(area.get("uri"))
        if name:
            return name
        if uri.startswith(TERYT_URI):
            return uri.removeprefix(TERYT_URI)
        return "Polska" if uri == POLAND_URI else None

    def phones(self, data: Mapping[str, Any]) -> list[str]:
        numbers = []
        for phone in _list(data.get("phones")):
            if isinstance(phone, dict) and _text(phone.get("number")):
                self.seen("phone", phone)
                numbers.append(_text(phone["number"]))
        return numbers

    def languages(self, data: Mapping[str, Any]) -> list[str]:
        codes = []
        for language in _list(data.get("languages")):
            if isinstance(language, dict) and _text(language.get("code")):
                self.seen("language", language)
                codes.append(_text(language["code"]).lower())
        return codes

    def hours(self, data: Mapping[str, Any]) -> str | None:
        """Opening hours: the hours written in every schedule's description, else the weekly
        rules themselves ('Th,Fr 10:00-18:00')."""
        schedules = [item for item in _list(data.get("schedules")) if isinstance(item, dict)]
        if not schedules:
            return None
        written = {_text(schedule.get("description")) for schedule in schedules}
        if len(written) == 1:
            text = written.pop()
            if text and isinstance(parse_hours(text), OpeningHours):
                return text
        rules = []
        for schedule in schedules:
            self.seen("schedule", {k: v for k, v in schedule.items() if k != "description"})
            rule = _osm_rule(schedule)
            if rule is None:
                self.dropped["schedule (not weekly opening hours)"] += 1
            else:
                rules.append(rule)
        return "; ".join(rules) or None


def _osm_rule(schedule: Mapping[str, Any]) -> str | None:
    """One weekly schedule as an OpenStreetMap rule ('Mo,Tu 08:00-16:00'), if it is one."""
    if schedule.get("freq") not in (None, "", "WEEKLY"):
        return None
    opens, closes = _text(schedule.get("opens_at"))[:5], _text(schedule.get("closes_at"))[:5]
    days = [part.strip().upper() for part in _text(schedule.get("byday")).split(",")]
    if not (opens and closes) or not all(day in _RRULE_DAYS for day in days):
        return None
    names = ",".join(DAYS[_RRULE_DAYS.index(day)] for day in days)
    rule = f"{names} {opens}-{closes}"
    return rule if isinstance(parse_hours(rule), OpeningHours) else None


def _ages(low: object, high: object) -> str | None:
    def whole(value: object) -> str:
        return str(int(float(str(value)))) if _given(value) else ""

    try:
        text = f"{whole(low)}-{whole(high)}"
    except ValueError:
        return f"{low}-{high}"
    return None if text == "-" else text


def _identity(data: Json, values: Mapping[str, list[str]]) -> Json:
    """An entry's id and name: the id our export put in its `catalog_id` attribute, or one
    made from the name and the HSDS id."""
    return {
        "id": _first(values.get("catalog_id")) or _slug(data.get("name"), data.get("id")),
        "name": _text(data.get("name")),
    }


def _slug(name: object, key: object) -> str:
    """A v1 id for a thing from another directory: its name, made unique by its id."""
    words = re.sub(r"[^a-z0-9]+", "-", fold(_text(name))).strip("-")[:40].strip("-")
    suffix = re.sub(r"[^a-z0-9]", "", str(key or "").lower())[:8]
    return "-".join(part for part in (words, suffix) if part) or "unnamed"


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _first(values: Sequence[str] | None) -> str | None:
    return values[0] if values else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _given(value: object) -> bool:
    return value not in (None, "", [], {})


# --- the tabular form -----------------------------------------------------------------------


def _zip_tables(data: bytes) -> tuple[dict[str, list[dict[str, str]]], Json]:
    """The CSV tables of a zipped data package, by file name ('services.csv'), and the
    package's `title`, `updated` and `partnership` (the catalogue's own keys) from its
    datapackage.json."""
    tables: dict[str, list[dict[str, str]]] = {}
    package: Json = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            base = name.rsplit("/", 1)[-1]
            if base.endswith(".csv"):
                text = archive.read(name).decode("utf-8-sig")
                tables[base] = list(csv.DictReader(io.StringIO(text, newline="")))
            elif base == DATA_PACKAGE:
                try:
                    found = json.loads(archive.read(name).decode("utf-8-sig"))
                except (UnicodeDecodeError, ValueError):  # only names the tables: optional
                    continue
                if isinstance(found, dict):
                    keys = ("title", "updated", "partnership")
                    package = {key: found[key] for key in keys if key in found}
    return tables, package


# parent links of each table, most specific first: a row goes under the first that is set
_PARENTS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "phones.csv": (
        ("service_id", "phones"),
        ("location_id", "phones"),
        ("organization_id", "phones"),
    ),
    "schedules.csv": (("service_id", "schedules"), ("location_id", "schedules")),
    "languages.csv": (("service_id", "languages"), ("location_id", "languages")),
    "service_areas.csv": (("service_id", "service_areas"),),
    "addresses.csv": (("location_id", "addresses"),),
}


def nest_tables(tables: Mapping[str, list[dict[str, str]]]) -> Json:
    """The tabular package as a page of nested organizations (what `read_hsds` reads).

    A row whose parent is not in the package (a location of an organization the package does
    not hold) is counted in `unattached`, by table, and reported as left out.
    """
    rows = {name: [_cells(row) for row in table] for name, table in tables.items()}
    by_id: dict[str, Json] = {}
    for name in ("organizations.csv", "services.csv", "locations.csv"):
        for row in rows.get(name, []):
            by_id[row.get("id", "")] = row
    terms = {row.get("id", ""): row for row in rows.get("taxonomy_terms.csv", [])}
    unattached: Counter[str] = Counter()

    def attach(table: str, parent: str | None, key: str, row: Json) -> None:
        holder = by_id.get(parent or "")
        if holder is None:
            unattached[table] += 1
        else:
            holder.setdefault(key, []).append(row)

    for row in rows.get("attributes.csv", []):
        term = terms.get(row.get("taxonomy_term_id", ""))
        if term is not None:
            row["taxonomy_term"] = term
        attach("attributes.csv", row.get("link_id"), "attributes", row)
    for name, parents in _PARENTS.items():
        for row in rows.get(name, []):
            link, key = next(((link, key) for link, key in parents if row.get(link)), ("", ""))
            attach(name, row.get(link), key, row)
    for row in rows.get("locations.csv", []):
        attach("locations.csv", row.get("organization_id"), "locations", row)
    for row in rows.get("services.csv", []):
        attach("services.csv", row.get("organization_id"), "services", row)
    return {"contents": rows.get("organizations.csv", []), "unattached": dict(unattached)}


def _cells(row: Mapping[str, str | None]) -> Json:
    return {key: value for key, value in row.items() if key and value not in (None, "")}


# nested lists of the JSON form and the table each becomes in the tabular form
_TABLES: Mapping[str, str] = {
    "services": "services.csv",
    "locations": "locations.csv",
    "phones": "phones.csv",
    "schedules": "schedules.csv",
    "languages": "languages.csv",
    "service_areas": "service_areas.csv",
    "addresses": "addresses.csv",
    "attributes": "attributes.csv",
}


def export_tables(catalog: Catalog, *, units: Units) -> bytes:
    """The catalogue as the HSDS tabular data package: a zip of its CSV files and a
    datapackage.json (which also holds the catalogue's title, date and partnership)."""
    page = export_hsds(catalog, units=units)
    tables: dict[str, dict[str, Json]] = defaultdict(dict)  # table -> id -> row

    def cut(item: Json, table: str) -> None:
        row: Json = {}
        for key, value in item.items():
            if key in _TABLES and isinstance(value, list):
                for child in value:
                    cut(child, _TABLES[key])
            elif key == "taxonomy_term":
                term = {k: v for k, v in value.items() if k != "taxonomy_detail"}
                tables["taxonomy_terms.csv"][term["id"]] = term
            else:
                row[key] = value
        tables[table][row["id"]] = row

    for organization in page["contents"]:
        cut(organization, "organizations.csv")
    detail = published_taxonomy().detail
    tables["taxonomies.csv"][detail["id"]] = detail
    own: Json = {key: page[key] for key in ("title", "updated", "partnership") if key in page}
    descriptor: Json = {
        "name": "drogowskaz-catalogue",
        "profile": "tabular-data-package",
        **own,
        "resources": [
            {"name": name.removesuffix(".csv"), "path": name, "profile": "tabular-data-resource"}
            for name in sorted(tables)
        ],
    }
    files = [(DATA_PACKAGE, json.dumps(descriptor, ensure_ascii=False, indent=2).encode())]
    for name in sorted(tables):
        rows = list(tables[name].values())
        buffer = io.StringIO(newline="")
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        files.append((name, buffer.getvalue().encode()))
    return tables_of(files)


def tables_of(directory_files: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip of a data package's files (name, content), for `read_hsds`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in directory_files:
            archive.writestr(name, content)
    return buffer.getvalue()
