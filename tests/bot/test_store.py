from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from bot.store import ConversationStore

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    engine: Engine = create_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    conversations = ConversationStore(engine)
    conversations.create_tables()
    yield conversations
    engine.dispose()


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
    assert store.chat_ids() == [2]


def test_saving_again_restarts_the_idle_clock(store: ConversationStore) -> None:
    store.save(1, {"step": "who"}, now=NOON - timedelta(hours=30))
    store.save(1, {"step": "age"}, now=NOON - timedelta(hours=1))

    assert store.expire(timedelta(hours=24), now=NOON) == 0


def test_delete_forgets_only_that_chat(store: ConversationStore) -> None:
    store.save(1, {"step": "who"}, now=NOON)
    store.save(2, {"step": "who"}, now=NOON)

    store.delete(1)

    assert store.chat_ids() == [2]
