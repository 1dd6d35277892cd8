"""Bad input and bad days: the bot never crashes, never stays silent in a private chat, never
echoes markup (the webhook's secret is tested in tests/bot/test_webhook.py)."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from bot.i18n import t
from bot.store import ConversationStore, Known
from tests.botapi import BOT_USERNAME, FakeUser
from tests.e2e.conftest import Bot

_users = itertools.count(50_000)
ZERO_WIDTH_RTL = "\u200b\u200e\u202eSiedlce\u202c\u2067"
MARKUP = '<b>bold</b> <a href="tg://x">x</a> <script>alert(1)</script> *md* _it_ `code`'


def new_user(lang: str = "pl") -> FakeUser:
    return FakeUser(next(_users), "Test", lang)


def reacted(bot: Bot, user: FakeUser, since: int) -> bool:
    """The bot did something visible in the person's chat after call number `since`."""
    return any(
        call.chat_id == str(user.id) or call.method == "answerCallbackQuery"
        for call in bot.server.calls[since:]
        if call.fault is None
    )


def html_is_safe(text: str) -> bool:
    """Only the tags the bot itself writes; nothing the person typed survives as markup."""
    return "<script" not in text and '<a href="tg://x"' not in text and "<b>bold" not in text


async def test_markup_in_user_text_is_never_echoed_as_markup(bot: Bot) -> None:
    user = new_user()
    await bot.say(user, "/start")
    await bot.say(user, "30")
    await bot.press(user, data="skip")

    replies = await bot.say(user, MARKUP)

    assert replies
    assert all(html_is_safe(text) for text in bot.server.sent_texts(user.id))


async def test_zero_width_and_right_to_left_marks_do_not_hide_the_place(bot: Bot) -> None:
    user = new_user()
    await bot.say(user, "/start")
    await bot.say(user, "19")
    await bot.press(user, data="sit:unemployment")
    await bot.press(user, data="sit:done")

    results = await bot.say(user, ZERO_WIDTH_RTL)

    assert "Powiatowy Urząd Pracy w Siedlcach" in "\n".join(results)


async def test_a_4096_character_message_gets_an_answer(bot: Bot) -> None:
    user = new_user()
    await bot.say(user, "/start")

    replies = await bot.say(user, ("pomocy " * 700)[:4096])

    assert replies


async def test_a_command_addressed_with_the_bot_name_works_and_others_are_ignored(
    bot: Bot,
) -> None:
    user = new_user()

    ours = await bot.say(user, f"/start@{BOT_USERNAME}")
    theirs = await bot.say(user, "/start@some_other_bot")

    assert ours[0] == t("dialog.greeting", "pl")
    assert theirs == []


async def test_forged_and_stale_buttons_are_answered_not_crashed_on(bot: Bot) -> None:
    user = new_user()
    await bot.say(user, "/start")
    message = bot.server.last_message(user.id)

    for data in ("place:9999999", "more", "map:nope", "sit:unknown", "x" * 64, "lang:xx"):
        since = len(bot.server.calls)
        await bot.processed(bot.server.callback(user, message, data))
        assert reacted(bot, user, since), data


async def test_a_location_outside_poland_is_explained(bot: Bot) -> None:
    user = new_user("en")
    await bot.say(user, "/start")
    await bot.say(user, "30")
    await bot.press(user, data="skip")

    replies = await bot.pin(user, 48.8566, 2.3522)  # Paris

    assert replies
    assert not any("Siedlc" in text for text in replies[:1])


async def test_an_edited_message_is_read_like_a_new_one(bot: Bot) -> None:
    user = new_user()
    await bot.say(user, "/start")
    before = len(bot.server.sent_texts(user.id))

    await bot.processed(bot.server.edited_text(user, 1, "19"))

    assert bot.server.sent_texts(user.id)[before:]


