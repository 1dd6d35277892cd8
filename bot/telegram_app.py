"""The Telegram front end: `build_application(settings, runtime)` wires python-telegram-bot 22.

Handlers are thin (bot/handlers/): they turn an update into a dialog input and the dialog's
replies into messages. What the application adds around them: a per-chat lock so one chat's
updates run in order while different chats run concurrently, retries of failed Bot API calls,
an error handler that never leaves a private chat in silence, the localised command menu, the
job that forgets idle conversations, and logs that never carry message text or the token.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from telegram import BotCommand, Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot.handlers import residents
from bot.handlers.common import BotServices, services_of
from bot.handlers.coordinators import register_coordinator_handlers
from bot.handlers.lookup import register_lookup_handlers
from bot.i18n import LANGUAGES, pick_language, t
from bot.settings import Settings
from bot.store import ConversationStore

_LOG = logging.getLogger(__name__)

COMMANDS: Final = ("start", "pomoc", "szukaj", "jezyk", "prywatnosc", "usun")
EXPIRY_INTERVAL_SECONDS: Final = 600.0
HEARTBEAT_INTERVAL_SECONDS: Final = 30.0
RETRY_DELAYS: Final = (0.5, 2.0, 5.0)

Callback = Callable[..., Coroutine[Any, Any, Any]]


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter (waits out 429 retry_after) that also retries what a retry can fix.

    Timeouts, dropped connections and 5xx answers are retried after growing delays; a bad
    request (400) or a blocked bot (403) is final and is not retried.
    """

    def __init__(self, *, delays: Sequence[float] = RETRY_DELAYS, max_retries: int = 5) -> None:
        super().__init__(max_retries=max_retries)
        self._delays = tuple(delays)

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send through the flood limiter; on a transient failure wait and send again."""
        for attempt, delay in enumerate((*self._delays, None)):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:  # TimedOut, dropped connection, 5xx
                if delay is None:
                    raise
                _LOG.warning(
                    "Bot API %s failed (%s), attempt %d; retrying in %.1f s",
                    endpoint,
                    type(error).__name__,
                    attempt + 1,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


def file_url_for(settings: Settings) -> str:
    """The file download URL: configured, or derived from the API URL ('/bot' -> '/file/bot')."""
    if settings.bot_api_file_url:
        return settings.bot_api_file_url
    base = settings.bot_api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def build_application(
    settings: Settings,
    runtime: Any,
    *,
    api_timeout: float = 10.0,
    retry_delays: Sequence[float] = RETRY_DELAYS,
    application_class: type[Application[Any, Any, Any, Any, Any, Any]] = Application,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for `run_polling`/`run_webhook` or `async with app: await app.start()`."""
    if settings.token is None:
        raise ValueError("DROGOWSKAZ_TOKEN is not set")
    # Opt in to PTB 23's timedelta durations: without it, every 429 (RetryAfter) warns.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    # httpx logs every request URL at INFO, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)

    store = ConversationStore(runtime.engine)
    store.create_tables()
    services = BotServices(settings=settings, runtime=runtime, store=store)
    application = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .base_url(settings.bot_api_url)
        .base_file_url(file_url_for(settings))
        .request(HTTPXRequest(connection_pool_size=64, read_timeout=api_timeout))
        .get_updates_request(HTTPXRequest(read_timeout=api_timeout))
        .concurrent_updates(True)
        .rate_limiter(PatientRateLimiter(delays=retry_delays))
        .post_init(_post_init)
        .application_class(application_class)
        .build()
    )
    application.bot_data["services"] = services
    register_coordinator_handlers(application, runtime)
    register_lookup_handlers(application, runtime)
    residents.register(application)
    application.add_error_handler(_on_error)
    job_queue = application.job_queue
    if job_queue is not None:
        job_queue.run_repeating(_expire_states, interval=EXPIRY_INTERVAL_SECONDS, first=1.0)
        job_queue.run_repeating(_heartbeat, interval=HEARTBEAT_INTERVAL_SECONDS, first=0.0)

    return application


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Set the command menu in each language (and the default in Polish)."""
    for lang in LANGUAGES:
        commands = [BotCommand(name, t(f"telegram.command.{name}", lang)) for name in COMMANDS]
        await application.bot.set_my_commands(commands, language_code=lang)
    default = [BotCommand(name, t(f"telegram.command.{name}", "pl")) for name in COMMANDS]
    await application.bot.set_my_commands(default)


def warm_up(runtime: Any = None) -> None:
    """Load the vocabularies and lemma tables now, so the first person does not wait for them.

    Seconds of work that holds the GIL (a thread would stall the event loop just the same), so
    `drogowskaz run` does it before polling starts.
    """
    from catalog.vocabulary import is_danger  # heavy: loaded once, here

    is_danger("start")
    if runtime is not None:
        from bot.dialog import Deps

        Deps.of(runtime)  # builds the search index of the served catalogue


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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


async def _expire_states(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Forget conversations idle longer than the configured time (privacy)."""
    services = services_of(context)
    idle = timedelta(hours=services.settings.state_ttl_hours)
    deleted = await asyncio.to_thread(services.store.expire, idle, now=datetime.now(UTC))
    if deleted:
        _LOG.info("forgot %d idle conversations", deleted)


async def _heartbeat(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Touch the heartbeat file that `drogowskaz health` checks."""
    from bot.cli.health import heartbeat_path  # the CLI package is heavy

    path = heartbeat_path(services_of(context).settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as error:
        _LOG.warning("cannot touch the heartbeat file: %s", type(error).__name__)


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
