"""`checked` (when the data was last confirmed) and `confidential` (never show where it is):
read from YAML and CSV, inherited by services, exported, and checked."""

from __future__ import annotations

from datetime import date

from catalog.assemble import document_of, without_confidential_places
from catalog.format import write_csv, write_yaml
from catalog.freshness import freshness_of, months_before
from catalog.places_store import builtin_gazetteer
from catalog.validation import Report, check

PLACES = builtin_gazetteer()

SHELTER = """\
version: 1
name: Katalog
institutions:
  - id: schronisko
    name: Schronisko
    confidential: true
    address: "ul. Ukryta 7, 08-110 Siedlce"
    geo: [52.1676, 22.2901]
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    checked: 2026-12-02
    services:
      - id: schronisko-pobyt
        name: Pobyt
        situations: [domestic_violence]
      - id: schronisko-porady
        name: Porady
        situations: [domestic_violence]
        checked: 2025-03-01
  - id: mops
    name: MOPS
    address: "ul. Jawna 1, 08-110 Siedlce"
    place: miasto Siedlce
    email: mops@example.org
    services:
      - id: mops-zasilki
        name: Zasiłki
        situations: [poverty]
"""


def checked(text: str, filename: str = "katalog.yaml") -> Report:
    return check(text.encode(), filename=filename, places=PLACES)


def test_services_inherit_the_institutions_checked_date_unless_they_have_their_own() -> None:
    catalog = checked(SHELTER).catalog

    assert catalog is not None
    dates = {service.id: service.checked for service in catalog.services}
    assert dates == {
        "schronisko-pobyt": date(2026, 12, 2),
        "schronisko-porady": date(2025, 3, 1),
        "mops-zasilki": None,
    }


def test_checked_and_confidential_round_trip_through_yaml_and_csv_exports() -> None:
    catalog = checked(SHELTER).catalog
    assert catalog is not None

    from_yaml = checked(write_yaml(document_of(catalog))).catalog
    from_csv = checked(write_csv(document_of(catalog), delimiter=";"), "katalog.csv").catalog

    assert from_yaml is not None
    assert from_csv is not None
    assert from_yaml.content_hash == catalog.content_hash
    assert document_of(from_csv) == document_of(catalog)
    shelter = from_csv.service("schronisko-pobyt")
    assert shelter is not None
    assert shelter.confidential
    assert shelter.checked == date(2026, 12, 2)


def test_a_confidential_service_of_an_open_institution_is_confidential_alone() -> None:
    text = SHELTER.replace(
        "        name: Zasiłki\n", "        name: Zasiłki\n        confidential: true\n"
    ).replace("    email: mops@example.org\n", '    phones: ["+48 25 600 00 02"]\n')

    catalog = checked(text).catalog

    assert catalog is not None
    flags = {service.id: service.confidential for service in catalog.services}
    assert flags == {"schronisko-pobyt": True, "schronisko-porady": True, "mops-zasilki": True}
    mops = catalog.service("mops-zasilki")
    assert mops is not None
    assert mops.shown_address is None
    assert mops.institution.address == "ul. Jawna 1, 08-110 Siedlce"  # kept for coordinators


def test_a_confidential_entry_without_a_phone_is_refused() -> None:
    text = SHELTER.replace('    phones: ["+48 25 600 00 01"]\n', "    email: s@example.org\n")

    report = checked(text)

    assert report.catalog is None
    assert {(p.code, p.service_id) for p in report.errors} == {
        ("catalog.confidential_no_phone", "schronisko-pobyt"),
        ("catalog.confidential_no_phone", "schronisko-porady"),
    }


def test_a_public_export_has_no_address_or_coordinates_of_confidential_places() -> None:
    catalog = checked(SHELTER).catalog
    assert catalog is not None

    public = without_confidential_places(document_of(catalog))

    text = write_yaml(public) + write_csv(public)
    assert "Ukryta" not in text
    assert "52.1676" not in text
    assert "+48 25 600 00 01" in text  # the intake phone stays
    assert "ul. Jawna 1" in text  # other places keep theirs


def test_freshness_lists_never_checked_then_oldest_entries() -> None:
    catalog = checked(SHELTER).catalog
    assert catalog is not None

    found = freshness_of(catalog, date(2026, 12, 2))

    assert [s.id for s in found.never] == ["mops-zasilki"]
    assert [s.id for s in found.stale] == ["schronisko-porady"]
    assert found.since == date(2025, 12, 2)
    assert [s.id for s in found.oldest(5)] == ["mops-zasilki", "schronisko-porady"]


def test_a_year_before_the_29th_of_february_is_the_28th() -> None:
    assert months_before(date(2028, 2, 29), 12) == date(2027, 2, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
