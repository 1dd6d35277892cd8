"""Handlers for residents: every private-chat update becomes one step of bot/dialog.py.

The per-chat dialog state is read from the database at the start of each update and written
BEFORE any reply is sent, so a bot killed at any moment continues every conversation where it
was. One chat's updates run one at a time (a per-chat lock); different chats run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import Final

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import dialog
from bot.handlers.common import BotApplication, BotContext, language_of, send_replies
from bot.i18n import t
from bot.services import BotServices
from bot.stats import Conversation
from bot.store import Known, StateConflict
from catalog.partnerships import partnerships_at

_LOG = logging.getLogger(__name__)

DELETE_BATCH: Final = 100  # deleteMessages takes at most 100 ids
DANGER: Final = "danger"  # the kind of the reply with the crisis lines (bot.dialog)
STATE_ATTEMPTS: Final = 5  # a step taken again when another process saved the chat first


def register(application: BotApplication) -> None:
    """Add the residents' handlers (private chats get the dialog; groups only commands)."""
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(filters.COMMAND & private, on_command))
    application.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.GROUPS, on_group))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, on_text))
    application.add_handler(MessageHandler(filters.LOCATION & private, on_location))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, on_other))


async def on_command(update: Update, context: BotContext) -> None:
    """A command in a private chat: a step of the dialog (/start with a deep-link payload)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    command = dialog.command_of(message.text, context.bot.username)
    if command is not None:
        await converse(update, context, command)


async def on_group(update: Update, context: BotContext) -> None:
    """A command in a group: no dialog there (others would read it); point to a private chat."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if dialog.command_of(message.text, context.bot.username) is None:
        return
    lang = language_of(update)
    link = f"https://t.me/{context.bot.username}"
    await message.reply_text(t("telegram.group", lang, link=link))


