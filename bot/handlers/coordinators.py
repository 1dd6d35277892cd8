"""Coordinators' commands: /reload, /check, /feedback, /stats, and /koordynator.

Global admins (DROGOWSKAZ_ADMIN_IDS) run them for every partnership; a partnership's
coordinators (`bot.access`) for their own partnership only, and /koordynator is the global
admins' alone. Anyone else gets a polite refusal, and the attempt is logged with the command's
name and a hash of the user id, never the message text. Reports, counts and usage are answered in
plain text (`_reply_plain`, not the bot's default HTML), so catalogue names and problem
descriptions need no escaping; long problem lists come as a file.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Collection, Coroutine, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from telegram import Bot, Document, InputFile, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.access import EVERYTHING, MAX_PARTNERSHIP_CHARS, Coordinators, Scope
from bot.feedback import StoredFeedback
from bot.handlers.common import BotApplication, BotContext, language_of
from bot.handlers.lookup import flood_stopped
from bot.i18n import situation_label, t
from bot.reload import Fetched, FetchError, ReloadOutcome, fetch
from bot.render import escape, service_title
from bot.reports import render_counts, render_diff, render_freshness, render_problem
from bot.services import BotServices
from bot.settings import Settings
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
    needs_text,
    show_count,
    unit_names,
)
from catalog.hours import WARSAW
from catalog.model import Catalog
from catalog.partnerships import loaded_as
from catalog.places import Gazetteer
from catalog.validation import ID_PATTERN, Problem, Report

_LOG = logging.getLogger(__name__)

HANDLER_GROUP: Final = -10  # before the residents' catch-all command handler
LOOP_GROUP: Final = -100  # first of all: notes the bot's event loop
COMMANDS: Final = ("reload", "check", "feedback", "stats", "potrzeby", "koordynator")
NEEDS_SHOWN: Final = 30  # cells on screen; the CSV has them all
MAX_MESSAGE_CHARS: Final = 3500  # under Telegram's 4096, with room for the last lines
MAX_DAYS: Final = 3660
DEFAULT_DAYS: Final = 30
FEEDBACK_SHOWN: Final = 20
HASH_SHOWN: Final = 12  # characters of the content hash: enough to compare two loads
COORDINATOR_ACTIONS: Final = {"add": True, "dodaj": True, "remove": False, "usun": False}
_CAPTION_COMMAND = re.compile(r"^/(reload|check)(@\w+)?(\s|$)", re.IGNORECASE)

Handler = Callable[[Update, BotContext, Scope], Coroutine[Any, Any, None]]
Guarded = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def user_tag(user_id: int | None) -> str:
    """A short hash of a user id: enough to tell repeated attempts apart, not to find anyone."""
    return hashlib.sha256(str(user_id).encode()).hexdigest()[:10]


async def scope_of(update: Update, context: BotContext) -> Scope:
    """What the update's sender manages: everything, their partnerships, or nothing."""
    user = update.effective_user
    services = context.services
    admin_ids = services.settings.admin_ids
    if user is not None and user.id in admin_ids:
        return EVERYTHING  # no database query for a global admin
    return await asyncio.to_thread(
        services.coordinators.scope_of, user.id if user else None, admin_ids
    )


def admins_only(command: str, handler: Handler, *, global_only: bool = False) -> Guarded:
    """Run the handler for coordinators, with what they manage (only global admins when
    `global_only`); refuse anyone else politely (and log the attempt)."""

    async def guarded(update: Update, context: BotContext) -> None:
        message = update.effective_message
        user = update.effective_user
        scope = await scope_of(update, context)
        if user is None or scope.is_empty or (global_only and not scope.is_global):
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
            try:
                await handler(update, context, scope)
            except Exception:  # the update ends here: never falls through to the residents
                _LOG.exception("/%s failed", command)
                await _quietly(message.reply_text(t("admin.failed", language_of(update))))
        raise ApplicationHandlerStop

    return guarded


# ----------------------------------------------------------------------------- reload, check


async def on_reload(update: Update, context: BotContext, scope: Scope) -> None:
    """/reload: fetch the configured catalogue (or the file sent with it) and serve it as its
    partnership's catalogue."""
    await _catalog_command(update, context, scope, load=True)


async def on_check(update: Update, context: BotContext, scope: Scope) -> None:
    """/check: the same checks as /reload, loading nothing."""
    await _catalog_command(update, context, scope, load=False)


async def on_document(update: Update, context: BotContext, scope: Scope) -> None:
    """A file sent with /reload or /check as its caption."""
    message = update.effective_message
    load = bool(message and message.caption and message.caption.lower().startswith("/reload"))
    await _catalog_command(update, context, scope, load=load)


