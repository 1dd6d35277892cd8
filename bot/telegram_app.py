"""The Telegram front end: `build_application(settings, runtime)` wires python-telegram-bot 22.

Handlers are thin (bot/handlers/): they turn an update into a dialog input and the dialog's
replies into messages. What the application adds around them: a per-chat lock so one chat's
updates run in order while different chats run concurrently, retries of failed Bot API calls,
an error handler that never leaves a private chat in silence, the localised command menu, the
job that forgets idle conversations, and logs that never carry message text or the token.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from telegram import Bot, BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.bot_api_client import API_POOL_SIZE, RETRY_DELAYS, PatientRateLimiter, api_request
from bot.dialog import DialogState, pending_report
from bot.handlers import residents
from bot.handlers.common import (
    CONTEXT_TYPES,
    NO_PREVIEW,
    SERVICES_KEY,
    BotApplication,
    BotContext,
)
from bot.handlers.coordinators import register_coordinator_handlers
from bot.handlers.lookup import register_lookup_handlers
from bot.heartbeat import touch_heartbeat
from bot.i18n import LANGUAGES, pick_language, t
from bot.runtime import Runtime
from bot.services import BotServices, bootstrap
from bot.settings import Settings

_LOG = logging.getLogger(__name__)

COMMANDS: Final = ("start", "pomoc", "szukaj", "jezyk", "prywatnosc", "usun")
HEARTBEAT_INTERVAL_SECONDS: Final = 30.0


def file_url_for(settings: Settings) -> str:
    """The file download URL: configured, or derived from the API URL ('/bot' -> '/file/bot')."""
    if settings.bot_api_file_url:
        return settings.bot_api_file_url
    base = settings.bot_api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


async def why_telegram_refuses(settings: Settings, *, read_timeout: float = 10.0) -> str | None:
    """Ask the Bot API once who the bot is: None when it answers, else why the bot cannot start.

    "token_rejected" (401/404: a wrong or revoked token) or "unreachable" (no connection, no
    answer). One plain try, no retries: the caller says so in one line and exits, and the
    connections are closed either way.
    """
    if settings.token is None:
        return "token_rejected"
    bot = Bot(
        settings.token.get_secret_value(),
        base_url=settings.bot_api_url,
        base_file_url=file_url_for(settings),
        request=api_request(pool_size=1, read_timeout=read_timeout),
        get_updates_request=api_request(pool_size=1, read_timeout=read_timeout),
    )
    try:
        async with bot:  # getMe; closes its sessions on the way out, failed or not
            pass
    except InvalidToken:
        return "token_rejected"
    except NetworkError:  # TimedOut included
        return "unreachable"
    return None


def build_application(
    settings: Settings,
    runtime: Runtime,
    *,
    api_timeout: float = 10.0,
    retry_delays: Sequence[float] = RETRY_DELAYS,
    application_class: type[BotApplication] = Application,
) -> BotApplication:
    """The bot, ready for `run_polling`/`run_webhook` or `async with app: await app.start()`."""
    if settings.token is None:
        raise ValueError("DROGOWSKAZ_TOKEN is not set")
    # Opt in to PTB 23's timedelta durations: without it, every 429 (RetryAfter) warns.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    # httpx logs every request URL at INFO, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)

    services = bootstrap(settings, runtime)
    application = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW))
        .token(settings.token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(file_url_for(settings))
        .request(api_request(pool_size=API_POOL_SIZE, read_timeout=api_timeout))
        .get_updates_request(api_request(pool_size=1, read_timeout=api_timeout))
        .concurrent_updates(True)
        .rate_limiter(PatientRateLimiter(delays=retry_delays))
        .post_init(functools.partial(_post_init, services=services))
        .post_stop(functools.partial(_post_stop, services=services))
        .application_class(application_class)
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    register_coordinator_handlers(application, services)
    register_lookup_handlers(application)
    residents.register(application)
    application.add_error_handler(_on_error)
    job_queue = application.job_queue
    if job_queue is not None:
        job_queue.run_repeating(
            _expire_states, interval=settings.expiry_interval_seconds, first=1.0
        )
        job_queue.run_repeating(_heartbeat, interval=HEARTBEAT_INTERVAL_SECONDS, first=0.0)
        if services.group.is_shared:  # the fallback when a notice of a reload was missed
            job_queue.run_repeating(
                _follow_catalog,
                interval=settings.catalog_check_seconds,
                first=settings.catalog_check_seconds,
            )

    return application


async def _post_init(application: BotApplication, *, services: BotServices) -> None:
    """Set the command menu in each language (and the default in Polish); start-up is over."""
    for lang in LANGUAGES:
        commands = [BotCommand(name, t(f"telegram.command.{name}", lang)) for name in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=lang)
    default = [BotCommand(name, t(f"telegram.command.{name}", "pl")) for name in COMMANDS]
    await application.bot.set_my_commands(default)

    touch_heartbeat(services.settings)  # healthy at once, not in 30 s
    services.group.start()
    _freeze_start_up()


async def _post_stop(
    application: BotApplication,  # noqa: ARG001 - the signature python-telegram-bot calls
    *,
    services: BotServices,
) -> None:
    """Leave the group of processes (a leader lets another lead)."""
    await services.group.stop()


_start_up_frozen = False


def _freeze_start_up() -> None:
    """Take what start-up built out of the garbage collector's sight, once per process.

    The libraries and what the bot holds for its whole life (~380,000 objects besides the
    catalogue and places, which loading already freezes) were walked by every full collection,
    which stalls the event loop. Frozen objects are still freed by reference counting; garbage
    is collected first, so no cycle is frozen with them. Takes ~30 ms.
    """
    global _start_up_frozen
    if _start_up_frozen:
        return
    _start_up_frozen = True
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    _LOG.info(
        "froze %d objects in %.0f ms",
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )


def warm_up(runtime: Runtime | None = None) -> None:
    """Load the vocabularies and lemma tables now, so the first person does not wait for them.

    Seconds of work that holds the GIL (a thread would stall the event loop just the same), so
    `drogowskaz run` does it before polling starts.
    """
    from catalog.vocabulary import is_danger  # heavy: loaded once, here

    is_danger("start")
    if runtime is not None:
        from bot.dialog import Deps

        Deps.of(runtime)  # builds the search index of the served catalogue


async def _on_error(update: object, context: BotContext) -> None:
    """Log what broke (never the text) and apologise in a private chat rather than go silent."""
    error = context.error
    kind = _update_kind(update)
    if isinstance(error, Forbidden):
        _LOG.info("chat unreachable (the person blocked the bot or left) in %s update", kind)
        return
    _LOG.error(
        "update %s (%s) failed: %s",
        getattr(update, "update_id", "-"),
        kind,
        type(error).__name__,
        exc_info=error,
    )
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return
    user = update.effective_user
    lang = pick_language(user.language_code if user else None)
    try:
        await context.bot.send_message(chat.id, t("telegram.error", lang))
    except TelegramError as failure:
        _LOG.warning("could not apologise either: %s", type(failure).__name__)


async def _expire_states(context: BotContext) -> None:
    """Forget conversations idle longer than the configured time, and report notes older than
    theirs (privacy); of the processes sharing a database, only the leader does it
    (`bot.group`)."""
    services = context.services
    if not services.group.leads:
        return
    _LOG.info("expiry: looking for idle conversations")
    idle = timedelta(hours=services.settings.state_ttl_hours)
    now = datetime.now(UTC)
    deleted = await services.writer.run(_expire, services, idle, now)
    if deleted:
        _LOG.info("forgot %d idle conversations", deleted)
    notes_kept = timedelta(days=services.settings.feedback_ttl_days)
    forget_notes = functools.partial(services.feedback.forget_notes, now=now)
    blanked = await services.writer.run(forget_notes, notes_kept)
    if blanked:
        _LOG.info("forgot the notes of %d old reports", blanked)


def _expire(services: BotServices, idle: timedelta, now: datetime) -> int:
    """Send the reports idle states still hold (kind chosen, no note), then forget the states.

    Runs on the writer's thread, so no save of the same chats can come in between.
    """
    stale = services.store.stale_states(idle, now=now)
    reports = [pending_report(DialogState.from_dict(state)) for state in stale]
    residents.record_reports(services, [report for report in reports if report is not None])
    return services.store.expire(idle, now=now)


async def _follow_catalog(context: BotContext) -> None:
    """Serve catalogues another process loaded, if a notice of it was missed."""
    await context.services.reloader.follow()


async def _heartbeat(context: BotContext) -> None:
    """Touch the heartbeat file that `drogowskaz health` checks."""

    touch_heartbeat(context.services.settings)


def _update_kind(update: object) -> str:
    """What kind of update this was, for logs (never its content)."""
    if not isinstance(update, Update):
        return type(update).__name__
    for kind in (
        "message",
        "edited_message",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
    ):
        if getattr(update, kind) is not None:
            return kind
    return "other"
