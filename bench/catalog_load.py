"""Catalogue load and reload at region (10k services) and country (100k) scale.

A reload runs the bot's own `Reloader` (check, index, store, swap) against a database holding
the full gazetteer, while a ticker task on the event loop wakes every millisecond: the longest
gap between its wake-ups is how long the bot could not answer anyone during the reload.

Also timed, each on its own: the check (read, validate, build), the search index, the store,
and the start-up path (the catalogue rebuilt from the database and indexed).

    python -m bench.catalog_load [--quick] [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bench.generate import DEFAULT_SEED, catalogue_file, places_database
from bench.report import Figure, print_figures
from catalog.places_store import load_gazetteer

SIZES = (10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
TICK_SECONDS = 0.001
STALL_TARGET_MS = 50.0
LOAD_TARGETS_S = {10_000: 3.0, 100_000: 30.0}
T = TypeVar("T")


class Ticker:
    """Wakes every millisecond on the event loop and keeps the longest gap it saw."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - TICK_SECONDS)
            last = now

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()


def data_dir_with_places(root: Path) -> Path:
    """A deployment's data directory with the full gazetteer imported and no catalogue."""
    data_dir = root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(places_database(), data_dir / "drogowskaz.sqlite")
    return data_dir


def _label(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 else str(count)


async def _reload(count: int, data_dir: Path) -> list[Figure]:
    from bot.reload import Fetched, Reloader
    from bot.runtime import Runtime
    from bot.settings import Settings

    settings = Settings(data_dir=data_dir, _env_file=None)
    runtime = await asyncio.to_thread(Runtime.open, settings)
    reloader = Reloader(runtime)
    figures: list[Figure] = []
    target = LOAD_TARGETS_S.get(count)
    try:
        for attempt, seed in (("first load", DEFAULT_SEED), ("reload", DEFAULT_SEED + 1)):
            path = await asyncio.to_thread(catalogue_file, count, seed=seed)
            data = path.read_bytes()
            gc.collect()
            with Ticker() as ticker:
                start, cpu = time.perf_counter(), time.process_time()
                outcome = await reloader.reload(Fetched(data=data, filename=path.name))
                elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
            if not outcome.loaded:
                codes = sorted({problem.code for problem in outcome.report.errors})
                raise RuntimeError(f"the synthetic catalogue was refused: {codes[:5]}")
            name = f"catalogue {_label(count)}"
            figures.append(
                Figure(name, f"{attempt} (check+index+store)", elapsed, "s", target, cpu=cpu)
            )
            figures.append(
                Figure(
                    name,
                    f"{attempt}: longest event-loop stall",
                    ticker.longest * 1000,
                    "ms",
                    STALL_TARGET_MS,
                )
            )
    finally:
        runtime.close()
    return figures


async def _timed(
    figures: list[Figure], name: str, measure: str, work: Callable[[], T], *, stall: bool = True
) -> T:
    """Run a step in a worker thread (as the bot does), timing it and the loop's longest stall."""
    cpu = 0.0

    def timed_work() -> T:
        nonlocal cpu
        start = time.thread_time()
        try:
            return work()
        finally:
            cpu = time.thread_time() - start

    gc.collect()
    with Ticker() as ticker:
        start = time.perf_counter()
        result = await asyncio.to_thread(timed_work)
        elapsed = time.perf_counter() - start
    figures.append(Figure(name, measure, elapsed, "s", cpu=cpu))
    if stall:
        figures.append(Figure(name, f"{measure}: longest stall", ticker.longest * 1000, "ms"))
    return result


async def _phases(count: int, data_dir: Path) -> list[Figure]:
    """Each step of a load on its own, and the start-up path from the database."""
    from catalog.format import read_document
    from catalog.search import SearchIndex
    from catalog.storage import Database
    from catalog.validation import check

    database = Database(f"sqlite:///{data_dir / 'drogowskaz.sqlite'}")
    try:
        database.create_schema()
        gazetteer = load_gazetteer(database.engine)
        path = catalogue_file(count)
        data = path.read_bytes()
        name = f"catalogue {_label(count)}"
        figures: list[Figure] = []
        await _timed(figures, name, "read YAML", lambda: read_document(data, filename=path.name))
        report = await _timed(
            figures,
            name,
            "check (read+validate+build)",
            lambda: check(data, filename=path.name, places=gazetteer),
        )
        catalog = report.catalog
        if catalog is None:
            raise RuntimeError("the synthetic catalogue was refused")
        await _timed(figures, name, "search index", lambda: SearchIndex(catalog))
        await _timed(  # as a reload stores it: with the layout its check made
            figures,
            name,
            "store (one transaction)",
            lambda: database.replace_catalog(catalog, layout=report.layout),
        )
        loaded = await _timed(figures, name, "start-up: from database", database.load_catalog)
        if loaded is None:
            raise RuntimeError("the stored catalogue did not load")
        await _timed(figures, name, "start-up: index", lambda: SearchIndex.of(loaded))
        return figures
    finally:
        database.dispose()


def measure(count: int, *, header: bool = True) -> None:
    """Measure one catalogue size and print its figures as they come."""
    with tempfile.TemporaryDirectory(prefix="drogowskaz-bench-") as root:
        figures = asyncio.run(_reload(count, data_dir_with_places(Path(root) / "reload")))
        print_figures(figures, header=header)
        phases = asyncio.run(_phases(count, data_dir_with_places(Path(root) / "phases")))
        print_figures(phases, header=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description="catalogue load and reload benchmark")
    parser.add_argument("--quick", action="store_true", help="1k and 10k services only")
    parser.add_argument("--sizes", type=int, nargs="+", help="catalogue sizes to measure")
    parser.add_argument("--no-header", action="store_true", help="rows only (for bench/run)")
    arguments = parser.parse_args(argv)
    sizes = arguments.sizes or (QUICK_SIZES if arguments.quick else SIZES)
    for number, count in enumerate(sizes):
        measure(count, header=number == 0 and not arguments.no_header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
