"""Several processes on one PostgreSQL, in one test process: two runtimes on the same schema,
each with its own group connection (bot/group.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from bot.group import Group, libpq_url
from bot.reload import Fetched, Reloader
from bot.runtime import Runtime
from bot.settings import Settings
from catalog.storage import Database
from catalog.validation import check
from tests.builders import FakePlaces, siedlce_offices_yaml

TEST_LOCK = 0x7465_7374  # not the deployment's: other tests may run bots on the same server


def runtime_on(url: str, tmp_path: Path) -> Runtime:
    places = FakePlaces()
    database = Database(url)
    database.create_schema()
    report = check(siedlce_offices_yaml(), filename="a.yaml", places=places)
    assert report.catalog is not None
    loaded = database.load_catalog()
    return Runtime(
        settings=Settings(_env_file=None, data_dir=tmp_path),
        database=database,
        gazetteer=cast(Any, places),
        catalog=loaded or report.catalog,
        is_sample=loaded is None,
    )


async def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time")


def test_sqlite_needs_no_group_and_its_only_process_leads() -> None:
    async def nothing() -> None: ...

    group = Group("sqlite:///x.sqlite", on_catalog_change=nothing)

    assert libpq_url("sqlite:///x.sqlite") is None
    assert not group.is_shared
    assert group.leads


async def test_a_reload_through_one_process_is_served_by_the_other(
    postgres_url: str, tmp_path: Path
) -> None:
    first = runtime_on(postgres_url, tmp_path / "a")
    second = runtime_on(postgres_url, tmp_path / "b")
    first_reloader, second_reloader = Reloader(first), Reloader(second)
    group = Group(postgres_url, on_catalog_change=second_reloader.follow, leader_lock=TEST_LOCK)
    group.start()
    try:
        await eventually(lambda: group.leads)
        outcome = await first_reloader.reload(
            Fetched(siedlce_offices_yaml("Katalog B"), "b.yaml"), partnerships=None
        )
        assert outcome.loaded

        await eventually(lambda: second.catalog.name == "Katalog B")
    finally:
        await group.stop()
        first.close()
        second.close()

    assert second.catalog.content_hash == first.catalog.content_hash
    assert not second.is_sample


async def test_follow_without_a_notice_finds_a_changed_catalogue_by_its_hash(
    postgres_url: str, tmp_path: Path
) -> None:
    first = runtime_on(postgres_url, tmp_path / "a")
    second = runtime_on(postgres_url, tmp_path / "b")
    await Reloader(first).reload(Fetched(siedlce_offices_yaml("Katalog C"), "c.yaml"))

    taken = await Reloader(second).follow()
    again = await Reloader(second).follow()

    assert taken == [""]
    assert again == []
    assert second.catalog.name == "Katalog C"
    first.close()
    second.close()


async def test_one_process_leads_and_another_takes_over_when_it_is_gone(
    postgres_url: str,
) -> None:
    async def nothing() -> None: ...

    def group() -> Group:
        return Group(postgres_url, on_catalog_change=nothing, leader_lock=TEST_LOCK)

    first, second = group(), group()
    first.start()
    await eventually(lambda: first.leads)
    second.start()
    await asyncio.sleep(1.5)  # a try or two
    assert not second.leads

    await first.stop()

    await eventually(lambda: second.leads)
    await second.stop()
