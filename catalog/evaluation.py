"""Measuring search on questions with expected answers: hit@3 and leaks.

A question passes when one of its expected services is in the first three results. A leak is a
result that does not serve the person's place or age: it sends someone to an office that turns
them away, so it is counted separately and must be zero. Pure: the caller resolves places.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from catalog.reading import Need, PlaceFinder
from catalog.reading import read as read_need
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
    asked: bool = False  # the place was not in the words: given apart, as the bot would ask

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
    def asked(self) -> int:
        """Questions whose place had to be given apart (not found in the words)."""
        return sum(outcome.asked for outcome in self.outcomes)

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
    read: Callable[[str], Need],
    *,
    limit: int = 10,
) -> Evaluation:
    """Run every question as the bot reads it, and check each result against the person's
    place and age.

    The bot reads `q` as the person's message. When the words name a place, `q` is all it is
    given (`place` and `age` are then only the truth the results are checked against); when
    they name none, the bot asks, and the place and age are given apart, as the person would
    answer. `resolve` turns a written place into a 6-digit gmina code (None when it cannot).
    """
    outcomes = []
    for question in questions:
        truth = resolve(question.place) if question.place else None
        need = read(question.text)
        named = need.place is not None and need.place.gmina is not None and not need.place_weak
        asked = not named and bool(question.place)
        if named and need.place is not None and need.place.gmina is not None:
            gmina: str | None = need.place.gmina.code
        else:
            gmina = truth
            if question.age is not None and need.age is None:
                need = replace(need, age=question.age, adult=False)
        query = need.query(gmina=gmina)
        query = replace(query, situations=query.situations | question.situations)
        result = search(query)
        matches = result.matches[:limit]
        leaks = tuple(
            match.service.id
            for match in matches
            if not match.service.serves_place(truth) or not match.service.serves_age(question.age)
        )
        results = tuple(match.service.id for match in matches)
        outcomes.append(Outcome(question, truth, results, leaks, asked))
    return Evaluation(tuple(outcomes))


def evaluate_index(
    index: SearchIndex,
    questions: Iterable[Question],
    resolve: Callable[[str], str | None],
    places: PlaceFinder,
    *,
    limit: int = 10,
) -> Evaluation:
    """`evaluate` with a search index and the reader (places the catalogue serves first)."""
    return evaluate(
        questions,
        lambda query: index.search(query, limit=limit),
        resolve,
        lambda text: read_need(text, places, served=index.locality),
        limit=limit,
    )
