"""Caseworkers' quick lookup: `/szukaj przemoc Siedlce` and inline mode `@bot pup miechów`.

No questions: the place and the situation come from the words, and an institution's name or
short name ("PUP", "OHP", "MOPR Siedlce") finds it directly. Every result is a whole card, so
it can be forwarded or, in inline mode, posted into the chat with a client.

Cards posted outside the private chat with the bot (inline mode, groups) carry URL buttons,
which work in any chat: the map, and a deep link that opens the card in a private chat with
the bot (where "this was wrong" can be reported).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    InlineQueryHandler,
)

from bot.handlers.common import BotApplication, BotContext, inline_markup, language_of
from bot.i18n import pick_language, t
from bot.render import card_payload, escape, map_url, service_card, unit_label
from bot.services import INLINE_CACHE_SECONDS
from catalog.model import Catalog, Service
from catalog.places import Gazetteer, PlaceAnswer, Unit
from catalog.reading import Need, read
from catalog.search import SearchIndex
from catalog.text import fold, folded_words

_LOG = logging.getLogger(__name__)

COMMAND: Final = "szukaj"
HANDLER_GROUP: Final = -10  # before the residents' catch-all command handler
CARDS_IN_CHAT: Final = 5
INLINE_RESULTS: Final = 50  # Telegram's maximum
MIN_PREFIX: Final = 4  # a word this long may stand for a longer one ("ochot" -> "ochotnicze")


@dataclass(frozen=True, slots=True)
class LookupResult:
    """Services best first, the place understood, and the catalogue they come from."""

    services: tuple[Service, ...]
    catalog: Catalog
    place: Unit | None = None
    other_places: tuple[Unit, ...] = ()  # same name, not chosen
    text: str = ""  # the words left after the place was taken out
    need: Need = field(default_factory=Need)  # what was read from the words


def lookup(
    text: str, catalog: Catalog, places: Gazetteer, *, limit: int = CARDS_IN_CHAT
) -> LookupResult:
    """Services for a caseworker's words: names matched first, then the search's best.

    The catalogue is passed whole (taken once by the caller), so a reload happening meanwhile
    cannot mix two catalogues in one answer.
    """
    index = SearchIndex.of(catalog)
    need = read(text, places, served=index.locality) if text.strip() else Need()
    place, others = _chosen_place(need.place)
    rest = need.text.strip(" ,.;:-")
    gminas = [unit.code for unit in (place, *others) if unit is not None]
    named = [
        service
        for service in _by_name(rest, catalog)
        if not gminas or any(_near(service, code) for code in gminas)
    ]
    found: list[Service] = list(named)
    if rest or place is not None or need.age is not None:
        query = need.query(gmina=place.code if place is not None else None)
        result = index.search(query, limit=max(limit, 10))
        if result.understood or not rest:
            found.extend(match.service for match in result.matches)
    unique = list(dict.fromkeys(found))
    return LookupResult(
        services=tuple(unique[:limit]),
        catalog=catalog,
        place=place,
        other_places=others,
        text=rest,
        need=need,
    )


def _chosen_place(answer: PlaceAnswer | None) -> tuple[Unit | None, tuple[Unit, ...]]:
    """The gmina to search in and the others with the same name (no question asked)."""
    if answer is None:
        return None, ()
    if answer.gmina is not None:
        others = [unit for unit in answer.candidates if unit.code != answer.gmina.code]
        if answer.same_name_other is not None:
            others.append(answer.same_name_other)
        return answer.gmina, tuple(dict.fromkeys(others))
    if answer.candidates:
        return answer.candidates[0], tuple(answer.candidates[1:])
    return None, ()


def _near(service: Service, gmina: str) -> bool:
    """True when the service serves the gmina or its institution is there."""
    return service.serves_place(gmina) or service.institution.place.contains(gmina)


def _by_name(text: str, catalog: Catalog) -> list[Service]:
    """Services of institutions whose id, name or short name contains every word typed."""
    wanted = [word for word in folded_words(text) if len(word) >= 2]
    if not wanted:
        return []
    found: list[Service] = []
    for institution in catalog.institutions:
        names = " ".join(filter(None, (institution.short_name, institution.name)))
        known = set(folded_words(names)) | set(fold(institution.id).split("-"))
        if all(_word_in(word, known) for word in wanted):
            found.extend(s for s in catalog.services if s.institution.id == institution.id)
    return found


def _word_in(word: str, known: set[str]) -> bool:
    if word in known:
        return True
    return len(word) >= MIN_PREFIX and any(name.startswith(word) for name in known)


def link_markup(service: Service, lang: str, bot_username: str) -> InlineKeyboardMarkup | None:
    """URL buttons for a card posted in any chat: the map, and the card in the bot's chat."""
    buttons = []
    url = map_url(service)
    if url is not None:
        buttons.append(InlineKeyboardButton(t("card.button.map", lang), url=url))
    payload = card_payload(service.id)
    if payload is not None and bot_username:
        link = f"https://t.me/{bot_username}?start={payload}"
        buttons.append(InlineKeyboardButton(t("card.button.open", lang), url=link))
    return InlineKeyboardMarkup([[button] for button in buttons]) if buttons else None


