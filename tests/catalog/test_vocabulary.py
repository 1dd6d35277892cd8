"""Situation vocabularies: what people write, in pl/uk/en, inflected, misspelt, unaccented."""

from __future__ import annotations

import pytest

from catalog.taxonomy import SITUATIONS
from catalog.text import fold
from catalog.vocabulary import (
    VOCABULARY_LANGUAGES,
    Vocabulary,
    load_documents,
    similarity,
    vocabulary,
)

EXPECTED = [
    ("straciłem pracę", "unemployment"),
    ("zwolnili mnie z roboty", "unemployment"),
    ("szukam zatrudnienia", "unemployment"),
    ("nie mam za co żyć", "poverty"),
    ("komornik zabrał mi pensję", "poverty"),
    ("nie mam gdzie spać", "homelessness"),
    ("nie mam dziś gdzie spać", "homelessness"),
    ("jestem bezdomny", "homelessness"),
    ("mąż mnie bije", "domestic_violence"),
    ("partner mnie wyzywa i szarpie", "domestic_violence"),
    ("żona pije", "addiction"),
    ("syn bierze narkotyki", "addiction"),
    ("problem z hazardem", "addiction"),
    ("potrzebuję wózka inwalidzkiego", "disability"),
    ("orzeczenie o niepełnosprawności", "disability"),
    ("mama ma raka", "illness"),
    ("tata ma alzheimera", "elderly_care"),
    ("opieka nad mamą z demencją", "elderly_care"),
    ("smutno mi i nikt mnie nie lubi", "mental_health"),
    ("mam depresję", "mental_health"),
    ("nie radzę sobie z synem", "family"),
    ("jestem w ciąży", "family"),
    ("praca dla 16 latka", "youth"),
    ("szukam pracy na wakacje", "youth"),
    ("wychodzę z domu dziecka", "foster_care_leaving"),
    ("wyszedłem z więzienia", "after_prison"),
    ("jestem uchodźcą z Ukrainy", "foreigners"),
    ("spalił się nam dom", "crisis_event"),
    ("zalało mieszkanie", "crisis_event"),
    ("zabrali mi paszport i nie płacą", "human_trafficking"),
    ("potrzebuję darmowego prawnika", "legal_aid"),
    ("czynsz dopłata", "housing"),
    ("dodatek mieszkaniowy", "housing"),
    ("kurs zawodowy", "education"),
    ("nie mam na chleb", "poverty"),
    ("brakuje nam na jedzenie", "poverty"),
    ("nie mam czym palić w piecu", "poverty"),
    ("wywalili mnie z roboty", "unemployment"),
    ("szukam jakiejś fuchy", "unemployment"),
    ("mieszkam na działce, bo nie mam gdzie", "homelessness"),
    ("śpię u znajomych, nie mam mieszkania", "homelessness"),
    ("koczuję na klatce schodowej", "homelessness"),
    ("konkubent mnie leje", "domestic_violence"),
    ("maz mnie bjie", "domestic_violence"),
    ("stracilam dom w pozarze", "crisis_event"),
    ("mąż wyrzuca mnie z domu", "homelessness"),
    # Ukrainian and Russian
    ("шукаю роботу", "unemployment"),
    ("втратила роботу", "unemployment"),
    ("немає грошей", "poverty"),
    ("чоловік б'є", "domestic_violence"),
    ("ніде жити", "homelessness"),
    ("потрібен психолог", "mental_health"),
    ("ищу работу", "unemployment"),
    ("маме нужен уход", "elderly_care"),
    ("меня уволили", "unemployment"),
    ("выгнали из квартиры", "homelessness"),
    ("не хватает денег на еду", "poverty"),
    ("сын бросил школу", "youth"),
    ("освободился из тюрьмы", "after_prison"),
    # English
    ("I need a job", "unemployment"),
    ("I lost my job", "unemployment"),
    ("my husband beats me", "domestic_violence"),
    ("nowhere to sleep", "homelessness"),
    ("my mum has dementia", "elderly_care"),
    ("I need a lawyer", "legal_aid"),
]

TYPOS = [
    ("bezdomy", "homelessness"),
    ("alkoholk", "addiction"),
    ("narkotki", "addiction"),
    ("zasilek", "poverty"),
    ("niepelnosprawny", "disability"),
    ("depresja", "mental_health"),
    ("uzaleznienie", "addiction"),
]


@pytest.mark.parametrize(("text", "situation"), EXPECTED)
def test_situation_is_recognised(text: str, situation: str) -> None:
    assert situation in vocabulary().understand(text).situations


@pytest.mark.parametrize(("text", "situation"), EXPECTED)
def test_situation_is_recognised_without_diacritics(text: str, situation: str) -> None:
    assert situation in vocabulary().understand(fold(text)).situations


@pytest.mark.parametrize(("text", "situation"), TYPOS)
def test_situation_is_recognised_through_a_typo(text: str, situation: str) -> None:
    assert situation in vocabulary().understand(text).situations


@pytest.mark.parametrize("text", ["asdf", "qwerty uiop", "xyz 123", "...", ""])
def test_nonsense_is_not_understood(text: str) -> None:
    understanding = vocabulary().understand(text)

    assert not understanding.understood
    assert dict(understanding.situations) == {}


