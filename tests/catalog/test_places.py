"""Resolving places on the built-in list of the sample regions."""

from __future__ import annotations

import pytest

from catalog.geo import in_poland_polygon
from catalog.lemmas import word_kind
from catalog.place_names import POLISH_FOLDS
from catalog.places import Gazetteer, stem
from catalog.places_store import read_bundle
from catalog.text import cyrillic_to_polish
from tests.builders import sample_regions_of


def test_bare_town_name_means_the_town_and_names_the_rural_gmina(
    builtin_gazetteer: Gazetteer,
) -> None:
    answer = builtin_gazetteer.find("Siedlce")

    assert answer.gmina is not None
    assert answer.gmina.teryt == "1464011"
    assert answer.same_name_other is not None
    assert answer.same_name_other.teryt == "1426082"


@pytest.mark.parametrize(
    ("written", "teryt"),
    [
        ("w Siedlcach", "1464011"),
        ("SIEDLCE", "1464011"),
        ("gmina Siedlce", "1426082"),
        ("gm. Siedlce", "1426082"),
        ("miasto Siedlce", "1464011"),
        ("Miechowie", "1208053"),
        ("miechow", "1208053"),
        ("Tomaszowie Mazowieckim", "1016011"),
        ("Tomaszow Maz.", "1016011"),
        ("Wysokiem Mazowieckiem", "2013011"),
        ("w Nowych Piekutach", "2013072"),
        ("Mordy", "1426053"),
        ("Ujazd, łódzkie", "1016103"),
        ("Ujazd (powiat tomaszowski)", "1016103"),
        ("Ujazd, powiat tomaszowski, województwo łódzkie", "1016103"),
        ("08-110", "1464011"),
        ("08110", "1464011"),
        ("08-110 Siedlce", "1464011"),
        ("ul. Przykładowa 1, 08-110 Siedlce", "1464011"),
        ("Мехув", "1208053"),
        ("Седльце", "1464011"),
        ("Сєдльце", "1464011"),
        ("Siedlcee", "1464011"),
    ],
)
def test_written_place_resolves_to_its_gmina(
    builtin_gazetteer: Gazetteer, written: str, teryt: str
) -> None:
    answer = builtin_gazetteer.find(written)

    assert answer.gmina is not None, answer
    assert answer.gmina.teryt == teryt


def test_village_resolves_to_its_gmina_and_keeps_the_village_name(
    builtin_gazetteer: Gazetteer,
) -> None:
    answer = builtin_gazetteer.find("Smardzewice")

    assert answer.gmina is not None
    assert answer.gmina.teryt == "1016092"
    assert answer.locality == "Smardzewice"


