"""`drogowskaz search`: ask the catalogue what a person would ask, from the terminal.

For caseworkers checking an answer, and for evaluation: `--json` and `--batch` give the same
search the bot runs, as machine-readable lines, in one process.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TextIO

from bot.i18n import LANGUAGES, situation_label, t
from bot.render import unit_label
from bot.settings import Settings
from catalog.model import MAX_AGE, MIN_AGE, Catalog
from catalog.places import ReferenceAnswer, Unit
from catalog.reading import Need, PlaceFinder, read
from catalog.search import Match, SearchIndex, SearchResult
from catalog.taxonomy import SITUATIONS
from catalog.text import fold
from catalog.validation import check, situation_named, suggest_situation

EXIT_OK = 0
EXIT_BAD_CATALOG = 1
EXIT_BAD_PLACE = 2
EXIT_BAD_SITUATION = 2  # as argparse's own usage errors


class CommandPlaces(PlaceFinder, Protocol):
    """What the search command needs from the gazetteer: what the reader needs, and strict
    references for checking a catalogue."""

    def reference(self, text: str) -> ReferenceAnswer:
        """Resolve a catalogue place reference strictly."""
        ...


class Served(Protocol):
    """What the search command needs from the runtime: the places and the served catalogue."""

    @property
    def gazetteer(self) -> CommandPlaces:
        """The places."""
        ...

    @property
    def catalog(self) -> Catalog:
        """The catalogue being served."""
        ...


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """A question we cannot search: a place that is not one gmina, or a malformed batch line."""

    error: str  # "place_unknown" | "place_ambiguous" | "place_outside_poland" | "bad_request"
    candidates: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The `{"error", "candidates"}` object of the command line contract."""
        return {"error": self.error, "candidates": list(self.candidates)}


def register(commands: Any) -> None:
    """Add `search` to the parser."""
    parser = commands.add_parser("search", help="find the services that serve a person")
    parser.add_argument("text", nargs="*", help="what the person wrote (any language)")
    parser.add_argument("--catalog", type=Path, help="search this file instead (checked first)")
    parser.add_argument("--place", help="where the person lives, as they would write it")
    parser.add_argument("--age", type=_age, help="age of the person who needs help")
    parser.add_argument(
        "--situation",
        action="append",
        default=[],
        metavar="SITUATION",
        help="a situation chosen by button (repeatable): its key, its label in pl/uk/en or a "
        "word for it, e.g. przemoc",
    )
    parser.add_argument("--limit", type=_positive, default=5, help="how many results")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--batch", type=Path, help='JSON lines {"q","place","age","situations"}: one answer each'
    )
    parser.set_defaults(handler=on_runtime(run))


class ServedCommand(Protocol):
    """A command's work with its dependencies given (tests call it with fakes)."""

    def __call__(
        self, arguments: argparse.Namespace, served: Served, *, lang: str, out: TextIO, err: TextIO
    ) -> int:
        """Exit code of the command."""
        ...


def situations_named(written: Iterable[str], lang: str, err: TextIO) -> frozenset[str] | None:
    """`--situation` values as keys: a key, a button label in any of our languages, or a word
    for it ('przemoc' -> domestic_violence). None, after saying which one is unknown and what
    was probably meant, when one names no situation."""
    keys: set[str] = set()
    for name in written:
        key = situation_named(name, _situation_labels())
        if key is not None:
            keys.add(key)
            continue
        meant = suggest_situation(name)
        if meant is not None:
            label = situation_label(meant, lang)
            print(t("search.cli.situation_meant", lang, name=name, label=label), file=err)
        else:
            labels = "; ".join(situation_label(each, lang) for each in SITUATIONS)
            print(t("search.cli.situation_unknown", lang, name=name, labels=labels), file=err)
        return None
    return frozenset(keys)


@cache
def _situation_labels() -> dict[str, str]:
    """Every language's button label of each situation, folded -> its key."""
    return {fold(situation_label(key, lang)): key for lang in LANGUAGES for key in SITUATIONS}


def on_runtime(run: ServedCommand) -> Callable[[argparse.Namespace], int]:
    """The command line's handler for `run`: it opens the runtime only when the command runs."""

    def command(arguments: argparse.Namespace) -> int:
        from bot.runtime import Runtime  # the database and places open only when needed

        settings = Settings()
        with Runtime.open(settings, progress=sys.stderr) as runtime:
            return run(arguments, runtime, lang=settings.language, out=sys.stdout, err=sys.stderr)

    return command


