"""Start-up: from launching `drogowskaz run` to the first answer, with the full gazetteer.

The bot starts as in production (its own process, polling the local Bot API server of
tests/botapi) on a data directory holding the full gazetteer and a loaded catalogue. A /start
waits in the queue from the beginning; ready means the bot has answered it. Then one whole
conversation (to the results) shows what the first search costs on top.

    python -m bench.startup [--quick] [--count 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.generate import Figure, print_figures
from bench.throughput import BotProcess, TimingServer, converse, deployment, people, unique_places
from tests.botapi.server import FakeUser

TARGET_S = 2.0
WAIT_S = 180.0


async def measure(count: int) -> list[Figure]:
    """Seconds to the first reply, then to the first results."""
    with tempfile.TemporaryDirectory(prefix="drogowskaz-bench-") as root:
        data_dir = deployment(Path(root), count)
        server = TimingServer()
        await server.start()
        bot = BotProcess(data_dir, Path(root) / "bot.log")
        person = people(1, unique_places(count), think=(0.0, 0.0))[0]
        person.user = FakeUser(2, first_name="Pierwsza")
        try:
            probe = FakeUser(1, first_name="Probe")
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
                        await asyncio.wait_for(chat.changed.wait(), 0.05)
                    except TimeoutError:
                        continue
            ready = chat.replies[0] - start
            async with asyncio.timeout(WAIT_S):
                await converse(server, person)
            first_results = time.perf_counter() - start
        finally:
            bot.stop()
            await server.stop()
    name = f"start-up, full gazetteer, {count // 1000}k services"
    return [
        Figure(name, "launch -> first reply (/start)", ready, "s", TARGET_S),
        Figure(name, "launch -> first results (whole conversation)", first_results, "s"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description="start-up benchmark")
    parser.add_argument("--quick", action="store_true", help="same as default (it is short)")
    parser.add_argument("--count", type=int, default=10_000, help="services in the catalogue")
    parser.add_argument("--no-header", action="store_true", help="rows only (for bench/run)")
    arguments = parser.parse_args(argv)
    print_figures(asyncio.run(measure(arguments.count)), header=not arguments.no_header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
