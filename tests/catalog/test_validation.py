import copy
import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from catalog.assemble import document_of
from catalog.format import CSV_COLUMNS, MODEL_KEYS, write_csv, write_yaml
from catalog.model import AgeRange, Phone
from catalog.places_store import builtin_gazetteer
from catalog.validation import (
    Hint,
    Problem,
    Report,
    check,
    load_sample,
    situation_named,
    suggest_situation,
)
from catalog.values import is_valid_email, parse_phone
from catalog.vocabulary import vocabulary
from tests.builders import FakePlaces
from tests.conftest import SHARED

VALID = """\
version: 1
name: Katalog testowy
institutions:
  - id: mopr-siedlce
    name: Miejski Ośrodek Pomocy Rodzinie w Siedlcach
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    email: mopr@example.org
    website: https://example.org
    hours: Mo-Fr 07:30-15:30
    services:
      - id: mopr-zasilki
        name: Zasiłki
        situations: [poverty]
      - id: mopr-przemoc
        name: Przeciwdziałanie przemocy
        situations: [domestic_violence]
        phones: ["116 123"]
        ages: 18-
        area: [miasto Siedlce, powiat siedlecki]
  - id: telefon-116-111
    name: Telefon Zaufania dla Dzieci i Młodzieży
    place: Polska
    phones: ["116 111"]
    services:
      - id: 116-111-rozmowa
        name: Rozmowa
        situations: [youth, mental_health]
        ages: "-18"
        crisis: true
        hours: 24/7
        languages: [pl, uk]
"""


PLACES = builtin_gazetteer()


def checked(text: str, *, filename: str = "katalog.yaml") -> Report:
    return check(text.encode("utf-8"), filename=filename, places=PLACES)


def only_error(text: str, *, filename: str = "katalog.yaml") -> Problem:
    report = checked(text, filename=filename)
    assert report.catalog is None
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


def test_valid_file_becomes_a_catalogue_with_places_resolved_and_contacts_inherited() -> None:
    report = checked(VALID)

    catalog = report.catalog
    assert catalog is not None
    assert report.errors == ()
    zasilki, przemoc, telefon = catalog.services
    assert [a.code for a in przemoc.areas] == ["146401", "1426"]
    assert zasilki.areas[0].code == "146401"
    assert telefon.areas[0].code == ""
    assert zasilki.contact.phones == (
        Phone(written="+48 25 600 00 01", dial="+48256000001", display="+48 25 600 00 01"),
    )
    assert przemoc.contact.phones == (Phone(written="116 123", dial="116123", display="116 123"),)
    assert przemoc.contact.email == "mopr@example.org"
    assert przemoc.ages == AgeRange(low=18)
    assert telefon.ages == AgeRange(high=18)
    assert telefon.contact.languages == ("pl", "uk")
    assert zasilki.contact.languages == ("pl",)
    assert len(catalog.content_hash) == 64


def test_yaml_syntax_error_is_reported_with_its_line() -> None:
    problem = only_error(VALID.replace("situations: [poverty]", "situations: [poverty"))

    assert problem.code == "catalog.yaml_syntax"
    assert problem.line is not None


def test_file_that_is_not_utf8_is_refused_with_a_reason() -> None:
    report = check(VALID.encode("cp1250"), filename="katalog.yaml", places=PLACES)

    assert [p.code for p in report.errors] == ["catalog.not_utf8"]


def test_wrong_version_is_an_error() -> None:
    problem = only_error(VALID.replace("version: 1", "version: 2"))

    assert (problem.code, problem.line, problem.params["found"]) == ("catalog.bad_version", 1, "2")


def test_missing_required_field_names_the_field_and_the_service() -> None:
    problem = only_error(VALID.replace("        name: Zasiłki\n", ""))

    assert (problem.code, problem.params["field"]) == ("catalog.missing_field", "name")
    assert (problem.institution_id, problem.service_id, problem.line) == (
        "mopr-siedlce",
        "mopr-zasilki",
        12,
    )


def test_unknown_key_is_an_error_suggesting_the_key_meant() -> None:
    problem = only_error(
        VALID.replace(
            "situations: [poverty]", "situatons: [poverty]\n        situations: [poverty]"
        )
    )

    assert (problem.code, problem.params["key"], problem.line) == (
        "catalog.unknown_key",
        "situatons",
        14,
    )
    assert problem.hint == Hint("catalog.hint.did_you_mean", {"suggestion": "situations"})


