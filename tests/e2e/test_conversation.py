"""Whole conversations through the real Telegram HTTP path, on the bundled sample catalogue."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.i18n import t
from bot.store import ConversationStore
from tests.botapi import FakeUser
from tests.e2e.conftest import Bot

PUP = "Powiatowy Urząd Pracy w Siedlcach"
OHP = "Centrum Edukacji i Pracy Młodzieży OHP w Siedlcach"
SIEDLCE_PIN = (52.167, 22.29)
ZBUCZYN = "place:1426132"


def joined(texts: list[str]) -> str:
    return "\n".join(texts)


def buttons(bot: Bot, user: FakeUser) -> list[str]:
    """The callback data of the buttons under the bot's newest message."""
    markup = bot.server.last_message(user.id).get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


async def test_whole_conversation_in_polish_finds_the_labour_office_and_the_youth_corps(
    bot: Bot,
) -> None:
    ala = FakeUser(1001, "Ala", "pl")

    greeting = await bot.say(ala, "/start")
    age_question = await bot.press(ala, t("dialog.who.me", "pl"))
    await bot.say(ala, "19")
    place_question = await bot.say(ala, "szukam pracy")
    results = await bot.say(ala, "Siedlce")

    assert greeting[0] == t("dialog.greeting", "pl")
    assert age_question == [t("dialog.age.question.me", "pl")]
    assert place_question[0] == t("dialog.place.question.me", "pl")
    assert PUP in joined(results)
    assert OHP in joined(results)


async def test_whole_conversation_in_ukrainian_speaks_ukrainian_around_polish_data(
    bot: Bot,
) -> None:
    oksana = FakeUser(1002, "Oksana", "uk")

    greeting = await bot.say(oksana, "/start")
    await bot.press(oksana, t("dialog.who.child", "uk"))
    age_question = await bot.say(oksana, "17")
    await bot.press(oksana, data="sit:unemployment")
    place_question = await bot.press(oksana, data="sit:done")
    results = await bot.say(oksana, "Siedlce")

    assert greeting[0] == t("dialog.greeting", "uk")
    assert age_question[0].startswith(t("dialog.situation.question", "uk"))
    assert place_question[0] == t("dialog.place.question.child", "uk")
    assert OHP in joined(results)  # 15-25: the youth corps serves a 17-year-old
    assert results[-1] == t("dialog.results.end", "uk")


async def test_whole_conversation_in_english(bot: Bot) -> None:
    john = FakeUser(1003, "John", "en")

    await bot.say(john, "/start")
    await bot.press(john, t("dialog.who.me", "en"))
    await bot.press(john, t("dialog.age.range.26-59", "en"))
    await bot.press(john, data="sit:unemployment")
    await bot.press(john, data="sit:done")
    results = await bot.say(john, "Siedlce")

    assert PUP in joined(results)
    assert OHP not in joined(results)  # a 40-year-old is too old for the youth corps
    assert results[-1] == t("dialog.results.end", "en")


async def test_age_out_of_range_is_asked_again_politely(bot: Bot) -> None:
    ala = FakeUser(1004, "Ala", "pl")
    await bot.say(ala, "/start")
    await bot.press(ala, t("dialog.who.me", "pl"))

    replies = await bot.say(ala, "150")

    assert replies[0].startswith(t("dialog.age.out_of_range", "pl"))
    assert "age:18-25" in buttons(bot, ala)


async def test_an_opening_sentence_answers_situation_and_place_at_once(bot: Bot) -> None:
    ala = FakeUser(1005, "Ala", "pl")
    await bot.say(ala, "/start")

    asked = await bot.say(ala, "mąż mnie bije, Siedlce")
    results = await bot.say(ala, "35")

    assert asked[-1] == t("dialog.age.question.me", "pl")  # only the age was missing
    assert "Przeciwdziałanie przemocy domowej" in joined(results)


async def test_ambiguous_place_offers_candidates_and_a_press_chooses_one(bot: Bot) -> None:
    ala = FakeUser(1006, "Ala", "pl")
    await bot.say(ala, "/start")
    await bot.say(ala, "20")
    await bot.press(ala, data="sit:unemployment")
    await bot.press(ala, data="sit:done")

    candidates = await bot.say(ala, "Olędy")  # villages of two gminas of powiat siedlecki
    offered = buttons(bot, ala)
    results = await bot.press(ala, data=ZBUCZYN)

    assert candidates == [t("dialog.place.ambiguous", "pl")]
    assert {"place:1426053", ZBUCZYN} <= set(offered)  # Mordy and Zbuczyn, served alike
    assert "Zbuczyn" in results[0]
    assert PUP in joined(results)  # the powiat's labour office serves Zbuczyn


async def test_a_location_pin_answers_the_place_question(bot: Bot) -> None:
    ala = FakeUser(1007, "Ala", "pl")
    await bot.say(ala, "/start")
    await bot.say(ala, "19")
    await bot.press(ala, data="sit:unemployment")
    await bot.press(ala, data="sit:done")
    keyboard = bot.server.calls_of("sendMessage", chat_id=ala.id)[-1].params["reply_markup"]

    results = await bot.pin(ala, *SIEDLCE_PIN)

    assert keyboard["keyboard"][0][0]["request_location"] is True
    assert PUP in joined(results)


