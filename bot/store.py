"""Per-chat conversation state in the database, so a restarted bot continues every conversation.

The state is the dialog's own plain dictionary (`DialogState.to_dict()`), stored as JSON with
the time it was last written; idle states are deleted after `state_ttl_hours` (privacy: nothing
about a person stays longer than needed).

`StateWriter` is how the bot writes: the saves of updates handled at the same time share one
transaction (a group commit), and each save returns only once its transaction committed, so a
reply sent after it is never ahead of the stored state (a bot killed at any moment loses
nothing).

Several processes may serve one database (webhook mode behind a load balancer), and two
updates of one chat may reach two of them at once. Each state carries a version, and the bot
saves a step only over the version it read (`expected`): when another process wrote in
between, the save is refused (`StateConflict`) and the step is taken again on the newer state,
so no step is lost or mixed. Each state also keeps the last update it answered, so an update
Telegram sends again (a process died before saying it got it) is not answered twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Table,
    bindparam,
    case,
    delete,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, SQLModel

from catalog.tables import bring_up_to_date, table_of, upsert_statement

_LOG = logging.getLogger(__name__)
T = TypeVar("T")


class ConversationRow(SQLModel, table=True):
    """One chat's dialog state; the chat id is the key, nothing else about the person."""

    __tablename__ = "bot_conversation"

    # Telegram ids pass 2**31 (users) and -10**12 (supergroups): 64 bits.
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    state: str = Field(default="{}")  # JSON of DialogState.to_dict()
    updated_at: datetime = Field(index=True)
    version: int = Field(default=0)  # one more at each save
    # the last update answered (Telegram's update ids only grow)
    last_update: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


TABLE: Table = table_of(ConversationRow)
NEW: Final = -1  # the version of a chat with no stored state
# Built once: a statement built at each call costs as much as running it.
_LOAD = select(TABLE.c.state, TABLE.c.updated_at, TABLE.c.version, TABLE.c.last_update).where(
    TABLE.c.chat_id == bindparam("chat_id")
)
_LAST_UPDATE = case(
    (bindparam("b_update") > TABLE.c.last_update, bindparam("b_update")),
    else_=TABLE.c.last_update,
)
_UPDATE_OVER = (
    update(TABLE)
    .where(TABLE.c.chat_id == bindparam("b_chat"))
    .where(TABLE.c.version == bindparam("b_expected"))
    .values(
        state=bindparam("b_state"),
        updated_at=bindparam("b_at"),
        version=TABLE.c.version + 1,
        last_update=_LAST_UPDATE,
    )
    .returning(TABLE.c.version)  # rowcount is -1 on some drivers (psycopg with ON CONFLICT)
)


class StateConflict(Exception):  # noqa: N818 - the name says what happened
    """Another process saved this chat's state since it was read: take the step again."""


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """What is stored for a chat: the dialog state, when it was last written, its version and
    the last update answered."""

    state: dict[str, Any]
    updated_at: datetime
    version: int = 0
    last_update: int = 0


@dataclass(frozen=True, slots=True)
class Known:
    """A chat's state as a step starts from it: the state (None: none), the version a save
    must find (`NEW`: no row; None: unknown, the save writes over whatever is stored) and the
    last update answered."""

    state: dict[str, Any] | None
    version: int | None = NEW
    last_update: int = 0


@dataclass(frozen=True, slots=True)
class Change:
    """One chat's new state (None: forget the chat), stamped with when it was made; saved over
    `expected` (a version, or `NEW`), or over whatever is stored when None."""

    chat_id: int
    state: dict[str, Any] | None
    at: datetime
    expected: int | None = None
    update_id: int = 0