async def on_text(update: Update, context: BotContext) -> None:
    """Typed text (also an edited message): the dialog reads it at any step."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await converse(update, context, dialog.Text(message.text))


async def on_location(update: Update, context: BotContext) -> None:
    """A shared location pin answers the place question."""
    message = update.effective_message
    if message is None or message.location is None:
        return
    pin = message.location
    await converse(update, context, dialog.Location(pin.latitude, pin.longitude))


async def on_button(update: Update, context: BotContext) -> None:
    """A pressed button: stop the spinner while the dialog takes a step with its token."""
    query = update.callback_query
    if query is None:
        return
    answering = asyncio.ensure_future(_quietly(query.answer()))
    try:
        message = query.message
        if query.data is None or not isinstance(message, Message):
            return
        if message.chat.type != ChatType.PRIVATE:
            return
        await converse(update, context, dialog.Choice(query.data), replaceable=message)
    finally:
        await answering


async def on_other(update: Update, context: BotContext) -> None:
    """A sticker, photo, voice, contact, file...: say politely what the bot understands."""
    chat = update.effective_chat
    if chat is None or update.effective_message is None:
        return
    lang = await _stored_language(context, chat.id) or language_of(update)
    await context.bot.send_message(chat.id, t("telegram.unsupported", lang))


async def converse(
    update: Update,
    context: BotContext,
    event: dialog.Input,
    *,
    replaceable: Message | None = None,
) -> None:
    """One step of the dialog for this chat: load state, step, save, then reply.

    One save before the reply (committed together with the other chats' saves of the moment),
    and one after it with the ids of the messages sent, for the quick exit.
    """
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    verdict = services.flood.check(chat.id)
    if verdict != "ok":
        if verdict == "warn":
            lang = await _stored_language(context, chat.id) or language_of(update)
            await context.bot.send_message(chat.id, t("telegram.slow_down", lang))
        return
    incoming: list[int] = []
    if update.message is not None:
        incoming.append(update.message.message_id)
    fallback = language_of(update)
    async with services.lock(chat.id):
        for attempt in range(1, STATE_ATTEMPTS + 1):
            # One thread hop for the load and the step: a search (or the first use of the
            # vocabularies) must not stall the other chats.
            known, before, result = await asyncio.to_thread(
                _advance,
                services,
                chat.id,
                services.writer.pending(chat.id),
                event,
                incoming,
                fallback,
            )
            if 0 < update.update_id <= known.last_update:
                _LOG.info("update %d was answered already (sent again): skipped", update.update_id)
                return
            if result.forget:
                await services.writer.forget(chat.id)
                await _delete_messages(context, chat.id, (*result.delete_messages, *incoming))
                await send_replies(context.bot, chat.id, result.replies)
                return
            try:
                await services.writer.save(
                    chat.id,
                    result.state.to_dict(),
                    expected=known.version,
                    update_id=update.update_id,
                )
            except StateConflict:
                if attempt == STATE_ATTEMPTS:
                    raise
                _LOG.info("chat state changed in another process; step taken again")
                continue
            except Exception:
                # A full disk or a locked database must not silence the crisis lines: they are
                # sent without the state (the error handler then logs and apologises).
                danger = [reply for reply in result.replies if reply.kind == DANGER]
                if danger:
                    _LOG.error("state not saved; the crisis lines are sent all the same")
                    await send_replies(context.bot, chat.id, danger)
                raise
            break
        if result.feedback:  # stored before the person is thanked for it
            await services.writer.run(record_reports, services, result.feedback)
        sent = await send_replies(
            context.bot,
            chat.id,
            result.replies,
            replaceable=replaceable,
            location_hint=t("telegram.location_hint", result.state.lang),
        )
        if sent:
            with contextlib.suppress(StateConflict):  # a newer step keeps its own ids
                await services.writer.save(
                    chat.id,
                    result.state.with_sent(sent).to_dict(),
                    expected=None if known.version is None else known.version + 1,
                    update_id=update.update_id,
                )
        if _reached_results(before, result):  # after the reply: nobody waits for statistics
            await services.writer.run(_record_search, services, result)


def _advance(
    services: BotServices,
    chat_id: int,
    pending: Known | None,
    event: dialog.Input,
    incoming: Sequence[int],
    lang: str,
) -> tuple[Known, dialog.DialogState, dialog.Step]:
    """Read the chat's state (unless a save of it is pending), then step the dialog.
    Blocking: run in a thread."""
    deps = dialog.Deps.of(services.runtime, state_ttl_hours=services.settings.state_ttl_hours)
    known = pending
    if known is None:
        try:
            known = services.store.read(chat_id)
        except Exception:
            if not (isinstance(event, dialog.Text) and deps.is_danger(event.text)):
                raise
            # danger words are answered from a fresh state when the stored one cannot be read
            _LOG.error("state not read; answering the danger words without it")
            known = Known(None, version=None)
    stored = known.state
    state = (
        dialog.DialogState(lang=lang) if stored is None else dialog.DialogState.from_dict(stored)
    )
    state = state.with_sent(incoming)
    return known, state, dialog.step(state, event, deps, datetime.now(UTC))


def _reached_results(before: dialog.DialogState, result: dialog.Step) -> bool:
    return result.state.step == "results" and before.step != "results"


def _record_search(services: BotServices, result: dialog.Step) -> None:
    """Count a search that reached results (blocking: run on the writer's thread).

    A failure here is logged, never shown: the person's reply matters more than statistics.
    """
    try:
        found = not any(reply.kind == "nothing_found" for reply in result.replies)
        gmina = result.state.place_code
        services.stats.record_conversation(
            Conversation(
                situations=frozenset(result.state.situations),
                gmina=gmina,
                age=result.state.age,
                found=found,
                outcome=result.outcome,
            ),
            partnerships=partnerships_at(services.runtime.catalogs.values(), gmina),
        )
    except Exception:
        _LOG.exception("could not record statistics")


def record_reports(services: BotServices, reports: Sequence[dialog.Feedback]) -> None:
    """Hand "this was wrong" reports to the coordinators (blocking: run on the writer's thread).

    A failure is logged, never shown (the report is in the log's count, not its words).
    """
    runtime = services.runtime
    try:
        for report in reports:
            catalog = runtime.catalog
            service = catalog.service(report.service_id)
            name = service.name if service is not None else ""
            services.feedback.add(
                report.service_id,
                report.kind,
                report.note,
                service_name=name,
                partnership=catalog.partnership_of(report.service_id),
                service_phones=[p.dial for p in service.contact.phones] if service else (),
            )
    except Exception:
        _LOG.exception("could not record %d feedback reports", len(reports))


async def _delete_messages(context: BotContext, chat_id: int, message_ids: Sequence[int]) -> None:
    """Delete the chat's messages (quick exit); old or already deleted ones are skipped."""
    ids = sorted(set(message_ids))
    for first in range(0, len(ids), DELETE_BATCH):
        batch = ids[first : first + DELETE_BATCH]
        try:
            await context.bot.delete_messages(chat_id, batch)
        except BadRequest as error:
            _LOG.info("some messages could not be deleted: %s", type(error).__name__)


async def _stored_language(context: BotContext, chat_id: int) -> str | None:
    stored = await context.services.writer.load(chat_id)
    if stored is None:
        return None
    return dialog.DialogState.from_dict(stored).lang


async def _quietly(call: Awaitable[object]) -> None:
    """Await a call whose failure does not matter to the person (a stale callback answer)."""
    try:
        await call
    except Forbidden:
        raise
    except TelegramError as error:
        _LOG.info("ignored %s", type(error).__name__)
