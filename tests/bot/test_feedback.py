from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect

from bot.feedback import MAX_NOTE_CHARS, FeedbackStore
from bot.stats import FEEDBACK, Stats

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return create_engine(f"sqlite:///{tmp_path / 'feedback.sqlite'}")


def test_feedback_table_stores_the_service_and_the_problem_but_nobody(engine: Engine) -> None:
    FeedbackStore(engine)

    columns = {column["name"] for column in inspect(engine).get_columns("bot_feedback")}

    assert columns == {
        "id",
        "created_at",
        "partnership",
        "service_id",
        "service_name",
        "kind",
        "note",
    }


def test_recent_feedback_lists_newest_first_with_service_and_kind(engine: Engine) -> None:
    store = FeedbackStore(engine)
    store.add("mopr-s-zasilki", "phone", "numer nie odpowiada", now=NOW - timedelta(hours=1))
    store.add("pup-s-praca", "closed", service_name="Pośrednictwo pracy", now=NOW)

    recent = store.recent()

    assert [(item.service_id, item.kind) for item in recent] == [
        ("pup-s-praca", "closed"),
        ("mopr-s-zasilki", "phone"),
    ]
    assert recent[0].service_name == "Pośrednictwo pracy"
    assert recent[1].note == "numer nie odpowiada"


def test_note_is_cut_to_a_short_line(engine: Engine) -> None:
    store = FeedbackStore(engine)

    feedback = store.add("x", "other", "a\u200b" + "b" * 1000 + "\n\ncc")

    assert len(feedback.note) == MAX_NOTE_CHARS
    assert feedback.note.startswith("ab")
    assert feedback.note.endswith("…")


def test_note_is_kept_as_written_without_hidden_characters(engine: Engine) -> None:
    store = FeedbackStore(engine)

    store.add("x", "phone", "<b>nowy</b>\u202e numer & \x00godziny")

    assert store.recent()[0].note == "<b>nowy</b> numer & godziny"


def test_unknown_kind_is_kept_as_other(engine: Engine) -> None:
    store = FeedbackStore(engine)

    assert store.add("x", "<script>").kind == "other"


def test_feedback_is_counted_in_statistics_by_kind(engine: Engine) -> None:
    stats = Stats(engine)
    store = FeedbackStore(engine, stats=stats)

    store.add("x", "hours", now=NOW)
    store.add("y", "hours", now=NOW)
    store.add("y", "address", now=NOW)

    report = stats.report(1, today=date(2026, 11, 23))
    assert report.total(FEEDBACK) == 3
    assert report.total(FEEDBACK, "hours") == 2
    assert report.total(FEEDBACK, "address") == 1


def test_listeners_hear_of_each_new_report_and_a_named_one_is_replaced(engine: Engine) -> None:
    store = FeedbackStore(engine)
    heard: list[str] = []
    store.listeners["coordinators"] = lambda item: heard.append(f"old {item.service_id}")
    store.listeners["coordinators"] = lambda item: heard.append(f"new {item.service_id}")

    store.add("mopr-s-zasilki", "closed")

    assert heard == ["new mopr-s-zasilki"]


def test_a_note_loses_phone_numbers_e_mail_addresses_and_introduced_names(
    engine: Engine,
) -> None:
    store = FeedbackStore(engine)
    sent: list[str] = []
    store.listeners["test"] = lambda feedback: sent.append(feedback.note)

    feedback = store.add(
        "mopr-s-zasilki",
        "phone",
        "Nazywam się Anna Nowak, tel 600123456 albo anna.nowak@example.com; "
        "numer +48 25 600 00 01 nie odpowiada",
        service_phones=["+48256000001"],
    )

    assert feedback.note == (
        "Nazywam się [...], tel [...] albo [...]; numer +48 25 600 00 01 nie odpowiada"
    )
    assert sent == [feedback.note]
    assert store.recent()[0].note == feedback.note


def test_notes_older_than_their_time_are_blanked_and_the_reports_stay(engine: Engine) -> None:
    store = FeedbackStore(engine)
    store.add("old", "phone", "stary numer", now=NOW - timedelta(days=91))
    store.add("new", "hours", "inne godziny", now=NOW - timedelta(days=89))

    blanked = store.forget_notes(timedelta(days=90), now=NOW)

    assert blanked == 1
    assert [(item.service_id, item.kind, item.note) for item in store.recent()] == [
        ("new", "hours", "inne godziny"),
        ("old", "phone", ""),
    ]