class ConversationStore:
    """Reads and writes per-chat state; blocking calls (run them in a thread from the bot).

    SQL Core statements, not ORM sessions: a save is one upsert, about 20 times cheaper.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._upsert: Any = upsert_statement(
            TABLE,
            engine.dialect.name,
            keys=["chat_id"],
            changes=lambda new: {
                "state": new.state,
                "updated_at": new.updated_at,
                "version": TABLE.c.version + 1,
            },
        )
        self._insert_new: Any = _insert_if_absent(TABLE, engine.dialect.name)

    def create_tables(self) -> None:
        """Create this module's table if missing, or add what an earlier version's lacks (the
        others' tables are theirs to create)."""
        bring_up_to_date(self.engine, TABLE)

    def load(self, chat_id: int) -> StoredConversation | None:
        """The stored conversation of a chat, or None when there is none."""
        with self.engine.connect() as connection:
            row = connection.execute(_LOAD, {"chat_id": chat_id}).first()
        if row is None:
            return None
        return StoredConversation(
            state=_json_object(row.state),
            updated_at=row.updated_at,
            version=row.version,
            last_update=row.last_update,
        )

    def read(self, chat_id: int) -> Known:
        """A chat's state as a step starts from it (version `NEW` when there is none)."""
        stored = self.load(chat_id)
        if stored is None:
            return Known(None)
        return Known(stored.state, stored.version, stored.last_update)

    def save(
        self,
        chat_id: int,
        state: dict[str, Any],
        *,
        now: datetime | None = None,
        connection: Connection | None = None,
        expected: int | None = None,
        update_id: int = 0,
    ) -> bool:
        """Write a chat's state, stamped with the time (the idle clock restarts); False, and
        nothing written, when the stored version is not `expected` (None: write whatever is
        stored).

        In its own transaction, or in the caller's when `connection` is given.
        """
        if connection is None:
            with self.engine.begin() as own:
                return self.save(
                    chat_id,
                    state,
                    now=now,
                    connection=own,
                    expected=expected,
                    update_id=update_id,
                )
        values = {
            "chat_id": chat_id,
            "state": json.dumps(state, ensure_ascii=False, sort_keys=True),
            "updated_at": now or datetime.now(UTC),
        }
        if expected == NEW:
            new = {**values, "version": 0, "last_update": update_id}
            return connection.execute(self._insert_new, new).first() is not None
        if expected is not None:
            over = {
                "b_chat": chat_id,
                "b_expected": expected,
                "b_state": values["state"],
                "b_at": values["updated_at"],
                "b_update": update_id,
            }
            return connection.execute(_UPDATE_OVER, over).first() is not None
        if self._upsert is not None:
            connection.execute(self._upsert, {**values, "version": 0, "last_update": update_id})
            return True
        changed = connection.execute(
            update(TABLE)
            .where(TABLE.c.chat_id == chat_id)
            .values(values, version=TABLE.c.version + 1)
        ).rowcount
        if not changed:
            connection.execute(TABLE.insert().values(values))
        return True

    def delete(self, chat_id: int, *, connection: Connection | None = None) -> None:
        """Forget everything about a chat (/usun)."""
        if connection is None:
            with self.engine.begin() as own:
                self.delete(chat_id, connection=own)
            return
        connection.execute(delete(TABLE).where(TABLE.c.chat_id == chat_id))

    def write(self, changes: Sequence[Change]) -> set[int]:
        """Save and forget several chats in one transaction: all of it is stored, or none
        (raises); returns the chats whose save found another version than expected (those
        are not written; the others are)."""
        conflicts: set[int] = set()
        with self.engine.begin() as connection:
            for change in changes:
                if change.state is None:
                    self.delete(change.chat_id, connection=connection)
                elif not self.save(
                    change.chat_id,
                    change.state,
                    now=change.at,
                    connection=connection,
                    expected=change.expected,
                    update_id=change.update_id,
                ):
                    conflicts.add(change.chat_id)
        return conflicts

    def stale_states(
        self, idle: timedelta, *, now: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The states `expire` would delete now, so what they still hold can be sent first."""
        limit = (now or datetime.now(UTC)) - idle
        with self.engine.connect() as connection:
            rows = connection.execute(select(TABLE.c.state).where(TABLE.c.updated_at < limit))
            return [_json_object(state) for state in rows.scalars()]

    def expire(self, idle: timedelta, *, now: datetime | None = None) -> int:
        """Delete states idle longer than `idle`; returns how many were deleted."""
        limit = (now or datetime.now(UTC)) - idle
        with self.engine.begin() as connection:
            stale = connection.execute(delete(TABLE).where(TABLE.c.updated_at < limit)).rowcount
        return int(stale or 0)


@dataclass(slots=True)
class _Pending:
    state: dict[str, Any] | None
    at: datetime
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    expected: int | None = None
    update_id: int = 0


class StateWriter:
    """Group commit of per-chat states for the bot's event loop.

    `save` and `forget` wait until their change is committed. Changes that arrive while a
    transaction runs go together into the next one (one chat's latest change wins), so a busy
    bot commits once for many updates and an idle one at once. `load` sees changes not yet
    committed, so a chat always reads what it last wrote. One writer per bot process: the
    database is the only shared truth between processes.
    """

    def __init__(self, store: ConversationStore) -> None:
        self.store = store
        # Its own thread: a commit never waits in line behind dialog steps in the shared pool.
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="state-writer")
        self._pending: dict[int, _Pending] = {}  # for the next transaction
        self._writing: dict[int, _Pending] = {}  # in the running transaction
        self._flusher: asyncio.Task[None] | None = None

    async def load(self, chat_id: int) -> dict[str, Any] | None:
        """A chat's state: the latest written, committed or not (None: no state)."""
        known = self.pending(chat_id)
        if known is not None:
            return known.state
        stored = await asyncio.to_thread(self.store.load, chat_id)
        return None if stored is None else stored.state

    def pending(self, chat_id: int) -> Known | None:
        """The chat's state as it will be once a change not committed yet is (None: no such
        change; read the database)."""
        entry = self._pending.get(chat_id) or self._writing.get(chat_id)
        if entry is None:
            return None
        version = NEW if entry.state is None else None
        if entry.state is not None and entry.expected is not None:
            version = entry.expected + 1
        return Known(entry.state, version, entry.update_id)

    async def save(
        self,
        chat_id: int,
        state: dict[str, Any],
        *,
        now: datetime | None = None,
        expected: int | None = None,
        update_id: int = 0,
    ) -> None:
        """Store a chat's state over version `expected` (None: over whatever is stored);
        returns once committed. Raises `StateConflict` when another process saved another
        version first, and what the database raised.

        The writer keeps `state` until then: do not change the dictionary after passing it.
        """
        await self._change(chat_id, state, now or datetime.now(UTC), expected, update_id)

    async def run(self, function: Callable[..., T], *arguments: Any) -> T:
        """Run other blocking database writes on the writer's thread, so that the process never
        has two SQLite writers waiting on each other's lock (SQLite's busy wait sleeps up to
        100 ms at a time)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, function, *arguments)

    async def forget(self, chat_id: int) -> None:
        """Delete a chat's state; returns once committed."""
        await self._change(chat_id, None, datetime.now(UTC))

    async def _change(
        self,
        chat_id: int,
        state: dict[str, Any] | None,
        at: datetime,
        expected: int | None = None,
        update_id: int = 0,
    ) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        entry = self._pending.get(chat_id)
        if entry is None:
            self._pending[chat_id] = _Pending(state, at, [waiter], expected, update_id)
        else:  # the latest state wins; it still has to find the version the first expected
            entry.state, entry.at = state, at
            entry.update_id = max(entry.update_id, update_id)
            if state is None:
                entry.expected = None
            entry.waiters.append(waiter)
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush(), name="drogowskaz-state-writer")
        await waiter

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            self._writing = batch
            changes = [
                Change(chat, entry.state, entry.at, entry.expected, entry.update_id)
                for chat, entry in batch.items()
            ]
            try:
                conflicts = await self.run(self.store.write, changes)
            except Exception as error:  # every waiter of the batch gets the database's error
                _LOG.warning("saving %d conversation states failed", len(changes))
                _settle(batch, error)
            else:
                _settle(batch, None, conflicts=conflicts or set())
            finally:
                self._writing = {}


def _settle(
    batch: dict[int, _Pending], error: Exception | None, *, conflicts: set[int] | None = None
) -> None:
    for chat_id, entry in batch.items():
        failure = error
        if failure is None and conflicts and chat_id in conflicts:
            failure = StateConflict(chat_id)
        for waiter in entry.waiters:
            if waiter.done():  # its update was cancelled
                continue
            if failure is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(failure)


def _insert_if_absent(table: Table, dialect: str) -> Any:
    """INSERT that does nothing when the chat has a row already (another process's)."""
    inserts = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}
    if dialect in inserts:
        statement: Any = inserts[dialect](table)  # both dialects share the API
        inserting = statement.on_conflict_do_nothing(index_elements=["chat_id"])
    else:
        inserting = table.insert()  # elsewhere a duplicate key fails the whole transaction
    return inserting.returning(table.c.chat_id)


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text or "{}")
    return value if isinstance(value, dict) else {}
