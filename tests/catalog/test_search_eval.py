"""The public evaluation set (../shared/eval) against the full places data: every question
finds an expected service in the top three, and nothing outside the person's place or age.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from catalog.evaluation import Question, evaluate_index, questions_from
from catalog.places import Gazetteer
from catalog.search import SearchIndex
from catalog.text import fold
from catalog.validation import check
from tests.conftest import SHARED

EVAL = SHARED / "eval"

pytestmark = pytest.mark.fulldata


@pytest.fixture(scope="module")
def eval_index(full_gazetteer: Gazetteer) -> SearchIndex:
    if not (EVAL / "catalog.yaml").is_file():
        pytest.skip("the evaluation set in ../shared/eval is absent")
    report = check(
        (EVAL / "catalog.yaml").read_bytes(), filename="catalog.yaml", places=full_gazetteer
    )
    assert report.catalog is not None, report.errors
    return SearchIndex(report.catalog)


@pytest.fixture(scope="module")
def questions() -> list[Question]:
    if not (EVAL / "questions.yaml").is_file():
        pytest.skip("the evaluation set in ../shared/eval is absent")
    return questions_from(yaml.safe_load((EVAL / "questions.yaml").read_text("utf-8")))


def gmina_of(gazetteer: Gazetteer) -> Callable[[str], str | None]:
    def resolve(text: str) -> str | None:
        answer = gazetteer.find(text)
        return answer.gmina.code if answer.gmina is not None else None

    return resolve


def test_every_eval_place_resolves(full_gazetteer: Gazetteer, questions: list[Question]) -> None:
    unresolved = [q.place for q in questions if full_gazetteer.find(q.place).gmina is None]

    assert unresolved == []


def test_eval_questions_all_hit_in_top_three_without_leaks(
    eval_index: SearchIndex, full_gazetteer: Gazetteer, questions: list[Question]
) -> None:
    evaluation = evaluate_index(eval_index, questions, gmina_of(full_gazetteer), full_gazetteer)

    misses = [(o.question.text, o.results[:3]) for o in evaluation.misses]
    assert misses == []
    assert evaluation.leaks == 0


def test_eval_questions_hold_without_diacritics(
    eval_index: SearchIndex, full_gazetteer: Gazetteer, questions: list[Question]
) -> None:
    stripped = [
        Question(fold(q.text), fold(q.place), q.age, q.expect, q.situations) for q in questions
    ]

    evaluation = evaluate_index(eval_index, stripped, gmina_of(full_gazetteer), full_gazetteer)

    misses = [(o.question.text, o.question.place, o.results[:3]) for o in evaluation.misses]
    assert misses == []
    assert evaluation.leaks == 0


@pytest.fixture(scope="module")
def oneshot() -> list[Question]:
    if not (EVAL / "oneshot.yaml").is_file():
        pytest.skip("the evaluation set in ../shared/eval is absent")
    return questions_from(yaml.safe_load((EVAL / "oneshot.yaml").read_text("utf-8")))


_POLISH_LETTERS = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def _without_polish_letters(text: str) -> str:
    return text.translate(_POLISH_LETTERS)


@pytest.mark.parametrize(
    "written", [str, _without_polish_letters], ids=["as-written", "without-diacritics"]
)
def test_one_message_questions_hit_from_the_words_alone_without_leaks(
    eval_index: SearchIndex,
    full_gazetteer: Gazetteer,
    oneshot: list[Question],
    written: Callable[[str], str],
) -> None:
    typed = [Question(written(q.text), q.place, q.age, q.expect, q.situations) for q in oneshot]

    evaluation = evaluate_index(eval_index, typed, gmina_of(full_gazetteer), full_gazetteer)

    misses = [(o.question.text, o.results[:3]) for o in evaluation.misses]
    assert misses == []
    assert evaluation.leaks == 0
    assert evaluation.asked == 0  # every place was read from the message itself