def test_longer_phrase_hides_the_meaning_of_its_parts() -> None:
    situations = vocabulary().understand("przemoc w rodzinie").situations

    assert set(situations) == {"domestic_violence"}


def test_words_that_only_point_at_a_situation_weigh_less() -> None:
    situations = vocabulary().understand("syn").situations

    assert 0 < situations["family"] < 1


@pytest.mark.parametrize("lang", VOCABULARY_LANGUAGES)
def test_every_situation_has_words_in_every_language(lang: str) -> None:
    (document,) = load_documents([lang])

    assert set(document["situations"]) == set(SITUATIONS)
    assert all(document["situations"][key] for key in SITUATIONS)


@pytest.mark.parametrize("lang", VOCABULARY_LANGUAGES)
def test_every_language_has_danger_words_and_stopwords(lang: str) -> None:
    (document,) = load_documents([lang])

    assert document["danger"]["mental_health"]
    assert document["danger"]["domestic_violence"]
    assert document["danger"]["family"]
    assert document["stopwords"]


def test_unknown_situation_key_in_a_vocabulary_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown situation key"):
        Vocabulary.from_documents([{"situations": {"povrety": ["bieda"]}}])


def test_phrase_words_may_have_two_other_words_between_but_not_more() -> None:
    words = Vocabulary.from_documents([{"situations": {"homelessness": ["gdzie spać"]}}])

    assert "homelessness" in words.understand("gdzie dziś mam spać").situations
    assert "homelessness" not in words.understand("gdzie dziś ja mam spać").situations


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("nie mam czym palić w piecu", "mental_health"),  # not "panic"
        ("wywalili mnie z roboty", "mental_health"),  # not "wypalenie"
        ("koczuję na klatce schodowej", "youth"),  # not "latka"
        ("ex nie płaci alimentów", "after_prison"),  # "ex" alone is not "ex-prisoner"
        ("żona jest uzależniona od leków", "mental_health"),  # "leków" is not "lękowe"
        ("потеряла работу, очень тяжело", "youth"),  # "очень" is not "учень"
    ],
)
def test_a_word_like_another_does_not_take_its_meaning(text: str, wrong: str) -> None:
    assert wrong not in vocabulary().understand(text).situations


def test_only_what_was_written_can_have_a_typo_not_its_dictionary_form() -> None:
    # "вийшов" (went out) has the lemma "вийти", one letter from "вбити" (to kill)
    words = Vocabulary.from_documents(
        [{"danger": {"domestic_violence": ["мене вб'є"], "mental_health": ["samobójstwo"]}}]
    )

    assert not words.understand("я вийшов з в'язниці").danger
    assert words.understand("myślę o samobujstwo").danger  # a typo in what was written counts


def test_each_word_of_a_hyphenated_entry_must_be_there() -> None:
    words = Vocabulary.from_documents([{"danger": {"mental_health": ["self-harm"]}}])

    assert words.understand("I self-harm").danger
    assert not words.understand("I do not want to harm anyone").danger


def test_stem_entry_matches_every_ending() -> None:
    words = Vocabulary.from_documents([{"situations": {"addiction": ["alkohol*"]}}])

    assert "addiction" in words.understand("alkoholowy problem").situations


@pytest.mark.parametrize(
    ("written", "known", "same"),
    [
        ("zasilku", "zasilek", True),
        ("pracy", "praca", True),
        ("wozka", "wozek", True),
        ("bezdomy", "bezdomny", True),
        ("rodzice", "rodzina", False),
        ("teraz", "terapia", False),
        ("stracic", "straszy", False),
        ("mam", "mama", False),
        ("очень", "учень", False),  # Russian "very" is no Ukrainian "pupil"
        ("klatce", "latka", False),
        ("bjie", "bije", True),  # four letters: two swapped
        ("pije", "bije", False),  # four letters: another word
        ("bile", "bije", False),
        ("жильем", "жилье", True),  # the stem ends before the shared letters: жиль-ем, жиль-е
        ("mieszkaniem", "mieszkanie", True),
    ],
)
def test_similarity_accepts_endings_and_typos_but_not_other_words(
    written: str, known: str, same: bool
) -> None:
    assert (similarity(written, known) > 0) is same


def test_situation_words_are_the_phrases_that_name_or_only_hint_at_a_situation() -> None:
    words = Vocabulary.from_documents(
        [
            {
                "situations": {"poverty": ["Bieda", "brak kasy"], "family": ["bieda", "rodzina"]},
                "hints": {"family": ["dzieci"]},
                "danger": {"domestic_violence": ["bije mnie"]},
            }
        ]
    )

    assert (words.situation_words(), words.situation_words(hints=True)) == (
        {"bieda": "poverty", "brak kasy": "poverty", "rodzina": "family"},
        {"dzieci": "family"},
    )


@pytest.mark.parametrize(
    "text", ["mieszkam w Mordach", "я живу в Седльцях", "я живу в Седльцах", "I live in Siedlce"]
)
def test_the_verb_for_where_one_lives_says_nothing_to_the_search(text: str) -> None:
    understanding = vocabulary().understand(text)

    content = {understanding.tokens[position].surface for position in understanding.content}
    assert content & {"mieszkam", "живу", "live"} == set()
