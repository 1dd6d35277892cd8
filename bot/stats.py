"""Usage statistics as daily counters: the partnership's evidence of needs.

A counter is (day, metric, key) -> count, e.g. (2026-11-23, "situation", "domestic_violence")
-> 7. Nothing else is stored: no user id, no chat id, no text, no time finer than a day, so a
row can never be traced back to a person. Reports hide small counts ("<5") for the same reason.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Engine, Table, insert, update
from sqlmodel import Field, Session, SQLModel, col, select

from bot.i18n import situation_label, t
from catalog.format import spreadsheet_safe
from catalog.outcome import UNMET, Outcome
from catalog.places import Gazetteer
from catalog.tables import prepare_upsert, table_of

# What is counted; the key says which one ("situation" -> a taxonomy key, "gmina" -> a 6-digit
# TERYT prefix, "results" -> "found"/"not_found", "feedback" -> the kind of problem).
CONVERSATIONS: Final = "conversations"
SITUATION: Final = "situation"
GMINA: Final = "gmina"
POWIAT: Final = "powiat"
AGE_BAND: Final = "age_band"
RESULTS: Final = "results"
FEEDBACK: Final = "feedback"
LOOKUPS: Final = "lookups"
NEED: Final = "need"  # key: "<gmina>|<situation>|<age band>|<outcome>" (see record_conversation)
METRICS: Final = (CONVERSATIONS, LOOKUPS, SITUATION, GMINA, POWIAT, AGE_BAND, RESULTS, FEEDBACK)

FOUND: Final = "found"
NOT_FOUND: Final = "not_found"
TOTAL: Final = "total"
UNKNOWN: Final = "unknown"

SMALL_COUNT: Final = 5  # counts from 1 to SMALL_COUNT - 1 are shown as "<5"
_AGE_BANDS: Final = (
    (0, 14, "0-14"),
    (15, 17, "15-17"),
    (18, 25, "18-25"),
    (26, 39, "26-39"),
    (40, 59, "40-59"),
    (60, 200, "60+"),
)
AGE_BAND_ORDER: Final = (*(band for *_, band in _AGE_BANDS), UNKNOWN)


class DailyCounter(SQLModel, table=True):
    """One count for one day; no column can hold a person's id or words.

    Partnership '' counts the whole deployment; a partnership's own rows count the searches of
    people living where its catalogue has local services (and reports about its services).
    """

    __tablename__ = "bot_stats_daily"

    day: date = Field(primary_key=True)
    partnership: str = Field(default="", primary_key=True, max_length=64)
    metric: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=64)
    count: int = Field(default=0)


TABLE: Final[Table] = table_of(DailyCounter)


def age_band(age: int | None) -> str:
    """The band an age falls in; bands rather than ages keep counts anonymous."""
    if age is None or age < 0:
        return UNKNOWN
    for low, high, band in _AGE_BANDS:
        if low <= age <= high:
            return band
    return UNKNOWN


def show_count(count: int) -> str:
    """A count as reported: small non-zero counts are hidden as "<5"."""
    if 0 < count < SMALL_COUNT:
        return f"<{SMALL_COUNT}"
    return str(count)


@dataclass(frozen=True, slots=True)
class Conversation:
    """What one finished search tells the statistics (never who asked or what they wrote)."""

    situations: frozenset[str] = frozenset()
    gmina: str | None = None  # 6-digit TERYT prefix
    age: int | None = None
    found: bool = True
    outcome: Outcome | None = None  # local, fallback, national, none (catalog.outcome)


@dataclass(frozen=True, slots=True)
class StatsReport:
    """Counts over a period, per metric and key, as stored (not yet masked)."""

    first_day: date
    last_day: date
    counts: Mapping[str, Mapping[str, int]]

    def total(self, metric: str, key: str = TOTAL) -> int:
        """The count of one key of one metric over the period (0 when never counted)."""
        return self.counts.get(metric, {}).get(key, 0)

    def keys(self, metric: str) -> list[tuple[str, int]]:
        """The keys of a metric, most frequent first (age bands in age order)."""
        items = list(self.counts.get(metric, {}).items())
        if metric == AGE_BAND:
            order = {band: index for index, band in enumerate(AGE_BAND_ORDER)}
            return sorted(items, key=lambda item: order.get(item[0], len(order)))
        return sorted(items, key=lambda item: (-item[1], item[0]))

    def to_csv(self, *, names: Mapping[str, str] | None = None) -> str:
        """The report as CSV (small counts masked like on screen), for the partnership."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["first_day", "last_day", "metric", "key", "name", "count"])
        for metric in METRICS:
            for key, count in self.keys(metric):
                name = (names or {}).get(key, "") if metric in (GMINA, POWIAT) else ""
                row = [
                    self.first_day.isoformat(),
                    self.last_day.isoformat(),
                    metric,
                    key,
                    name,
                    show_count(count),
                ]
                writer.writerow([spreadsheet_safe(cell) for cell in row])
        return buffer.getvalue()


