"""Measuring search on questions with expected answers: hit@3 and leaks.

A question passes when one of its expected services is in the first three results. A leak is a
result that does not serve the person's place or age: it sends someone to an office that turns
them away, so it is counted separately and must be zero. Pure: the caller resolves places.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from catalog.search import Query, SearchIndex, SearchResult

HIT_AT = 3


@dataclass(frozen=True, slots=True)
class Question:
    """What a person typed, where they live and how old, and what must come up."""

    text: str
    place: str
    age: int | None = None
    expect: tuple[str, ...] = ()
    situations: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one question went."""

    question: Question
    gmina: str | None  # None when the place did not resolve
    results: tuple[str, ...]  # service ids, best first
    leaks: tuple[str, ...]  # results outside the person's place or age

    @property
    def hit(self) -> bool:
        """True when an expected service is in the first three."""
        return bool(set(self.results[:HIT_AT]) & set(self.question.expect))


@dataclass(frozen=True, slots=True)
class Evaluation:
    """All outcomes and the two figures."""

    outcomes: tuple[Outcome, ...]

    @property
    def hit_rate(self) -> float:
        """Share of questions with an expected service in the first three (1.0 when none)."""
        if not self.outcomes:
            return 1.0
        return sum(outcome.hit for outcome in self.outcomes) / len(self.outcomes)

    @property
    def leaks(self) -> int:
        """Results that do not serve the person's place or age, over all questions."""
        return sum(len(outcome.leaks) for outcome in self.outcomes)

    @property
    def misses(self) -> tuple[Outcome, ...]:
        """Questions without an expected service in the first three."""
        return tuple(outcome for outcome in self.outcomes if not outcome.hit)


def questions_from(data: object) -> list[Question]:
    """Questions from the parsed YAML list (q, place, age, expect, optional situations)."""
    if not isinstance(data, list):
        msg = "questions: expected a list of {q, place, age, expect}"
        raise ValueError(msg)
    questions = []
    for position, item in enumerate(data, start=1):
        if not isinstance(item, Mapping) or "q" not in item:
            msg = f"questions: item {position} has no 'q'"
            raise ValueError(msg)
        questions.append(_question(item))
    return questions


def _question(item: Mapping[str, Any]) -> Question:
    age = item.get("age")
    return Question(
        text=str(item["q"]),
        place=str(item.get("place") or ""),
        age=int(age) if age is not None else None,
        expect=tuple(str(value) for value in item.get("expect") or ()),
        situations=frozenset(str(value) for value in item.get("situations") or ()),
    )


def evaluate(
    questions: Iterable[Question],
    search: Callable[[Query], SearchResult],
    resolve: Callable[[str], str | None],
    *,
    limit: int = 10,
) -> Evaluation:
    """Run every question and check each result against the person's place and age.

    `resolve` turns the written place into a 6-digit gmina code (None when it cannot); a
    question whose place does not resolve is searched with the place unknown.
    """
    outcomes = []
    for question in questions:
        gmina = resolve(question.place) if question.place else None
        query = Query(
            text=question.text, situations=question.situations, age=question.age, gmina=gmina
        )
        result = search(query)
        matches = result.matches[:limit]
        leaks = tuple(
            match.service.id
            for match in matches
            if not match.service.serves_place(gmina) or not match.service.serves_age(question.age)
        )
        outcomes.append(
            Outcome(question, gmina, tuple(match.service.id for match in matches), leaks)
        )
    return Evaluation(tuple(outcomes))


def evaluate_index(
    index: SearchIndex,
    questions: Iterable[Question],
    resolve: Callable[[str], str | None],
    *,
    limit: int = 10,
) -> Evaluation:
    """`evaluate` with a search index."""
    return evaluate(
        questions, lambda query: index.search(query, limit=limit), resolve, limit=limit
    )
