"""Open Referral HSDS 3.0: our export validates against the official schemas, the official
examples import, and a catalogue survives export and import unchanged.

The schemas and examples are read from ../shared/data/hsds-3.0 (CC BY-SA 4.0, not copied here).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.i18n import t
from catalog.assemble import document_of
from catalog.format import CatalogDocument
from catalog.hsds import (
    POLAND_URI,
    TERYT_URI,
    export_hsds,
    export_tables,
    is_hsds,
    published_taxonomy,
    read_hsds,
    tables_of,
    write_hsds,
)
from catalog.model import Catalog
from catalog.places import Gazetteer
from catalog.taxonomy import SITUATIONS
from catalog.validation import Report, check, load_sample
from tests.conftest import SHARED_DATA

HSDS = SHARED_DATA / "hsds-3.0"
needs_hsds = pytest.mark.skipif(
    not (HSDS / "schema" / "service.json").is_file(),
    reason="the HSDS 3.0 schemas in ../shared/data/hsds-3.0 are absent",
)

RICH_CATALOG = """
version: 1
name: Katalog testowy HSDS
updated: 2026-11-01
partnership: siedlce
institutions:
  - id: mopr-siedlce
    name: Miejski Ośrodek Pomocy Rodzinie w Siedlcach
    short_name: MOPR Siedlce
    address: "ul. Kazimierzowska 8, 08-110 Siedlce"
    place: miasto Siedlce
    geo: [52.1676, 22.2901]
    phones: ["+48 25 644 71 14", "25 632 00 00"]
    email: sekretariat@example.org
    website: https://example.org
    hours: "Mo-Fr 07:30-15:30"
    languages: [pl, uk]
    sources: ["https://example.org/kontakt"]
    services:
      - id: mopr-siedlce-zasilki
        name: Zasiłki i pomoc finansowa
        description: Zasiłek stały, okresowy i celowy.
        situations: [poverty, unemployment]
        keywords: ["zasiłek", "pieniądze"]
        ages: "18-"
        area: ["miasto Siedlce", "gmina Siedlce"]
      - id: mopr-siedlce-mlodziez
        name: Klub młodzieżowy
        situations: [youth]
        ages: "15-25"
        free: false
        hours: "Mo,We 16:00-20:00; Sa 10:00-14:00"
        phones: ["+48 25 600 00 01"]
        languages: [pl]
  - id: pcpr-siedlce
    name: Powiatowe Centrum Pomocy Rodzinie w Siedlcach
    address: "budynek przy urzędzie"
    place: powiat siedlecki
    services:
      - id: pcpr-siedlce-piecza
        name: Usamodzielnienie wychowanków
        situations: [foster_care_leaving]
        ages: "-25"
        email: piecza@example.org
  - id: schronisko-kobiety
    name: Hostel dla kobiet doznających przemocy
    address: "ul. Ukryta 1, 08-110 Siedlce"
    place: miasto Siedlce
    geo: [52.17, 22.28]
    phones: ["+48 25 600 00 09"]
    confidential: true
    checked: 2026-11-20
    services:
      - id: schronisko-kobiety-nocleg
        name: Schronienie
        situations: [domestic_violence]
      - id: schronisko-kobiety-porady
        name: Porady prawne
        situations: [legal_aid]
        checked: 2026-10-02
  - id: telefon-zaufania
    name: Telefon zaufania dla dzieci i młodzieży
    place: Polska
    hours: "24/7"
    services:
      - id: telefon-116111
        name: Telefon zaufania 116 111
        situations: [mental_health, youth]
        crisis: true
        phones: ["116 111"]
