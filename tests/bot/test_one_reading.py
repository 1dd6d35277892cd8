"""The four paths that take a person's words read one message the same way: the dialog,
/szukaj and inline (`lookup`), `drogowskaz search` and `catalog test`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cli.search import _search
from bot.dialog import Command, Deps, DialogState, Text, step
from bot.handlers.lookup import lookup
from bot.i18n import t
from bot.runtime import Runtime
from bot.settings import Settings
from catalog.evaluation import Question, evaluate_index
from catalog.places import Unit
from catalog.reading import Need, read
from catalog.search import SearchIndex, SearchResult
from catalog.vocabulary import Understanding, Vocabulary, is_danger

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder: Path = tmp_path_factory.mktemp("runtime")
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'db.sqlite'}")
    with Runtime.open(settings) as opened:
        yield opened


def searched_from_the_command_line(
    message: str, runtime: Any
) -> tuple[Unit | None, SearchResult, Need]:
    """What `drogowskaz search MESSAGE` finds in the runtime's catalogue."""
    answer = _search(
        SearchIndex.of(runtime.catalog),
        runtime.gazetteer,
        text=message,
        place=None,
        age=None,
        situations=frozenset(),
        limit=5,
        lang="pl",
    )
    assert isinstance(answer, tuple)
    return answer


@pytest.mark.parametrize(
    "message",
    [
        "syn (15 lat) ćpa, co robić? Siedlce",
        "mąż mnie bije, Siedlce",
        "мені сімнадцять, шукаю роботу, Седльце",
        "My mother is 80 and needs care at home, we live in Siedlce",
    ],
)
def test_every_path_reads_one_message_alike(message: str, runtime: Any) -> None:
    sample_catalog, places = runtime.catalog, runtime.gazetteer
    index = SearchIndex.of(sample_catalog)
    deps = Deps(places=places, search=index, catalog=sample_catalog, is_danger=is_danger)

    dialog = step(DialogState(step="who"), Text(message), deps, NOW).state
    looked_up = lookup(message, sample_catalog, places).need
    unit, _, from_cli = searched_from_the_command_line(message, runtime)
    tested = evaluate_index(index, [Question(message, "Siedlce")], lambda _: "146401", places)

    assert looked_up == from_cli
    assert (dialog.who, dialog.age, dialog.situations[:1]) == (
        from_cli.who,
        from_cli.age,
        from_cli.keys[:1],
    )
    assert unit is not None
    assert dialog.place_code == unit.code
    assert not tested.outcomes[0].asked  # catalog test read the place from the words too


@pytest.fixture
def understood(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each text was understood by the vocabulary."""
    counts: Counter[str] = Counter()
    original = Vocabulary.understand

    def counting(self: Vocabulary, text: str) -> Understanding:
        counts[text] += 1
        return original(self, text)

    monkeypatch.setattr(Vocabulary, "understand", counting)
    return counts


def _looked_up(message: str, runtime: Any) -> int:
    return len(lookup(message, runtime.catalog, runtime.gazetteer).services)


def _searched(message: str, runtime: Any) -> int:
    return len(searched_from_the_command_line(message, runtime)[1].matches)


def _tested(message: str, runtime: Any) -> int:
    index = SearchIndex.of(runtime.catalog)
    tested = evaluate_index(
        index, [Question(message, "Siedlce")], lambda _: "146401", runtime.gazetteer
    )
    return len(tested.outcomes[0].results)


@pytest.mark.parametrize(
    "path", [_looked_up, _searched, _tested], ids=["lookup", "search", "test"]
)
@pytest.mark.parametrize(
    "message",
    ["szukam pracy w Siedlcach", "mam 40 lat, mąż mnie bije, Siedlce", "stracilem prace"],
)
def test_a_message_is_understood_once_on_its_way_from_the_reader_to_the_search(
    path: Callable[[str, Any], int], message: str, runtime: Any, understood: Counter[str]
) -> None:
    found = path(message, runtime)

    assert found > 0  # the search ran, on the text the reader left it
    assert [text for text, times in understood.items() if times > 1] == []


def test_the_conversation_keeps_what_was_understood_not_the_words(runtime: Any) -> None:
    deps = Deps.of(runtime)
    message = "Nazywam się Anna Nowak, tel 600123456, mąż Jan Kowalski mnie bije, Siedlce"

    state = step(DialogState(step="who"), Text(message), deps, NOW).state

    stored = json.dumps(state.to_dict(), ensure_ascii=False)
    assert state.situations == ("domestic_violence",)
    assert state.place_code == "146401"
    for private in ("Anna", "Nowak", "600123456", "Jan", "Kowalski"):
        assert private not in stored


def test_a_place_outside_the_catalogue_is_said_plainly_with_national_lines(
    runtime: Any,
) -> None:
    deps = Deps.of(runtime)

    result = step(
        DialogState(step="who"), Text("mam 30 lat, mąż mnie bije, Wysokie Mazowieckie"), deps, NOW
    )

    outside = [reply.text for reply in result.replies if reply.kind == "outside_area"]
    assert outside
    assert "mazowieckie" in outside[0]
    cards = " ".join(reply.text for reply in result.replies)
    assert "800 120 002" in cards  # Niebieska Linia serves all of Poland


def test_a_place_outside_the_catalogue_with_no_line_that_fits_promises_none(
    runtime: Any,
) -> None:
    deps = Deps.of(runtime)

    result = step(DialogState(step="who"), Text("Rokiciny, nie mam za co żyć, 60 lat"), deps, NOW)

    outside = [reply.text for reply in result.replies if reply.kind == "outside_area"]
    assert outside == [
        t("dialog.results.outside_area_only", "pl", areas="województwo mazowieckie")
    ]
    shown = " ".join(reply.text for reply in result.replies)
    assert "ośrodku pomocy społecznej w swojej gminie" in shown
    assert "+48" not in shown


def test_a_child_facing_violence_gets_a_childrens_line_in_the_first_three(runtime: Any) -> None:
    index = SearchIndex.of(runtime.catalog)
    need = read("mam 15 lat, ojciec mnie bije, Siedlce", runtime.gazetteer)

    result = index.search(need.query(gmina="146401"), limit=10)

    top = [match.service.id for match in result.matches[:3]]
    assert {"116-111-rozmowa", "800-12-12-12-rozmowa"} & set(top)


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("mam 40 lat i chcę się zabić", "pl"),
        ("мені 40 років, не хочу жити", "uk"),
        ("I'm 40 and I want to die", "en"),
    ],
)
def test_the_crisis_reply_fits_an_adult_and_comes_in_their_language(
    message: str, lang: str, runtime: Any
) -> None:
    deps = Deps.of(runtime)

    result = step(DialogState(step="who"), Text(message), deps, NOW)

    danger = result.replies[0]
    assert danger.kind == "danger"
    assert "116 123" in danger.text  # the adults' line
    assert "116 111" not in danger.text  # never the children's line for an adult
    assert result.state.lang == lang
    assert result.state.age == 40


def test_the_first_message_says_how_to_change_the_language(runtime: Any) -> None:
    result = step(DialogState(), Command("start"), Deps.of(runtime), NOW)

    assert "/jezyk" in result.replies[0].text
