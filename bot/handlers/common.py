"""What every handler shares: the bot's services, per-chat locks, and sending replies.

Replies are the transport-free `bot.render.Reply` values; here they become Telegram messages
(HTML text, inline buttons, a "send my location" keyboard, a venue on a map).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.render import Reply
from bot.settings import Settings
from bot.store import ConversationStore

_LOG = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class BotServices:
    """The bot's long-lived parts, kept in `application.bot_data['services']`."""

    settings: Settings
    runtime: Any
    store: ConversationStore
    _locks: weakref.WeakValueDictionary[int, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )

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


def location_keyboard(label: str) -> ReplyKeyboardMarkup:
    """A one-time keyboard with the "send my location" button (private chats only)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
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
    """
    sent: list[int] = []
    for reply in replies:
        markup = inline_markup(reply)
        if reply.replace and replaceable is not None and not reply.location_request:
            edited = await _edit(replaceable, reply.text, markup)
            replaceable = None
            if edited:
                continue
        if reply.text:
            keyboard: Any = markup
            if reply.location_request and markup is None:
                keyboard = location_keyboard(reply.location_label)
            message = await bot.send_message(
                chat_id,
                reply.text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                link_preview_options=NO_PREVIEW,
            )
            sent.append(message.message_id)
            if reply.location_request and markup is not None:
                hint = await bot.send_message(
                    chat_id,
                    location_hint or reply.location_label,
                    reply_markup=location_keyboard(reply.location_label),
                )
                sent.append(hint.message_id)
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


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Edit a message in place; False when it cannot be edited (deleted, too old)."""
    try:
        await message.edit_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
        )
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True
        _LOG.info("could not edit a message (%s); sending a new one", type(error).__name__)
        return False
    return True