"""


@pytest.fixture(scope="module")
def schemas() -> Registry[Any]:
    """Every HSDS schema, by the file name its `$ref`s use."""
    registry: Registry[Any] = Registry()
    for path in (HSDS / "schema").glob("*.json"):
        resource = Resource.from_contents(json.loads(path.read_text()), DRAFT202012)
        registry = registry.with_resource(path.name, resource)
    return registry


def errors_of(instance: object, schema_name: str, registry: Registry[Any]) -> list[str]:
    """Every way the instance breaks the named HSDS schema (formats checked too)."""
    schema = registry.contents(schema_name)
    validator = Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def all_errors(page: dict[str, Any], registry: Registry[Any]) -> list[str]:
    """An exported page checked organization by organization and service by service (the
    organization schema has no `services` key, so they are checked on their own)."""
    found = []
    for organization in page["contents"]:
        found += errors_of(organization, "organization.json", registry)
        for service in organization["services"]:
            found += errors_of(service, "service.json", registry)
    return found


def rich(places: Gazetteer) -> Catalog:
    report = check(RICH_CATALOG.encode(), filename="rich.yaml", places=places)
    assert report.catalog is not None, report.errors
    return report.catalog


def read_back(text: str, places: Gazetteer, filename: str = "x.hsds.json") -> Report:
    return check(text.encode(), filename=filename, places=places)


@needs_hsds
def test_exported_sample_catalogue_validates_against_hsds_3_with_no_error(
    builtin_gazetteer: Gazetteer, schemas: Registry[Any]
) -> None:
    page = export_hsds(load_sample(builtin_gazetteer), units=builtin_gazetteer)

    assert page["contents"]
    assert all_errors(page, schemas) == []


@needs_hsds
def test_exported_rich_catalogue_validates_against_hsds_3_with_no_error(
    builtin_gazetteer: Gazetteer, schemas: Registry[Any]
) -> None:
    page = export_hsds(rich(builtin_gazetteer), units=builtin_gazetteer)

    assert all_errors(page, schemas) == []


@needs_hsds
def test_a_broken_export_would_be_caught_by_the_schema_check(
    builtin_gazetteer: Gazetteer, schemas: Registry[Any]
) -> None:
    page = export_hsds(rich(builtin_gazetteer), units=builtin_gazetteer)
    service = page["contents"][0]["services"][0]
    service["id"] = "mopr-siedlce-zasilki"
    del service["status"]

    assert len(all_errors(page, schemas)) == 2


@needs_hsds
def test_published_taxonomy_validates_and_lists_every_situation(schemas: Registry[Any]) -> None:
    taxonomy = published_taxonomy()

    assert errors_of(taxonomy.detail, "taxonomy.json", schemas) == []
    for term in taxonomy.terms.values():
        assert errors_of(term, "taxonomy_term.json", schemas) == []
    situation_terms = [code for code, term in taxonomy.terms.items() if term.get("parent_id")]
    assert situation_terms == list(SITUATIONS)
    assert [taxonomy.terms[key]["name"] for key in SITUATIONS] == [
        t(f"situation.{key}", "pl") for key in SITUATIONS
    ]


def test_sample_catalogue_round_trips_through_hsds(builtin_gazetteer: Gazetteer) -> None:
    sample = load_sample(builtin_gazetteer)

    report = read_back(write_hsds(sample, units=builtin_gazetteer), builtin_gazetteer)

    assert report.errors == ()
    assert report.catalog is not None
    assert document_of(report.catalog) == document_of(sample)
    assert report.catalog.content_hash == sample.content_hash


def test_rich_catalogue_round_trips_through_hsds(builtin_gazetteer: Gazetteer) -> None:
    catalog = rich(builtin_gazetteer)

    report = read_back(write_hsds(catalog, units=builtin_gazetteer), builtin_gazetteer)

    assert report.catalog is not None, report.errors
    assert document_of(report.catalog) == without_confidential_addresses(document_of(catalog))
    assert [p.code for p in report.warnings if p.code.startswith("catalog.hsds")] == []


def without_confidential_addresses(document: CatalogDocument) -> CatalogDocument:
    """What a public export keeps: a confidential place's address and coordinates left out."""
    data = document.model_dump(mode="json")
    for institution in data["institutions"]:
        if institution.get("confidential"):
            institution["address"] = institution["geo"] = None
    return CatalogDocument.model_validate(data)


