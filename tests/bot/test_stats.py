import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect

from bot.stats import (
    AGE_BAND,
    CONVERSATIONS,
    FEEDBACK,
    GMINA,
    POWIAT,
    RESULTS,
    SITUATION,
    Conversation,
    Stats,
    age_band,
    show_count,
)
from catalog.outcome import Outcome

DAY = date(2026, 11, 23)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return create_engine(f"sqlite:///{tmp_path / 'stats.sqlite'}")


def test_stats_tables_have_no_column_that_could_hold_a_person(engine: Engine) -> None:
    Stats(engine)

    tables = [name for name in inspect(engine).get_table_names() if name.startswith("bot_stats_")]
    columns = {column["name"] for table in tables for column in inspect(engine).get_columns(table)}

    assert tables == ["bot_stats_daily"]
    assert columns == {"day", "partnership", "metric", "key", "count"}


def test_a_conversation_is_counted_by_situation_place_age_band_and_outcome(engine: Engine) -> None:
    stats = Stats(engine)

    stats.record_conversation(
        Conversation(situations=frozenset({"poverty", "housing"}), gmina="146201", age=17),
        day=DAY,
    )
    stats.record_conversation(Conversation(found=False), day=DAY)

    report = stats.report(7, today=DAY)
    assert report.total(CONVERSATIONS) == 2
    assert report.total(SITUATION, "poverty") == 1
    assert report.total(SITUATION, "housing") == 1
    assert report.total(SITUATION, "unknown") == 1
    assert report.total(GMINA, "146201") == 1
    assert report.total(POWIAT, "1462") == 1
    assert report.total(AGE_BAND, "15-17") == 1
    assert report.total(AGE_BAND, "unknown") == 1
    assert report.total(RESULTS, "found") == 1
    assert report.total(RESULTS, "not_found") == 1


def test_report_sums_only_the_requested_days(engine: Engine) -> None:
    stats = Stats(engine)
    for day in (date(2026, 11, 1), date(2026, 11, 20), DAY, DAY):
        stats.record_conversation(Conversation(), day=day)

    assert stats.report(1, today=DAY).total(CONVERSATIONS) == 2
    assert stats.report(7, today=DAY).total(CONVERSATIONS) == 3
    assert stats.report(30, today=DAY).total(CONVERSATIONS) == 4


def test_counts_add_up_across_many_writes_of_the_same_counter(engine: Engine) -> None:
    stats = Stats(engine)

    for _ in range(12):
        stats.record_feedback("phone", day=DAY)

    report = stats.report(1, today=DAY)
    assert report.total(FEEDBACK) == 12
    assert report.total(FEEDBACK, "phone") == 12


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (123, "123")]
)
def test_small_counts_are_shown_as_less_than_five(count: int, shown: str) -> None:
    assert show_count(count) == shown


@pytest.mark.parametrize(
    ("age", "band"),
    [(None, "unknown"), (3, "0-14"), (15, "15-17"), (25, "18-25"), (26, "26-39"), (90, "60+")],
)
def test_ages_are_kept_only_as_bands(age: int | None, band: str) -> None:
    assert age_band(age) == band


def test_csv_export_masks_small_counts_and_names_places(engine: Engine) -> None:
    stats = Stats(engine)
    for _ in range(6):
        stats.record_conversation(Conversation(gmina="146201", age=40), day=DAY)
    stats.record_conversation(Conversation(gmina="143501", age=40), day=DAY)

    text = stats.report(7, today=DAY).to_csv(names={"146201": "Siedlce"})

    rows = list(csv.DictReader(io.StringIO(text)))
    gminas = {row["key"]: (row["name"], row["count"]) for row in rows if row["metric"] == "gmina"}
    assert gminas == {"146201": ("Siedlce", "6"), "143501": ("", "<5")}
    assert {row["first_day"] for row in rows} == {"2026-11-17"}


# --- unmet needs ----------------------------------------------------------------------------


