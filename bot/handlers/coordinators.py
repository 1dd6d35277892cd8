"""Coordinators' commands: /reload, /check, /feedback, /stats (ids in DROGOWSKAZ_ADMIN_IDS).

Anyone else gets a polite refusal, and the attempt is logged with the command's name and a
hash of the user id, never the message text. Answers are plain text (no markup), so catalogue
names and problem descriptions need no escaping; long problem lists come as a file.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Final

from telegram import Document, InputFile, Message, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.feedback import Feedback, feedback_for
from bot.handlers.common import NO_PREVIEW, language_of
from bot.handlers.lookup import flood_stopped
from bot.i18n import t
from bot.reload import Fetched, FetchError, Reloader, ReloadOutcome, fetch
from bot.render import escape, service_title
from bot.reports import render_counts, render_diff, render_problem
from bot.stats import (
    AGE_BAND,
    CONVERSATIONS,
    FEEDBACK,
    FOUND,
    GMINA,
    LOOKUPS,
    NOT_FOUND,
    POWIAT,
    RESULTS,
    SITUATION,
    TOTAL,
    UNKNOWN,
    StatsReport,
    show_count,
    stats_for,
)
from catalog.validation import Problem, Report

_LOG = logging.getLogger(__name__)

HANDLER_GROUP: Final = -10  # before the residents' catch-all command handler
LOOP_GROUP: Final = -100  # first of all: notes the bot's event loop
COMMANDS: Final = ("reload", "check", "feedback", "stats")
MAX_MESSAGE_CHARS: Final = 3500  # under Telegram's 4096, with room for the last lines
MAX_DAYS: Final = 3660
DEFAULT_DAYS: Final = 30
FEEDBACK_SHOWN: Final = 20
HASH_SHOWN: Final = 12  # characters of the content hash: enough to compare two loads
_CAPTION_COMMAND = re.compile(r"^/(reload|check)(@\w+)?(\s|$)", re.IGNORECASE)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def user_tag(user_id: int | None) -> str:
    """A short hash of a user id: enough to tell repeated attempts apart, not to find anyone."""
    return hashlib.sha256(str(user_id).encode()).hexdigest()[:10]


def _runtime(context: ContextTypes.DEFAULT_TYPE) -> Any:
    return context.bot_data["coordinators_runtime"]


def _reloader(context: ContextTypes.DEFAULT_TYPE) -> Reloader:
    reloader = context.bot_data["reloader"]
    if not isinstance(reloader, Reloader):  # pragma: no cover - wiring error
        raise TypeError("bot_data['reloader'] is not a Reloader")
    return reloader


def admins_only(command: str, handler: Handler) -> Handler:
    """Run the handler for coordinators; refuse anyone else politely (and log the attempt)."""

    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        admin_ids: frozenset[int] = _runtime(context).settings.admin_ids
        if user is None or user.id not in admin_ids:
            if await flood_stopped(update, context):
                raise ApplicationHandlerStop
            _LOG.warning(
                "refused /%s from non-admin user %s", command, user_tag(user.id if user else None)
            )
            if message is not None:
                await message.reply_text(t("admin.refused", language_of(update)))
            raise ApplicationHandlerStop
        _LOG.info("admin %s ran /%s", user_tag(user.id), command)
        if message is not None:
            await handler(update, context)
        raise ApplicationHandlerStop

    return guarded


# ----------------------------------------------------------------------------- reload, check


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload: fetch the configured catalogue (or the file sent with it) and serve it."""
    await _catalog_command(update, context, load=True)


async def on_check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/check: the same checks as /reload, loading nothing."""
    await _catalog_command(update, context, load=False)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file sent with /reload or /check as its caption."""
    message = update.effective_message
    load = bool(message and message.caption and message.caption.lower().startswith("/reload"))
    await _catalog_command(update, context, load=load)


async def _catalog_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, load: bool
) -> None:
    message = update.effective_message
    if message is None:
        return
    lang = language_of(update)
    runtime = _runtime(context)
    settings = runtime.settings
    await _quietly(message.chat.send_action(ChatAction.TYPING))
    try:
        if message.document is not None:
            fetched = await _download(context, message.document, settings)
        else:
            fetched = await fetch(
                settings.catalog,
                max_bytes=settings.max_catalog_bytes,
                time_limit=settings.download_timeout_seconds,
            )
    except FetchError as error:
        _LOG.warning("catalogue fetch failed: %s", error.reason)
        await message.reply_text(_fetch_failure(error, settings, lang))
        return
    reloader = _reloader(context)
    if load:
        outcome = await reloader.reload(fetched)
        text = reload_text(outcome, lang)
        report = outcome.report
    else:
        report = await reloader.check(fetched)
        text = check_text(report, lang)
    await _send_long(message, text, report.problems, lang)