def test_a_confidential_place_keeps_its_flag_but_not_its_address_and_dates_travel(
    builtin_gazetteer: Gazetteer,
) -> None:
    page = export_hsds(rich(builtin_gazetteer), units=builtin_gazetteer)
    shelter = next(org for org in page["contents"] if org["name"].startswith("Hostel"))

    location = shelter["locations"][0]
    assert "addresses" not in location
    assert "latitude" not in location
    assert "Ukryta" not in json.dumps(page, ensure_ascii=False)
    codes = [a["taxonomy_term"]["code"] for a in shelter["attributes"]]
    assert "confidential" in codes
    assert [s.get("assured_date") for s in shelter["services"]] == ["2026-11-20", "2026-10-02"]


def test_export_carries_teryt_codes_ages_situations_and_hours(
    builtin_gazetteer: Gazetteer,
) -> None:
    page = export_hsds(rich(builtin_gazetteer), units=builtin_gazetteer)
    mopr, pcpr, _, national = page["contents"]
    allowance = mopr["services"][0]

    assert [area["uri"] for area in allowance["service_areas"]] == [
        TERYT_URI + "1464011",
        TERYT_URI + "1426082",
    ]
    assert [area["name"] for area in allowance["service_areas"]] == [
        "miasto Siedlce",
        "gmina Siedlce",
    ]
    assert (allowance["minimum_age"], "maximum_age" in allowance) == (18, False)
    situations = [a["taxonomy_term"]["code"] for a in allowance["attributes"]]
    assert {"poverty", "unemployment"} <= set(situations)
    assert mopr["locations"][0]["external_identifier"] == "1464011"
    assert mopr["locations"][0]["addresses"][0]["postal_code"] == "08-110"
    assert mopr["locations"][0]["addresses"][0]["state_province"] == "mazowieckie"
    assert mopr["locations"][0]["schedules"][0]["byday"] == "MO,TU,WE,TH,FR"
    assert mopr["locations"][0]["schedules"][0]["opens_at"] == "07:30"
    assert pcpr["locations"][0]["external_identifier"] == "1426"
    assert national["services"][0]["service_areas"][0]["uri"] == POLAND_URI
    assert page["title"] == "Katalog testowy HSDS"
    assert page["partnership"] == "siedlce"


def test_ids_are_the_same_on_every_export(builtin_gazetteer: Gazetteer) -> None:
    catalog = rich(builtin_gazetteer)

    first = write_hsds(catalog, units=builtin_gazetteer)
    second = write_hsds(catalog, units=builtin_gazetteer)

    assert first == second


def test_a_v1_catalogue_written_as_json_is_not_taken_for_hsds() -> None:
    v1 = json.dumps({"version": 1, "name": "x", "institutions": []}).encode()

    assert not is_hsds(v1, filename="catalog.json")
    assert is_hsds(b'{"contents": []}', filename="upload")
    assert not is_hsds(b"version: 1\n", filename="catalog.yaml")


def test_unreadable_hsds_is_refused_with_its_reason(builtin_gazetteer: Gazetteer) -> None:
    report = check(b'{"contents": [', filename="broken.hsds.json", places=builtin_gazetteer)

    assert report.catalog is None
    assert [problem.code for problem in report.errors] == ["catalog.hsds_unreadable"]


# --- the official examples -----------------------------------------------------------------


def example(name: str) -> bytes:
    return (HSDS / "examples" / name).read_bytes()


def only_institution(data: bytes, filename: str) -> dict[str, Any]:
    raw = read_hsds(data, filename=filename)
    assert isinstance(raw.data, dict)
    (institution,) = raw.data["institutions"]
    assert isinstance(institution, dict)
    return institution


def dropped(data: bytes, filename: str) -> dict[str, object]:
    raw = read_hsds(data, filename=filename)
    return {
        str(problem.params["field"]): problem.params["count"]
        for problem in raw.problems
        if problem.code == "catalog.hsds_dropped"
    }


@needs_hsds
def test_official_organization_list_imports_its_organizations() -> None:
    institution = only_institution(example("organization_list.json"), "organization_list.json")

    assert institution["name"] == "Example Organization Inc."
    assert institution["services"] == []  # a list page names organizations only