def test_gmina_answer_carries_its_powiat_and_wojewodztwo(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.find("Nowe Piekuty")

    assert answer.gmina is not None
    assert (answer.gmina.powiat, answer.gmina.wojewodztwo) == ("wysokomazowiecki", "podlaskie")


def test_powiat_gives_its_gminas_to_choose_from(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.find("powiat siedlecki")

    assert answer.gmina is None
    assert answer.candidates
    assert all(unit.code.startswith("1426") for unit in answer.candidates)


def test_nonsense_resolves_to_nothing(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.find("qwxzv")

    assert answer.gmina is None
    assert answer.candidates == ()


def test_close_misspelling_suggests_the_name(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.find("Krakuww")

    assert answer.gmina is None
    assert "Kraków" in answer.suggestions


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Polska", ""),
        ("cała Polska", ""),
        ("Cały kraj", ""),
        ("województwo mazowieckie", "14"),
        ("woj. łódzkie", "10"),
        ("powiat siedlecki", "1426"),
        ("miasto Siedlce", "146401"),
        ("gmina Siedlce", "142608"),
        ("Mordy", "142605"),
        ("Nowe Piekuty", "201307"),
        ("Ujazd, województwo łódzkie", "101610"),
        ("Ujazd, powiat tomaszowski, województwo łódzkie", "101610"),
        ("1464011", "146401"),
        ("1426", "1426"),
        ("14", "14"),
        ("miasto Wysokie Mazowieckie", "201301"),
    ],
)
def test_catalogue_reference_resolves_to_an_area_code(
    builtin_gazetteer: Gazetteer, written: str, code: str
) -> None:
    assert builtin_gazetteer.reference(written).code == code


def test_reference_to_a_name_of_two_gminas_is_ambiguous(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.reference("Siedlce")

    assert answer.code is None
    assert {unit.teryt for unit in answer.candidates} == {"1464011", "1426082"}


def test_reference_to_a_powiat_name_used_twice_lists_both(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.reference("powiat tomaszowski")

    assert answer.code is None
    assert {unit.wojewodztwo for unit in answer.candidates} == {"lubelskie", "łódzkie"}


def test_reference_does_not_guess_villages_or_typos(builtin_gazetteer: Gazetteer) -> None:
    assert builtin_gazetteer.reference("Smardzewice").code is None
    assert builtin_gazetteer.reference("Siedlcee").code is None


def test_reference_to_an_unknown_place_suggests_close_names(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.reference("Miechow Miasto")

    assert answer.code is None
    assert answer.candidates == ()


def test_unit_accepts_serving_prefix_and_full_code(builtin_gazetteer: Gazetteer) -> None:
    by_prefix = builtin_gazetteer.unit("146401")
    by_teryt = builtin_gazetteer.unit("1464011")

    assert by_prefix is not None
    assert by_prefix == by_teryt
    assert by_prefix.name == "Siedlce"
    assert by_prefix.powiat == "Siedlce"
    assert by_prefix.wojewodztwo == "mazowieckie"


def test_unit_of_an_urban_rural_part_is_the_whole_gmina(builtin_gazetteer: Gazetteer) -> None:
    town_part = builtin_gazetteer.unit("1426054")

    assert town_part is not None
    assert town_part.teryt == "1426053"


def test_unit_knows_every_wojewodztwo(builtin_gazetteer: Gazetteer) -> None:
    names = {unit.name for unit in builtin_gazetteer.units("wojewodztwo")}

    assert len(names) == 16
    assert {"mazowieckie", "łódzkie", "podlaskie", "małopolskie"} <= names


@pytest.mark.parametrize(
    ("text", "teryt", "rest"),
    [
        ("mąż mnie bije, Siedlce", "1464011", "mąż mnie bije"),
        ("przemoc Siedlce", "1464011", "przemoc"),
        ("PUP Miechów", "1208053", "PUP"),
        ("szukam pracy w Siedlcach", "1464011", "szukam pracy"),
        ("mieszkam w Smardzewicach i szukam pracy", "1016092", "mieszkam i szukam pracy"),
        ("pomoc 08-110", "1464011", "pomoc"),
        ("допомога Мехув", "1208053", "допомога"),
    ],
)
def test_place_inside_a_sentence_is_found_and_cut_out(
    builtin_gazetteer: Gazetteer, text: str, teryt: str, rest: str
) -> None:
    answer, remainder = builtin_gazetteer.extract(text)

    assert answer is not None
    assert answer.gmina is not None
    assert answer.gmina.teryt == teryt
    assert remainder == rest


@pytest.mark.parametrize(
    "text",
    ["szukam pracy", "mąż pije", "przemoc w rodzinie", "nie mam co jeść", "potrzebuję pomocy"],
)
def test_ordinary_sentence_mentions_no_place(builtin_gazetteer: Gazetteer, text: str) -> None:
    answer, remainder = builtin_gazetteer.extract(text)

    assert answer is None
    assert remainder == text


HIDDEN_STEMS = {
    "w Żywcu": "Żywiec",
    "z Mielca": "Mielec",
    "we Włocławku": "Włocławek",
    "w Sosnowcu": "Sosnowiec",
    "w Grójcu": "Grójec",
    "w Skórcu": "Skórzec",
    "w Ostrołęce": "Ostrołęka",
    "w Hajnówce": "Hajnówka",
    "w Sopocie": "Sopot",
    "w Stargardzie": "Stargard",
    "w Ujeździe": "Ujazd",
    "w Przysusze": "Przysucha",
    "w Gdyni": "Gdynia",
    "w Paprotni": "Paprotnia",
    "w Białymstoku": "Białystok",
    "w Białej Podlaskiej": "Biała Podlaska",
    "w Rudzie Śląskiej": "Ruda Śląska",
    "w Jeleniej Górze": "Jelenia Góra",
}


@pytest.mark.parametrize("written", sorted(HIDDEN_STEMS))
@pytest.mark.parametrize("letters", ["polish", "plain"])
def test_a_stem_changed_by_declension_still_names_the_gmina(
    builtin_gazetteer: Gazetteer, written: str, letters: str
) -> None:
    text = f"mieszkam {written} i potrzebuję pomocy"
    if letters == "plain":
        text = text.translate(POLISH_FOLDS)

    answer, remainder = builtin_gazetteer.extract(text)

    assert answer is not None
    units = [answer.gmina] if answer.gmina else list(answer.candidates)
    assert HIDDEN_STEMS[written] in {unit.name for unit in units if unit is not None}
    assert remainder.endswith("i potrzebuj" + ("ę" if letters == "polish" else "e") + " pomocy")
    assert written.split()[-1] not in remainder


@pytest.mark.parametrize(
    "text",
    [
        "mieszkam w Polsce od roku",
        "pracuję w placówce",
        "rodzina została w Kijowie",  # villages named Kijów are no reason to guess
        "przyjdę w środę",
        "w srode",  # a town's first word, short: only with its capital ('Środa Śląska')
        "jestem w nalogu od lat",  # folded ordinary words named like villages
        "w koncu nie mam za co zyc",
        "w ogole nie spie, leze w lozku",
    ],
)
def test_an_ordinary_word_is_no_village(builtin_gazetteer: Gazetteer, text: str) -> None:
    for written in (text, text.translate(POLISH_FOLDS)):
        answer, _ = builtin_gazetteer.extract(written)

        assert answer is None, written


@pytest.mark.parametrize(
    ("text", "locality"),
    [("mieszkam w Nałogach", "Nałogi"), ("mieszkam w Końcach", "Końce"), ("w Ogółach", "Ogóły")],
)
def test_a_village_named_like_an_ordinary_word_is_found_when_written_as_a_name(
    builtin_gazetteer: Gazetteer, text: str, locality: str
) -> None:
    answer, _ = builtin_gazetteer.extract(text)

    assert answer is not None
    assert locality in {answer.locality, *answer.candidate_localities}


@pytest.mark.parametrize(
    ("text", "teryt"),
    [
        ("Rokiciny, brak pieniędzy na jedzenie", "1016072"),  # apart, though also a word
        ("gm. Rokiciny, syn 17 lat pije", "1016072"),
        ("Mordy, nie mam gdzie spać", "1426053"),
        ("Smardzewice, nie mam gdzie mieszkać", "1016092"),  # a village of a gmina
        ("pracuję pod Lublinem, mieszkam w gminie Niemce", "0609112"),  # near is not in
        ("mieszkam w Siemianowicach", "2474011"),  # a town by its first word, inflected
        ("mieszkam w siemianowicach", "2474011"),
        ("mieszkam w Skarżysku", "2610011"),
        ("mieszkam w Kaliszu", "3061011"),  # the city, not also Kalisz Pomorski
        ("mieszkam w Piotrkowie Tryb.", "1062011"),
    ],
)
def test_a_place_written_apart_lived_in_or_shortened_is_that_gmina(
    builtin_gazetteer: Gazetteer, text: str, teryt: str
) -> None:
    answer, _ = builtin_gazetteer.extract(text)

    assert answer is not None
    assert answer.gmina is not None
    assert answer.gmina.teryt == teryt


@pytest.mark.parametrize("opening", ["Witam", "Niestety", "Pilne", "Przepraszam", "Hej"])
def test_a_word_written_apart_is_no_place_unless_a_gmina_is_named_so(
    builtin_gazetteer: Gazetteer, opening: str
) -> None:
    answer, _ = builtin_gazetteer.extract(f"{opening}, potrzebuję pomocy bo nie mam pieniędzy")

    assert answer is None


def test_a_bed_written_without_polish_letters_is_no_village(builtin_gazetteer: Gazetteer) -> None:
    answer, _ = builtin_gazetteer.extract("mieszkam z babcia, nie wstaje z lozka, Ujazd")

    assert answer is not None
    assert {unit.name for unit in answer.candidates} == {"Ujazd"}


def test_pin_in_siedlce_resolves_to_the_town(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.locate(52.1676, 22.2901)

    assert answer.gmina is not None
    assert answer.gmina.teryt == "1464011"
    assert not answer.outside_poland


@pytest.mark.parametrize(("lat", "lon"), [(52.52, 13.40), (50.45, 30.52), (48.85, 2.35)])
def test_pin_abroad_is_outside_poland(
    builtin_gazetteer: Gazetteer, lat: float, lon: float
) -> None:
    answer = builtin_gazetteer.locate(lat, lon)

    assert answer.outside_poland
    assert answer.gmina is None


def test_pin_in_poland_far_from_known_places_resolves_to_nothing() -> None:
    regions = Gazetteer(sample_regions_of(read_bundle()))  # a few regions imported, not Gdańsk

    answer = regions.locate(54.35, 18.65)

    assert answer.gmina is None
    assert not answer.outside_poland


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [(52.23, 21.01, True), (50.06, 19.94, True), (54.35, 18.65, True), (52.52, 13.40, False)],
)
def test_border_polygon_holds_polish_cities_only(lat: float, lon: float, inside: bool) -> None:
    assert in_poland_polygon(lat, lon) is inside


@pytest.mark.parametrize(
    ("inflected", "base"),
    [("siedlcach", "siedlce"), ("miechowie", "miechow"), ("mazowieckim", "mazowiecki")],
)
def test_inflected_and_dictionary_forms_share_a_stem(inflected: str, base: str) -> None:
    assert stem(inflected) == stem(base)


def test_gmina_followed_by_a_village_resolves_to_that_gmina(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.find("Tomaszów Mazowiecki Smardzewice")

    assert answer.gmina is not None
    assert answer.gmina.teryt == "1016092"
    assert answer.locality == "Smardzewice"


def test_powiat_name_used_twice_gives_gmina_candidates(
    builtin_gazetteer: Gazetteer,
) -> None:
    answer = builtin_gazetteer.find("powiat tomaszowski")

    assert answer.gmina is None
    assert all(unit.level == "gmina" for unit in answer.candidates)
    assert {unit.wojewodztwo for unit in answer.candidates} == {"łódzkie", "lubelskie"}


def test_teryt_code_of_a_gmina_resolves_to_it(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.find("1426053")

    assert answer.gmina is not None
    assert answer.gmina.name == "Mordy"


@pytest.mark.parametrize(
    ("cyrillic", "polish"),
    [("Мехув", "miechow"), ("Седльце", "siedlce"), ("Жешув", "rzeszow"), ("Кельце", "kielce")],
)
def test_cyrillic_spelling_yields_the_polish_name(cyrillic: str, polish: str) -> None:
    assert polish in cyrillic_to_polish(cyrillic)


@pytest.mark.parametrize(
    ("word", "kind"), [("siedlcach", "proper"), ("pokoju", "common"), ("qwxzv", "unknown")]
)
def test_dictionary_tells_names_from_ordinary_words(word: str, kind: str) -> None:
    assert word_kind(word) == kind


def test_towns_of_a_name_are_asked_about_without_villages_served_less_locally(
    builtin_gazetteer: Gazetteer,
) -> None:
    def served(gmina: str) -> int:  # powiat tomaszowski (łódzkie); łódzkie and lubelskie less
        return 3 if gmina.startswith("1016") else 1 if gmina[:2] in ("10", "06") else 0

    answer, _ = builtin_gazetteer.extract("mieszkam w Tomaszowie", prefer=served)

    assert answer is not None
    assert [unit.name for unit in answer.candidates] == [
        "Tomaszów Mazowiecki",  # served the most locally: first
        "Tomaszów Lubelski",  # a town of that name still served: asked, not guessed away
    ]
