"""A confidential place (a shelter for people fleeing violence) on every path that renders a
card: its address, coordinates and map never reach the person, only its phone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bot.i18n import t
from bot.reload import Reloader
from bot.runtime import Runtime
from bot.settings import Settings
from tests.botapi import BotApiServer, FakeUser
from tests.e2e.conftest import Bot

SHELTER = b"""
version: 1
name: Katalog z schroniskiem
institutions:
  - id: schronisko-tajne
    name: Schronisko dla osob doznajacych przemocy
    confidential: true
    address: "ul. Ukryta 7, 08-110 Siedlce"
    geo: [52.1676, 22.2901]
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    checked: 2026-11-20
    services:
      - id: schronisko-tajne-pobyt
        name: Bezpieczne schronienie
        situations: [domestic_violence]
"""
HIDDEN_STREET = "Ukryta"
PERSON = FakeUser(8101, "Ola", "pl")


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Any]:
    from catalog.validation import check

    opened = Runtime.open(settings)
    report = check(SHELTER, filename="schronisko.yaml", places=opened.gazetteer)
    assert report.catalog is not None, report.errors
    asyncio.run(Reloader(opened).load(report.catalog, index=False))
    yield opened
    opened.close()


def _no_secret(server: BotApiServer) -> None:
    sent = [repr(call.params) for call in server.calls]
    assert not any(HIDDEN_STREET in text or "52.1676" in text for text in sent)
    assert not server.calls_of("sendVenue")
    assert not server.calls_of("sendLocation")


async def test_the_chat_shows_the_shelters_phone_and_never_its_address(
    bot: Bot, server: BotApiServer
) -> None:
    await bot.say(PERSON, "mąż mnie bije, Siedlce")
    await bot.press(PERSON, data="age:26-59")

    shown = "\n".join(server.sent_texts(PERSON.id))
    assert "Schronisko dla osob doznajacych przemocy" in shown
    assert "+48 25 600 00 01" in shown
    assert "dane sprawdzone: listopad 2026" in shown
    buttons = [b["text"] for m in server.chat_messages(PERSON.id) for b in _buttons(m)]
    assert t("card.button.map", "pl") not in buttons
    _no_secret(server)


async def test_a_caseworkers_search_and_the_deep_link_card_hide_the_address(
    bot: Bot, server: BotApiServer
) -> None:
    found = await bot.say(PERSON, "/szukaj schronisko Siedlce")
    card = await bot.say(PERSON, "/start card_schronisko-tajne-pobyt")

    assert any("+48 25 600 00 01" in text for text in found)
    assert any("+48 25 600 00 01" in text for text in card)
    _no_secret(server)


async def test_inline_results_carry_no_address_and_no_map(bot: Bot, server: BotApiServer) -> None:
    await bot.processed(server.inline_query(PERSON, "schronisko siedlce"))

    [answer] = [call.params for call in server.calls_of("answerInlineQuery")]
    assert answer["results"]
    labels = [b["text"] for r in answer["results"] for b in _buttons(r)]
    assert t("card.button.map", "pl") not in labels
    _no_secret(server)


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]