def test_bad_id_format_suggests_a_valid_id() -> None:
    problem = only_error(VALID.replace("id: mopr-zasilki", "id: MOPR Zasiłki"))

    assert (problem.code, problem.field, problem.params["id"]) == (
        "catalog.bad_id",
        "id",
        "MOPR Zasiłki",
    )
    assert problem.hint == Hint("catalog.hint.did_you_mean", {"suggestion": "mopr-zasilki"})


def test_duplicate_service_id_points_at_the_first_one() -> None:
    problem = only_error(VALID.replace("id: mopr-przemoc", "id: mopr-zasilki"))

    assert (problem.code, problem.line, problem.params["first"]) == (
        "catalog.duplicate_service",
        15,
        12,
    )


def test_duplicate_institution_id_is_an_error() -> None:
    problem = only_error(VALID.replace("id: telefon-116-111", "id: mopr-siedlce"))

    assert (problem.code, problem.params["id"]) == (
        "catalog.duplicate_institution",
        "mopr-siedlce",
    )


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("przemoc", "domestic_violence"),
        ("domestic_violance", "domestic_violence"),
        ("bezrobocie", "unemployment"),
        ("mieszkanie", "housing"),
        # Words the vocabulary only hints with still suggest what they point at.
        ("dzieci", "family"),
        ("money", "poverty"),
        ("opieka", "elderly_care"),
        ("młodzi", "youth"),
        # Words added to the vocabulary for coordinators (and residents).
        ("legal", "legal_aid"),
        ("klęska", "crisis_event"),
        ("foster", "foster_care_leaving"),
        ("old age", "elderly_care"),
        ("handicap", "disability"),
        ("wielodzietność", "family"),
        # The vocabulary decides, as it does for residents: art. 7's "sytuacja kryzysowa" is a
        # sudden event, foster care itself is family support (leaving it is
        # foster_care_leaving), and Polish "sąd" is a court before English "sad".
        ("kryzys", "crisis_event"),
        ("piecza zastępcza", "family"),
        ("sąd", "legal_aid"),
    ],
)
def test_unknown_situation_suggests_the_key_meant(written: str, meant: str) -> None:
    problem = only_error(VALID.replace("situations: [poverty]", f"situations: [{written}]"))

    assert (problem.code, problem.params["situation"], problem.line) == (
        "catalog.unknown_situation",
        written,
        14,
    )
    assert problem.hint == Hint("catalog.hint.did_you_mean", {"suggestion": meant})


def test_a_hint_suggests_a_situation_but_does_not_name_one() -> None:
    assert (situation_named("dzieci"), suggest_situation("dzieci")) == (None, "family")


def test_a_hyphenated_vocabulary_phrase_names_its_situation() -> None:
    assert (situation_named("ex-offender"), situation_named("ex offender")) == (
        "after_prison",
        "after_prison",
    )


def test_every_phrase_of_the_vocabulary_names_the_situation_it_is_first_listed_under() -> None:
    named = vocabulary().situation_words()

    wrong = {text: (key, situation_named(text)) for text, key in named.items()}
    wrong = {text: keys for text, keys in wrong.items() if keys[0] != keys[1]}

    assert wrong == {}


def test_unknown_place_is_an_error_with_suggestions() -> None:
    problem = only_error(
        VALID.replace("area: [miasto Siedlce, powiat siedlecki]", "area: [Mordu]")
    )

    assert (problem.code, problem.params["place"], problem.field) == (
        "catalog.unknown_place",
        "Mordu",
        "area",
    )
    assert problem.hint == Hint("catalog.hint.did_you_mean", {"suggestion": "Mordy"})


def test_ambiguous_place_lists_the_candidates() -> None:
    problem = only_error(VALID.replace("place: miasto Siedlce", "place: Siedlce"))

    assert (problem.code, problem.line) == ("catalog.ambiguous_place", 6)
    assert {unit.teryt for unit in problem.places} == {"1464011", "1426082"}


