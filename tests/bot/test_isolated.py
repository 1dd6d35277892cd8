"""A new catalogue checked and stored in a child process with a memory and time cap: a file
that needs more fails its own check, and the bot's process serves the old catalogue meanwhile
and after."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.reload import Fetched, Reloader
from bot.runtime import Runtime
from bot.settings import Settings
from tests.builders import siedlce_yaml


def catalog_yaml(name: str) -> bytes:
    return siedlce_yaml(name).encode()


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    with Runtime.open(Settings(_env_file=None, data_dir=tmp_path)) as opened:
        yield opened


async def test_a_reload_checked_and_stored_by_the_child_is_served(runtime: Runtime) -> None:
    reloader = Reloader(runtime)

    outcome = await reloader.reload(Fetched(catalog_yaml("Katalog z dziecka"), "k.yaml"))

    assert reloader.isolated
    assert outcome.status == "loaded"
    assert runtime.catalog.name == "Katalog z dziecka"
    assert [service.id for service in runtime.catalog.services] == [
        "mopr-zasilki",
        "mopr-przemoc",
        "niebieska-linia-telefon",
    ]
    assert outcome.report.catalog is runtime.catalogs[""]
    assert outcome.diff is not None


async def test_a_check_by_the_child_brings_the_report_back(runtime: Runtime) -> None:
    served = runtime.catalog

    good = await Reloader(runtime).check(Fetched(catalog_yaml("Dobry"), "k.yaml"))
    bad = await Reloader(runtime).check(
        Fetched(catalog_yaml("Zły").replace(b"poverty", b"bieda"), "k.yaml")
    )

    assert good.catalog is not None
    assert good.catalog.name == "Dobry"
    assert [problem.code for problem in bad.errors] == ["catalog.unknown_situation"]
    assert runtime.catalog is served


async def test_a_file_over_the_child_s_time_fails_its_check_while_the_bot_answers(
    runtime: Runtime,
) -> None:
    runtime.settings.check_timeout_seconds = 0.2  # less than the child needs to start
    served = runtime.catalog
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    outcome = await Reloader(runtime).reload(Fetched(catalog_yaml("Za długi"), "k.yaml"))
    ticker.cancel()

    assert outcome.status == "refused"
    assert [problem.code for problem in outcome.report.errors] == ["catalog.check_timeout"]
    assert runtime.catalog is served
    assert len(ticks) >= 10  # the event loop kept running meanwhile


async def test_a_file_over_the_child_s_memory_fails_its_check(runtime: Runtime) -> None:
    runtime.settings.check_memory_mb = 64  # less than the child needs to read anything
    served = runtime.catalog

    outcome = await Reloader(runtime).reload(Fetched(catalog_yaml("Za duży"), "k.yaml"))

    assert outcome.status == "refused"
    assert [problem.code for problem in outcome.report.errors] in (
        ["catalog.check_memory"],
        ["catalog.check_crashed"],  # the interpreter itself could not start in 64 MB
    )
    assert runtime.catalog is served
    assert runtime.database.load_catalog() is None  # nothing stored
