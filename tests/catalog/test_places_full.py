"""Resolving places over the full official data (../shared/data), imported once per session."""

from __future__ import annotations

import pytest

from catalog.places import Gazetteer


@pytest.mark.parametrize(
    ("written", "teryt"),
    [
        ("Siedlce", "1464011"),
        ("w Siedlcach", "1464011"),
        ("gmina Siedlce", "1426082"),
        ("Tomaszow Maz", "1016011"),
        ("Nowe Piekuty", "2013072"),
        ("Wysokiem Mazowieckiem", "2013011"),
        ("08-110", "1464011"),
        ("Мехув", "1208053"),
        ("Smardzewice", "1016092"),
        ("Ujazd, łódzkie", "1016103"),
        ("Warszawa", "1465011"),
        ("Mokotów", "1465011"),
        ("Gorzów Wlkp.", "0861011"),
        ("w Krakowie", "1261011"),
        ("Łodz", "1061011"),
        ("Томашів-Мазовецький", "1016011"),
    ],
)
def test_written_place_resolves_over_all_of_poland(
    full_gazetteer: Gazetteer, written: str, teryt: str
) -> None:
    answer = full_gazetteer.find(written)

    assert answer.gmina is not None, answer
    assert answer.gmina.teryt == teryt


def test_siedlce_is_the_town_and_the_rural_gmina_is_named(full_gazetteer: Gazetteer) -> None:
    answer = full_gazetteer.find("Siedlce")

    assert answer.same_name_other is not None
    assert answer.same_name_other.teryt == "1426082"


def test_nowa_wies_gives_candidates_from_different_regions(full_gazetteer: Gazetteer) -> None:
    answer = full_gazetteer.find("Nowa Wieś")

    assert answer.gmina is None
    assert 2 <= len(answer.candidates) <= 8
    assert len({unit.wojewodztwo for unit in answer.candidates}) >= 4


def test_tomaszow_gives_both_towns_as_candidates(full_gazetteer: Gazetteer) -> None:
    answer = full_gazetteer.find("Tomaszów")

    assert answer.gmina is None
    names = [unit.name for unit in answer.candidates]
    assert names[:2] == ["Tomaszów Lubelski", "Tomaszów Mazowiecki"]


def test_ujazd_alone_is_ambiguous_and_a_wojewodztwo_settles_it(
    full_gazetteer: Gazetteer,
) -> None:
    assert full_gazetteer.find("Ujazd").gmina is None
    assert full_gazetteer.reference("Ujazd").code is None
    assert full_gazetteer.reference("Ujazd, województwo łódzkie").code == "101610"


def test_pin_in_the_countryside_resolves_to_the_gmina_around_it(
    full_gazetteer: Gazetteer,
) -> None:
    answer = full_gazetteer.locate(52.2108, 22.5187)  # Mordy

    assert answer.gmina is not None
    assert answer.gmina.teryt == "1426053"


def test_pin_across_the_border_is_outside_poland(full_gazetteer: Gazetteer) -> None:
    assert full_gazetteer.locate(52.52, 13.40).outside_poland  # Berlin
    assert full_gazetteer.locate(50.45, 30.52).outside_poland  # Kyiv


def test_pin_near_the_border_inside_poland_is_not_outside(full_gazetteer: Gazetteer) -> None:
    answer = full_gazetteer.locate(52.35, 14.55)  # Słubice

    assert not answer.outside_poland
    assert answer.gmina is not None
    assert answer.gmina.wojewodztwo == "lubuskie"


def test_name_of_a_rural_gmina_and_of_a_town_lists_both(full_gazetteer: Gazetteer) -> None:
    answer = full_gazetteer.find("Wysokie")

    names = [unit.name for unit in answer.candidates]
    assert answer.gmina is None
    assert names[:2] == ["Wysokie Mazowieckie", "Wysokie"]


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("w Poznaniu", "Poznań"),
        ("w Zielonej Górze", "Zielona Góra"),
        ("w Białymstoku", "Białystok"),
    ],
)
def test_big_cities_resolve_from_their_locative(
    full_gazetteer: Gazetteer, written: str, name: str
) -> None:
    answer = full_gazetteer.find(written)

    assert answer.gmina is not None
    assert answer.gmina.name == name


@pytest.mark.parametrize(
    "text",
    [
        "nie daję rady",
        "zamknęłam się w pokoju",
        "komornik zabrał pensję",
        "niebieska linia",
        "piła codziennie",
        "niska emerytura",
        "robię sobie krzywdę",
        "susza i bieda",
        "хочу померти",
        "Меня убьёт муж",
        "Добрий день",
        "broke and hungry",
    ],
)
def test_ordinary_words_that_are_also_village_names_are_not_places(
    full_gazetteer: Gazetteer, text: str
) -> None:
    answer, remainder = full_gazetteer.extract(text)

    assert answer is None
    assert remainder == text


@pytest.mark.parametrize(
    ("text", "teryt", "rest"),
    [
        ("przemoc siedlce", "1464011", "przemoc"),
        ("jestem z Krakowa i szukam pracy", "1261011", "jestem i szukam pracy"),
        ("w Mordach nie ma pracy", "1426053", "nie ma pracy"),
        ("tomaszow maz praca", "1016011", "praca"),
        ("pomoc w gminie Siedlce", "1426082", "pomoc"),
        ("мешкаю в Седльце", "1464011", "мешкаю"),
    ],
)
def test_place_inside_a_sentence_is_found_over_all_of_poland(
    full_gazetteer: Gazetteer, text: str, teryt: str, rest: str
) -> None:
    answer, remainder = full_gazetteer.extract(text)

    assert answer is not None
    assert answer.gmina is not None
    assert answer.gmina.teryt == teryt
    assert remainder == rest


def test_powiat_name_used_twice_gives_a_town_of_each(full_gazetteer: Gazetteer) -> None:
    answer = full_gazetteer.find("powiat tomaszowski")

    assert [unit.teryt for unit in answer.candidates] == ["0618011", "1016011"]


def test_village_candidates_name_the_village_in_each_gmina(full_gazetteer: Gazetteer) -> None:
    answer = full_gazetteer.find("Nowa Wieś")

    assert len(answer.candidate_localities) == len(answer.candidates)
    assert set(answer.candidate_localities) == {"Nowa Wieś"}
