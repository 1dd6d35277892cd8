from datetime import date

from catalog.format import (
    CatalogDocument,
    read_csv,
    read_document,
    read_yaml,
    write_csv,
    write_yaml,
)

YAML = b"""\
version: 1
name: Test
updated: 2026-11-01
institutions:
  - id: mopr-siedlce
    name: MOPR
    place: miasto Siedlce
    geo: [52.1676, 22.2901]
    services:
      - id: mopr-zasilki
        name: Zasilki
        situations: [poverty, unemployment]
        ages: 18-
"""

CSV_HEADER = (
    "institution_id;institution_name;place;lat;lon;phones;service_id;service_name;situations"
)


def test_yaml_keeps_the_line_of_every_institution_service_and_key() -> None:
    raw = read_yaml(YAML)

    assert raw.line_of(("institutions", 0)) == 5
    assert raw.line_of(("institutions", 0, "services", 0)) == 10
    assert raw.line_of(("institutions", 0, "services", 0, "situations")) == 12
    assert raw.line_of(("institutions", 0, "services", 0, "situations", 1)) == 12
    assert raw.line_of(("institutions", 0, "services", 0, "nonexistent")) == 10


def test_yaml_document_reads_into_the_models_with_dates_and_geo() -> None:
    document = CatalogDocument.model_validate(read_yaml(YAML).data)

    assert document.updated == date(2026, 11, 1)
    assert document.institutions[0].geo == (52.1676, 22.2901)
    assert document.institutions[0].services[0].ages == "18-"


def test_yaml_key_given_twice_is_reported_with_its_line() -> None:
    raw = read_yaml(b"version: 1\nname: A\nname: B\n")

    assert [(p.code, p.line, p.params["key"]) for p in raw.problems] == [
        ("catalog.duplicate_key", 3, "name")
    ]


def test_yaml_syntax_error_gives_the_line() -> None:
    raw = read_yaml(b"version: 1\nname: [unclosed\ninstitutions: []\n")

    assert raw.data is None
    assert raw.problems[0].code == "catalog.yaml_syntax"
    assert raw.problems[0].line == 3


def test_csv_with_semicolons_and_bom_groups_rows_into_institutions() -> None:
    text = "\n".join(
        [
            CSV_HEADER,
            "mopr;MOPR;miasto Siedlce;52,1676;22,2901;112;mopr-a;A;poverty; family",
            "mopr;MOPR;miasto Siedlce;52,1676;22,2901;112;mopr-b;B;housing",
            "pup;PUP;miasto Siedlce;;;;pup-a;C;unemployment",
        ]
    )
    # a cell with ';' inside must be quoted in a ';'-separated file
    text = text.replace("poverty; family", '"poverty; family"')

    raw = read_csv(b"\xef\xbb\xbf" + text.encode("utf-8"), filename="kus.csv")
    document = CatalogDocument.model_validate(raw.data)

    assert raw.problems == ()
    assert [i.id for i in document.institutions] == ["mopr", "pup"]
    assert [s.id for s in document.institutions[0].services] == ["mopr-a", "mopr-b"]
    assert document.institutions[0].services[0].situations == ["poverty", "family"]
    assert document.institutions[0].geo == (52.1676, 22.2901)
    assert document.name == "kus"
    assert raw.line_of(("institutions", 1, "services", 0)) == 4


def test_csv_with_commas_and_any_column_order() -> None:
    text = (
        "service_id,situations,service_name,place,institution_name,institution_id\n"
        "a,poverty;housing,Usługa,Polska,Inst,inst\n"
    )

    document = CatalogDocument.model_validate(read_csv(text.encode(), filename="x.csv").data)

    assert document.institutions[0].services[0].situations == ["poverty", "housing"]
    assert document.institutions[0].place == "Polska"


def test_csv_institution_columns_that_disagree_are_reported_on_the_later_row() -> None:
    text = "\n".join(
        [
            CSV_HEADER,
            "mopr;MOPR;miasto Siedlce;;;112;mopr-a;A;poverty",
            "mopr;MOPR Siedlce;miasto Siedlce;;;112;mopr-b;B;housing",
        ]
    )

    raw = read_csv(text.encode(), filename="kus.csv")

    assert [(p.code, p.line, p.params["column"], p.params["row"]) for p in raw.problems] == [
        ("catalog.csv_disagree", 3, "institution_name", 2)
    ]


def test_csv_missing_required_column_is_reported_once() -> None:
    raw = read_csv(
        b"institution_id,institution_name,place,service_id,service_name\n", filename="a.csv"
    )

    assert [(p.code, p.params["column"]) for p in raw.problems] == [
        ("catalog.csv_missing_column", "situations")
    ]


def test_file_kind_follows_the_name_then_the_content() -> None:
    assert read_document(YAML, filename="catalog.yaml").kind == "yaml"
    assert read_document(CSV_HEADER.encode(), filename="upload").kind == "csv"


def test_yaml_and_csv_exports_read_back_to_the_same_document() -> None:
    document = CatalogDocument.model_validate(read_yaml(YAML).data)

    from_yaml = CatalogDocument.model_validate(read_yaml(write_yaml(document).encode()).data)
    from_csv = CatalogDocument.model_validate(
        read_csv(write_csv(document).encode(), filename="x.csv").data
    )

    assert from_yaml == document
    assert from_csv == document
    assert from_csv.content_hash() == document.content_hash()


def test_empty_or_comment_only_yaml_is_reported_as_empty() -> None:
    assert [p.code for p in read_yaml(b"# nothing yet\n").problems] == ["catalog.empty_file"]
    assert [p.code for p in read_yaml(b"").problems] == ["catalog.empty_file"]
