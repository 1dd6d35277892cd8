"""`drogowskaz catalog test QUESTIONS.yaml`: a coordinator checks their catalogue against
questions people really ask: hit@3, leaks (results outside the person's place or age), and
each miss with what came instead.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.cli.search import Served, catalog_to_use, on_runtime
from bot.i18n import t, tn
from catalog.evaluation import HIT_AT, Evaluation, Outcome, evaluate_index, questions_from
from catalog.reading import PlaceFinder
from catalog.search import SearchIndex

EXIT_OK = 0
EXIT_FAILED = 1  # a miss, a leak or a file that cannot be used


def register_catalog_test(catalog_commands: Any) -> None:
    """Add `catalog test` to the `catalog` sub-commands."""
    parser = catalog_commands.add_parser(
        "test", help="search questions with expected answers: hit@3, leaks and misses"
    )
    parser.add_argument("questions", type=Path, help="YAML list of {q, place, age, expect}")
    parser.add_argument("--catalog", type=Path, help="test this file instead (checked first)")
    parser.set_defaults(handler=on_runtime(run))


def run(
    arguments: argparse.Namespace, served: Served, *, lang: str, out: TextIO, err: TextIO
) -> int:
    """The command with its dependencies given; exit 0 only with every hit and no leak."""
    catalog = catalog_to_use(arguments.catalog, served, lang, err)
    if catalog is None:
        return EXIT_FAILED
    try:
        questions = questions_from(yaml.safe_load(arguments.questions.read_text("utf-8")))
    except (OSError, yaml.YAMLError, ValueError, TypeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        print(
            t("search.test.bad_file", lang, path=str(arguments.questions), reason=reason), file=err
        )
        return EXIT_FAILED
    evaluation = evaluate_index(
        SearchIndex.of(catalog), questions, _resolver(served.gazetteer), served.gazetteer
    )
    print("\n".join(report_lines(evaluation, lang)), file=out)
    return EXIT_OK if evaluation.leaks == 0 and not evaluation.misses else EXIT_FAILED


def _resolver(places: PlaceFinder) -> Callable[[str], str | None]:
    def resolve(text: str) -> str | None:
        answer = places.find(text)
        return answer.gmina.code if answer.gmina is not None else None

    return resolve


def report_lines(evaluation: Evaluation, lang: str) -> list[str]:
    """hit@3, leaks, unresolved places, leaks in detail, then every miss with what came."""
    count = len(evaluation.outcomes)
    hits = count - len(evaluation.misses)
    percent = round(100 * evaluation.hit_rate, 1)
    lines = [
        tn("search.test.hits", count, lang, hits=hits, percent=f"{percent:g}"),
        t("search.test.leaks", lang, leaks=evaluation.leaks),
        t("search.test.asked", lang, asked=evaluation.asked),
    ]
    for outcome in evaluation.outcomes:
        if outcome.gmina is None and outcome.question.place:
            lines.append(_line("search.test.unresolved", outcome, lang))
    for outcome in evaluation.outcomes:
        if outcome.leaks:
            lines.append(
                _line("search.test.leak", outcome, lang, services=", ".join(outcome.leaks))
            )
    for outcome in evaluation.misses:
        lines.append(
            _line("search.test.miss", outcome, lang, expected=", ".join(outcome.question.expect))
        )
        lines.append(t("search.test.got", lang, got=", ".join(outcome.results[:HIT_AT]) or "—"))
    return lines


def _line(key: str, outcome: Outcome, lang: str, **values: object) -> str:
    question = outcome.question
    age = "—" if question.age is None else question.age
    return t(key, lang, question=question.text, place=question.place, age=age, **values)
