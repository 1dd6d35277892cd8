"""Who may run the coordinators' commands, and for which partnerships.

Global admins (`DROGOWSKAZ_ADMIN_IDS`) manage every partnership. Each partnership may also have
coordinators, by Telegram user id, kept in the database and managed by a global admin
(`/koordynator`): they reload, check and read reports and statistics of their own partnership
only. Nothing else is stored about them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import BigInteger, Column, Engine, Table, delete, select
from sqlmodel import Field, SQLModel

from catalog.tables import prepare_upsert, table_of

MAX_PARTNERSHIP_CHARS: Final = 64


class CoordinatorRow(SQLModel, table=True):
    """One coordinator of one partnership: a Telegram user id, nothing else."""

    __tablename__ = "bot_coordinator"

    partnership: str = Field(primary_key=True, max_length=MAX_PARTNERSHIP_CHARS)
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))


TABLE: Final[Table] = table_of(CoordinatorRow)


@dataclass(frozen=True, slots=True)
class Scope:
    """The partnerships a user manages: every one (a global admin), or these."""

    partnerships: frozenset[str] | None  # None: every partnership

    @property
    def is_global(self) -> bool:
        """True for a global admin."""
        return self.partnerships is None

    @property
    def is_empty(self) -> bool:
        """True for someone who manages nothing (a resident)."""
        return self.partnerships is not None and not self.partnerships

    def covers(self, partnership: str) -> bool:
        """True when the user manages this partnership."""
        return self.partnerships is None or partnership in self.partnerships

    def first(self) -> str:
        """The partnership a coordinator's command is about when they do not say ('' for a
        global admin: the whole deployment)."""
        return "" if self.partnerships is None else min(self.partnerships, default="")


EVERYTHING: Final = Scope(None)


class Coordinators:
    """The coordinators in the database; every method is blocking (call it in a thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._upsert: Any = prepare_upsert(
            engine,
            TABLE,
            keys=["partnership", "user_id"],
            changes=lambda new: {"user_id": new.user_id},
        )

    def add(self, partnership: str, user_id: int) -> None:
        """Make the user a coordinator of the partnership (again is no error)."""
        values = {"partnership": partnership, "user_id": user_id}
        with self.engine.begin() as connection:
            if self._upsert is not None:
                connection.execute(self._upsert, values)
            elif not self._has(connection, partnership, user_id):
                connection.execute(TABLE.insert(), values)

    def remove(self, partnership: str, user_id: int) -> bool:
        """The user no longer coordinates the partnership; False when they did not."""
        with self.engine.begin() as connection:
            removed = connection.execute(
                delete(TABLE)
                .where(TABLE.c.partnership == partnership)
                .where(TABLE.c.user_id == user_id)
                .returning(TABLE.c.user_id)
            ).first()
        return removed is not None

    def all(self) -> dict[str, list[int]]:
        """Every partnership with coordinators, and their user ids."""
        found: dict[str, list[int]] = {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(TABLE.c.partnership, TABLE.c.user_id).order_by(
                    TABLE.c.partnership, TABLE.c.user_id
                )
            )
            for partnership, user_id in rows:
                found.setdefault(partnership, []).append(int(user_id))
        return found

    def of(self, partnership: str) -> list[int]:
        """The coordinators of one partnership."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(TABLE.c.user_id).where(TABLE.c.partnership == partnership)
            )
            return sorted(int(user_id) for user_id in rows.scalars())

    def partnerships_of(self, user_id: int) -> frozenset[str]:
        """The partnerships this user coordinates (none for almost everyone)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(TABLE.c.partnership).where(TABLE.c.user_id == user_id)
            )
            return frozenset(rows.scalars())

    def scope_of(self, user_id: int | None, admin_ids: Iterable[int]) -> Scope:
        """What this user may manage: everything (a global admin), their partnerships, or
        nothing."""
        if user_id is None:
            return Scope(frozenset())
        if user_id in set(admin_ids):
            return EVERYTHING
        return Scope(self.partnerships_of(user_id))

    @staticmethod
    def _has(connection: Any, partnership: str, user_id: int) -> bool:
        found = connection.execute(
            select(TABLE.c.user_id)
            .where(TABLE.c.partnership == partnership)
            .where(TABLE.c.user_id == user_id)
        ).first()
        return found is not None