@pytest.mark.parametrize(
    "written",
    [
        "112",
        "116 111",
        "116 123",
        "19524",
        "800 12 12 12",
        "800 120 002",
        "+380 44 123 4567",
        "22 123 45 67",
    ],
)
def test_polish_short_toll_free_and_international_numbers_are_accepted(written: str) -> None:
    assert isinstance(parse_phone(written), Phone)


def test_short_number_keeps_its_digits_for_dialling() -> None:
    assert parse_phone("116 111") == Phone(written="116 111", dial="116111", display="116 111")
    assert parse_phone("112") == Phone(written="112", dial="112", display="112")


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("25 123", "catalog.phone_too_short"),
        ("+48 25 600 00 011 22", "catalog.phone_too_long"),
        ("zadzwoń", "catalog.bad_phone"),
        ("+48 25 600 00 0", "catalog.bad_phone"),
    ],
)
def test_bad_phone_says_what_is_wrong(written: str, code: str) -> None:
    problem = only_error(VALID.replace('phones: ["116 123"]', f'phones: ["{written}"]'))

    assert (problem.code, problem.params["phone"], problem.line) == (code, written, 18)


def test_bad_email_is_an_error() -> None:
    problem = only_error(VALID.replace("mopr@example.org", "mopr@example"))

    assert (problem.code, problem.params["email"]) == ("catalog.bad_email", "mopr@example")


@pytest.mark.parametrize(
    "url", ["ftp://example.org", "javascript:alert(1)", "https://exa mple.org"]
)
def test_website_must_be_http_or_https(url: str) -> None:
    problem = only_error(VALID.replace("https://example.org", url))

    assert (problem.code, problem.params["url"]) == ("catalog.bad_url", url)


def test_website_without_scheme_suggests_https() -> None:
    problem = only_error(VALID.replace("https://example.org", "www.example.org"))

    assert problem.hint == Hint(
        "catalog.hint.did_you_mean", {"suggestion": "https://www.example.org"}
    )


def test_bad_hours_say_where() -> None:
    problem = only_error(VALID.replace("Mo-Fr 07:30-15:30", "Pn-Pt 7-15"))

    assert (problem.code, problem.params["near"], problem.line) == (
        "catalog.bad_hours",
        "Pn-Pt 7-15",
        10,
    )


@pytest.mark.parametrize(
    ("ages", "code"),
    [
        ("25-15", "catalog.ages_reversed"),
        ("dorośli", "catalog.bad_ages"),
        ("18", "catalog.bad_ages"),
    ],
)
def test_bad_ages_are_errors(ages: str, code: str) -> None:
    problem = only_error(VALID.replace("ages: 18-", f"ages: '{ages}'"))

    assert (problem.code, problem.params["ages"]) == (code, ages)


def test_country_code_instead_of_language_code_suggests_the_language() -> None:
    problem = only_error(VALID.replace("languages: [pl, uk]", "languages: [pl, ua]"))

    assert (problem.code, problem.params["language"]) == ("catalog.bad_language", "ua")
    assert problem.hint == Hint("catalog.hint.did_you_mean", {"suggestion": "uk"})


def test_coordinates_out_of_range_are_an_error() -> None:
    problem = only_error(
        VALID.replace("    place: Polska\n", "    place: Polska\n    geo: [152.1, 22.3]\n")
    )

    assert (problem.code, problem.institution_id) == ("catalog.bad_geo", "telefon-116-111")


def test_wrong_type_and_empty_list_are_errors() -> None:
    report = checked(
        VALID.replace("situations: [poverty]", "situations: poverty").replace(
            "situations: [domestic_violence]", "situations: []"
        )
    )

    assert sorted(p.code for p in report.errors) == ["catalog.empty_list", "catalog.expected_list"]


def test_csv_institution_columns_that_disagree_are_an_error_with_the_row() -> None:
    text = (
        "institution_id;institution_name;place;phones;service_id;service_name;situations\n"
        "mopr;MOPR;miasto Siedlce;112;mopr-a;A;poverty\n"
        "mopr;MOPR;miasto Siedlce;997;mopr-b;B;housing\n"
    )

    problem = only_error(text, filename="katalog.csv")

    assert (problem.code, problem.line, problem.unit, problem.institution_id) == (
        "catalog.csv_disagree",
        3,
        "row",
        "mopr",
    )


