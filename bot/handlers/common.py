"""What every handler shares: the typed context (the bot's services), and sending replies.

Replies are the transport-free `bot.render.Reply` values; here they become Telegram messages
(HTML text, inline buttons, a "send my location" keyboard, a venue on a map).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

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
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.i18n import pick_language
from bot.render import Button, Reply
from bot.runtime import Runtime
from bot.services import BotServices

_LOG = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
NO_PREVIEW_JSON = json.dumps(NO_PREVIEW.to_dict())
SERVICES_KEY: Final = "services"  # the one key in bot_data, read only by `services_in`


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler and job gets (`ContextTypes(context=BotContext)`): the bot's
    services as a typed property instead of string keys into `bot_data`."""

    @property
    def services(self) -> BotServices:
        """The services `build_application` built for this bot."""
        return services_in(self.bot_data)

    @property
    def runtime(self) -> Runtime:
        """The live catalogue, places and database."""
        return self.services.runtime


# The bot and job queue as ApplicationBuilder types them (its rate limiter and job queue
# parameters do not follow `context_types`); what handlers see is BotContext.
def services_in(bot_data: Mapping[str, object]) -> BotServices:
    """The services `build_application` keeps in the application's `bot_data`."""
    services = bot_data.get(SERVICES_KEY)
    if not isinstance(services, BotServices):  # pragma: no cover - wiring error
        raise TypeError("the application was built without its services")
    return services


BotApplication = Application[Any, BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
CONTEXT_TYPES: Final = ContextTypes(context=BotContext)


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
            text = {"chat_id": chat_id, "text": reply.text}
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
    """The bot's defaults (HTML, no link previews: `Bot._post` is below python-telegram-bot's
    `Defaults`, so these calls carry them themselves), and the keyboard when there is one."""
    options: dict[str, Any] = {
        "parse_mode": ParseMode.HTML,
        "link_preview_options": NO_PREVIEW_JSON,
    }
    if markup is not None:
        options["reply_markup"] = markup
    return options


async def _edit(bot: Bot, message: Message, text: str, markup: str | None) -> bool:
    """Edit a message in place; False when it cannot be edited (deleted, too old)."""
    edit = {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "text": text,
    }
    try:
        await _call(bot, "editMessageText", edit | _options(markup))
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True
        _LOG.info("could not edit a message (%s); sending a new one", type(error).__name__)
        return False
    return True
