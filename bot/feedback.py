"""'This was wrong' reports about a service, for the coordinators who keep the catalogue.

A report says which service and what was wrong (phone, address, hours, closed, other), with an
optional short note about the SERVICE. Who sent it is never stored: no user id, no chat id.
Phone numbers, e-mail addresses and introduced names are taken out of the note before it is
stored or sent (`catalog.personal`), and notes are blanked after `feedback_ttl_days`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Literal, get_args

from sqlalchemy import Engine, update
from sqlmodel import Field, Session, SQLModel, col, select

from bot.dialog import note_of
from bot.stats import Stats
from catalog.personal import redact_personal
from catalog.tables import bring_up_to_date, table_of

FeedbackKind = Literal["phone", "address", "hours", "closed", "other"]
FEEDBACK_KINDS: Final[tuple[FeedbackKind, ...]] = get_args(FeedbackKind)
MAX_NOTE_CHARS: Final = 300


class FeedbackRow(SQLModel, table=True):
    """One report as stored: the service, the kind of problem, the note; nobody's id."""

    __tablename__ = "bot_feedback"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(index=True)
    partnership: str = Field(default="", max_length=64)  # whose catalogue has the service
    service_id: str = Field(max_length=128, index=True)
    service_name: str = Field(default="", max_length=300)  # as it was when reported
    kind: str = Field(max_length=16)
    note: str = Field(default="", max_length=MAX_NOTE_CHARS)


@dataclass(frozen=True, slots=True)
class StoredFeedback:
    """A report as the rest of the program sees it."""

    id: int
    created_at: datetime
    service_id: str
    service_name: str
    kind: FeedbackKind
    note: str
    partnership: str = ""


def short_note(text: str | None, *, keep_phones: Collection[str] = ()) -> str:
    """The note as kept: one line, invisible and control characters removed, at most 300
    characters (the dialog's rule, `bot.dialog.note_of`), phone numbers (but `keep_phones`, the
    service's own), e-mail addresses and introduced names taken out; escaped where shown."""
    return note_of(redact_personal(text or "", keep_phones=keep_phones))[0]


def _kind(value: str) -> FeedbackKind:
    for kind in FEEDBACK_KINDS:
        if kind == value:
            return kind
    return "other"


def _value(row: FeedbackRow) -> StoredFeedback:
    return StoredFeedback(
        id=row.id or 0,
        created_at=row.created_at,
        service_id=row.service_id,
        service_name=row.service_name,
        kind=_kind(row.kind),
        note=row.note,
        partnership=row.partnership,
    )


class FeedbackStore:
    """Reports in the database; every method is blocking (call it in a thread)."""

    def __init__(self, engine: Engine, *, stats: Stats | None = None) -> None:
        self.engine = engine
        self.stats = stats
        # Called with each new report, by name (one per purpose: a restarted bot replaces its own).
        self.listeners: dict[str, Callable[[StoredFeedback], None]] = {}
        bring_up_to_date(engine, table_of(FeedbackRow))

    def add(
        self,
        service_id: str,
        kind: str,
        note: str | None = None,
        *,
        service_name: str = "",
        partnership: str = "",
        service_phones: Collection[str] = (),
        now: datetime | None = None,
    ) -> StoredFeedback:
        """Store a report (an unknown kind counts as "other") and count it in the statistics
        (of the whole deployment and of the service's partnership).

        `service_phones` (E.164) may stay in the note: it is about them.
        """
        row = FeedbackRow(
            created_at=now or datetime.now(UTC),
            partnership=partnership,
            service_id=service_id[:128],
            service_name=service_name[:300],
            kind=_kind(kind),
            note=short_note(note, keep_phones=service_phones),
        )
        with Session(self.engine) as session:
            session.add(row)
            session.commit()
            session.refresh(row)
            feedback = _value(row)
        if self.stats is not None:
            self.stats.record_feedback(
                feedback.kind, day=feedback.created_at.date(), partnership=partnership
            )
        for listener in list(self.listeners.values()):
            listener(feedback)
        return feedback

    def forget_notes(self, older_than: timedelta, *, now: datetime | None = None) -> int:
        """Blank the notes of reports older than `older_than` (what was wrong stays); returns
        how many notes were blanked."""
        limit = (now or datetime.now(UTC)) - older_than
        table = table_of(FeedbackRow)
        with self.engine.begin() as connection:
            blanked = connection.execute(
                update(table).where(table.c.created_at < limit, table.c.note != "").values(note="")
            ).rowcount
        return int(blanked or 0)

    def recent(
        self, limit: int = 20, *, partnerships: frozenset[str] | None = None
    ) -> Sequence[StoredFeedback]:
        """The latest reports, newest first: about every partnership's services, or only
        about these partnerships'."""
        query = select(FeedbackRow)
        if partnerships is not None:
            query = query.where(col(FeedbackRow.partnership).in_(sorted(partnerships)))
        with Session(self.engine) as session:
            rows = session.exec(
                query.order_by(
                    col(FeedbackRow.created_at).desc(), col(FeedbackRow.id).desc()
                ).limit(limit)
            )
            return [_value(row) for row in rows]