async def _download(
    context: ContextTypes.DEFAULT_TYPE, document: Document, settings: Any
) -> Fetched:
    """An uploaded catalogue, refused before downloading when Telegram says it is too big."""
    limit: int = settings.max_catalog_bytes
    if document.file_size is not None and document.file_size > limit:
        raise FetchError("too_large", detail=str(document.file_size))
    try:
        async with asyncio.timeout(settings.download_timeout_seconds):
            file = await context.bot.get_file(document.file_id)
            if file.file_size is not None and file.file_size > limit:
                raise FetchError("too_large", detail=str(file.file_size))
            data = bytes(await file.download_as_bytearray())
    except TimeoutError as error:
        raise FetchError("timeout") from error
    except TelegramError as error:
        raise FetchError("network", detail=type(error).__name__) from error
    if len(data) > limit:
        raise FetchError("too_large", detail=str(len(data)))
    return Fetched(data=data, filename=document.file_name or "catalog.yaml")


def _fetch_failure(error: FetchError, settings: Any, lang: str) -> str:
    text = t(
        f"admin.fetch.{error.reason}",
        lang,
        detail=error.detail,
        limit=settings.max_catalog_bytes,
        seconds=f"{settings.download_timeout_seconds:g}",
    )
    if error.reason == "no_source":
        return text
    return f"{text}\n{t('admin.fetch.kept', lang)}"


def reload_text(outcome: ReloadOutcome, lang: str) -> str:
    """What a reload did, for the coordinator: changes and warnings, or every error."""
    report = outcome.report
    if outcome.status == "refused":
        lines = [
            t("admin.reload.failed", lang, count=len(report.errors), name=outcome.serving.name)
        ]
        lines += _problem_lines(report, lang)
        return "\n".join(lines)
    if outcome.status == "store_failed":
        return t("admin.reload.store_failed", lang, name=outcome.serving.name)
    if outcome.status == "same":
        lines = [t("admin.reload.same", lang), render_counts(report, lang)]
        return "\n".join(lines + _problem_lines(report, lang, counts=False))
    lines = [
        t("catalog.cli.loaded", lang, name=outcome.serving.name),
        render_counts(report, lang),
        t("catalog.cli.hash", lang, hash=outcome.serving.content_hash[:HASH_SHOWN]),
    ]
    if outcome.diff is not None:
        lines += render_diff(outcome.diff, lang)
    return "\n".join(lines + _problem_lines(report, lang, counts=False))


def check_text(report: Report, lang: str) -> str:
    """What /check found: every problem, the counts, and that nothing was loaded."""
    if report.catalog is None:
        lines = [t("admin.check.failed", lang, count=len(report.errors))]
    else:
        lines = [t("admin.check.ok", lang)]
    return "\n".join(lines + _problem_lines(report, lang))


def _problem_lines(report: Report, lang: str, *, counts: bool = True) -> list[str]:
    lines: list[str] = []
    for title, problems in (
        ("catalog.cli.errors_title", report.errors),
        ("catalog.cli.warnings_title", report.warnings),
    ):
        if problems:
            lines.append(t(title, lang))
            lines.extend(f"• {render_problem(problem, lang)}" for problem in problems)
    if counts and report.catalog is None:
        lines.append(render_counts(report, lang))
    elif counts:
        lines.insert(0, render_counts(report, lang))
    return lines


async def _send_long(message: Message, text: str, problems: Sequence[Problem], lang: str) -> None:
    """Send the answer; when it is too long for one message, the full text comes as a file."""
    if len(text) <= MAX_MESSAGE_CHARS:
        await message.reply_text(text)
        return
    cut = text[:MAX_MESSAGE_CHARS].rsplit("\n", 1)[0]
    await message.reply_text(f"{cut}\n{t('admin.more_in_file', lang)}")
    _LOG.info("sending %d problems as a file", len(problems))
    await message.reply_document(
        InputFile(text.encode("utf-8"), filename="problems.txt"),
        caption=t("admin.problems.caption", lang),
    )


# ----------------------------------------------------------------------------- feedback