def run(
    arguments: argparse.Namespace, served: Served, *, lang: str, out: TextIO, err: TextIO
) -> int:
    """The command with its dependencies given: search once, or every line of a batch."""
    situations = situations_named(arguments.situation, lang, err)
    if situations is None:
        return EXIT_BAD_SITUATION
    catalog = catalog_to_use(arguments.catalog, served, lang, err)
    if catalog is None:
        return EXIT_BAD_CATALOG
    index = SearchIndex.of(catalog)
    if arguments.batch is not None:
        return _run_batch(
            arguments.batch, index, served.gazetteer, arguments.limit, out, err, lang=lang
        )

    answer = _search(
        index,
        served.gazetteer,
        text=" ".join(arguments.text),
        place=arguments.place,
        age=arguments.age,
        situations=situations,
        limit=arguments.limit,
        lang=lang,
    )
    if isinstance(answer, ErrorAnswer):
        if arguments.json:
            print(json.dumps(answer.as_json(), ensure_ascii=False), file=out)
        else:
            print(_place_error_text(answer, lang), file=err)
        return EXIT_BAD_PLACE
    unit, result, need = answer
    if arguments.json:
        print(json.dumps(result_json(unit, result, need), ensure_ascii=False), file=out)
    else:
        print("\n".join(result_lines(unit, result, lang)), file=out)
    return EXIT_OK


def _search(
    index: SearchIndex,
    places: CommandPlaces,
    *,
    text: str,
    place: str | None,
    age: int | None,
    situations: frozenset[str],
    limit: int,
    lang: str,
) -> ErrorAnswer | tuple[Unit | None, SearchResult, Need]:
    """The person's need read from their words (the place and age given apart win), their
    gmina, and the services that serve them, best first."""
    need = read(text, places, served=index.locality)
    if place:
        need = replace(need, place=places.find(place, prefer=index.locality), place_weak=False)
    if age is not None:
        need = replace(need, age=age, adult=False)
    found = _one_gmina(need, lang)
    if isinstance(found, ErrorAnswer):
        return found
    query = need.query(gmina=found.code if found else None)
    query = replace(query, situations=query.situations | situations)
    return found, index.search(query, limit=limit), need


def _one_gmina(need: Need, lang: str) -> ErrorAnswer | Unit | None:
    """The gmina to search in; a place that is not one gmina (or only a guess) is an error
    listing the candidates, as the bot would ask."""
    answer = need.place
    if answer is None:
        return None
    if answer.gmina is not None and not need.place_weak:
        return answer.gmina
    if answer.gmina is not None:
        return ErrorAnswer("place_ambiguous", (unit_label(answer.gmina, lang),))
    if answer.candidates:
        described = tuple(unit_label(unit, lang) for unit in answer.candidates)
        return ErrorAnswer("place_ambiguous", described)
    if answer.outside_poland:
        return ErrorAnswer("place_outside_poland", ())
    return ErrorAnswer("place_unknown", answer.suggestions)


def place_json(unit: Unit | None) -> dict[str, object] | None:
    """The resolved gmina as JSON (None when the place is unknown)."""
    if unit is None:
        return None
    return {
        "gmina": unit.code,
        "teryt": unit.teryt,
        "name": unit.name,
        "kind": unit.kind,
        "powiat": unit.powiat,
        "wojewodztwo": unit.wojewodztwo,
    }


def match_json(match: Match) -> dict[str, object]:
    """One result as JSON."""
    service = match.service
    return {
        "service_id": service.id,
        "institution_id": service.institution.id,
        "score": match.score,
        "name": service.name,
        "institution": service.institution.name,
        "situations": list(match.situations),
        "level": match.level,
        "crisis": service.crisis,
        "phones": [phone.display for phone in service.contact.phones],
    }


def result_json(unit: Unit | None, result: SearchResult, need: Need) -> dict[str, object]:
    """The whole answer as JSON, with what was understood from the words."""
    return {
        "place": place_json(unit),
        "results": [match_json(match) for match in result.matches],
        "situations": list(need.keys) or sorted(result.situations),
        "danger": result.danger or need.danger,
        "understood": result.understood,
        "who": need.who,
        "age": need.age,
        "adult": need.adult,
        "language": need.language,
        "covered": result.covered,
        "fallback": result.fallback,
    }


