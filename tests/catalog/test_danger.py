"""Danger words: immediate danger in pl/uk/en, inflected, without diacritics; not everyday talk."""

from __future__ import annotations

import pytest

from catalog.text import fold
from catalog.vocabulary import is_danger

DANGER = [
    # suicide
    "chcę się zabić",
    "chce sie zabic",
    "Chyba się zabiję",
    "zabije sie dzisiaj",
    "nie chcę żyć",
    "nie chce mi sie juz zyc",
    "myślę o samobójstwie",
    "mam mysli samobojcze",
    "chcę umrzeć",
    "chciałabym umrzeć",
    "skończę ze sobą",
    "odbiorę sobie życie",
    "powieszę się",
    "łyknę wszystkie tabletki",
    # self-harm
    "tnę się",
    "tne sie nozem",
    "pocięłam się znowu",
    "okaleczam się",
    "córka się tnie",
    "robie sobie krzywde",
    # violence happening now
    "on mnie teraz bije",
    "maz mnie teraz bije",
    "bije mnie właśnie",
    "zabije mnie",
    "on mnie zabije",
    "grozi że mnie zabije",
    "chce mnie zabić",
    "ma nóż i krzyczy",
    "dusi mnie",
    "wyważa drzwi",
    "ratunku",
    # a child in danger
    "dziecko jest w niebezpieczeństwie",
    "dziecko jest w niebezpieczenstwie",
    "ojciec bije dziecko",
    "konkubent bije moje dziecko",
    "znęca się nad dzieckiem",
    "dziecko zaginęło",
    "dziecko jest bite",
    # Ukrainian (and Russian)
    "хочу померти",
    "не хочу жити",
    "я хочу покінчити з собою",
    "думаю про самогубство",
    "ріжу себе",
    "чоловік зараз б'є мене",
    "він мене вб'є",
    "мене б'ють зараз",
    "дитина в небезпеці",
    "хочу умереть",
    "не хочу жить",
    # English
    "I want to kill myself",
    "i wanna die",
    "I don't want to live anymore",
    "thinking about suicide",
    "I keep cutting myself",
    "I want to hurt myself",
    "he is going to kill me",
    "he's beating me right now",
    "my child is in danger",
    "he beats my child",
]

NOT_DANGER = [
    "zabić czas",
    "jak zabić czas w poczekalni",
    "umieram ze śmiechu",
    "umieram z nudów",
    "zabiję cię w szachy",
    "on bije rekordy",
    "mąż pije i bije",
    "straciłem pracę",
    "szukam pracy",
    "nie mam co jeść",
    "tata ma alzheimera",
    "potrzebuję pomocy prawnej",
    "dziecko ma szkołę",
    "zabić robaki",
    "kill time",
    "this joke is killing me",
    "dying of laughter",
    "I need a job",
    "вбити час",
    "шукаю роботу",
    "помираю зі сміху",
    "мій чоловік п'є і б'є мене",
]


@pytest.mark.parametrize("text", DANGER)
def test_danger_is_recognised(text: str) -> None:
    assert is_danger(text)


@pytest.mark.parametrize("text", DANGER)
def test_danger_is_recognised_without_diacritics_and_in_capitals(text: str) -> None:
    assert is_danger(fold(text).upper())


@pytest.mark.parametrize("text", NOT_DANGER)
def test_ordinary_sentence_is_not_danger(text: str) -> None:
    assert not is_danger(text)


def test_danger_inside_a_longer_message_is_recognised() -> None:
    text = "dzień dobry, piszę bo już nie daję rady, chyba się zabiję, mieszkam w Mordach"

    assert is_danger(text)
