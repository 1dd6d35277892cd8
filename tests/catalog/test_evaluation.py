"""Evaluation: hit@3 and leaks over questions with expected answers."""

from __future__ import annotations

import pytest

from catalog.evaluation import Question, evaluate, evaluate_index, questions_from
from catalog.places import PlaceAnswer
from catalog.reading import Need
from catalog.search import Match, Query, SearchIndex, SearchResult
from tests.builders import MORDY, POLSKA, SIEDLCE, catalog_with, service

MORDY_GMINA = "142605"
PLACES = {"Mordy": MORDY_GMINA}


def resolve(text: str) -> str | None:
    return PLACES.get(text)


class NoPlacesInWords:
    """A gazetteer that finds no place in the words: the place is given apart."""

    def find(self, text: str, **_: object) -> PlaceAnswer:  # noqa: ARG002
        return PlaceAnswer()

    def extract(self, text: str, **_: object) -> tuple[PlaceAnswer | None, str]:
        return None, text


def words_only(text: str) -> Need:
    return Need(text=text)


def test_question_passes_when_an_expected_service_is_in_the_top_three() -> None:
    index = SearchIndex(catalog_with(service("gops-mordy", situations=["poverty"], areas=[MORDY])))
    questions = [Question("zasiłek", "Mordy", 40, ("gops-mordy",))]

    evaluation = evaluate_index(index, questions, resolve, NoPlacesInWords())

    assert evaluation.hit_rate == 1.0
    assert evaluation.leaks == 0
    assert evaluation.misses == ()


def test_miss_tells_what_came_instead() -> None:
    index = SearchIndex(catalog_with(service("gops-mordy", situations=["poverty"], areas=[MORDY])))
    questions = [Question("zasiłek", "Mordy", 40, ("pcpr",))]

    evaluation = evaluate_index(index, questions, resolve, NoPlacesInWords())

    assert evaluation.hit_rate == 0.0
    assert [outcome.results for outcome in evaluation.misses] == [("gops-mordy",)]


def test_result_outside_the_person_place_or_age_is_counted_as_a_leak() -> None:
    elsewhere = service("mopr-siedlce", areas=[SIEDLCE])
    too_young = service("ohp", areas=[POLSKA], ages="15-25")

    def leaky_search(_query: Query) -> SearchResult:
        matches = tuple(Match(item, 1.0, (), "gmina") for item in (elsewhere, too_young))
        return SearchResult(matches, frozenset())

    evaluation = evaluate(
        [Question("praca", "Mordy", 40, ("ohp",))], leaky_search, resolve, words_only
    )

    assert evaluation.leaks == 2
    assert evaluation.outcomes[0].leaks == ("mopr-siedlce", "ohp")


def test_unresolved_place_is_searched_as_unknown_and_local_results_leak() -> None:
    local = service("gops-mordy", areas=[MORDY])

    def search(_query: Query) -> SearchResult:
        return SearchResult((Match(local, 1.0, (), "gmina"),), frozenset())

    evaluation = evaluate([Question("zasiłek", "Nibylandia", 40)], search, resolve, words_only)

    assert evaluation.outcomes[0].gmina is None
    assert evaluation.leaks == 1


def test_questions_are_read_from_the_shared_form() -> None:
    data = [{"q": "przemoc", "place": "Sokoły", "age": 45, "expect": ["a", "b"]}]

    (question,) = questions_from(data)

    assert question == Question("przemoc", "Sokoły", 45, ("a", "b"))


@pytest.mark.parametrize("data", [{"q": "x"}, [{"place": "Mordy"}], "text"])
def test_malformed_questions_are_refused(data: object) -> None:
    with pytest.raises(ValueError, match="questions"):
        questions_from(data)
