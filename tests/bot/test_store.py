import asyncio
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from bot.store import NEW, Change, ConversationStore, StateConflict, StateWriter
from tests.builders import stored_chat_ids

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    engine: Engine = create_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    conversations = ConversationStore(engine)
    conversations.create_tables()
    yield conversations
    engine.dispose()


class CountingStore(ConversationStore):
    """The real store, counting its transactions (one `write` is one)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.transactions = 0

    def write(self, changes: Sequence[Change]) -> set[int]:
        self.transactions += 1
        return super().write(changes)


def test_state_read_back_is_the_state_written(store: ConversationStore) -> None:
    store.save(7, {"step": "age", "lang": "uk", "situations": ["poverty"]}, now=NOON)

    stored = store.load(7)

    assert stored is not None
    assert stored.state == {"step": "age", "lang": "uk", "situations": ["poverty"]}
    assert stored.updated_at.replace(tzinfo=UTC) == NOON


def test_a_chat_without_state_has_none(store: ConversationStore) -> None:
    assert store.load(8) is None


def test_idle_conversations_expire_and_active_ones_stay(store: ConversationStore) -> None:
    store.save(1, {"step": "who"}, now=NOON - timedelta(hours=30))
    store.save(2, {"step": "age"}, now=NOON - timedelta(hours=2))

    deleted = store.expire(timedelta(hours=24), now=NOON)

    assert deleted == 1
    assert stored_chat_ids(store) == [2]


def test_saving_again_restarts_the_idle_clock(store: ConversationStore) -> None:
    store.save(1, {"step": "who"}, now=NOON - timedelta(hours=30))
    store.save(1, {"step": "age"}, now=NOON - timedelta(hours=1))

    assert store.expire(timedelta(hours=24), now=NOON) == 0


def test_delete_forgets_only_that_chat(store: ConversationStore) -> None:
    store.save(1, {"step": "who"}, now=NOON)
    store.save(2, {"step": "who"}, now=NOON)

    store.delete(1)

    assert stored_chat_ids(store) == [2]


async def test_saves_of_updates_handled_together_share_one_transaction(
    store: ConversationStore,
) -> None:
    counting = CountingStore(store.engine)
    writer = StateWriter(counting)

    await asyncio.gather(*(writer.save(chat, {"step": "age", "n": chat}) for chat in range(50)))

    assert counting.transactions == 1
    assert sorted(stored_chat_ids(store)) == list(range(50))


async def test_a_save_returns_only_once_the_state_is_in_the_database(
    store: ConversationStore,
) -> None:
    writer = StateWriter(store)

    await writer.save(7, {"step": "place"})

    stored = ConversationStore(store.engine).load(7)  # as another process would read it
    assert stored is not None
    assert stored.state == {"step": "place"}


async def test_a_chat_reads_what_it_wrote_before_the_commit(store: ConversationStore) -> None:
    writer = StateWriter(store)
    store.save(7, {"step": "who"})

    saving = asyncio.ensure_future(writer.save(7, {"step": "age"}))
    await asyncio.sleep(0)  # the save is queued, its transaction not run yet
    seen = await writer.load(7)
    await saving

    assert seen == {"step": "age"}
    assert await writer.load(7) == {"step": "age"}


async def test_the_latest_state_of_a_chat_wins_within_a_transaction(
    store: ConversationStore,
) -> None:
    writer = StateWriter(store)

    await asyncio.gather(writer.save(7, {"step": "who"}), writer.save(7, {"step": "age"}))

    stored = store.load(7)
    assert stored is not None
    assert stored.state == {"step": "age"}


async def test_a_failed_transaction_fails_every_save_in_it_and_the_next_one_works(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = StateWriter(store)
    original = store.write
    failures = iter([True])

    def flaky_write(changes: Sequence[Change]) -> None:
        if next(failures, False):
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        original(changes)

    monkeypatch.setattr(store, "write", flaky_write)

    outcomes = await asyncio.gather(
        writer.save(1, {"step": "who"}), writer.save(2, {"step": "who"}), return_exceptions=True
    )
    await writer.save(2, {"step": "age"})

    assert [type(outcome) for outcome in outcomes] == [OperationalError, OperationalError]
    assert await writer.load(1) is None  # nothing claims a state that was never stored
    assert stored_chat_ids(store) == [2]


async def test_forget_deletes_a_chat_even_with_a_save_waiting(store: ConversationStore) -> None:
    writer = StateWriter(store)
    store.save(7, {"step": "who"})

    await asyncio.gather(writer.save(7, {"step": "age"}), writer.forget(7))

    assert store.load(7) is None
    assert await writer.load(7) is None


def test_chat_ids_beyond_32_bits_are_kept(store: ConversationStore) -> None:
    store.save(7_123_456_789, {"step": "who"}, now=NOON)
    store.save(-1_001_234_567_890, {"step": "age"}, now=NOON)

    assert sorted(stored_chat_ids(store)) == [-1_001_234_567_890, 7_123_456_789]


def test_a_save_over_a_version_another_process_replaced_is_refused(
    store: ConversationStore,
) -> None:
    store.save(7, {"step": "who"}, now=NOON)
    read_here = store.read(7)
    read_there = store.read(7)

    there = store.save(7, {"step": "age"}, expected=read_there.version, update_id=11)
    here = store.save(7, {"step": "place"}, expected=read_here.version, update_id=12)

    assert there is True
    assert here is False
    stored = store.read(7)
    assert stored.state == {"step": "age"}
    assert read_there.version is not None
    assert stored.version == read_there.version + 1
    assert stored.last_update == 11


def test_two_first_saves_of_a_new_chat_one_wins(store: ConversationStore) -> None:
    assert store.read(8).version == NEW

    first = store.save(8, {"step": "who"}, expected=NEW, update_id=1)
    second = store.save(8, {"step": "age"}, expected=NEW, update_id=2)

    assert (first, second) == (True, False)
    assert store.read(8).state == {"step": "who"}


async def test_writer_reports_a_conflict_to_its_saver_and_commits_the_rest(
    store: ConversationStore,
) -> None:
    writer = StateWriter(store)
    store.save(1, {"step": "who"})
    store.save(2, {"step": "who"})
    stale = store.read(1).version
    store.save(1, {"step": "age"})  # another process, meanwhile

    results = await asyncio.gather(
        writer.save(1, {"step": "place"}, expected=stale),
        writer.save(2, {"step": "age"}, expected=store.read(2).version),
        return_exceptions=True,
    )

    assert isinstance(results[0], StateConflict)
    assert results[1] is None
    assert store.read(1).state == {"step": "age"}
    assert store.read(2).state == {"step": "age"}


def test_a_conversation_table_of_an_earlier_version_gets_versions(tmp_path: Path) -> None:
    engine: Engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE bot_conversation (chat_id BIGINT PRIMARY KEY, state VARCHAR, "
                "updated_at DATETIME)"
            )
        )
        connection.execute(
            text('INSERT INTO bot_conversation VALUES (5, \'{"step": "age"}\', :at)'),
            {"at": NOON},
        )

    upgraded = ConversationStore(engine)
    upgraded.create_tables()

    known = upgraded.read(5)
    assert (known.state, known.version, known.last_update) == ({"step": "age"}, 0, 0)
    assert upgraded.save(5, {"step": "place"}, expected=0, update_id=3)
    engine.dispose()