def test_csv_syntax_error_is_reported() -> None:
    problem = only_error('institution_id,institution_name\n"mopr,MOPR\n', filename="k.csv")

    assert problem.code == "catalog.csv_syntax"


def test_warnings_for_no_contact_own_place_not_served_and_crisis_not_24_7() -> None:
    text = (
        VALID.replace(
            '    phones: ["+48 25 600 00 01"]\n    email: mopr@example.org\n    website: https://example.org\n',
            "",
        )
        .replace("        hours: 24/7\n", "        hours: Mo-Fr 08:00-16:00\n")
        .replace(
            "        situations: [poverty]\n",
            "        situations: [poverty]\n        area: [powiat siedlecki]\n",
        )
        .replace("area: [miasto Siedlce, powiat siedlecki]", "area: [powiat siedlecki]")
    )

    report = checked(text)

    assert report.catalog is not None
    assert sorted((p.code, p.service_id or p.institution_id) for p in report.warnings) == [
        ("catalog.crisis_not_24_7", "116-111-rozmowa"),
        ("catalog.no_contact", "mopr-zasilki"),
        ("catalog.own_place_not_served", "mopr-siedlce"),
    ]


TWENTY_MISTAKES = """\
version: 2
name: Katalog z błędami
institutions:
  - id: MOPR Siedlce
    name: Miejski Ośrodek Pomocy Rodzinie
    place: Siedlce
    adres: ul. Przykładowa 1
    phones: ["25 123", "+48 25 600 00 0"]
    email: mopr@@example.org
    website: ftp://example.org
    hours: Pn-Pt 8-16
    languages: [pl, ua]
    geo: [252.1, 22.3]
    services:
      - id: mopr-a
        name: Zasiłki
        situations: [przemoc, bieda]
        ages: 25-15
        area: [Mordu]
      - id: mopr-a
        situatons: [poverty]
        situations: [poverty]
      - id: mopr-c
        name: Usługi
        situations: [poverty]
        ages: dorośli
        crisis: maybe
"""


def test_twenty_planted_mistakes_are_all_reported_in_one_run() -> None:
    report = checked(TWENTY_MISTAKES)

    codes = sorted(p.code for p in report.errors)
    assert report.catalog is None
    assert len(report.errors) == 20, codes
    assert codes == sorted(
        [
            "catalog.bad_id",
            "catalog.ambiguous_place",
            "catalog.unknown_key",
            "catalog.phone_too_short",
            "catalog.bad_phone",
            "catalog.bad_email",
            "catalog.bad_url",
            "catalog.bad_hours",
            "catalog.bad_language",
            "catalog.bad_geo",
            "catalog.unknown_situation",
            "catalog.unknown_situation",
            "catalog.ages_reversed",
            "catalog.unknown_place",
            "catalog.duplicate_service",
            "catalog.unknown_key",
            "catalog.missing_field",
            "catalog.bad_ages",
            "catalog.expected_boolean",
            "catalog.bad_version",
        ]
    )


def test_yaml_and_csv_exports_check_back_to_the_same_catalogue() -> None:
    original = checked(VALID).catalog
    assert original is not None

    from_yaml = checked(write_yaml(document_of(original), header="export"))
    from_csv = checked(write_csv(document_of(original)), filename="export.csv")

    assert from_yaml.catalog is not None
    assert from_csv.catalog is not None
    assert from_yaml.catalog.content_hash == original.content_hash
    assert from_csv.catalog.content_hash == original.content_hash
    assert from_csv.catalog.services == original.services


def test_bundled_sample_validates_with_no_errors_on_the_built_in_places() -> None:
    path = Path(__file__).resolve().parents[2] / "catalog" / "data" / "sample-catalog.yaml"

    report = check(path.read_bytes(), filename=path.name, places=PLACES)

    assert report.errors == ()
    assert report.catalog is not None
    assert {s.id for s in report.catalog.services if s.crisis} >= {"112-pomoc", "116-123-rozmowa"}


def test_evaluation_catalogue_validates_on_the_built_in_places() -> None:
    path = SHARED / "eval" / "catalog.yaml"
    if not path.exists():
        pytest.skip("the shared evaluation set is not here")

    report = check(path.read_bytes(), filename=path.name, places=PLACES)

    assert report.errors == ()
    assert report.catalog is not None
    assert len(report.catalog.services) == 25