@needs_hsds
@pytest.mark.parametrize("name", ["organization_full.json", "service_full.json"])
def test_official_example_imports_with_what_v1_can_hold(name: str) -> None:
    institution = only_institution(example(name), name)

    assert institution["name"] == "Example Organization Inc."
    (service,) = institution["services"]
    assert service["name"] == "Community Counselling"
    assert service["ages"] == "12-100"
    assert service["hours"] == "Th,Fr 10:00-18:00"
    assert service["id"] == "community-counselling-ac148810"
    assert service["situations"] == []  # not from our taxonomy: the coordinator picks them


@needs_hsds
def test_official_full_organization_imports_its_contacts_and_place() -> None:
    institution = only_institution(example("organization_full.json"), "organization_full.json")

    assert institution["id"] == "example-organization-inc-d9d5e0f5"
    assert institution["short_name"] == "Example Org"
    assert institution["email"] == "email@example.com"
    assert institution["website"] == "http://example.com"
    assert institution["place"] == "MyCity"
    assert institution["geo"] == [100.0, 101.0]
    assert institution["languages"] == ["ur"]


@needs_hsds
def test_official_example_reports_what_v1_cannot_carry() -> None:
    fields = dropped(example("organization_full.json"), "organization_full.json")

    assert {"organization.funding", "organization.contacts", "service.fees_description"} <= set(
        fields
    )
    assert "service.name" not in fields
    assert "service.minimum_age" not in fields


@needs_hsds
def test_official_service_list_imports_every_service() -> None:
    raw = read_hsds(example("service_list.json"), filename="service_list.json")

    assert isinstance(raw.data, dict)
    services = [s["name"] for i in raw.data["institutions"] for s in i["services"]]
    assert services == ["Community Counselling"]


@needs_hsds
def test_official_tabular_data_package_imports(builtin_gazetteer: Gazetteer) -> None:
    folder = HSDS / "examples" / "csv"
    package = tables_of((path.name, path.read_bytes()) for path in sorted(folder.glob("*.csv")))

    institution = only_institution(package, "examples.zip")

    assert institution["name"] == "Example Organization Inc."
    (service,) = institution["services"]
    assert service["ages"] == "12-100"
    assert service["hours"] == "Th,Fr 10:00-18:00"
    report = check(package, filename="examples.zip", places=builtin_gazetteer)
    assert report.catalog is None  # a UK example: its place is not in Poland
    assert "catalog.unknown_place" in {problem.code for problem in report.errors}


def test_a_data_package_of_our_export_round_trips(builtin_gazetteer: Gazetteer) -> None:
    catalog = rich(builtin_gazetteer)
    package = export_tables(catalog, units=builtin_gazetteer)

    report = check(package, filename="package.zip", places=builtin_gazetteer)

    assert report.catalog is not None, report.errors
    assert document_of(report.catalog) == without_confidential_addresses(document_of(catalog))


@needs_hsds
def test_each_table_of_the_exported_package_validates_row_by_row(
    builtin_gazetteer: Gazetteer, schemas: Registry[Any]
) -> None:
    import csv
    import io
    import zipfile

    package = export_tables(rich(builtin_gazetteer), units=builtin_gazetteer)
    schema_of = {
        json.loads(path.read_text())["path"]: path.name
        for path in (HSDS / "schema").glob("*.json")
        if "path" in json.loads(path.read_text())
    }

    found = []
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        names = archive.namelist()
        for name in names:
            if name.endswith(".csv"):
                required = set(schemas.contents(schema_of[name]).get("required", []))
                for row in csv.DictReader(io.StringIO(archive.read(name).decode())):
                    # an empty cell is missing, except in a required column: an empty text
                    typed = {k: v for k, v in row.items() if v != "" or k in required}
                    typed = {k: v for k, v in typed.items() if k not in NUMBERS}
                    typed |= {k: float(v) for k, v in row.items() if v != "" and k in NUMBERS}
                    found += errors_of(typed, schema_of[name], schemas)
    assert "services.csv" in names
    assert "datapackage.json" in names
    assert found == []


NUMBERS = frozenset({"latitude", "longitude", "minimum_age", "maximum_age"})