def searched(
    stats: Stats,
    gmina: str | None,
    situation: str,
    outcome: Outcome,
    *,
    age: int = 30,
    times: int = 1,
) -> None:
    for _ in range(times):
        stats.record_conversation(
            Conversation(
                situations=frozenset({situation}),
                gmina=gmina,
                age=age,
                outcome=outcome,
            ),
            day=DAY,
        )


def test_needs_count_searches_no_local_service_answered_one_number_per_cell(
    engine: Engine,
) -> None:
    stats = Stats(engine)
    searched(stats, "146401", "mental_health", "national", times=4)
    searched(stats, "146401", "mental_health", "fallback", age=17, times=3)
    searched(stats, "146401", "mental_health", "local", times=9)
    searched(stats, "142605", "housing", "none", times=2)
    searched(stats, None, "youth", "national", times=8)

    report = stats.needs(DAY, DAY)

    assert [(c.gmina, c.situation, c.unmet) for c in report.cells] == [
        ("146401", "mental_health", 7),
        ("142605", "housing", 2),
    ]


def test_needs_csv_masks_small_counts_and_names_the_gminas(engine: Engine) -> None:
    stats = Stats(engine)
    searched(stats, "146401", "mental_health", "national", times=6)
    searched(stats, "142605", "housing", "fallback", times=2)

    text = stats.needs(DAY, DAY).to_csv(names={"146401": "Siedlce"})

    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["gmina"], r["gmina_name"], r["situation"], r["unmet_searches"]) for r in rows] == [
        ("146401", "Siedlce", "mental_health", "6"),
        ("142605", "", "housing", "<5"),
    ]


def test_needs_outside_the_period_are_not_counted(engine: Engine) -> None:
    stats = Stats(engine)
    searched(stats, "146401", "mental_health", "national", times=6)

    assert stats.needs(date(2026, 11, 24), date(2026, 12, 31)).cells == ()


def test_a_search_without_an_outcome_counts_no_need(engine: Engine) -> None:
    stats = Stats(engine)
    stats.record_conversation(
        Conversation(situations=frozenset({"youth"}), gmina="146401"), day=DAY
    )

    assert stats.needs(DAY, DAY).cells == ()
    assert stats.report(1, today=DAY).total(CONVERSATIONS) == 1


def test_stats_needs_on_the_command_line_prints_the_same_cells_as_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from bot.runtime import Runtime
    from bot.settings import Settings

    monkeypatch.setenv("DROGOWSKAZ_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "en")
    monkeypatch.delenv("DROGOWSKAZ_DATABASE_URL", raising=False)
    with Runtime.open(Settings()) as runtime:
        stats = Stats(runtime.engine)
        searched(stats, "146401", "mental_health", "national", times=5)
        searched(stats, "142605", "housing", "none", times=1)

    assert main(["stats", "needs", "--since", "2026-11-01", "--until", "2026-11-30", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["gmina_name"], r["situation"], r["unmet_searches"]) for r in rows] == [
        ("Siedlce", "mental_health", "5"),
        ("Mordy", "housing", "<5"),
    ]

    assert main(["stats", "needs", "--since", "2026-11-01", "--until", "2026-11-30"]) == 0
    text = capsys.readouterr().out
    assert "Siedlce (146401) · Mental health crisis, loneliness: 5" in text
    assert "Mordy (142605) · Housing, housing allowance: <5" in text


def test_needs_of_one_partnership_count_only_its_searches(engine: Engine) -> None:
    stats = Stats(engine)
    conversation = Conversation(
        situations=frozenset({"housing"}), gmina="142605", age=30, outcome="none"
    )
    for _ in range(6):
        stats.record_conversation(conversation, day=DAY, partnerships=["siedlce"])
    stats.record_conversation(conversation, day=DAY)

    assert [c.unmet for c in stats.needs(DAY, DAY, partnership="siedlce").cells] == [6]
    assert [c.unmet for c in stats.needs(DAY, DAY).cells] == [7]
    assert stats.needs(DAY, DAY, partnership="miechow").cells == ()
