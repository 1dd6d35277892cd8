"""Opening hours in the OpenStreetMap `opening_hours` subset that catalogues use.

Supported: day selectors (`Mo`..`Su`, ranges `Mo-Fr`, comma lists `Mo,We,Fr`), time ranges
`HH:MM-HH:MM` (several with `,`; an end before the start runs past midnight; `24:00` ends a
day), `off`/`closed`, `24/7`, and several rules separated by `;`. A later rule replaces earlier
ones for the days it names, as in OpenStreetMap. `PH` names Polish public holidays (`PH off`,
`PH 10:00-14:00`), taken from the `holidays` library; without a PH rule a holiday keeps its
weekday's hours. Times are Polish local time (Europe/Warsaw).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WARSAW = ZoneInfo("Europe/Warsaw")
DAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
HOLIDAY = len(DAYS)  # the day number a `PH` selector stands for
MINUTES_PER_DAY = 24 * 60

_TOKEN = re.compile(
    r"\s*(?:(?P<always>24/7)|(?P<day>Mo|Tu|We|Th|Fr|Sa|Su|PH)\b|(?P<time>\d{1,2}:\d{2})"
    r"|(?P<off>off|closed)\b|(?P<dash>[-–])|(?P<comma>,))\s*",
    re.IGNORECASE,
)

Span = tuple[int, int]  # minutes from the day's midnight; the end may pass 24:00


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """A week of opening times: for each day Mo..Su, the spans it is open."""

    week: tuple[tuple[Span, ...], ...]
    holiday: tuple[Span, ...] | None = None  # a `PH` rule's spans; None: the weekday's

    @property
    def always_open(self) -> bool:
        """True for '24/7' and anything equivalent."""
        whole = ((0, MINUTES_PER_DAY),)
        return all(day == whole for day in self.week) and self.holiday in (None, whole)

    @property
    def closed_on_holidays(self) -> bool:
        """True when the hours say `PH off`."""
        return self.holiday == ()

    def spans_on(self, day: date) -> tuple[Span, ...]:
        """The open spans of a calendar day: a public holiday's under a `PH` rule."""
        if self.holiday is not None and is_public_holiday(day):
            return self.holiday
        return self.week[day.weekday()]

    def is_open_on(self, day: date, minute: int) -> bool:
        """True when open on this calendar day at this minute (public holidays counted)."""
        if any(start <= minute < end for start, end in self.spans_on(day)):
            return True
        yesterday = self.spans_on(day - timedelta(days=1))
        return any(minute + MINUTES_PER_DAY < end for _, end in yesterday)


@lru_cache(maxsize=64)
def _polish_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("PL", years=year)


def is_public_holiday(day: date) -> bool:
    """True on a Polish public holiday (a statutory day off: Easter Monday, Corpus Christi,
    24 December from 2025 ...), as the `holidays` library knows them."""
    return day in _polish_holidays(day.year)


@dataclass(frozen=True, slots=True)
class HoursError:
    """Why a text is not understood as opening hours: the part it stumbled on."""

    near: str


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    position: int


@lru_cache(maxsize=4096)
def parse_hours(text: str) -> OpeningHours | HoursError:
    """Read an opening_hours text; an error says where it went wrong, for the coordinator."""
    week: list[tuple[Span, ...] | None] = [() for _ in DAYS] + [None]  # the last: PH
    rules = [rule.strip() for rule in text.split(";")]
    if not any(rules):
        return HoursError(near=text)
    for rule in rules:
        if not rule:
            continue
        applied = _apply_rule(rule, week)
        if applied is not None:
            return applied
    days = tuple(spans or () for spans in week[:HOLIDAY])
    return OpeningHours(week=days, holiday=week[HOLIDAY])


def is_open(hours: str | OpeningHours, moment: datetime) -> bool:
    """True when open at this moment (a naive moment is taken as Polish local time).

    Raises ValueError when `hours` is text that does not parse (validated catalogues never have
    such text).
    """
    parsed = parse_hours(hours) if isinstance(hours, str) else hours
    if isinstance(parsed, HoursError):
        raise ValueError(f"opening hours not understood near {parsed.near!r}")
    local = moment.replace(tzinfo=WARSAW) if moment.tzinfo is None else moment.astimezone(WARSAW)
    return parsed.is_open_on(local.date(), local.hour * 60 + local.minute)


