"""What every handler shares: the bot's services, per-chat locks, and sending replies.

Replies are the transport-free `bot.render.Reply` values; here they become Telegram messages
(HTML text, inline buttons, a "send my location" keyboard, a venue on a map).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.group import Group
from bot.i18n import pick_language
from bot.render import Button, Reply
from bot.settings import Settings
from bot.store import ConversationStore, StateWriter

_LOG = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NO_PREVIEW_JSON = json.dumps(NO_PREVIEW.to_dict())


@dataclass
class BotServices:
    """The bot's long-lived parts, kept in `application.bot_data['services']`."""

    settings: Settings
    runtime: Any
    store: ConversationStore
    writer: StateWriter = field(init=False)  # the bot's way to write states (group commit)
    group: Group = field(init=False)  # the processes sharing the database (set by the app)
    _locks: weakref.WeakValueDictionary[int, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )

    def __post_init__(self) -> None:
        self.writer = StateWriter(self.store)

    def lock(self, chat_id: int) -> asyncio.Lock:
        """The lock that keeps one chat's updates in order (others run concurrently)."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_id] = lock
        return lock


def services_of(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    """The services stored in bot_data by build_application."""
    services = context.bot_data["services"]
    if not isinstance(services, BotServices):  # pragma: no cover - wiring error
        raise TypeError("bot_data['services'] is not BotServices")
    return services


def language_of(update: Update) -> str:
    """The language the person's Telegram app is set to (ours, else Polish)."""
    user = update.effective_user
    return pick_language(user.language_code if user else None)


def inline_markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard (None when it has none)."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button.label, callback_data=button.token) for button in row]
            for row in reply.buttons
        ]
    )


async def send_replies(
    bot: Bot,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    replaceable: Message | None = None,
    location_hint: str = "",
) -> list[int]:
    """Send replies in order; returns the ids of the messages sent.

    A reply marked `replace` edits `replaceable` (the message whose button was pressed)
    instead of adding a message. A reply asking for the location gets the keyboard button; if
    it also has inline buttons, the keyboard comes in a short second message (`location_hint`),
    since a Telegram message carries only one keyboard.

    Keyboards and options go as ready JSON (`api_kwargs`): building and serialising
    python-telegram-bot's keyboard objects took ~15% of the bot's CPU under load.
    """
    sent: list[int] = []
    for reply in replies:
        markup = markup_json(reply)
        if reply.replace and replaceable is not None and not reply.location_request:
            edited = await _edit(bot, replaceable, reply.text, markup)
            replaceable = None
            if edited:
                continue
        if reply.text:
            keyboard = markup
            if reply.location_request and markup is None:
                keyboard = location_keyboard_json(reply.location_label)
            text = {"chat_id": chat_id, "text": reply.text, "parse_mode": ParseMode.HTML}
            sent.append(await _call(bot, "sendMessage", text | _options(keyboard)))
            if reply.location_request and markup is not None:
                hint = {
                    "chat_id": chat_id,
                    "text": location_hint or reply.location_label,
                    "reply_markup": location_keyboard_json(reply.location_label),
                }
                sent.append(await _call(bot, "sendMessage", hint))
        if reply.venue is not None:
            venue = reply.venue
            message = await bot.send_venue(
                chat_id,
                latitude=venue.latitude,
                longitude=venue.longitude,
                title=venue.title,
                address=venue.address,
            )
            sent.append(message.message_id)
    return sent


async def _call(bot: Bot, method: str, parameters: dict[str, Any]) -> int:
    """Call a Bot API method that returns a message; the message's id.

    The bot's own request path (flood limiter, retries, errors as for any call), but the
    message Telegram sends back is not turned into python-telegram-bot objects: that took ~20%
    of the bot's CPU under load, for the one number kept. `Bot._post` is the library's internal
    request method (the same in v20-22; the project pins < 23 and the e2e tests cover it).
    """
    result = await bot._post(method, parameters)
    return int(result["message_id"]) if isinstance(result, dict) else 0


def markup_json(reply: Reply) -> str | None:
    """The reply's buttons as the Bot API's inline keyboard, in JSON (None: no buttons)."""
    if not reply.buttons:
        return None
    return _keyboard_json(reply.buttons)


@functools.lru_cache(maxsize=4096)  # the questions' keyboards are the same for everyone
def _keyboard_json(buttons: tuple[tuple[Button, ...], ...]) -> str:
    rows = [
        [{"text": button.label, "callback_data": button.token} for button in row]
        for row in buttons
    ]
    return json.dumps({"inline_keyboard": rows}, ensure_ascii=False)


def location_keyboard_json(label: str) -> str:
    """A one-time keyboard with the "send my location" button (private chats only), in JSON."""
    keyboard = [[{"text": label, "request_location": True}]]
    return json.dumps(
        {"keyboard": keyboard, "resize_keyboard": True, "one_time_keyboard": True},
        ensure_ascii=False,
    )


def _options(markup: str | None) -> dict[str, Any]:
    """No link previews, and the keyboard when there is one."""
    options: dict[str, Any] = {"link_preview_options": NO_PREVIEW_JSON}
    if markup is not None:
        options["reply_markup"] = markup
    return options


async def _edit(bot: Bot, message: Message, text: str, markup: str | None) -> bool:
    """Edit a message in place; False when it cannot be edited (deleted, too old)."""
    edit = {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "text": text,
        "parse_mode": ParseMode.HTML,
    }
    try:
        await _call(bot, "editMessageText", edit | _options(markup))
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True
        _LOG.info("could not edit a message (%s); sending a new one", type(error).__name__)
        return False
    return True
