"""The dialog on the real runtime: bundled sample catalogue, built-in places, real search."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.dialog import Choice, Command, Deps, Location, Text
from bot.runtime import Runtime
from bot.settings import Settings
from tests.bot.test_dialog_fakes import Conversation


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deps]:
    folder: Path = tmp_path_factory.mktemp("runtime")
    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'db.sqlite'}")
    runtime = Runtime.open(settings)
    yield Deps.of(runtime)
    runtime.close()


def test_nineteen_year_old_looking_for_work_in_siedlce_gets_pup_and_ohp(deps: Deps) -> None:
    conversation = Conversation(deps=deps)
    conversation.send(Command("start"))

    for answer in ("19", "szukam pracy", "Siedlce"):
        conversation.send(Text(answer))

    shown = conversation.text()
    assert "Powiatowy Urząd Pracy w Siedlcach" in shown
    assert "OHP w Siedlcach" in shown
    assert "Telefon Zaufania dla Dzieci" not in shown


def test_opening_with_violence_and_place_goes_to_the_age_then_to_results(deps: Deps) -> None:
    conversation = Conversation(deps=deps)

    conversation.send(Text("mąż mnie bije, Siedlce"))
    assert conversation.state.step == "age"
    assert "domestic_violence" in conversation.state.situations
    conversation.send(Choice("age:26-59"))

    shown = conversation.text()
    assert "Ośrodek Interwencji Kryzysowej w Siedlcach" in shown
    assert "Przeciwdziałanie przemocy domowej" in shown
    assert "Telefon: +48 25 794 30 10" in shown  # the sourced contacts are on the cards


def test_danger_words_show_the_samples_crisis_lines_for_the_persons_age(deps: Deps) -> None:
    conversation = Conversation(lang="uk", deps=deps)
    conversation.send(Text("16"))

    result = conversation.send(Text("хочу вбити себе"))

    danger = result.replies[0]
    assert danger.kind == "danger"
    assert "<b>112</b>" in danger.text
    assert "116 111" in danger.text
    assert "116 123" not in danger.text  # that line serves adults
    assert danger.text.count("112") == 1


@pytest.mark.parametrize("lang", ["pl", "uk", "en"])
def test_location_pin_in_siedlce_gives_local_results(deps: Deps, lang: str) -> None:
    conversation = Conversation(lang=lang, deps=deps)
    conversation.send(Command("start", "unemployment"))
    conversation.send(Text("30"))

    conversation.send(Location(52.1676, 22.2901))

    assert conversation.state.step == "results"
    assert "Powiatowy Urząd Pracy w Siedlcach" in conversation.text()


def test_a_whole_conversation_leaves_no_user_text_in_the_logs(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conversation = Conversation(deps=deps)
    said = ("Kasia Nowak 601 222 333", "mąż mnie bije", "Siedlce", "chcę się zabić", "41")

    for text in said:
        conversation.send(Text(text))

    logged = "\n".join(record.getMessage() for record in caplog.records)
    for text in ("Kasia", "601 222 333", "bije", "zabić"):
        assert text not in logged
    assert conversation.state.step == "results"


def test_a_posters_deep_link_starts_at_its_place_and_situation_in_its_language(
    deps: Deps,
) -> None:
    conversation = Conversation(deps=deps)

    conversation.send(Command("start", "p1464011-youth-uk"))

    assert conversation.state.lang == "uk"
    assert conversation.state.place_code == "146401"
    assert conversation.state.situations == ("youth",)
    assert conversation.state.step == "age"  # the only question left
    conversation.send(Text("19"))
    assert "OHP" in conversation.text()


def test_a_posters_deep_link_without_situation_asks_the_rest_but_not_the_place(
    deps: Deps,
) -> None:
    conversation = Conversation(deps=deps)

    conversation.send(Command("start", "p1464011"))
    conversation.send(Choice("who:me"))
    conversation.send(Text("40"))
    conversation.send(Text("szukam pracy"))

    assert conversation.state.place_code == "146401"
    assert "Powiatowy Urząd Pracy w Siedlcach" in conversation.text()


def test_a_broken_place_payload_starts_as_usual(deps: Deps) -> None:
    conversation = Conversation(deps=deps)

    conversation.send(Command("start", "p1464011-nonsense"))

    assert conversation.state.place_code is None
    assert conversation.state.step == "who"


def test_mopr_siedlce_card_shows_its_phone_address_and_when_it_was_checked(deps: Deps) -> None:
    conversation = Conversation(deps=deps)
    conversation.send(Text("mąż mnie bije, Siedlce"))
    conversation.send(Choice("age:26-59"))

    mopr = next(c for c in conversation.text().split("\n2. ") if "Przeciwdziałanie" in c)

    assert "Adres: ul. Sienkiewicza 32, 08-110 Siedlce" in conversation.text()
    assert "Telefon: +48 25 632 33 25" in conversation.text()
    assert "dane sprawdzone: grudzień 2026" in mopr


def test_a_card_with_no_contact_sends_the_person_to_the_gminas_office(deps: Deps) -> None:
    conversation = Conversation(deps=deps)
    conversation.send(Text("chcę się uczyć, Siedlce"))
    conversation.send(Choice("age:26-59"))

    shown = conversation.text()

    assert "Towarzystwo Wiedzy Powszechnej" in shown  # the sample gives it no contact
    assert "Zapytaj w ośrodku pomocy społecznej: MOPR Siedlce +48 25 632 33 25" in shown