def closed_for_holiday(hours: str | OpeningHours, moment: datetime) -> bool:
    """True when the moment falls on a Polish public holiday and the hours say `PH off`."""
    parsed = parse_hours(hours) if isinstance(hours, str) else hours
    if isinstance(parsed, HoursError) or not parsed.closed_on_holidays:
        return False
    local = moment.replace(tzinfo=WARSAW) if moment.tzinfo is None else moment.astimezone(WARSAW)
    return is_public_holiday(local.date())


def _tokens(rule: str) -> list[_Token] | HoursError:
    tokens: list[_Token] = []
    position = 0
    while position < len(rule):
        found = _TOKEN.match(rule, position)
        if found is None or found.end() == position:
            return HoursError(near=rule[position:].strip() or rule)
        kind = found.lastgroup or ""
        tokens.append(_Token(kind=kind, text=found.group(kind), position=found.start(kind)))
        position = found.end()
    return tokens


def _apply_rule(rule: str, week: list[tuple[Span, ...] | None]) -> HoursError | None:
    """Apply one ';' rule (which may hold ', '-joined additional rules) to the week."""
    tokens = _tokens(rule)
    if isinstance(tokens, HoursError):
        return tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "always":
            week[:HOLIDAY] = [((0, MINUTES_PER_DAY),) for _ in DAYS]
            index += 1
            continue
        days, index = _days(tokens, index)
        if isinstance(days, HoursError):
            return days
        spans, index = _spans(tokens, index)
        if isinstance(spans, HoursError):
            return spans
        for day in days:
            week[day] = spans
        if index < len(tokens):
            if tokens[index].kind != "comma" or index + 1 >= len(tokens):
                return HoursError(near=rule[tokens[index].position :])
            index += 1  # ", Sa 10:00-12:00": an additional rule
    return None


def _days(tokens: list[_Token], index: int) -> tuple[list[int] | HoursError, int]:
    """A day selector ('Mo-Fr', 'Mo,We'); none means every day."""
    if tokens[index].kind != "day":
        return list(range(7)), index
    days: list[int] = []
    while index < len(tokens) and tokens[index].kind == "day":
        first = _day_number(tokens[index].text)
        index += 1
        last = first
        if index < len(tokens) and tokens[index].kind == "dash":
            if index + 1 >= len(tokens) or tokens[index + 1].kind != "day":
                return HoursError(near=tokens[index].text), index
            last = _day_number(tokens[index + 1].text)
            index += 2
        if HOLIDAY in (first, last):  # 'PH' stands alone, never in a range
            if first != last:
                return HoursError(near=tokens[index - 1].text), index
            days.append(HOLIDAY)
        else:
            span = (last - first) % 7
            days.extend((first + step) % 7 for step in range(span + 1))
        if index + 1 < len(tokens) and tokens[index].kind == "comma":
            if tokens[index + 1].kind != "day":
                return HoursError(near=",".join(t.text for t in tokens[index:])), index
            index += 1
    return days, index


def _spans(tokens: list[_Token], index: int) -> tuple[tuple[Span, ...] | HoursError, int]:
    """Time ranges ('07:30-15:30,16:00-18:00'), 'off', or nothing (the whole day)."""
    if index >= len(tokens) or tokens[index].kind == "comma":
        return ((0, MINUTES_PER_DAY),), index
    if tokens[index].kind == "off":
        return (), index + 1
    spans: list[Span] = []
    while True:
        window = tokens[index : index + 3]
        if [token.kind for token in window] != ["time", "dash", "time"]:
            return HoursError(near=" ".join(token.text for token in window)), index
        start, end = _minutes(window[0].text), _minutes(window[2].text)
        if start is None or end is None or start >= MINUTES_PER_DAY or start == end:
            return HoursError(near=f"{window[0].text}-{window[2].text}"), index
        spans.append((start, end if end > start else end + MINUTES_PER_DAY))
        index += 3
        more = (
            index + 1 < len(tokens)
            and tokens[index].kind == "comma"
            and tokens[index + 1].kind == "time"
        )
        if not more:
            return tuple(spans), index
        index += 1


def _day_number(text: str) -> int:
    if text.upper() == "PH":
        return HOLIDAY
    return DAYS.index(text[:1].upper() + text[1:].lower())


def _minutes(text: str) -> int | None:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes
