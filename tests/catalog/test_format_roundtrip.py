"""Any document written as YAML or CSV reads back to the same document (same hash)."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.format import (
    CatalogDocument,
    InstitutionDocument,
    ServiceDocument,
    read_csv,
    read_yaml,
    write_csv,
    write_yaml,
)

TEXT = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
ITEM = TEXT.filter(lambda text: ";" not in text)  # list cells in CSV are split on ';'
IDS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)


@st.composite
def documents(draw: st.DrawFn) -> CatalogDocument:
    service_ids = draw(st.lists(IDS, min_size=1, max_size=6, unique=True))
    split = draw(st.integers(min_value=1, max_value=len(service_ids)))
    groups = (
        [service_ids[:split], service_ids[split:]] if split < len(service_ids) else [service_ids]
    )
    institutions = [
        InstitutionDocument(
            id=f"inst-{number}",
            name=draw(TEXT),
            place=draw(st.sampled_from(["Polska", "miasto Siedlce", "1426"])),
            address=draw(st.none() | TEXT),
            geo=draw(st.none() | st.tuples(st.floats(49, 55), st.floats(14, 24))),
            phones=draw(
                st.lists(st.sampled_from(["112", "116 123", "+48 25 600 00 01"]), max_size=2)
            ),
            sources=draw(st.lists(ITEM, max_size=2)),
            checked=draw(st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31))),
            confidential=draw(st.booleans()),
            services=[
                ServiceDocument(
                    id=service_id,
                    name=draw(TEXT),
                    description=draw(st.none() | TEXT),
                    situations=draw(st.lists(st.sampled_from(["poverty", "youth"]), min_size=1)),
                    keywords=draw(st.lists(ITEM, max_size=3)),
                    ages=draw(st.sampled_from([None, "15-25", "-17", "60-"])),
                    area=draw(
                        st.none() | st.lists(st.sampled_from(["Polska", "1426"]), min_size=1)
                    ),
                    crisis=draw(st.booleans()),
                    free=draw(st.booleans()),
                    checked=draw(st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31))),
                    confidential=draw(st.booleans()),
                    hours=draw(st.sampled_from([None, "24/7", "Mo-Fr 08:00-16:00"])),
                    languages=draw(
                        st.none() | st.lists(st.sampled_from(["pl", "uk"]), min_size=1)
                    ),
                )
                for service_id in group
            ],
        )
        for number, group in enumerate(groups)
    ]
    return CatalogDocument(version=1, name=draw(TEXT), institutions=institutions)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_yaml_and_csv_round_trips_keep_the_document_and_its_hash(
    document: CatalogDocument,
) -> None:
    from_yaml = CatalogDocument.model_validate(read_yaml(write_yaml(document).encode()).data)
    from_csv = CatalogDocument.model_validate(
        read_csv(write_csv(document, delimiter=";").encode("utf-8-sig"), filename="k.csv").data
    )

    assert from_yaml == document
    assert from_csv == document
    assert from_csv.content_hash() == from_yaml.content_hash() == document.content_hash()


def test_a_text_that_starts_with_an_apostrophe_and_a_formula_sign_reads_back_as_written() -> None:
    service = ServiceDocument(id="s", name="'=1+1", situations=["poverty"])
    institution = InstitutionDocument(id="i", name="''@x", place="Polska", services=[service])
    document = CatalogDocument(version=1, name="'=", institutions=[institution])

    text = write_csv(document, delimiter=";")
    back = CatalogDocument.model_validate(read_csv(text.encode(), filename="k.csv").data)

    assert back == document
    assert "\n'''@x;" in text or ";'''@x;" in text  # one apostrophe more than written
