from catalog.assemble import document_of
from catalog.format import read_document, write_csv
from catalog.model import Catalog
from catalog.partnerships import (
    as_partnership,
    loaded_as,
    merge,
    partnerships_at,
    qualified_id,
)
from catalog.search import Query, SearchIndex
from catalog.validation import check
from tests.builders import (
    MORDY,
    SIEDLCE,
    FakePlaces,
    catalog_with,
    institution,
    service,
)

SIEDLCE_YAML = b"""\
version: 1
name: Katalog Siedlce
partnership: siedlce
institutions:
  - id: mopr-siedlce
    name: MOPR Siedlce
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    services:
      - id: mopr-zasilki
        name: Zasilki
        situations: [poverty]
"""


def two_partnerships() -> tuple[Catalog, Catalog]:
    siedlce = catalog_with(
        service("zasilki", institution=institution("gops", name="MOPR Siedlce")),
        name="Katalog Siedlce",
        partnership="siedlce",
    )
    mordy = catalog_with(
        service(
            "zasilki",
            institution=institution("gops", name="GOPS Mordy", place=MORDY),
            areas=[MORDY],
        ),
        name="Katalog Mordy",
        partnership="mordy",
    )
    return siedlce, mordy


def test_one_catalogue_is_served_as_it_is() -> None:
    only = catalog_with(service("a"))

    assert merge([only]) is only


def test_the_same_id_in_two_partnerships_is_qualified_in_the_later_one() -> None:
    siedlce, mordy = two_partnerships()

    merged = merge([siedlce, mordy])

    assert [s.id for s in merged.services] == ["zasilki", "siedlce_zasilki"]
    assert [i.id for i in merged.institutions] == ["gops", "siedlce_gops"]
    assert merged.service("siedlce_zasilki").institution.name == "MOPR Siedlce"  # type: ignore[union-attr]
    assert merged.partnership_of("zasilki") == "mordy"
    assert merged.partnership_of("siedlce_zasilki") == "siedlce"
    assert [s.origin for s in merged.services] == ["Katalog Mordy", "Katalog Siedlce"]
    assert qualified_id("siedlce", "zasilki") == "siedlce_zasilki"


def test_search_of_merged_catalogues_keeps_each_services_eligibility() -> None:
    siedlce, mordy = two_partnerships()
    index = SearchIndex(merge([siedlce, mordy]))

    in_mordy = index.search(Query(situations=frozenset({"poverty"}), gmina=MORDY.code))
    in_siedlce = index.search(Query(situations=frozenset({"poverty"}), gmina=SIEDLCE.code))

    assert [m.service.id for m in in_mordy.matches] == ["zasilki"]
    assert [m.service.id for m in in_siedlce.matches] == ["siedlce_zasilki"]


def test_merged_hash_changes_with_any_partnerships_catalogue() -> None:
    siedlce, mordy = two_partnerships()
    other = catalog_with(service("inne"), name="Katalog Siedlce", partnership="siedlce")

    assert merge([siedlce, mordy]).content_hash != merge([other, mordy]).content_hash
    assert merge([siedlce, mordy]).content_hash == merge([mordy, siedlce]).content_hash


def test_a_gminas_partnerships_are_those_with_local_services_there() -> None:
    siedlce, mordy = two_partnerships()

    assert partnerships_at([siedlce, mordy], MORDY.code) == ["mordy"]
    assert partnerships_at([siedlce, mordy], None) == []


def test_partnership_is_read_from_yaml_and_csv_and_hashed() -> None:
    report = check(SIEDLCE_YAML, filename="k.yaml", places=FakePlaces())
    without = check(
        SIEDLCE_YAML.replace(b"partnership: siedlce\n", b""),
        filename="k.yaml",
        places=FakePlaces(),
    )

    assert report.catalog is not None
    assert without.catalog is not None
    assert report.catalog.partnership == "siedlce"
    assert without.catalog.partnership == ""
    assert report.catalog.content_hash != without.catalog.content_hash
    csv = write_csv(document_of(report.catalog)).encode()
    assert "catalog_partnership" in csv.decode().splitlines()[0]
    from_csv = check(csv, filename="k.csv", places=FakePlaces())
    assert from_csv.catalog is not None
    assert from_csv.catalog.partnership == "siedlce"
    assert from_csv.catalog.content_hash == report.catalog.content_hash
    assert read_document(csv, filename="k.csv").data["partnership"] == "siedlce"  # type: ignore[index]


def test_a_bad_partnership_id_is_an_error() -> None:
    report = check(
        SIEDLCE_YAML.replace(b"siedlce\ninst", b"Siedlce Miasto\ninst"),
        filename="k.yaml",
        places=FakePlaces(),
    )

    assert report.catalog is None
    assert [p.code for p in report.errors] == ["catalog.bad_id"]


def test_a_file_without_a_partnership_can_be_loaded_as_one() -> None:
    without = check(
        SIEDLCE_YAML.replace(b"partnership: siedlce\n", b""),
        filename="k.yaml",
        places=FakePlaces(),
    ).catalog
    named = check(SIEDLCE_YAML, filename="k.yaml", places=FakePlaces()).catalog
    assert without is not None
    assert named is not None

    assigned = as_partnership(without, "siedlce")

    assert assigned is not None
    assert assigned.partnership == "siedlce"
    assert assigned.content_hash == named.content_hash
    assert as_partnership(named, "mordy") is None
    assert as_partnership(named, None) is named


def test_whose_catalogue_a_file_becomes_depends_on_who_loads_it() -> None:
    assert loaded_as("siedlce", None) == "siedlce"
    assert loaded_as("", None) == ""
    assert loaded_as("siedlce", frozenset({"siedlce"})) == "siedlce"
    assert loaded_as("", frozenset({"siedlce"})) == "siedlce"
    assert loaded_as("", frozenset({"siedlce", "mordy"})) is None
    assert loaded_as("mordy", frozenset({"siedlce"})) is None