async def test_more_shows_the_next_page_of_results(bot: Bot) -> None:
    ala = FakeUser(1008, "Ala", "pl")
    await bot.say(ala, "/start")
    await bot.say(ala, "30")
    await bot.press(ala, data="skip")
    first = await bot.say(ala, "Siedlce")

    second = await bot.press(ala, data="more")

    assert [text.split(".")[0] for text in first[1:6]] == ["1", "2", "3", "4", "5"]
    assert [text.split(".")[0] for text in second[:5]] == ["6", "7", "8", "9", "10"]
    assert not set(first[1:6]) & set(second[:5])


async def test_start_again_forgets_the_answers(bot: Bot, runtime: Any) -> None:
    ala = FakeUser(1009, "Ala", "pl")
    await bot.say(ala, "/start")
    await bot.say(ala, "19")

    replies = await bot.press(ala, data="restart")

    assert replies == [t("dialog.greeting", "pl"), t("dialog.who.question", "pl")]
    stored = ConversationStore(runtime.engine).load(ala.id)
    assert stored is not None
    assert stored.state["age"] is None
    assert stored.state["step"] == "who"


async def test_a_restarted_bot_continues_the_conversation_where_it_was(bot: Bot) -> None:
    ala = FakeUser(1010, "Ala", "pl")
    await bot.say(ala, "/start")
    await bot.say(ala, "19")
    await bot.say(ala, "szukam pracy")

    await bot.restart()
    results = await bot.say(ala, "Siedlce")

    assert OHP in joined(results)


async def test_deep_link_starts_with_the_situation_chosen(bot: Bot) -> None:
    ala = FakeUser(1011, "Ala", "pl")

    replies = await bot.say(ala, "/start unemployment")
    await bot.say(ala, "40")
    results = await bot.say(ala, "Siedlce")

    assert replies[0] == t("dialog.greeting", "pl")
    assert PUP in joined(results)


async def test_quick_exit_deletes_the_chat_messages_and_every_stored_trace(
    bot: Bot, runtime: Any
) -> None:
    ala = FakeUser(1012, "Ala", "pl")
    await bot.say(ala, "/start")
    await bot.say(ala, "mąż mnie bije, Siedlce")
    sent_before = [message["message_id"] for message in bot.server.chat_messages(ala.id)]

    replies = await bot.say(ala, "/usun")

    deleted = {
        int(message_id)
        for call in bot.server.calls_of("deleteMessages", chat_id=ala.id)
        for message_id in call.params["message_ids"]
    }
    assert set(sent_before) <= deleted
    assert replies == [t("dialog.forget.done", "pl")]
    assert ConversationStore(runtime.engine).load(ala.id) is None


async def test_logs_of_a_whole_conversation_hold_no_words_of_the_person(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    ala = FakeUser(1013, "Ala", "pl")
    words = ["mąż mnie bije, Siedlce", "35"]
    caplog.set_level(logging.INFO)

    await bot.say(ala, "/start")
    for text in words:
        await bot.say(ala, text)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "mąż" not in logged
    assert "bije" not in logged
    assert bot.settings.token is not None
    assert bot.settings.token.get_secret_value() not in logged


async def test_a_card_takes_a_report_that_it_was_wrong_for_the_coordinators(bot: Bot) -> None:
    ala = FakeUser(1014, "Ala", "pl")
    await bot.say(ala, "/start")
    await bot.say(ala, "19")
    await bot.say(ala, "szukam pracy")
    await bot.say(ala, "Siedlce")
    card = next(
        message for message in bot.server.chat_messages(ala.id) if PUP in message.get("text", "")
    )

    await bot.press(ala, data="wrong:pup-siedlce-praca", message_id=card["message_id"])
    question = bot.server.last_message(ala.id)
    await bot.press(ala, data="wrong:pup-siedlce-praca:hours", message_id=question["message_id"])
    await bot.press(ala, data="wrong:pup-siedlce-praca:send", message_id=question["message_id"])
    await bot.processed(bot.server.callback(ala, card, "map:pup-siedlce-praca"))

    assert bot.server.sent_texts(ala.id)[-1] == t("dialog.map.none", "pl")  # no coordinates
    thanks = [
        m for m in bot.server.chat_messages(ala.id) if m["message_id"] == question["message_id"]
    ]
    assert thanks[0]["text"] == t("dialog.wrong.sent", "pl")  # the question, edited in place
    reports = bot.services.feedback.recent()
    assert [report.service_id for report in reports] == ["pup-siedlce-praca"]


async def test_a_ukrainian_message_is_answered_in_ukrainian_whatever_telegram_says(
    bot: Bot,
) -> None:
    olena = FakeUser(1090, "Олена", "pl")
    await bot.say(olena, "/start")

    replies = await bot.say(olena, "Я з України, живу в Седльцях, шукаю роботу")

    assert t("dialog.age.question.me", "uk") in joined(replies)
    assert t("dialog.age.question.me", "pl") not in joined(replies)


async def test_a_language_chosen_with_the_command_is_kept(bot: Bot) -> None:
    olena = FakeUser(1091, "Олена", "pl")
    await bot.say(olena, "/start")
    await bot.say(olena, "/jezyk pl")

    replies = await bot.say(olena, "Я з України, живу в Седльцях, шукаю роботу")

    assert t("dialog.age.question.me", "pl") in joined(replies)