async def test_a_database_failure_gets_an_apology_and_the_next_try_works(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = new_user("uk")
    original = ConversationStore.save
    failures = iter([True])

    def flaky_save(self: ConversationStore, *args: Any, **kwargs: Any) -> bool:
        if next(failures, False):
            raise OperationalError("UPDATE bot_conversation", {}, Exception("database is locked"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ConversationStore, "save", flaky_save)

    first = await bot.say(user, "/start")
    second = await bot.say(user, "/start")

    assert first == [t("telegram.error", "uk")]
    assert second[0] == t("dialog.greeting", "uk")


def _full_disk(*_args: Any, **_kwargs: Any) -> None:
    raise OperationalError(
        "INSERT INTO bot_conversation", {}, Exception("database or disk is full")
    )


@pytest.mark.parametrize("broken", ["save", "load"])
async def test_danger_words_get_the_crisis_lines_even_when_storage_fails(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    user = new_user()
    await bot.say(user, "/start")
    monkeypatch.setattr(ConversationStore, broken, _full_disk)

    replies = await bot.say(user, "chcę się zabić")

    assert replies[0].startswith(t("dialog.danger", "pl"))
    assert "116 123" in replies[0]
    if broken == "save":  # the state was not kept: the person is told something went wrong
        assert replies[-1] == t("telegram.error", "pl")


ACTIONS = st.one_of(
    st.text(max_size=200).map(lambda text: ("text", text)),
    st.sampled_from(
        [
            "/start",
            "/pomoc",
            "/jezyk",
            "/prywatnosc",
            "/usun",
            "/szukaj",
            "/start unemployment",
            "/start nonsense",
            "19",
            "-5",
            "Siedlce",
            "Zawady",
            "mąż mnie bije",
            MARKUP,
            ZERO_WIDTH_RTL,
        ]
    ).map(lambda text: ("text", text)),
    st.integers(0, 30).map(lambda index: ("press", index)),
    st.text(max_size=64).map(lambda data: ("forged", data)),
    st.tuples(st.floats(-90, 90), st.floats(-180, 180)).map(lambda pin: ("pin", pin)),
    st.just(("sticker", None)),
)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=5), lang=st.sampled_from(["pl", "uk", "en"]))
async def test_any_sequence_of_updates_gets_an_answer_every_time(
    bot: Bot, caplog: pytest.LogCaptureFixture, actions: list[tuple[str, Any]], lang: str
) -> None:
    user = new_user(lang)
    caplog.set_level(logging.ERROR)
    for kind, value in actions:
        since = len(bot.server.calls)
        if kind == "text":
            update_id = bot.server.text(user, value)
        elif kind == "press":
            messages = [m for m in bot.server.chat_messages(user.id) if m.get("reply_markup")]
            if not messages:
                continue
            message = messages[-1]
            choices = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
            data = choices[value % len(choices)]["callback_data"]
            update_id = bot.server.callback(user, message, data)
        elif kind == "forged":
            fake = {"message_id": 99_999, "date": 1, "chat": {"id": user.id, "type": "private"}}
            update_id = bot.server.callback(user, fake, value or "x")
        elif kind == "pin":
            update_id = bot.server.location(user, *value)
        else:
            sticker = {
                "file_id": "s",
                "file_unique_id": "us",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
            update_id = bot.server.raw_message(user, sticker=sticker)
        await bot.processed(update_id)
        assert reacted(bot, user, since), (kind, value)
    assert all(html_is_safe(text) for text in bot.server.sent_texts(user.id))
    assert not [
        record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR
    ]


async def test_a_choice_on_a_deleted_message_is_answered_with_a_new_message(bot: Bot) -> None:
    user = new_user()
    await bot.say(user, "/start")
    await bot.say(user, "19")
    question = bot.server.last_message(user.id)
    await bot.processed(bot.server.callback(user, question, "sit:poverty"))  # edits in place
    bot.server.fail("editMessageText", "400")  # e.g. the message was deleted meanwhile

    replies = await bot.press(user, data="sit:unemployment")

    assert replies
    assert replies[0].startswith(t("dialog.situation.question", "pl"))


async def test_a_step_another_process_saved_first_is_taken_again_on_its_state(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    user = new_user("pl")
    await bot.say(user, "/start")
    original = ConversationStore.read
    interfered: list[int] = []

    def read_then_another_process_saves(self: ConversationStore, chat_id: int) -> Known:
        known = original(self, chat_id)
        if not interfered and known.state is not None:  # between this read and its save
            interfered.append(chat_id)
            assert self.save(chat_id, {**known.state, "lang": "uk"}, expected=known.version)
        return known

    monkeypatch.setattr(ConversationStore, "read", read_then_another_process_saves)

    with caplog.at_level(logging.INFO, logger="bot"):
        replies = await bot.say(user, "19")

    assert interfered == [user.id]
    assert "step taken again" in caplog.text
    assert t("dialog.situation.question", "uk") in replies  # on the other process's state
    assert t("dialog.situation.question", "pl") not in replies  # and answered once
