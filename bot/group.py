"""Several bot processes on one PostgreSQL (webhook mode behind a load balancer).

Each process keeps one extra connection to the database for the group:
- it LISTENs on `CATALOG_CHANNEL`, where every catalogue load says which partnership changed
  (`catalog.storage.Database.replace_catalog` sends it with the load's commit), so a reload
  done through any process is served by all within a second; a periodic hash check in the
  bot (`Reloader.follow`) catches what a lost connection missed;
- it holds a session advisory lock, `LEADER_LOCK`, once it gets it: the process that holds it
  leads, and only the leader runs the periodic work (forgetting idle conversations and sending
  the reports they held). When the leader dies its connection closes, the lock is freed, and
  another process takes it at its next try.

On SQLite there is one process, which leads, and nothing to listen to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from sqlalchemy.engine import make_url

from catalog.storage import CATALOG_CHANNEL

_LOG = logging.getLogger(__name__)

LEADER_LOCK: Final = 0x64726F67  # 'drog': one number for the whole deployment
WAKE_SECONDS: Final = 1.0  # how often the listener looks at the lock and at whether to stop
RECONNECT_SECONDS: Final = 5.0


def libpq_url(database_url: str) -> str | None:
    """The SQLAlchemy URL as a libpq connection string; None when it is not PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    rendered: str = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return rendered


class Group:
    """This process's place among the processes that share the database."""

    def __init__(
        self,
        database_url: str,
        *,
        on_catalog_change: Callable[[], Awaitable[object]],
        leader_lock: int = LEADER_LOCK,
    ) -> None:
        self._conninfo = libpq_url(database_url)
        self._leader_lock = leader_lock
        self._on_change = on_catalog_change
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.leads = self._conninfo is None  # alone on SQLite: always the leader

    @property
    def is_shared(self) -> bool:
        """True when other processes may share the database (PostgreSQL)."""
        return self._conninfo is not None

    def start(self) -> None:
        """Start listening (and trying to lead) in the background; nothing on SQLite."""
        if self._conninfo is None or self._task is not None:
            return
        self._stopping.clear()
        self._task = asyncio.get_running_loop().create_task(
            self._run(self._conninfo), name="drogowskaz-group"
        )

    async def stop(self) -> None:
        """Close the group connection (a leader lets go of the lock with it)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        self.leads = False

    async def _run(self, conninfo: str) -> None:
        import psycopg

        while not self._stopping.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CATALOG_CHANNEL}")
                    # what was loaded while this process was not listening
                    await self._on_change()
                    await self._listen(connection)
            except (psycopg.Error, OSError) as error:
                _LOG.warning("group connection lost (%s); retrying", type(error).__name__)
            finally:
                if self.leads:
                    _LOG.info("no longer the leader of the group")
                self.leads = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), RECONNECT_SECONDS)

    async def _listen(self, connection: Any) -> None:
        while not self._stopping.is_set():
            if not self.leads:
                cursor = await connection.execute(
                    "SELECT pg_try_advisory_lock(%s)", [self._leader_lock]
                )
                row = await cursor.fetchone()
                self.leads = bool(row and row[0])
                if self.leads:
                    _LOG.info("this process leads the group (runs the periodic work)")
            changed = False
            async for _notice in connection.notifies(timeout=WAKE_SECONDS):
                changed = True
            if changed:
                await self._on_change()
