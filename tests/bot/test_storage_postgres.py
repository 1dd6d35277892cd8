"""The bot's own tables on a real PostgreSQL 15 server (tests/postgres.py): conversations,
reports, statistics, and the whole runtime opened from DROGOWSKAZ_DATABASE_URL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from bot.feedback import FeedbackStore
from bot.reload import Reloader
from bot.runtime import Runtime
from bot.settings import Settings
from bot.stats import CONVERSATIONS, FEEDBACK, GMINA, TOTAL, Conversation, Stats
from bot.store import ConversationStore
from tests.builders import catalog_with, crisis_line, service, stored_chat_ids

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)
# Telegram ids no longer fit 32 bits: user ids pass 2**31, supergroups are -100xxxxxxxxxx.
BIG_USER_ID = 7_123_456_789
SUPERGROUP_ID = -1_001_234_567_890


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> ConversationStore:
    conversations = ConversationStore(engine)
    conversations.create_tables()
    return conversations


def test_conversation_state_reads_back_as_written(store: ConversationStore) -> None:
    state = {"step": "age", "lang": "uk", "situations": ["poverty"], "place": "Siedlce"}

    store.save(7, state, now=NOON)
    stored = store.load(7)

    assert stored is not None
    assert stored.state == state
    assert stored.updated_at == NOON
    assert store.load(8) is None


def test_conversations_of_chats_with_ids_beyond_32_bits_are_kept(
    store: ConversationStore,
) -> None:
    store.save(BIG_USER_ID, {"step": "who"}, now=NOON)
    store.save(SUPERGROUP_ID, {"step": "age"}, now=NOON)

    assert sorted(stored_chat_ids(store)) == [SUPERGROUP_ID, BIG_USER_ID]
    stored = store.load(BIG_USER_ID)
    assert stored is not None
    assert stored.state == {"step": "who"}


def test_saving_again_overwrites_the_state_and_restarts_the_idle_clock(
    store: ConversationStore,
) -> None:
    store.save(1, {"step": "who"}, now=NOON - timedelta(hours=30))
    store.save(1, {"step": "age"}, now=NOON - timedelta(hours=1))

    assert store.expire(timedelta(hours=24), now=NOON) == 0
    stored = store.load(1)
    assert stored is not None
    assert stored.state == {"step": "age"}


def test_idle_conversations_expire_and_active_ones_stay(store: ConversationStore) -> None:
    store.save(1, {"step": "who"}, now=NOON - timedelta(hours=30))
    store.save(2, {"step": "age"}, now=NOON - timedelta(hours=2))
    store.save(3, {"step": "age"}, now=NOON - timedelta(hours=23, minutes=59))

    deleted = store.expire(timedelta(hours=24), now=NOON)

    assert deleted == 1
    assert sorted(stored_chat_ids(store)) == [2, 3]


def test_delete_forgets_only_that_chat(store: ConversationStore) -> None:
    store.save(1, {"step": "who"}, now=NOON)
    store.save(2, {"step": "who"}, now=NOON)

    store.delete(1)

    assert stored_chat_ids(store) == [2]


def test_reports_list_newest_first_and_are_counted_by_kind(engine: Engine) -> None:
    stats = Stats(engine)
    reports = FeedbackStore(engine, stats=stats)

    first = reports.add("mopr-zasilki", "phone", "numer nie odpowiada", now=NOON)
    second = reports.add(
        "pup-praca", "closed", service_name="Pośrednictwo pracy", now=NOON + timedelta(hours=1)
    )
    recent = reports.recent()

    assert second.id > first.id > 0
    assert [(r.service_id, r.kind, r.note) for r in recent] == [
        ("pup-praca", "closed", ""),
        ("mopr-zasilki", "phone", "numer nie odpowiada"),
    ]
    assert recent[1].created_at == NOON
    report = stats.report(1, today=DAY)
    assert (report.total(FEEDBACK), report.total(FEEDBACK, "phone")) == (2, 1)


def test_statistics_count_conversations_by_place_and_add_up(engine: Engine) -> None:
    stats = Stats(engine)

    stats.record_conversation(
        Conversation(situations=frozenset({"poverty"}), gmina="1464011", age=30), day=DAY
    )
    stats.record_conversation(Conversation(gmina="1464011", found=False), day=DAY)
    stats.record_conversation(Conversation(), day=DAY - timedelta(days=10))
    report = stats.report(7, today=DAY)

    assert report.total(CONVERSATIONS) == 2
    assert report.total(GMINA, "146401") == 2


def test_concurrent_writers_never_lose_a_count(engine: Engine) -> None:
    stats = Stats(engine)

    def bump(_: int) -> None:
        for _ in range(20):
            stats.add([(FEEDBACK, TOTAL)], day=DAY)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(bump, range(8)))

    assert stats.report(1, today=DAY).total(FEEDBACK) == 160


def test_runtime_opens_from_the_database_url_and_serves_the_stored_catalogue(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_DATABASE_URL", postgres_url)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    catalog = catalog_with(service("mopr-zasilki"), crisis_line(), name="Katalog testowy")

    with Runtime.open(settings) as first:
        served_first = (first.is_sample, first.database.is_sqlite)
        asyncio.run(Reloader(first).load(catalog, index=False))
    with Runtime.open(settings) as second:
        info = second.database.catalog_info()
        served = second.catalog

    assert settings.effective_database_url == postgres_url
    assert served_first == (True, False)
    assert not list((tmp_path / "data").glob("*.sqlite"))
    assert served.name == "Katalog testowy"
    assert served.content_hash == catalog.content_hash
    assert info is not None
    assert info.services == 2


def test_versions_keep_two_processes_from_writing_over_each_other(
    store: ConversationStore,
) -> None:
    assert store.save(BIG_USER_ID, {"step": "who"}, expected=-1, update_id=1)
    assert not store.save(BIG_USER_ID, {"step": "age"}, expected=-1, update_id=2)
    version = store.read(BIG_USER_ID).version
    assert version is not None

    assert store.save(BIG_USER_ID, {"step": "age"}, expected=version, update_id=3)
    assert not store.save(BIG_USER_ID, {"step": "place"}, expected=version, update_id=4)
    known = store.read(BIG_USER_ID)
    assert (known.state, known.version, known.last_update) == ({"step": "age"}, version + 1, 3)