def feedback_messages(
    items: Sequence[Feedback], catalog: Any, lang: str, *, limit: int = MAX_MESSAGE_CHARS
) -> list[str]:
    """The latest reports, each with the service (as now in the catalogue) and its id, as
    messages of at most `limit` characters that never cut a report.

    Telegram HTML: every value is escaped, so a note is shown exactly as the person wrote it
    and cannot format or hide anything; ids are <code> (a tap copies them).
    """
    if not items:
        return [t("admin.feedback.empty", lang)]
    messages = [t("admin.feedback.title", lang, count=len(items))]
    for item in items:
        lines = [
            t(
                "admin.feedback.item",
                lang,
                date=item.created_at.strftime("%Y-%m-%d %H:%M"),
                service=escape(_service_title(item, catalog)),
                id=f"<code>{escape(item.service_id)}</code>",
                kind=escape(t(f"admin.feedback.kind.{item.kind}", lang)),
            )
        ]
        if item.note:
            lines.append("   " + _note_line(item.note, lang))
        block = "\n".join(lines)
        if len(messages[-1]) + 1 + len(block) > limit:
            messages.append(block)
        else:
            messages[-1] += "\n" + block
    return messages


def feedback_alert(item: Feedback, catalog: Any, lang: str) -> str:
    """The message the coordinators get when someone reports a mistake (Telegram HTML)."""
    text = t(
        "admin.feedback.new",
        lang,
        service=escape(_service_title(item, catalog)),
        id=f"<code>{escape(item.service_id)}</code>",
        kind=escape(t(f"admin.feedback.kind.{item.kind}", lang)),
    )
    if item.note:
        text += "\n" + _note_line(item.note, lang)
    return text


def _note_line(note: str, lang: str) -> str:
    return t("admin.feedback.note", lang, note=f"<i>{escape(note)}</i>")


def _service_title(item: Feedback, catalog: Any) -> str:
    service = catalog.service(item.service_id) if catalog is not None else None
    if service is None:
        return item.service_name or item.service_id
    return service_title(service)


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feedback: the latest "this was wrong" reports (several messages when long)."""
    message = update.effective_message
    if message is None:
        return
    runtime = _runtime(context)
    items = await asyncio.to_thread(feedback_for(runtime).recent, FEEDBACK_SHOWN)
    for text in feedback_messages(items, runtime.catalog, language_of(update)):
        await message.reply_text(text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)


async def notify_admins(
    bot: Any, admin_ids: frozenset[int], item: Feedback, catalog: Any, lang: str
) -> None:
    """Tell every coordinator about a new report; an unreachable one does not stop the rest."""
    text = feedback_alert(item, catalog, lang)
    for admin_id in sorted(admin_ids):
        try:
            await bot.send_message(
                admin_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
            )
        except TelegramError as error:
            _LOG.warning("could not notify admin %s: %s", user_tag(admin_id), type(error).__name__)


# ----------------------------------------------------------------------------- statistics


def parse_days(args: Sequence[str]) -> int | None:
    """'/stats' -> 30, '/stats 7' -> 7; None for anything else."""
    if not args:
        return DEFAULT_DAYS
    if len(args) == 1 and args[0].isdigit() and 1 <= int(args[0]) <= MAX_DAYS:
        return int(args[0])
    return None


def place_names(report: StatsReport, places: Any) -> dict[str, str]:
    """Names of the gminas and powiats in the report ('146401' -> 'Siedlce')."""
    names: dict[str, str] = {}
    for metric in (GMINA, POWIAT):
        for code, _ in report.keys(metric):
            if code == UNKNOWN or code in names:
                continue
            try:
                unit = places.unit(code)
            except (LookupError, ValueError, NotImplementedError):
                unit = None
            if unit is not None:
                names[code] = unit.name if metric == GMINA else f"powiat {unit.name}"
    return names


def stats_text(report: StatsReport, names: dict[str, str], days: int, lang: str) -> str:
    """The report on screen: totals, then each breakdown, small counts hidden."""
    lines = [
        t(
            "admin.stats.title",
            lang,
            days=days,
            first=report.first_day.isoformat(),
            last=report.last_day.isoformat(),
        ),
        t("admin.stats.conversations", lang, count=show_count(report.total(CONVERSATIONS))),
        t(
            "admin.stats.results",
            lang,
            found=show_count(report.total(RESULTS, FOUND)),
            not_found=show_count(report.total(RESULTS, NOT_FOUND)),
        ),
        t(
            "admin.stats.lookups",
            lang,
            count=show_count(report.total(LOOKUPS, FOUND) + report.total(LOOKUPS, NOT_FOUND)),
        ),
    ]
    unknown = t("admin.stats.unknown", lang)
    for metric, title, label in (
        (SITUATION, "admin.stats.situations", lambda key: t(f"situation.{key}", lang)),
        (GMINA, "admin.stats.gminas", lambda key: f"{names.get(key, key)} ({key})"),
        (POWIAT, "admin.stats.powiats", lambda key: f"{names.get(key, key)} ({key})"),
        (AGE_BAND, "admin.stats.ages", str),
    ):
        entries = report.keys(metric)
        if not entries:
            continue
        lines.append(t(title, lang))
        for key, count in entries:
            shown = unknown if key == UNKNOWN else label(key)
            lines.append(f"  {shown}: {show_count(count)}")
    lines.append(t("admin.stats.feedback", lang, count=show_count(report.total(FEEDBACK))))
    for key, count in report.keys(FEEDBACK):
        if key != TOTAL:
            lines.append(f"  {t(f'admin.feedback.kind.{key}', lang)}: {show_count(count)}")
    lines.append(t("admin.stats.small", lang))
    return "\n".join(lines)


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats [days]: the counts on screen and the same as a CSV file."""
    message = update.effective_message
    if message is None:
        return
    lang = language_of(update)
    days = parse_days(context.args or [])
    if days is None:
        await message.reply_text(t("admin.stats.usage", lang))
        return
    runtime = _runtime(context)
    report = await asyncio.to_thread(stats_for(runtime).report, days)
    names = await asyncio.to_thread(place_names, report, runtime.gazetteer)
    await _send_long(message, stats_text(report, names, days, lang), (), lang)
    csv_name = f"drogowskaz-stats-{report.first_day}-{report.last_day}.csv"
    await message.reply_document(
        InputFile(report.to_csv(names=names).encode("utf-8"), filename=csv_name),
        caption=t("admin.stats.csv", lang),
    )