def result_lines(unit: Unit | None, result: SearchResult, lang: str) -> list[str]:
    """The answer as text for a person at a terminal."""
    lines = []
    if unit is None:
        lines.append(t("search.cli.no_place", lang))
    else:
        lines.append(t("search.cli.place", lang, place=unit_label(unit, lang)))
    if result.danger:
        lines.append(t("search.cli.danger", lang))
    if not result.understood:
        lines.append(t("search.cli.not_understood", lang))
    if result.situations:
        labels = ", ".join(situation_label(key, lang) for key in sorted(result.situations))
        lines.append(t("search.cli.situations", lang, situations=labels))
    if not result.matches:
        lines.append(t("search.cli.nothing", lang))
    for rank, match in enumerate(result.matches, start=1):
        service = match.service
        phones = ", ".join(phone.display for phone in service.contact.phones)
        lines.append(
            t(
                "search.cli.result",
                lang,
                rank=rank,
                name=service.name,
                institution=service.institution.short_name or service.institution.name,
                level=t(f"search.level.{match.level}", lang),
            )
        )
        if phones:
            lines.append(t("search.cli.phones", lang, phones=phones))
    return lines


def _place_error_text(error: ErrorAnswer, lang: str) -> str:
    key = (
        "search.cli.place_ambiguous"
        if error.error == "place_ambiguous"
        else "search.cli.place_unknown"
    )
    return t(key, lang, candidates="; ".join(error.candidates) or "—")


def _run_batch(
    path: Path,
    index: SearchIndex,
    places: CommandPlaces,
    limit: int,
    out: TextIO,
    err: TextIO,
    *,
    lang: str,
) -> int:
    """One JSON answer per JSON line of the file; a bad line answers with its error."""
    code = EXIT_OK
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        print(f"{path}: {error.strerror}", file=err)
        return EXIT_BAD_CATALOG
    for request in _requests(lines):
        if isinstance(request, ErrorAnswer):
            print(json.dumps(request.as_json(), ensure_ascii=False), file=out)
            code = EXIT_BAD_PLACE
            continue
        text, place, age, situations = request
        answer = _search(
            index,
            places,
            text=text,
            place=place,
            age=age,
            situations=situations,
            limit=limit,
            lang=lang,
        )
        if isinstance(answer, ErrorAnswer):
            print(json.dumps(answer.as_json(), ensure_ascii=False), file=out)
            code = EXIT_BAD_PLACE
            continue
        print(json.dumps(result_json(*answer), ensure_ascii=False), file=out)
    return code


_Request = tuple[str, str | None, int | None, frozenset[str]]


def _requests(lines: Iterable[str]) -> Iterator[_Request | ErrorAnswer]:
    """Parsed batch lines (blank lines skipped); a malformed line becomes an error answer."""
    for line in lines:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise TypeError
            age = data.get("age")
            situations = frozenset(str(key) for key in data.get("situations") or ())
            if age is not None and not (isinstance(age, int) and MIN_AGE <= age <= MAX_AGE):
                raise TypeError
            if situations - frozenset(SITUATIONS):
                raise TypeError
            place = data.get("place")
            yield (str(data.get("q") or ""), str(place) if place else None, age, situations)
        except (ValueError, TypeError):
            yield ErrorAnswer("bad_request", ())


def _age(text: str) -> int:
    value = int(text)
    if not MIN_AGE <= value <= MAX_AGE:
        msg = f"age must be between {MIN_AGE} and {MAX_AGE}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = "must be at least 1"
        raise argparse.ArgumentTypeError(msg)
    return value


def catalog_to_use(path: Path | None, served: Served, lang: str, err: TextIO) -> Catalog | None:
    """The served catalogue, or the file given with --catalog when it has no error."""
    if path is None:
        return served.catalog
    return checked_catalog(path, served.gazetteer, lang, err)


def checked_catalog(path: Path, places: CommandPlaces, lang: str, err: TextIO) -> Catalog | None:
    """The file's catalogue when it has no error; else its problems on stderr."""
    from bot.reports import render_report

    try:
        data = path.read_bytes()
    except OSError:
        print(t("search.cli.unreadable", lang, path=str(path)), file=err)
        return None
    report = check(data, filename=path.name, places=places)
    if report.catalog is None:
        print("\n".join(render_report(report, lang)), file=err)
        return None
    return report.catalog