def test_fake_places_of_the_builders_agree_with_the_gazetteer_on_the_sample() -> None:
    catalog = load_sample(FakePlaces())

    assert catalog.services == load_sample(PLACES).services


def test_load_sample_gives_the_sample_catalogue() -> None:
    catalog = load_sample(PLACES)

    assert catalog.name == "Przykładowy katalog usług społecznych"
    assert catalog.service("zielona-linia-informacja") is not None


def test_csv_crisis_line_not_open_all_day_is_a_warning() -> None:
    text = (
        "institution_id,institution_name,place,phones,hours,service_id,service_name,situations,crisis\n"
        "linia,Linia,Polska,116 123,Mo-Fr 08:00-16:00,linia-tel,Telefon,mental_health,tak\n"
    )

    report = checked(text, filename="k.csv")

    assert report.catalog is not None
    assert report.catalog.services[0].crisis
    assert [(p.code, p.line, p.unit) for p in report.warnings] == [
        ("catalog.crisis_not_24_7", 2, "row")
    ]


SPELLED_DIFFERENTLY = """\
version: 1
name: Katalog testowy
institutions:
  - id: mopr-siedlce
    name: Miejski Ośrodek Pomocy Rodzinie w Siedlcach
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    email: mopr@example.org
    languages: [PL, uk]
    services:
      - id: mopr-zasilki
        name: Zasiłki
        situations: [poverty]
        phones: ["+48 25 600 00 01"]
        email: mopr@example.org
        languages: [pl, UK]
        area: [miasto Siedlce]
        ages: "18 - 64"
        free: true
"""
SAME_CATALOGUE_PLAINLY = """\
version: 1
name: Katalog testowy
institutions:
  - id: mopr-siedlce
    name: Miejski Ośrodek Pomocy Rodzinie w Siedlcach
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    email: mopr@example.org
    languages: [pl, uk]
    services:
      - id: mopr-zasilki
        name: Zasiłki
        situations: [poverty]
        ages: 18-64
"""


def test_the_same_catalogue_written_two_ways_has_the_same_hash() -> None:
    spelled = checked(SPELLED_DIFFERENTLY).catalog
    plain = checked(SAME_CATALOGUE_PLAINLY).catalog

    assert spelled is not None
    assert plain is not None
    assert spelled.services == plain.services
    assert spelled.content_hash == plain.content_hash


def test_export_of_a_catalogue_written_with_repeats_checks_back_to_it() -> None:
    original = checked(SPELLED_DIFFERENTLY).catalog
    assert original is not None

    exported = write_yaml(document_of(original))
    again = checked(exported).catalog

    assert again is not None
    assert again.services == original.services
    assert again.content_hash == original.content_hash
    assert "18-64" in exported
    assert exported.count("+48 25 600 00 01") == 1  # the service inherits it


def test_catalogue_does_not_keep_the_file_it_was_read_from() -> None:
    catalog = checked(VALID).catalog
    assert catalog is not None

    assert "document" not in vars(catalog)
    assert document_of(catalog).institutions[0].id == "mopr-siedlce"