# ----------------------------------------------------------------------------- wiring


async def _quietly(call: Coroutine[Any, Any, Any]) -> None:
    try:
        await call
    except TelegramError as error:
        _LOG.info("ignored %s", type(error).__name__)


class _BotLoop:
    """The event loop the bot runs on, noted at the first update.

    Reports are stored from worker threads (the database is blocking), where there is no
    running loop; the notice to the coordinators is handed to the bot's loop from there.
    """

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None

    async def remember(self, _update: object, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Note the running loop (a cheap first handler of every update)."""
        self.loop = asyncio.get_running_loop()


def _feedback_listener(
    application: Application[Any, Any, Any, Any, Any, Any], runtime: Any, bot_loop: _BotLoop
) -> Callable[[Feedback], None]:
    """Send the coordinators a notice of each new report, from any thread."""

    def on_feedback_added(item: Feedback) -> None:
        admin_ids: frozenset[int] = runtime.settings.admin_ids
        if not admin_ids:
            return
        notice = notify_admins(
            application.bot, admin_ids, item, runtime.catalog, runtime.settings.language
        )
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            application.create_task(notice)
        elif bot_loop.loop is not None and bot_loop.loop.is_running():
            asyncio.run_coroutine_threadsafe(notice, bot_loop.loop)
        else:
            notice.close()
            _LOG.info("feedback about %s stored outside the bot: no notice", item.service_id)

    return on_feedback_added


def register_coordinator_handlers(
    application: Application[Any, Any, Any, Any, Any, Any], runtime: Any
) -> None:
    """Add the admin commands (and files captioned /reload or /check) before other handlers.

    Also gives the runtime its feedback store and statistics (`runtime.feedback`,
    `runtime.stats`), so the residents' "this was wrong" reaches the coordinators.
    """
    application.bot_data["coordinators_runtime"] = runtime
    application.bot_data["reloader"] = Reloader(runtime)
    store = feedback_for(runtime)
    bot_loop = _BotLoop()
    application.add_handler(TypeHandler(Update, bot_loop.remember), group=LOOP_GROUP)
    store.listeners["coordinators"] = _feedback_listener(application, runtime, bot_loop)
    for command, handler in (
        ("reload", on_reload),
        ("check", on_check),
        ("feedback", on_feedback),
        ("stats", on_stats),
    ):
        application.add_handler(
            CommandHandler(command, admins_only(command, handler)), group=HANDLER_GROUP
        )
    application.add_handler(
        MessageHandler(
            filters.Document.ALL & filters.CaptionRegex(_CAPTION_COMMAND),
            admins_only("reload-file", on_document),
        ),
        group=HANDLER_GROUP,
    )
