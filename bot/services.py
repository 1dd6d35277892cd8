"""The bot's long-lived parts, all built in one place: `bootstrap(settings, runtime)`.

Handlers reach them through the typed context (`bot.handlers.common.BotContext.services`),
never through string keys; tests build them the same way, with their own settings.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Final

from bot.access import Coordinators
from bot.feedback import FeedbackStore
from bot.flood import FloodGuard
from bot.group import Group
from bot.reload import Reloader
from bot.runtime import Runtime
from bot.settings import Settings
from bot.stats import Stats
from bot.store import ConversationStore, StateWriter
from bot.ttl_cache import TtlCache

INLINE_CACHE_SECONDS: Final = 60  # inline answers kept here and in Telegram's cache


@dataclass
class BotServices:
    """What the bot keeps for its whole life, besides the runtime's catalogue and places."""

    settings: Settings
    runtime: Runtime
    store: ConversationStore  # the conversations' states
    writer: StateWriter  # the bot's way to write states (group commit)
    stats: Stats
    feedback: FeedbackStore  # the residents' "this was wrong" reports
    coordinators: Coordinators
    reloader: Reloader  # the one owner of catalogue reloads in this process
    group: Group  # the processes sharing the database
    flood: FloodGuard
    lookup_cache: TtlCache  # inline lookups, as people type
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


def bootstrap(settings: Settings, runtime: Runtime) -> BotServices:
    """Build every part the bot needs over an open runtime (their tables created now, not
    during the first update)."""
    store = ConversationStore(runtime.engine)
    store.create_tables()
    stats = Stats(runtime.engine)
    reloader = Reloader(runtime)
    return BotServices(
        settings=settings,
        runtime=runtime,
        store=store,
        writer=StateWriter(store),
        stats=stats,
        feedback=FeedbackStore(runtime.engine, stats=stats),
        coordinators=Coordinators(runtime.engine),
        reloader=reloader,
        group=Group(settings.effective_database_url, on_catalog_change=reloader.follow),
        flood=FloodGuard(),
        lookup_cache=TtlCache(seconds=INLINE_CACHE_SECONDS),
    )
