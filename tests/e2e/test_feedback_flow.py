"""'This was wrong' through the local Bot API server: the person says what is wrong and may add
a note; the coordinators get one alert and see the report in /feedback, note escaped."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import t
from bot.runtime import Runtime
from bot.settings import Settings
from bot.store import ConversationStore
from tests.botapi import BotApiServer, FakeUser
from tests.builders import stored_chat_ids
from tests.e2e.conftest import Bot

ADMIN = FakeUser(9101, "Koordynatorka", "pl")
ALA = FakeUser(9102, "Ala", "pl")
SERVICE = "mopr-przemoc"

CATALOG = """\
version: 1
name: Katalog z adresami
institutions:
  - id: mopr-siedlce
    name: Miejski Ośrodek Pomocy Rodzinie w Siedlcach
    short_name: MOPR Siedlce
    place: miasto Siedlce
    address: ul. Kilińskiego 12, 08-110 Siedlce
    geo: [52.1676, 22.2901]
    phones: ["+48 25 600 00 01"]
    services:
      - id: mopr-przemoc
        name: Przeciwdziałanie przemocy domowej
        situations: [domestic_violence]
{more}
  - id: pup-siedlce
    name: Powiatowy Urząd Pracy w Siedlcach
    short_name: PUP Siedlce
    place: miasto Siedlce
    address: ul. Młynarska 36, 08-110 Siedlce
    phones: ["+48 25 600 00 03"]
    services:
      - id: pup-praca
        name: Oferty pracy
        situations: [unemployment]
"""
ZASILKI = """\
      - id: mopr-zasilki
        name: Zasiłki
        situations: [poverty]
"""


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The harness's settings plus one coordinator and a catalogue file to reload."""
    path = tmp_path / "katalog.yaml"
    path.write_text(CATALOG.format(more=ZASILKI), encoding="utf-8")
    return settings.model_copy(update={"admin_ids": frozenset({ADMIN.id}), "catalog": str(path)})


async def loaded(bot: Bot) -> None:
    replies = await bot.say(ADMIN, "/reload")
    assert "Katalog z adresami" in replies[-1]


async def card_of(bot: Bot, user: FakeUser, service_id: str) -> dict[str, Any]:
    """Search as a caseworker in a private chat; the card of the service."""
    await bot.say(user, "/szukaj przemoc Siedlce")
    for message in bot.server.chat_messages(user.id):
        buttons = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        if any(b.get("callback_data") == f"wrong:{service_id}" for row in buttons for b in row):
            return message
    raise AssertionError(f"no card of {service_id}")


async def chose_kind(bot: Bot, kind: str) -> None:
    """Ala reports the service's card as wrong and says what kind of wrong, nothing more yet."""
    await loaded(bot)
    card = await card_of(bot, ALA, SERVICE)
    await bot.press(ALA, data=f"wrong:{SERVICE}", message_id=card["message_id"])
    await bot.press(ALA, data=f"wrong:{SERVICE}:{kind}")


def alerts(server: BotApiServer) -> list[dict[str, Any]]:
    return [call.params for call in server.calls_of("sendMessage", chat_id=ADMIN.id)]


async def alerted(server: BotApiServer, count: int) -> None:
    """Wait until the coordinator got `count` messages (alerts go out after the reply)."""
    await server.wait_until(lambda: len(alerts(server)) >= count, what=f"{count} admin messages")


def buttons_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


async def test_the_person_says_what_is_wrong_adds_a_note_and_the_coordinators_get_it(
    bot: Bot, server: BotApiServer
) -> None:
    await loaded(bot)
    card = await card_of(bot, ALA, SERVICE)
    before = len(alerts(server))

    asked = await bot.press(ALA, data=f"wrong:{SERVICE}", message_id=card["message_id"])
    question = server.last_message(ALA.id)
    kinds = buttons_of(question)
    await bot.press(ALA, data=f"wrong:{SERVICE}:phone", message_id=question["message_id"])
    invitation = server.last_message(ALA.id)
    thanks = await bot.say(ALA, "Numer <b>nie</b> odpowiada & jest nieaktualny")
    await alerted(server, before + 1)

    assert "Co się nie zgadza" in asked[0]
    assert kinds[0] == ("Numer telefonu", f"wrong:{SERVICE}:phone")
    assert len(kinds) == 6
    assert invitation["message_id"] == question["message_id"]  # the question became the invitation
    assert "danych osobowych" in invitation["text"]
    assert buttons_of(invitation)[0] == ("Wyślij bez uwagi", f"wrong:{SERVICE}:send")
    assert thanks == [t("dialog.wrong.sent_with_note", "pl")]
    (alert,) = alerts(server)[before:]
    assert alert["parse_mode"] == "HTML"
    assert f"<code>{SERVICE}</code>" in alert["text"]
    assert t("admin.feedback.kind.phone", "pl") in alert["text"]
    assert "Numer &lt;b&gt;nie&lt;/b&gt; odpowiada &amp; jest nieaktualny" in alert["text"]
    assert str(ALA.id) not in alert["text"]
    (report,) = bot.services.feedback.recent()
    assert (report.kind, report.note) == ("phone", "Numer <b>nie</b> odpowiada & jest nieaktualny")
    listing = await bot.say(ADMIN, "/feedback")
    assert "MOPR Siedlce — Przeciwdziałanie przemocy domowej" in listing[-1]
    assert t("admin.feedback.kind.phone", "pl") in listing[-1]
    assert "Numer &lt;b&gt;nie&lt;/b&gt; odpowiada" in listing[-1]


