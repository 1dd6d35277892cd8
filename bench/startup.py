"""Start-up: from launching `drogowskaz run` to the first answer, with the full gazetteer.

The bot starts as in production (its own process, polling the local Bot API server of
tests/botapi) on a data directory holding the full gazetteer and a loaded catalogue. A /start
waits in the queue from the beginning; ready means the bot has answered it. Then one whole
conversation (to the results) shows what the first search costs on top. The first start on a
fresh deployment also builds and keeps the places index; later starts (the best of --runs is
kept: the machine may be busy) show what a restart costs. The bot's CPU seconds at its first
reply are printed too: steadier than wall time on a shared machine.

    python -m bench.startup [--quick] [--count 500 10000] [--runs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.report import Figure, print_figures
from bench.throughput import BotProcess, TimingServer, converse, deployment, people, unique_places
from tests.botapi.server import FakeUser

TARGET_S = 2.0
_CHAT_IDS = itertools.count(1, 2)
SAMPLE_PLACES = ("Siedlce", "Mordy", "Zbuczyn")  # served by the bundled sample
SCALES = (500, 10_000)  # a partnership (50-500 services) and a voivodeship
WAIT_S = 180.0


async def start_once(data_dir: Path, log: Path, count: int) -> tuple[float, float, float]:
    """Launch the bot on the data directory: seconds to the first reply, the bot's CPU seconds
    by then, and seconds to the first results of a whole conversation (count 0: a fresh
    install serving the bundled sample with the bundled places)."""
    server = TimingServer()
    await server.start()
    bot = BotProcess(data_dir, log)
    places = unique_places(count) if count else SAMPLE_PLACES
    person = people(1, places, think=(0.0, 0.0))[0]
    # new chats at each start: update ids restart with each server, and a chat's stored state
    # remembers the last update it answered
    first_id = next(_CHAT_IDS)
    person.user = FakeUser(first_id + 1, first_name="Pierwsza")
    try:
        probe = FakeUser(first_id, first_name="Probe")
        server.text(probe, "/start")
        start = time.perf_counter()
        bot.start(server)
        chat = server.chats[probe.id]
        async with asyncio.timeout(WAIT_S):
            while not chat.replies:
                if bot.process is not None and bot.process.poll() is not None:
                    raise RuntimeError(f"the bot stopped:\n{bot.failure()}")
                chat.changed.clear()
                try:
                    await asyncio.wait_for(chat.changed.wait(), 0.01)
                except TimeoutError:
                    continue
        cpu = bot.cpu_seconds() or 0.0
        ready = chat.replies[0] - start
        async with asyncio.timeout(WAIT_S):
            await converse(server, person)
        first_results = time.perf_counter() - start
    finally:
        bot.stop()
        await server.stop()
    return ready, cpu, first_results


async def measure(count: int, *, runs: int = 2) -> list[Figure]:
    """The first start on a fresh deployment (it builds and keeps the places index), then the
    best of `runs` later starts (what a restart costs)."""
    with tempfile.TemporaryDirectory(prefix="drogowskaz-bench-") as root:
        data_dir = deployment(Path(root), count)
        log = Path(root) / "bot.log"
        first = await start_once(data_dir, log, count)
        later = min([await start_once(data_dir, log, count) for _ in range(runs)])
    scale = f"{count // 1000}k" if count >= 1000 else str(count)
    name = f"start-up, full gazetteer, {scale} services"
    return [
        Figure(name, "launch -> first reply (/start)", later[0], "s", TARGET_S, cpu=later[1]),
        Figure(name, "launch -> first results (whole conversation)", later[2], "s"),
        Figure(name, "first start, places index not yet kept", first[0], "s", cpu=first[1]),
    ]


async def measure_fresh_install(*, runs: int = 2) -> list[Figure]:
    """A fresh install: nothing imported or loaded, the bundled places and sample. The first
    start builds and keeps the bundled places' index; later starts open it."""
    with tempfile.TemporaryDirectory(prefix="drogowskaz-bench-") as root:
        data_dir = Path(root) / "data"
        data_dir.mkdir()
        log = Path(root) / "bot.log"
        kept = os.environ.get("DROGOWSKAZ_PLACES_CACHE_DIR")
        os.environ["DROGOWSKAZ_PLACES_CACHE_DIR"] = str(Path(root) / "places")
        try:
            first = await start_once(data_dir, log, 0)
            later = min([await start_once(data_dir, log, 0) for _ in range(runs)])
        finally:
            if kept is None:
                os.environ.pop("DROGOWSKAZ_PLACES_CACHE_DIR", None)
            else:
                os.environ["DROGOWSKAZ_PLACES_CACHE_DIR"] = kept
    name = "start-up, fresh install: bundled places and sample (41 services)"
    return [
        Figure(name, "launch -> first reply (/start)", later[0], "s", TARGET_S, cpu=later[1]),
        Figure(name, "launch -> first results (whole conversation)", later[2], "s"),
        Figure(
            name, "first start, bundled places' index not yet kept", first[0], "s", cpu=first[1]
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description="start-up benchmark")
    parser.add_argument("--quick", action="store_true", help="same as default (it is short)")
    parser.add_argument(
        "--count",
        type=int,
        nargs="+",
        default=list(SCALES),
        help="services in the catalogue, one start-up per size (default: 500 and 10,000)",
    )
    parser.add_argument("--runs", type=int, default=2, help="later starts (the best is kept)")
    parser.add_argument(
        "--fresh-install",
        action="store_true",
        help="only a fresh install: bundled places and sample, nothing imported or loaded",
    )
    parser.add_argument("--no-header", action="store_true", help="rows only (for bench/run)")
    arguments = parser.parse_args(argv)
    figures = asyncio.run(measure_fresh_install(runs=arguments.runs))
    if not arguments.fresh_install:
        figures += [
            figure
            for count in arguments.count
            for figure in asyncio.run(measure(count, runs=arguments.runs))
        ]
    print_figures(figures, header=not arguments.no_header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