async def _catalog_command(
    update: Update, context: BotContext, scope: Scope, *, load: bool
) -> None:
    message = update.effective_message
    if message is None:
        return
    lang = language_of(update)
    settings = context.services.settings
    await _quietly(message.chat.send_action(ChatAction.TYPING))
    try:
        if message.document is not None:
            fetched = await _download(context, message.document, settings)
        else:
            fetched = await fetch(
                settings.catalog,
                max_bytes=settings.max_catalog_bytes,
                time_limit=settings.download_timeout_seconds,
                allow_private_redirects=settings.allow_private_catalog_redirects,
            )
    except FetchError as error:
        _LOG.warning("catalogue fetch failed: %s", error.reason)
        await _reply_plain(message, _fetch_failure(error, settings, lang))
        return
    reloader = context.services.reloader
    if load:
        outcome = await reloader.reload(fetched, partnerships=scope.partnerships)
        text = reload_text(outcome, lang, scope=scope)
        report = outcome.report
    else:
        report = await reloader.check(fetched)
        text = check_text(report, lang)
        found = report.catalog.partnership if report.catalog is not None else ""
        if report.catalog is not None and loaded_as(found, scope.partnerships) is None:
            text = not_yours_text(found, scope, lang)
    await _send_long(message, text, report.problems, lang)


async def _download(context: BotContext, document: Document, settings: Settings) -> Fetched:
    """An uploaded catalogue, refused before downloading when Telegram says it is too big."""
    limit = settings.max_catalog_bytes
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


def _fetch_failure(error: FetchError, settings: Settings, lang: str) -> str:
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


def not_yours_text(partnership: str, scope: Scope, lang: str) -> str:
    """A coordinator sent the catalogue of a partnership they do not keep: nothing changes."""
    yours = sorted(scope.partnerships or ())
    return t(
        "admin.not_yours",
        lang,
        found=partnership or "—",
        yours=", ".join(yours),
        first=yours[0] if yours else "",
    )


def reload_text(outcome: ReloadOutcome, lang: str, *, scope: Scope = EVERYTHING) -> str:
    """What a reload did, for the coordinator: changes and warnings, or every error."""
    report = outcome.report
    if outcome.status == "not_yours":
        return not_yours_text(outcome.serving.partnership, scope, lang)
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
        *_partnership_line(outcome.serving.partnership, lang),
        render_counts(report, lang),
        t("catalog.cli.hash", lang, hash=outcome.serving.content_hash[:HASH_SHOWN]),
    ]
    if outcome.diff is not None:
        lines += render_diff(outcome.diff, lang)
    return "\n".join(lines + _problem_lines(report, lang, counts=False))


def _partnership_line(partnership: str, lang: str) -> list[str]:
    """'Partnership: siedlce' for a catalogue of a named partnership (none for the default)."""
    return [t("admin.partnership", lang, partnership=partnership)] if partnership else []


def check_text(report: Report, lang: str, *, today: date | None = None) -> str:
    """What /check found: every problem, the counts, and that nothing was loaded."""
    if report.catalog is None:
        lines = [t("admin.check.failed", lang, count=len(report.errors))]
    else:
        lines = [t("admin.check.ok", lang)]
    lines += _problem_lines(report, lang)
    if report.catalog is not None:
        lines += render_freshness(report.catalog, lang, today or datetime.now(WARSAW).date())
    return "\n".join(lines)


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


async def _reply_plain(message: Message, text: str) -> None:
    """Answer in plain text: reports, counts and usage hold '<' and catalogue names as they
    are, so they are not the bot's default HTML."""
    await message.reply_text(text, parse_mode=None)


async def _send_long(message: Message, text: str, problems: Sequence[Problem], lang: str) -> None:
    """Send the answer; when it is too long for one message, the full text comes as a file."""
    if len(text) <= MAX_MESSAGE_CHARS:
        await _reply_plain(message, text)
        return
    cut = text[:MAX_MESSAGE_CHARS].rsplit("\n", 1)[0]
    await _reply_plain(message, f"{cut}\n{t('admin.more_in_file', lang)}")
    _LOG.info("sending %d problems as a file", len(problems))
    await message.reply_document(
        InputFile(text.encode("utf-8"), filename="problems.txt"),
        caption=t("admin.problems.caption", lang),
    )


# ----------------------------------------------------------------------------- feedback


