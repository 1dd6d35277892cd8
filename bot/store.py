"""Per-chat conversation state in the database, so a restarted bot continues every conversation.

The state is the dialog's own plain dictionary (`DialogState.to_dict()`), stored as JSON with
the time it was last written; idle states are deleted after `state_ttl_hours` (privacy: nothing
about a person stays longer than needed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import Field, Session, SQLModel, col, select


class ConversationRow(SQLModel, table=True):
    """One chat's dialog state; the chat id is the key, nothing else about the person."""

    __tablename__ = "bot_conversation"

    chat_id: int = Field(primary_key=True)
    state: str = Field(default="{}")  # JSON of DialogState.to_dict()
    updated_at: datetime = Field(index=True)


@dataclass(frozen=True, slots=True)
class Conversation:
    """What is stored for a chat: the dialog state and when it was last written."""

    state: dict[str, Any]
    updated_at: datetime


class ConversationStore:
    """Reads and writes per-chat state; each call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_tables(self) -> None:
        """Create this module's table if missing (the others' tables are theirs to create)."""
        SQLModel.metadata.create_all(self.engine, tables=[ConversationRow.__table__])  # type: ignore[attr-defined]

    def load(self, chat_id: int) -> Conversation | None:
        """The stored conversation of a chat, or None when there is none."""
        with Session(self.engine) as session:
            row = session.get(ConversationRow, chat_id)
            if row is None:
                return None
            return Conversation(state=_json_object(row.state), updated_at=row.updated_at)

    def save(
        self,
        chat_id: int,
        state: dict[str, Any],
        *,
        now: datetime | None = None,
    ) -> None:
        """Write a chat's state, stamped with the time (the idle clock restarts)."""
        stamp = now or datetime.now(UTC)
        with Session(self.engine) as session:
            row = session.get(ConversationRow, chat_id)
            if row is None:
                row = ConversationRow(chat_id=chat_id, updated_at=stamp)
            row.state = json.dumps(state, ensure_ascii=False, sort_keys=True)
            row.updated_at = stamp
            session.add(row)
            session.commit()

    def delete(self, chat_id: int) -> None:
        """Forget everything about a chat (/usun)."""
        with Session(self.engine) as session:
            session.exec(delete(ConversationRow).where(col(ConversationRow.chat_id) == chat_id))
            session.commit()

    def expire(self, idle: timedelta, *, now: datetime | None = None) -> int:
        """Delete states idle longer than `idle`; returns how many were deleted."""
        limit = (now or datetime.now(UTC)) - idle
        with Session(self.engine) as session:
            stale = session.exec(
                select(ConversationRow.chat_id).where(col(ConversationRow.updated_at) < limit)
            ).all()
            if stale:
                session.exec(
                    delete(ConversationRow).where(col(ConversationRow.chat_id).in_(stale))
                )
                session.commit()
            return len(stale)

    def chat_ids(self) -> list[int]:
        """Every chat with stored state (for tests and the privacy check)."""
        with Session(self.engine) as session:
            return list(session.exec(select(ConversationRow.chat_id)).all())


def _json_object(text: str) -> dict[str, Any]:
    value = json.loads(text or "{}")
    return value if isinstance(value, dict) else {}