async def test_send_without_a_note_reports_once_however_often_it_is_pressed(
    bot: Bot, server: BotApiServer
) -> None:
    await loaded(bot)
    card = await card_of(bot, ALA, SERVICE)
    await bot.press(ALA, data=f"wrong:{SERVICE}", message_id=card["message_id"])
    question = server.last_message(ALA.id)
    await bot.press(ALA, data=f"wrong:{SERVICE}:hours", message_id=question["message_id"])
    before = len(alerts(server))

    await bot.processed(server.callback(ALA, question, f"wrong:{SERVICE}:send"))
    sent = len(server.sent_texts(ALA.id))
    await bot.processed(server.callback(ALA, question, f"wrong:{SERVICE}:send"))  # a double tap
    again = server.sent_texts(ALA.id)[sent:]
    await alerted(server, before + 1)

    edited = [m for m in server.chat_messages(ALA.id) if m["message_id"] == question["message_id"]]
    assert edited[0]["text"] == t("dialog.wrong.sent", "pl")  # the invitation, edited in place
    assert again == [t("dialog.wrong.closed", "pl")]
    assert [(r.kind, r.note) for r in bot.services.feedback.recent()] == [("hours", "")]
    listing = await bot.say(ADMIN, "/feedback")
    assert t("admin.feedback.kind.hours", "pl") in listing[-1]
    assert len(alerts(server)) == before + 2  # the one alert, and the /feedback listing


async def test_a_kind_without_a_note_is_not_lost_when_the_person_searches_again(bot: Bot) -> None:
    await chose_kind(bot, "closed")

    replies = await bot.say(ALA, "/start")

    assert replies[0].startswith("Zgłoszenie dotyczące „MOPR Siedlce")
    assert [(r.kind, r.note) for r in bot.services.feedback.recent()] == [("closed", "")]


async def test_a_kind_chosen_before_a_restart_is_sent_after_it(bot: Bot) -> None:
    await chose_kind(bot, "address")

    await bot.restart()
    await bot.say(ALA, "Kilińskiego 14, nie 12")

    assert [(r.kind, r.note) for r in bot.services.feedback.recent()] == [
        ("address", "Kilińskiego 14, nie 12")
    ]


async def test_danger_instead_of_a_note_is_answered_first_and_not_passed_on(bot: Bot) -> None:
    await chose_kind(bot, "phone")

    replies = await bot.say(ALA, "chcę się zabić")

    assert "112" in replies[0]
    assert [(r.kind, r.note) for r in bot.services.feedback.recent()] == [("phone", "")]


async def test_a_card_of_a_service_removed_by_a_reload_gets_a_polite_answer(
    bot: Bot, settings: Settings
) -> None:
    await loaded(bot)
    await bot.say(ALA, "/szukaj MOPR Siedlce")
    card = next(
        message
        for message in bot.server.chat_messages(ALA.id)
        if ("wrong:mopr-zasilki") in str(message.get("reply_markup"))
    )
    assert settings.catalog is not None
    smaller = CATALOG.format(more="").encode()
    await asyncio.to_thread(Path(settings.catalog).write_bytes, smaller)
    await bot.say(ADMIN, "/reload")

    replies = await bot.press(ALA, data="wrong:mopr-zasilki", message_id=card["message_id"])

    assert replies == [t("dialog.wrong.gone", "pl")]
    assert bot.services.feedback.recent() == []


async def test_the_question_and_the_invitation_are_in_the_persons_language(
    bot: Bot, server: BotApiServer
) -> None:
    olena = FakeUser(9103, "Олена", "uk")
    await loaded(bot)
    card = await card_of(bot, olena, SERVICE)

    await bot.press(olena, data=f"wrong:{SERVICE}", message_id=card["message_id"])
    labels = [label for label, _ in buttons_of(server.last_message(olena.id))]
    await bot.press(olena, data=f"wrong:{SERVICE}:other")

    assert labels[0] == "Номер телефону"
    assert "координатори каталогу" in server.last_message(olena.id)["text"]


async def test_a_kind_without_a_note_is_sent_when_the_idle_conversation_is_forgotten(
    bot: Bot, runtime: Runtime
) -> None:
    await chose_kind(bot, "closed")
    store = ConversationStore(runtime.engine)
    state = store.load(ALA.id)
    assert state is not None
    store.save(ALA.id, state.state, now=datetime.now(UTC) - timedelta(hours=25))  # gone idle
    assert bot.app is not None
    assert bot.app.job_queue is not None
    expiry = next(job for job in bot.app.job_queue.jobs() if job.name == "_expire_states")

    await expiry.run(bot.app)
    await expiry.run(bot.app)  # a second pass finds nothing left to send

    assert ALA.id not in stored_chat_ids(store)
    assert [(r.service_id, r.kind, r.note) for r in bot.services.feedback.recent()] == [
        (SERVICE, "closed", "")
    ]
