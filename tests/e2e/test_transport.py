"""The bot against a misbehaving Bot API: retries, flood control, blocked users, restarts.

These tests use a catalogue-free runtime (nothing is ever found) so they exercise only the
Telegram side: the real Application, its HTTP path, the per-chat state in the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from telegram import Bot as TelegramBot
from telegram import Message

from bot.handlers.common import send_replies
from bot.heartbeat import is_alive
from bot.i18n import t
from bot.render import Button, Reply, Venue
from bot.settings import Settings
from bot.store import ConversationStore
from catalog.places import PlaceAnswer
from catalog.search import Query, SearchResult
from tests.botapi import TOKEN, BotApiServer, FakeUser
from tests.builders import stored_chat_ids
from tests.e2e.conftest import Bot

ALA = FakeUser(701, "Ala", "pl")
OKSANA = FakeUser(702, "Oksana", "uk")
JOHN = FakeUser(703, "John", "en")
WHO_PL = t("dialog.who.question", "pl")


class _NoPlaces:
    def find(self, text: str, **_: object) -> PlaceAnswer:  # noqa: ARG002
        return PlaceAnswer()

    def extract(self, text: str, **_: object) -> tuple[PlaceAnswer | None, str]:
        return None, text

    def unit(self, code: str) -> None:  # noqa: ARG002
        return None

    def locate(self, lat: float, lon: float) -> PlaceAnswer:  # noqa: ARG002
        return PlaceAnswer()


class _NoSearch:
    def search(self, query: Query, *, limit: int = 10) -> SearchResult:  # noqa: ARG002
        return SearchResult(matches=(), situations=query.situations)

    def covers(self, gmina: str) -> bool:  # noqa: ARG002
        return False

    def locality(self, gmina: str) -> int:  # noqa: ARG002
        return 0

    def known_words(self, text: str) -> str:  # noqa: ARG002
        return ""

    def general_office(self, query: Query) -> None:  # noqa: ARG002
        return None

    local_areas: tuple[str, ...] = ()


class _NoCatalog:
    services: tuple[Any, ...] = ()

    def service(self, service_id: str) -> None:  # noqa: ARG002
        return None


class EmptyRuntime:
    """A runtime with a database and nothing to find."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.gazetteer = _NoPlaces()
        self.index = _NoSearch()
        self.catalog = _NoCatalog()


@pytest.fixture
def runtime(tmp_path: Path, settings: Settings) -> Iterator[EmptyRuntime]:
    engine = create_engine(f"sqlite:///{tmp_path / 'bot.sqlite'}")
    yield EmptyRuntime(engine, settings)
    engine.dispose()


async def test_start_greets_in_the_language_of_the_telegram_client(bot: Bot) -> None:
    replies_pl = await bot.say(ALA, "/start")
    replies_uk = await bot.say(OKSANA, "/start")

    assert replies_pl[0] == t("dialog.greeting", "pl")
    assert WHO_PL in replies_pl
    assert replies_uk[0] == t("dialog.greeting", "uk")


async def test_command_menu_is_set_in_three_languages(bot: Bot) -> None:
    menus = {lang: bot.server.commands(lang) for lang in ("pl", "uk", "en")}

    assert [command["command"] for command in menus["pl"]] == [
        "start",
        "pomoc",
        "szukaj",
        "jezyk",
        "prywatnosc",
        "usun",
    ]
    assert menus["uk"][0]["description"] == t("telegram.command.start", "uk")
    assert menus["en"][5]["description"] == t("telegram.command.usun", "en")
    assert bot.server.commands("") == menus["pl"]


async def test_flood_control_429_is_waited_out_and_the_reply_arrives_exactly_once(
    bot: Bot,
) -> None:
    bot.server.fail("sendMessage", "429", retry_after=1)

    replies = await bot.say(ALA, "/start")

    attempts = [call for call in bot.server.calls if call.method == "sendMessage"]
    assert attempts[0].fault == "429"
    assert replies.count(t("dialog.greeting", "pl")) == 1


@pytest.mark.parametrize("kind", ["5xx", "drop", "hang"])
async def test_transient_api_failures_are_retried_and_every_reply_is_delivered_once(
    server: BotApiServer, bot: Bot, kind: Any
) -> None:
    if kind == "hang":  # the client gives up on a hanging call after a short timeout
        await bot.restart(api_timeout=0.3)
    server.fail("sendMessage", kind, times=2)

    replies = await bot.say(ALA, "/start")

    faulted = [call for call in server.calls if call.method == "sendMessage" and call.fault]
    assert len(faulted) == 2
    assert replies.count(t("dialog.greeting", "pl")) == 1
    assert replies.count(WHO_PL) == 1


