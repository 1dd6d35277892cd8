from datetime import UTC, date, datetime

import pytest

from catalog.hours import (
    HoursError,
    OpeningHours,
    closed_for_holiday,
    is_open,
    is_public_holiday,
    parse_hours,
)

MONDAY_NOON = datetime(2026, 11, 23, 12, 0)  # a Monday, Polish local time
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0)
SUNDAY_NOON = datetime(2026, 11, 29, 12, 0)


def test_weekday_office_hours_are_open_at_noon_on_monday_and_closed_on_saturday() -> None:
    hours = "Mo-Fr 07:30-15:30"

    assert is_open(hours, MONDAY_NOON)
    assert not is_open(hours, SATURDAY_NOON)
    assert not is_open(hours, datetime(2026, 11, 23, 15, 30))
    assert is_open(hours, datetime(2026, 11, 23, 7, 30))


def test_24_7_is_always_open() -> None:
    parsed = parse_hours("24/7")

    assert isinstance(parsed, OpeningHours)
    assert parsed.always_open
    assert is_open(parsed, SUNDAY_NOON)


def test_later_rule_replaces_earlier_for_the_days_it_names() -> None:
    hours = "Mo-Su 08:00-16:00; Su off"

    assert is_open(hours, SATURDAY_NOON)
    assert not is_open(hours, SUNDAY_NOON)


def test_comma_lists_of_days_and_of_time_ranges() -> None:
    hours = "Mo,We 08:00-10:00,13:00-15:00"

    assert is_open(hours, datetime(2026, 11, 25, 9, 0))  # Wednesday
    assert not is_open(hours, datetime(2026, 11, 25, 12, 0))
    assert is_open(hours, datetime(2026, 11, 25, 14, 0))
    assert not is_open(hours, datetime(2026, 11, 24, 9, 0))  # Tuesday


def test_additional_rule_after_a_comma_adds_saturday() -> None:
    hours = "Mo-Fr 07:30-15:30, Sa 09:00-13:00"

    assert is_open(hours, SATURDAY_NOON)
    assert is_open(hours, MONDAY_NOON)


def test_range_past_midnight_stays_open_into_the_next_morning() -> None:
    hours = "Fr 20:00-02:00"

    assert is_open(hours, datetime(2026, 11, 28, 1, 0))  # Saturday 01:00
    assert not is_open(hours, datetime(2026, 11, 28, 3, 0))


def test_aware_moments_are_read_in_warsaw_time() -> None:
    utc_moment = datetime(2026, 11, 23, 14, 45, tzinfo=UTC)  # 15:45 in Warsaw (CET)

    assert not is_open("Mo-Fr 07:30-15:30", utc_moment)
    assert is_open("Mo-Fr 07:30-16:00", utc_moment)


@pytest.mark.parametrize(
    ("text", "near"),
    [
        ("Mo-Fx 08:00-16:00", "Fx 08:00-16:00"),
        ("Mo-Fr 8-16", "8-16"),
        ("Mo-Fr 25:00-26:00", "25:00-26:00"),
        ("Mo-Fr 08:00", "08:00"),
        ("", ""),
    ],
)
def test_bad_hours_say_where_they_went_wrong(text: str, near: str) -> None:
    assert parse_hours(text) == HoursError(near=near)


def test_is_open_refuses_text_that_does_not_parse() -> None:
    with pytest.raises(ValueError, match="Fx"):
        is_open("Mo-Fx 08:00-16:00", MONDAY_NOON)


@pytest.mark.parametrize(
    "holiday",
    [
        datetime(2026, 4, 6, 10, 0),  # Easter Monday
        datetime(2026, 6, 4, 10, 0),  # Corpus Christi
        datetime(2025, 12, 24, 10, 0),  # Christmas Eve, a day off from 2025
        datetime(2026, 11, 11, 10, 0),  # Independence Day, a Wednesday
    ],
)
def test_ph_off_closes_a_weekday_office_on_polish_public_holidays(holiday: datetime) -> None:
    assert not is_open("Mo-Fr 08:00-16:00; PH off", holiday)
    assert closed_for_holiday("Mo-Fr 08:00-16:00; PH off", holiday)
    assert is_open("Mo-Fr 08:00-16:00", holiday)  # without PH a holiday keeps its weekday's


def test_ph_with_hours_opens_only_then_on_a_holiday() -> None:
    hours = "Mo-Fr 08:00-16:00; PH 10:00-12:00"

    assert is_open(hours, datetime(2026, 4, 6, 11, 0))
    assert not is_open(hours, datetime(2026, 4, 6, 13, 0))
    assert is_open(hours, datetime(2026, 4, 7, 13, 0))  # the Tuesday after: a working day
    assert not closed_for_holiday(hours, datetime(2026, 4, 6, 11, 0))


def test_ph_stands_alone_never_in_a_day_range() -> None:
    assert isinstance(parse_hours("Mo-PH 08:00-16:00"), HoursError)
    assert not is_public_holiday(date(2024, 12, 24))  # before the 2025 law
    assert is_public_holiday(date(2025, 12, 24))