LOCAL_PARTS = st.from_regex(r"[A-Za-z0-9._%+-]{1,70}", fullmatch=True)
DOMAINS = st.from_regex(r"[A-Za-z0-9.-]{1,20}\.(pl|org|test|local|c0m|p|xn--zca)", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(LOCAL_PARTS, DOMAINS | st.sampled_from(["localhost", "example.org", "mops.pl"]))
def test_email_check_by_domain_agrees_with_the_whole_check(local: str, domain: str) -> None:
    address = f"{local}@{domain}"

    try:
        validate_email(address, check_deliverability=False)
        expected = True
    except EmailNotValidError:
        expected = False

    assert is_valid_email(address) is expected


def test_alias_bomb_is_refused_at_once_with_its_line() -> None:
    """Nine levels of ten aliases: 580 bytes that stand for 10**9 keywords when expanded."""
    bomb = ['x0: &a0 ["lol"]']
    bomb += [f"x{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    used = VALID.replace("[poverty]\n", "[poverty]\n        keywords: *a9\n", 1)

    problem = only_error("\n".join(bomb) + "\n" + used)

    assert len("\n".join(bomb)) < 600
    assert problem.code == "catalog.yaml_anchor"
    assert problem.line == 1


def test_error_lines_show_a_short_preview_of_long_values() -> None:
    long_phone = "12" * 5000
    long_place = "Siedlce " * 1000

    report = checked(
        VALID.replace('"+48 25 600 00 01"', f'"{long_phone}"').replace(
            "place: Polska", f"place: {long_place}"
        )
    )

    shown = [str(value) for problem in report.errors for value in problem.params.values()]
    assert shown
    assert max(map(len, shown)) <= 80
    assert any(value.endswith("…") for value in shown)


def test_more_keywords_than_the_limit_is_an_error_with_the_count() -> None:
    keywords = ", ".join(f"słowo{n}" for n in range(101))

    problem = only_error(
        VALID.replace(
            "situations: [poverty]", f"situations: [poverty]\n        keywords: [{keywords}]"
        )
    )

    assert problem.code == "catalog.too_many_keywords"
    assert dict(problem.params) == {"count": 101, "limit": 100}
    assert problem.field == "keywords"


def test_an_empty_area_is_an_error_not_a_crash() -> None:
    problem = only_error(VALID.replace("area: [miasto Siedlce, powiat siedlecki]", 'area: [""]'))

    assert problem.code == "catalog.empty_value"
    assert problem.field == "area"
    assert problem.service_id == "mopr-przemoc"


# --- generated bad catalogues: every input is accepted or reported, nothing escapes ---------

_VALID_DATA: dict[str, Any] = yaml.safe_load(VALID)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["", " ", "Siedlce", "Nowa Wieś", "Polska", "0", "-", "24/7", "x" * 300])
    | st.text(max_size=30)
)
_PLACE_LISTS = st.lists(
    st.sampled_from(["", " ", "Siedlce", "Nowa Wieś", "Polska", "1426"]), max_size=3
)
_VALUES = _PLACE_LISTS | st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_FIELDS = {
    "catalog": ["version", "name", "updated", "institutions", "extra"],
    "institution": [*MODEL_KEYS["institution"], "extra"],
    "service": [*MODEL_KEYS["service"], "extra"],
}


def _target(draw: st.DrawFn, data: dict[str, Any], level: str) -> dict[str, Any]:
    """The catalogue itself, one of its institutions or one of their services."""
    institutions = data.get("institutions")
    if level == "catalog" or not isinstance(institutions, list) or not institutions:
        return data
    institution = draw(st.sampled_from(institutions))
    if not isinstance(institution, dict):
        return data
    services = institution.get("services")
    if level == "institution" or not isinstance(services, list) or not services:
        return institution
    service = draw(st.sampled_from(services))
    return service if isinstance(service, dict) else institution


@st.composite
def _broken_catalogues(draw: st.DrawFn) -> dict[str, Any]:
    """The valid catalogue with a few fields, at any level, set to anything at all."""
    data: dict[str, Any] = copy.deepcopy(_VALID_DATA)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        level = draw(st.sampled_from(sorted(_FIELDS)))
        _target(draw, data, level)[draw(st.sampled_from(_FIELDS[level]))] = draw(_VALUES)
    return data


def _with_service_field(key: str, value: object) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(_VALID_DATA)
    data["institutions"][0]["services"][0][key] = value
    return data


@settings(max_examples=200, deadline=None)
@given(_broken_catalogues())
@example(_with_service_field("area", [""]))  # the KeyError that once escaped
@example(_with_service_field("area", [" ", "Polska"]))
def test_no_generated_bad_yaml_catalogue_makes_the_checker_raise(data: dict[str, Any]) -> None:
    report = checked(yaml.safe_dump(data, allow_unicode=True))

    assert (report.catalog is None) == bool(report.errors)
    assert all(problem.code.startswith("catalog.") for problem in report.problems)


_CELLS = st.sampled_from(
    ["", ";", "Siedlce", "Polska", "poverty", "112", "tak", "-", "=1+1"]
) | st.text(max_size=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_CELLS, min_size=1, max_size=len(CSV_COLUMNS) + 2), max_size=4))
def test_no_generated_bad_csv_catalogue_makes_the_checker_raise(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([list(CSV_COLUMNS), *rows])

    report = checked(buffer.getvalue(), filename="katalog.csv")

    assert (report.catalog is None) == bool(report.errors)
