"""Towns' names in other languages (exonyms, from GeoNames): people write their town the way
their own language names it ('living in Warsaw', 'живу у Білостоці'); no ordinary word of
theirs becomes a place, and no exonym hides a Polish place."""

from __future__ import annotations

import pytest

from catalog.place_names import exonym_keys, name_key
from catalog.places import Gazetteer
from catalog.places_import import read_places
from catalog.places_store import read_bundle
from tests.conftest import GEONAMES_CITIES, SIMC, TERC, official_files_present

official_files = pytest.mark.skipif(
    not official_files_present(), reason="the official place files (../shared/data) are absent"
)

IN_OTHER_LANGUAGES = {
    "живу у Білостоці": "Białystok",
    "живу в Замості": "Zamość",
    "живу в Перемишлі": "Przemyśl",
    "живу в Ченстохові": "Częstochowa",
    "живу в Новому Сончі": "Nowy Sącz",
    "живу в Зеленій Гурі": "Zielona Góra",
    "живу в Томашові-Мазовецькому": "Tomaszów Mazowiecki",
    "в Ельблонзі": "Elbląg",
    "живу в Белостоке": "Białystok",
    "я живу в Новом Сонче": "Nowy Sącz",
    "в Перемышле": "Przemyśl",
    "living in Warsaw": "Warszawa",
    "living in warsaw": "Warszawa",
    "I live in Cracow": "Kraków",
    "I live in Danzig": "Gdańsk",
    # these worked before exonyms, by spelling Cyrillic in Polish letters or by stems
    "у Варшаві": "Warszawa",
    "в Кракові": "Kraków",
    "у Лодзі": "Łódź",
    "в Любліні": "Lublin",
    "в Жешуві": "Rzeszów",
    "в Щецині": "Szczecin",
    "I live in Krakow": "Kraków",
}

ORDINARY_SENTENCES = [
    "я живу в Польщі",
    "я живу в Польше",
    "I live in Poland",
    "I work in a warehouse",
    "живу в гуртожитку",
    "мы живём в общежитии",
    "я в лікарні",
    "у мене жара",
    "живу на горі",
    "мене забрали в поліцію",
    "в Парижі",
    "в Празі",
    "I am in danger",
    "my husband is in prison",
    "I live in a shelter with my kids",
    "I am in debt",
    "я з України",
    "I am from Ukraine",
    "мені потрібна допомога",
    "в мене немає грошей",
]


@pytest.mark.parametrize("text", sorted(IN_OTHER_LANGUAGES))
def test_a_town_named_in_the_persons_language_is_found_in_their_sentence(
    builtin_gazetteer: Gazetteer, text: str
) -> None:
    answer, rest = builtin_gazetteer.extract(text)

    assert answer is not None
    assert answer.gmina is not None
    assert answer.gmina.name == IN_OTHER_LANGUAGES[text]
    assert not answer.weak
    assert rest in ("живу", "living", "I live", "я живу", "")


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Cracow", "Kraków"),
        ("Warsaw", "Warszawa"),
        ("Breslau", "Wrocław"),
        ("Білосток", "Białystok"),
        ("Замостя", "Zamość"),
        ("у Білостоці", "Białystok"),
        ("в Щецині", "Szczecin"),  # a village Szczecyn is spelled so too: the city first
        ("у Варшаві", "Warszawa"),
    ],
)
def test_a_town_named_in_another_language_is_found_alone(
    builtin_gazetteer: Gazetteer, written: str, name: str
) -> None:
    answer = builtin_gazetteer.find(written)

    assert answer.gmina is not None
    assert answer.gmina.name == name


@pytest.mark.parametrize("text", ORDINARY_SENTENCES)
def test_an_ordinary_sentence_in_another_language_names_no_place(
    builtin_gazetteer: Gazetteer, text: str
) -> None:
    answer, _ = builtin_gazetteer.extract(text)

    assert answer is None


def test_an_exonym_only_capitalised_is_a_guess_to_confirm(builtin_gazetteer: Gazetteer) -> None:
    answer, _ = builtin_gazetteer.extract("I came from Beirut")  # GeoNames: a name of Bierutów

    assert answer is not None
    assert answer.gmina is not None
    assert answer.gmina.name == "Bierutów"
    assert answer.weak


def test_a_misspelt_exonym_is_no_answer_only_a_suggestion(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.find("Krakuww")  # one letter from 'Krakuw', a name of Kraków

    assert answer.gmina is None
    assert "Kraków" in answer.suggestions


def test_no_bundled_exonym_is_spelled_like_a_polish_place() -> None:
    data = read_bundle()
    polish = {name_key(unit.name) for unit in data.units}
    polish |= {name_key(locality.name) for locality in data.localities}

    clashes = [record for record in data.exonyms if set(exonym_keys(record.name)) & polish]

    assert len(data.exonyms) > 3000
    assert clashes == []


@official_files
def test_the_importer_reads_english_and_ukrainian_names_of_towns() -> None:
    data, summary = read_places(TERC, simc=SIMC, geonames_cities=GEONAMES_CITIES)
    names: dict[str, set[str]] = {}
    for record in data.exonyms:
        names.setdefault(record.gmina, set()).add(record.name)

    assert summary.exonyms == len(data.exonyms)
    assert {"Warsaw", "Warschau"} <= names["146501"]
    assert {"Cracow", "Krakau"} <= names["126101"]
    # one spelling of each key: 'Білосток' is found as 'Bilostok' ('bilostok')
    assert {"Bilostok", "Белосток"} <= names["206101"]
    assert "Білосток" not in names["206101"]
    assert "Варшава" not in names["146501"]  # spelled Warszawa already
    assert "WAW" not in names["146501"]
    assert not any(name.islower() for group in names.values() for name in group)