def feedback_messages(
    items: Sequence[StoredFeedback],
    catalog: Catalog | None,
    lang: str,
    *,
    limit: int = MAX_MESSAGE_CHARS,
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


def feedback_alert(item: StoredFeedback, catalog: Catalog | None, lang: str) -> str:
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


def _service_title(item: StoredFeedback, catalog: Catalog | None) -> str:
    service = catalog.service(item.service_id) if catalog is not None else None
    if service is None:
        return item.service_name or item.service_id
    return service_title(service)


async def on_feedback(update: Update, context: BotContext, scope: Scope) -> None:
    """/feedback: the latest "this was wrong" reports about the services of the partnerships
    the coordinator keeps (several messages when long)."""
    message = update.effective_message
    if message is None:
        return
    services = context.services
    items = await asyncio.to_thread(
        functools.partial(
            services.feedback.recent, FEEDBACK_SHOWN, partnerships=scope.partnerships
        )
    )
    for text in feedback_messages(items, services.runtime.catalog, language_of(update)):
        await message.reply_text(text)


def recipients_of(services: BotServices, item: StoredFeedback) -> frozenset[int]:
    """Who hears of a report: the coordinators of the service's partnership; the global
    admins when it has none (blocking: a database query)."""
    if item.partnership:
        coordinators = services.coordinators.of(item.partnership)
        if coordinators:
            return frozenset(coordinators)
    return services.settings.admin_ids


async def notify_admins(
    bot: Bot, admin_ids: frozenset[int], item: StoredFeedback, catalog: Catalog | None, lang: str
) -> None:
    """Tell every coordinator about a new report; an unreachable one does not stop the rest."""
    text = feedback_alert(item, catalog, lang)
    for admin_id in sorted(admin_ids):
        try:
            await bot.send_message(admin_id, text)
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


def parse_stats_args(
    args: Sequence[str], scope: Scope, served: Collection[str]
) -> tuple[int, str] | None:
    """'/stats [days] [partnership]' -> (days, partnership); None for anything else, or for a
    partnership not served or not the user's. A global admin's default is the whole
    deployment (''), a coordinator's their partnership."""
    words = list(args)
    partnership = scope.first()
    if words and not words[-1].isdigit():
        partnership = words.pop().lower()
        if partnership not in served:
            return None
    days = parse_days(words)
    if days is None or not scope.covers(partnership):
        return None
    return days, partnership


def place_names(report: StatsReport, places: Gazetteer) -> dict[str, str]:
    """Names of the gminas and powiats in the report ('146401' -> 'Siedlce')."""
    codes = [code for metric in (GMINA, POWIAT) for code, _ in report.keys(metric)]
    return unit_names(codes, places)


def stats_text(
    report: StatsReport, names: dict[str, str], days: int, lang: str, *, partnership: str = ""
) -> str:
    """The report on screen: totals, then each breakdown, small counts hidden."""
    lines = [
        *_partnership_line(partnership, lang),
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
        (SITUATION, "admin.stats.situations", lambda key: situation_label(key, lang)),
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


async def _period_asked(
    update: Update, context: BotContext, scope: Scope, usage: str
) -> tuple[Message, str, int, str] | None:
    """The message, language, days and partnership of /stats or /potrzeby; None after the
    usage was sent back (or when there is no message)."""
    message = update.effective_message
    if message is None:
        return None
    lang = language_of(update)
    parsed = parse_stats_args(context.args or [], scope, context.runtime.catalogs)
    if parsed is None:
        await message.reply_text(t(usage, lang))
        return None
    days, partnership = parsed
    return message, lang, days, partnership


async def on_stats(update: Update, context: BotContext, scope: Scope) -> None:
    """/stats [days] [partnership]: the counts on screen and the same as a CSV file."""
    asked = await _period_asked(update, context, scope, "admin.stats.usage")
    if asked is None:
        return
    message, lang, days, partnership = asked
    runtime = context.runtime
    report = await asyncio.to_thread(
        functools.partial(context.services.stats.report, days, partnership=partnership)
    )
    names = await asyncio.to_thread(place_names, report, runtime.gazetteer)
    text = stats_text(report, names, days, lang, partnership=partnership)
    await _send_long(message, text, (), lang)
    prefix = f"drogowskaz-stats-{partnership}" if partnership else "drogowskaz-stats"
    csv_name = f"{prefix}-{report.first_day}-{report.last_day}.csv"
    await message.reply_document(
        InputFile(report.to_csv(names=names).encode("utf-8"), filename=csv_name),
        caption=t("admin.stats.csv", lang),
    )


async def on_needs(update: Update, context: BotContext, scope: Scope) -> None:
    """/potrzeby [days] [partnership]: gminas x situations no local service answered, on
    screen and as CSV (scoped like /stats)."""
    asked = await _period_asked(update, context, scope, "admin.needs.usage")
    if asked is None:
        return
    message, lang, days, partnership = asked
    runtime = context.runtime
    last = datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    needs = functools.partial(context.services.stats.needs, first, last, partnership=partnership)
    report = await asyncio.to_thread(needs)
    codes = [cell.gmina for cell in report.cells]
    names = await asyncio.to_thread(unit_names, codes, runtime.gazetteer)
    text = "\n".join(
        [*_partnership_line(partnership, lang), needs_text(report, names, lang, most=NEEDS_SHOWN)]
    )
    await _send_long(message, text, (), lang)
    prefix = f"drogowskaz-potrzeby-{partnership}" if partnership else "drogowskaz-potrzeby"
    await message.reply_document(
        InputFile(
            report.to_csv(names=names).encode("utf-8"),
            filename=f"{prefix}-{report.first_day}-{report.last_day}.csv",
        ),
        caption=t("admin.needs.csv", lang),
    )


# ----------------------------------------------------------------------------- coordinators


def coordinators_text(args: Sequence[str], coordinators: Coordinators, lang: str) -> str:
    """/koordynator [add|remove <partnership> <user id>]: change the list, then show it
    (blocking: database queries)."""
    if [word.lower() for word in args] in (["list"], ["lista"]):
        args = ()
    if args and len(args) != len(("action", "partnership", "user id")):
        return t("admin.coordinators.usage", lang)
    if args:
        action, partnership, user = args[0].lower(), args[1].lower(), args[2]
        if (
            action not in COORDINATOR_ACTIONS
            or not ID_PATTERN.fullmatch(partnership)
            or len(partnership) > MAX_PARTNERSHIP_CHARS
            or not user.isdigit()
        ):
            return t("admin.coordinators.usage", lang)
        if COORDINATOR_ACTIONS[action]:
            coordinators.add(partnership, int(user))
            done = t("admin.coordinators.added", lang, id=user, partnership=partnership)
        elif coordinators.remove(partnership, int(user)):
            done = t("admin.coordinators.removed", lang, id=user, partnership=partnership)
        else:
            done = t("admin.coordinators.not_found", lang, id=user, partnership=partnership)
        return f"{done}\n{coordinators_text((), coordinators, lang)}"
    listed = coordinators.all()
    if not listed:
        return t("admin.coordinators.empty", lang)
    lines = [t("admin.coordinators.title", lang)]
    lines += [
        f"• {partnership}: {', '.join(map(str, ids))}" for partnership, ids in listed.items()
    ]
    return "\n".join(lines)


async def on_coordinators(update: Update, context: BotContext, _scope: Scope) -> None:
    """/koordynator: who coordinates which partnership; a global admin adds and removes them."""
    message = update.effective_message
    if message is None:
        return
    coordinators = context.services.coordinators
    text = await asyncio.to_thread(
        coordinators_text, context.args or [], coordinators, language_of(update)
    )
    await _reply_plain(message, text)


# ----------------------------------------------------------------------------- wiring


async def _quietly(call: Awaitable[object]) -> None:
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

    async def remember(self, _update: object, _context: BotContext) -> None:
        """Note the running loop (a cheap first handler of every update)."""
        self.loop = asyncio.get_running_loop()


def _feedback_listener(
    application: BotApplication, services: BotServices, bot_loop: _BotLoop
) -> Callable[[StoredFeedback], None]:
    """Send the coordinators a notice of each new report, from any thread."""

    async def notify(item: StoredFeedback, catalog: Catalog) -> None:
        recipients = await asyncio.to_thread(recipients_of, services, item)
        language = services.settings.language
        await notify_admins(application.bot, recipients, item, catalog, language)

    def on_feedback_added(item: StoredFeedback) -> None:
        notice = notify(item, services.runtime.catalog)
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


def register_coordinator_handlers(application: BotApplication, services: BotServices) -> None:
    """Add the admin commands (and files captioned /reload or /check) before other handlers,
    and tell the coordinators of each new "this was wrong" report."""
    bot_loop = _BotLoop()
    application.add_handler(TypeHandler(Update, bot_loop.remember), group=LOOP_GROUP)
    services.feedback.listeners["coordinators"] = _feedback_listener(
        application, services, bot_loop
    )
    for command, handler in (
        ("reload", on_reload),
        ("check", on_check),
        ("feedback", on_feedback),
        ("stats", on_stats),
        ("potrzeby", on_needs),
    ):
        application.add_handler(
            CommandHandler(command, admins_only(command, handler)), group=HANDLER_GROUP
        )
    application.add_handler(
        CommandHandler(
            "koordynator", admins_only("koordynator", on_coordinators, global_only=True)
        ),
        group=HANDLER_GROUP,
    )
    application.add_handler(
        MessageHandler(
            filters.Document.ALL & filters.CaptionRegex(_CAPTION_COMMAND),
            admins_only("reload-file", on_document),
        ),
        group=HANDLER_GROUP,
    )