def inline_results(
    result: LookupResult, lang: str, now: datetime, *, bot_username: str = ""
) -> list[InlineQueryResultArticle]:
    """One article per service; choosing it posts the whole card, with its URL buttons."""
    articles = []
    for service in result.services[:INLINE_RESULTS]:
        card = service_card(service, lang, now)
        institution = service.institution
        phones = ", ".join(phone.display for phone in service.contact.phones)
        key = f"{result.catalog.content_hash}:{service.id}".encode()
        articles.append(
            InlineQueryResultArticle(
                id=hashlib.sha256(key).hexdigest()[:32],
                title=institution.short_name or institution.name,
                description=" · ".join(filter(None, (service.name, phones))),
                input_message_content=InputTextMessageContent(card.text),
                reply_markup=link_markup(service, lang, bot_username),
            )
        )
    return articles


async def flood_stopped(update: Update, context: BotContext) -> bool:
    """True when this chat sends too much (the bot's flood guard).

    The first update over the limit gets a polite "slow down"; the rest are dropped quietly.
    """
    chat = update.effective_chat
    if chat is None:
        return False
    verdict = context.services.flood.check(chat.id)
    if verdict == "ok":
        return False
    if verdict == "warn":
        await context.bot.send_message(chat.id, t("telegram.slow_down", language_of(update)))
    return True


async def on_search(update: Update, context: BotContext) -> None:
    """`/szukaj words`: the best cards at once, each a message of its own (to forward)."""
    message = update.effective_message
    if message is None:
        return
    if await flood_stopped(update, context):
        raise ApplicationHandlerStop
    lang = language_of(update)
    words = " ".join(context.args or [])
    if not words:
        await message.reply_text(t("lookup.usage", lang))
        raise ApplicationHandlerStop
    runtime = context.runtime
    catalog = runtime.catalog  # taken once: a reload meanwhile does not mix catalogues
    result = await asyncio.to_thread(lookup, words, catalog, runtime.gazetteer)
    await asyncio.to_thread(context.services.stats.record_lookup, found=bool(result.services))
    _LOG.info("lookup answered with %d services", len(result.services))
    await message.reply_text(_header(result, words, lang))
    private = message.chat.type == ChatType.PRIVATE
    now = datetime.now(UTC)
    for service in result.services:
        card = service_card(service, lang, now)
        markup = (
            inline_markup(card) if private else link_markup(service, lang, context.bot.username)
        )
        await message.reply_text(
            card.text,
            reply_markup=markup,
            do_quote=False,
        )
    raise ApplicationHandlerStop


def _header(result: LookupResult, words: str, lang: str) -> str:
    """What was searched, where, and what to do when nothing fits."""
    if not result.services:
        return t("lookup.none", lang, query=escape(words))
    lines = [t("lookup.found", lang, query=escape(words))]
    if result.place is not None:
        if result.other_places:
            others = ", ".join(unit_label(unit, lang) for unit in result.other_places[:5])
            lines.append(
                t(
                    "lookup.place_choice",
                    lang,
                    place=escape(unit_label(result.place, lang)),
                    others=escape(others),
                )
            )
        else:
            lines.append(t("lookup.place", lang, place=escape(unit_label(result.place, lang))))
    else:
        lines.append(t("lookup.place_unknown", lang))
    return "\n".join(lines)


async def on_inline(update: Update, context: BotContext) -> None:
    """Inline mode: matching services as articles; the same query is served from a cache."""
    query = update.inline_query
    if query is None:
        return
    lang = pick_language(query.from_user.language_code)
    runtime = context.runtime
    catalog = runtime.catalog
    words = query.query.strip()
    cache = context.services.lookup_cache
    key = (catalog.content_hash, str(id(catalog)), lang, fold(words))
    articles = cache.get(key)
    if articles is None:
        result = (
            await asyncio.to_thread(
                lookup, words, catalog, runtime.gazetteer, limit=INLINE_RESULTS
            )
            if words
            else None
        )
        articles = (
            inline_results(result, lang, datetime.now(UTC), bot_username=context.bot.username)
            if result
            else []
        )
        cache.put(key, articles)
        if words:
            await asyncio.to_thread(context.services.stats.record_lookup, found=bool(articles))
    button = None
    if not articles:
        button = InlineQueryResultsButton(
            text=t("lookup.inline.none_title", lang) + " · " + t("lookup.inline.button", lang),
            start_parameter="szukaj",
        )
    await query.answer(
        list(_limited(articles)),
        cache_time=INLINE_CACHE_SECONDS,
        is_personal=False,
        button=button,
    )


def _limited(articles: Sequence[InlineQueryResultArticle]) -> Sequence[InlineQueryResultArticle]:
    return articles[:INLINE_RESULTS]


def register_lookup_handlers(application: BotApplication) -> None:
    """Add /szukaj and inline mode; they run before the residents' dialog handlers."""
    application.add_handler(CommandHandler(COMMAND, on_search), group=HANDLER_GROUP)
    application.add_handler(InlineQueryHandler(on_inline), group=HANDLER_GROUP)