async def test_a_person_who_blocked_the_bot_is_left_alone_quietly(
    server: BotApiServer, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail("sendMessage", "403", times=10)

    await bot.processed(server.text(ALA, "/start"))

    attempts = [call for call in server.calls if call.method == "sendMessage"]
    assert len(attempts) == 1  # no retry, and no apology into a blocked chat
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


async def test_group_chat_gets_no_dialog_only_an_answer_to_commands(
    server: BotApiServer, bot: Bot
) -> None:
    group = -1001

    await bot.processed(server.group_text(ALA, group, "mąż mnie bije, Siedlce"))
    await bot.processed(server.group_text(ALA, group, "/start"))

    texts = server.sent_texts(group)
    assert texts == [t("telegram.group", "pl", link="https://t.me/drogowskaz_test_bot")]


async def test_conversation_continues_after_the_bot_restarts(
    bot: Bot, runtime: EmptyRuntime
) -> None:
    await bot.say(ALA, "/start")
    await bot.press(ALA, t("dialog.who.child", "pl"))

    await bot.restart()
    replies = await bot.say(ALA, "15")

    assert replies[0].startswith(t("dialog.situation.question", "pl"))
    stored = ConversationStore(runtime.engine).load(ALA.id)
    assert stored is not None
    assert stored.state["who"] == "child"
    assert stored.state["age"] == 15


async def test_stickers_and_photos_get_a_polite_answer_not_silence(
    server: BotApiServer, bot: Bot
) -> None:
    sticker = {
        "file_id": "s1",
        "file_unique_id": "us1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }

    await bot.processed(server.raw_message(OKSANA, sticker=sticker))

    assert server.sent_texts(OKSANA.id) == [t("telegram.unsupported", "uk")]


async def test_a_flood_of_messages_gets_one_polite_pause_and_no_crash(
    server: BotApiServer, bot: Bot
) -> None:
    ids = [server.text(JOHN, f"hello {n}") for n in range(25)]

    for update_id in ids:
        await bot.processed(update_id)

    texts = server.sent_texts(JOHN.id)
    assert texts.count(t("telegram.slow_down", "en")) == 1
    assert len(texts) < 60


async def test_replies_become_html_messages_keyboards_edits_and_venues(
    server: BotApiServer,
) -> None:
    server.text(ALA, "hello")  # the chat exists
    replies = [
        Reply("<b>Pytanie</b>", buttons=((Button("Tak", "yes"),),)),
        Reply("Gdzie?", location_request=True, location_label="Wyślij lokalizację"),
        Reply("Mapa", venue=Venue(52.17, 22.29, "MOPR", "ul. Kilińskiego 20")),
    ]

    async with TelegramBot(TOKEN, base_url=server.base_url) as telegram:
        sent = await send_replies(telegram, ALA.id, replies)
        question = server.chat_messages(ALA.id)[0]
        edited = Message.de_json(question, telegram)
        await send_replies(
            telegram, ALA.id, [Reply("<b>Pytanie</b> ✓", replace=True)], replaceable=edited
        )

    calls = {call.method: call.params for call in server.calls}
    assert len(sent) == 4  # question, place question, venue title, venue
    assert calls["sendMessage"]["parse_mode"] == "HTML"
    assert server.calls_of("sendMessage")[0].params["reply_markup"]["inline_keyboard"][0][0] == {
        "text": "Tak",
        "callback_data": "yes",
    }
    keyboard = server.calls_of("sendMessage")[1].params["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "Wyślij lokalizację", "request_location": True}]]
    assert calls["sendVenue"]["title"] == "MOPR"
    assert calls["editMessageText"]["text"] == "<b>Pytanie</b> ✓"


async def test_idle_conversations_are_forgotten_by_the_expiry_job(
    bot: Bot, runtime: EmptyRuntime
) -> None:
    await bot.say(ALA, "/start")
    store = ConversationStore(runtime.engine)
    store.save(JOHN.id, {"step": "who"}, now=datetime.now(UTC) - timedelta(hours=25))
    job = scheduled(bot, "_expire_states")

    await job.run(bot.app)

    assert stored_chat_ids(store) == [ALA.id]


async def test_a_started_bot_is_healthy_before_its_first_heartbeat_job(bot: Bot) -> None:
    assert is_alive(bot.settings)  # post_init touched it: the first job runs only later


async def test_the_running_bot_keeps_its_heartbeat_fresh(bot: Bot) -> None:
    job = scheduled(bot, "_heartbeat")

    await job.run(bot.app)

    assert is_alive(bot.settings)


def scheduled(bot: Bot, name: str) -> Any:
    """A job of the running bot's job queue, by the name of its callback."""
    assert bot.app is not None
    assert bot.app.job_queue is not None
    return next(job for job in bot.app.job_queue.jobs() if job.name == name)