def need_key(conversation: Conversation, situation: str) -> str:
    """The counter of one search's outcome: gmina, situation, age band, outcome."""
    gmina = conversation.gmina[:6] if conversation.gmina else UNKNOWN
    return f"{gmina}|{situation}|{age_band(conversation.age)}|{conversation.outcome}"


@dataclass(frozen=True, slots=True)
class NeedCell:
    """How many searches in a gmina, about a situation, no local service answered."""

    gmina: str
    situation: str
    unmet: int


@dataclass(frozen=True, slots=True)
class NeedsReport:
    """Unmet needs over a period, most searched first.

    One number per gmina and situation and nothing beside it (no totals, no age bands, no
    split by outcome): with those, a count hidden as "<5" could be worked out by subtraction.
    """

    first_day: date
    last_day: date
    cells: tuple[NeedCell, ...]

    def to_csv(self, *, names: Mapping[str, str] | None = None) -> str:
        """The same cells as on screen, small counts masked alike."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            ["first_day", "last_day", "gmina", "gmina_name", "situation", "unmet_searches"]
        )
        for cell in self.cells:
            row = [
                self.first_day.isoformat(),
                self.last_day.isoformat(),
                cell.gmina,
                (names or {}).get(cell.gmina, ""),
                cell.situation,
                show_count(cell.unmet),
            ]
            writer.writerow([spreadsheet_safe(value) for value in row])
        return buffer.getvalue()


def needs_text(
    report: NeedsReport, names: Mapping[str, str], lang: str, *, most: int | None = None
) -> str:
    """The unmet needs as lines: gmina · situation: count (the `most` first), and why."""
    lines = [
        t(
            "admin.needs.title",
            lang,
            first=report.first_day.isoformat(),
            last=report.last_day.isoformat(),
        )
    ]
    if not report.cells:
        lines.append(t("admin.needs.none", lang))
    for cell in report.cells[:most]:
        place = f"{names.get(cell.gmina, cell.gmina)} ({cell.gmina})"
        situation = (
            t("admin.stats.unknown", lang)
            if cell.situation == UNKNOWN
            else situation_label(cell.situation, lang)
        )
        lines.append(f"  {place} · {situation}: {show_count(cell.unmet)}")
    if most is not None and len(report.cells) > most:
        lines.append(t("admin.needs.more", lang, count=len(report.cells) - most))
    lines.append(t("admin.needs.explained", lang))
    return "\n".join(lines)


def _most_needed_first(cell: NeedCell) -> tuple[int, str, str]:
    """Bigger counts first; the small ones (shown "<5") by place, not by their hidden size."""
    shown = cell.unmet if cell.unmet >= SMALL_COUNT else 0
    return -shown, cell.gmina, cell.situation


def unit_names(codes: Iterable[str], places: Gazetteer) -> dict[str, str]:
    """Names of gminas (6 digits) and powiats (4: 'powiat siedlecki') known to the gazetteer."""
    names: dict[str, str] = {}
    for code in codes:
        if code == UNKNOWN or code in names:
            continue
        try:
            unit = places.unit(code)
        except (LookupError, ValueError, NotImplementedError):
            unit = None
        if unit is not None:
            names[code] = unit.name if len(code) == 6 else f"powiat {unit.name}"
    return names


class Stats:
    """Daily counters in the database; every method is blocking (call it in a thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Built once: a new statement per count cost milliseconds (and garbage) per search.
        self._upsert: Any = prepare_upsert(
            engine,
            TABLE,
            keys=["day", "partnership", "metric", "key"],
            changes=lambda new: {"count": TABLE.c["count"] + new["count"]},
        )

    def add(
        self,
        counts: Iterable[tuple[str, str]],
        *,
        day: date | None = None,
        partnerships: Iterable[str] = (),
    ) -> None:
        """Add one to each (metric, key) for the day (today, UTC, by default), for the whole
        deployment and for each of `partnerships`.

        Each count is one statement (an upsert where the database has it), so concurrent
        writers never lose a count.
        """
        totals = Counter(counts)
        if not totals:
            return
        when = day or datetime.now(UTC).date()
        rows = [
            {
                "day": when,
                "partnership": partnership,
                "metric": metric,
                "key": key[:64],
                "count": amount,
            }
            for partnership in ["", *sorted(set(partnerships) - {""})]
            for (metric, key), amount in sorted(totals.items())
        ]
        with self.engine.begin() as connection:
            if self._upsert is not None:
                connection.execute(self._upsert, rows)
                return
            for row in rows:
                changed = connection.execute(
                    update(TABLE)
                    .where(TABLE.c.day == row["day"])
                    .where(TABLE.c.partnership == row["partnership"])
                    .where(TABLE.c.metric == row["metric"])
                    .where(TABLE.c.key == row["key"])
                    .values(count=TABLE.c["count"] + row["count"])
                )
                if not changed.rowcount:
                    connection.execute(insert(TABLE).values(**row))

    def record_conversation(
        self,
        conversation: Conversation,
        *,
        day: date | None = None,
        partnerships: Iterable[str] = (),
    ) -> None:
        """Count a resident's search that reached results (or found nothing), also for the
        partnerships of the place where the person lives."""
        counts = [(CONVERSATIONS, TOTAL), (AGE_BAND, age_band(conversation.age))]
        situations = sorted(conversation.situations) or [UNKNOWN]
        counts += [(SITUATION, situation) for situation in situations]
        if conversation.gmina:
            counts += [(GMINA, conversation.gmina[:6]), (POWIAT, conversation.gmina[:4])]
        else:
            counts += [(GMINA, UNKNOWN), (POWIAT, UNKNOWN)]
        counts.append((RESULTS, FOUND if conversation.found else NOT_FOUND))
        if conversation.outcome is not None:
            counts += [(NEED, need_key(conversation, situation)) for situation in situations]
        self.add(counts, day=day, partnerships=partnerships)

    def record_lookup(self, *, found: bool, day: date | None = None) -> None:
        """Count a caseworker's /szukaj or inline lookup (kept apart from residents)."""
        self.add([(LOOKUPS, FOUND if found else NOT_FOUND)], day=day)

    def record_feedback(
        self, kind: str, *, day: date | None = None, partnership: str = ""
    ) -> None:
        """Count a "this was wrong" report by its kind (also for the service's partnership)."""
        self.add([(FEEDBACK, TOTAL), (FEEDBACK, kind)], day=day, partnerships=[partnership])

    def needs(self, first: date, last: date, *, partnership: str = "") -> NeedsReport:
        """Searches no local service answered, per gmina and situation, over the days: of
        the whole deployment, or of one partnership."""
        unmet: Counter[tuple[str, str]] = Counter()
        with Session(self.engine) as session:
            rows = session.exec(
                select(DailyCounter)
                .where(col(DailyCounter.metric) == NEED)
                .where(col(DailyCounter.day) >= first)
                .where(col(DailyCounter.day) <= last)
                .where(col(DailyCounter.partnership) == partnership)
            )
            for row in rows:
                gmina, situation, _, outcome = [*row.key.split("|"), "", "", ""][:4]
                if gmina != UNKNOWN and outcome in UNMET:
                    unmet[(gmina, situation)] += row.count
        cells = sorted(
            (NeedCell(gmina, situation, count) for (gmina, situation), count in unmet.items()),
            key=_most_needed_first,
        )
        return NeedsReport(first_day=first, last_day=last, cells=tuple(cells))

    def report(
        self, days: int, *, today: date | None = None, partnership: str = ""
    ) -> StatsReport:
        """Sums over the last `days` days, today included: of the whole deployment, or of
        one partnership."""
        last = today or datetime.now(UTC).date()
        first = last - timedelta(days=max(days, 1) - 1)
        counts: dict[str, dict[str, int]] = {}
        with Session(self.engine) as session:
            rows = session.exec(
                select(DailyCounter)
                .where(col(DailyCounter.day) >= first)
                .where(col(DailyCounter.day) <= last)
                .where(col(DailyCounter.partnership) == partnership)
            )
            for row in rows:
                per_key = counts.setdefault(row.metric, {})
                per_key[row.key] = per_key.get(row.key, 0) + row.count
        return StatsReport(first_day=first, last_day=last, counts=counts)
