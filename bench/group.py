"""Several bot processes on one PostgreSQL: throughput and p99 reply time with two processes
against one, the same benchmark side by side (bench/throughput.py's people and figures).

Each configuration runs on a fresh schema of a throwaway PostgreSQL server (tests/postgres.py)
holding the synthetic catalogue. The bots run `drogowskaz run` in webhook mode behind a small
round-robin proxy (tests/e2e/test_group_processes.py); the benchmark plays Telegram: every
update a simulated person sends is POSTed to the proxy, at most 40 at a time (Telegram's
default `max_connections`), again until it gets a 200. The flood limiter is lifted, as in
bench.throughput.

    python -m bench.group [--users 300] [--count 10000] [--processes 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bench.generate import catalogue_database
from bench.report import Figure, print_figures
from bench.throughput import (
    USER_ID_BASE,
    BotProcess,
    TimingServer,
    _run,
    _warm_up,
    people,
    unique_places,
)
from tests.e2e.test_group_processes import SECRET, RoundRobin, free_port
from tests.postgres import running_server

TELEGRAM_CONNECTIONS = 40  # Telegram's default max_connections for a webhook


class WebhookTimingServer(TimingServer):
    """The local Bot API server, which also delivers each update to the bots' webhook."""

    def __init__(self, hook_url: str) -> None:
        super().__init__()
        self.hook_url = hook_url
        self.resent = 0
        self._slots = asyncio.Semaphore(TELEGRAM_CONNECTIONS)
        self._session: aiohttp.ClientSession | None = None
        self._pushes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Serve the Bot API and open the connections to the webhook."""
        await super().start()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    async def stop(self) -> None:
        """Close the webhook connections and the server."""
        if self._session is not None:
            await self._session.close()
        await super().stop()

    def inject(self, update: dict[str, Any]) -> int:
        """Queue the update as the base server does, and POST it to the webhook."""
        update_id = super().inject(update)
        task = asyncio.get_running_loop().create_task(self._push(self._state.updates[-1]))
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)
        return update_id

    async def _push(self, update: dict[str, Any]) -> None:
        if self._session is None:
            raise RuntimeError("the server is not started")
        body = json.dumps(update).encode()
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with self._slots:
            while True:
                try:
                    async with self._session.post(self.hook_url, data=body, headers=headers) as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                self.resent += 1
                await asyncio.sleep(0.1)


def load_catalogue(url: str, count: int) -> None:
    """The synthetic catalogue of `count` services, stored in the PostgreSQL schema."""
    from catalog.storage import Database

    source = Database(f"sqlite:///{catalogue_database(count)}")
    catalog = source.load_catalog()
    source.dispose()
    if catalog is None:
        raise RuntimeError("the synthetic deployment has no catalogue")
    target = Database(url)
    target.create_schema()
    target.replace_catalog(catalog)
    target.dispose()


async def measure(processes: int, users: int, count: int, url: str, root: Path) -> list[Figure]:
    """`processes` bots behind the proxy: capacity (no think time), then latency (1-5 s)."""
    places = unique_places(count)
    ports = [free_port() for _ in range(processes)]
    async with RoundRobin(ports) as proxy:
        server = WebhookTimingServer(f"http://127.0.0.1:{proxy.port}/hook")
        await server.start()
        bots = [
            BotProcess(
                root / f"bot-{processes}-{n}",
                root / f"bot-{processes}-{n}.log",
                environment={
                    "DROGOWSKAZ_DATABASE_URL": url,
                    "DROGOWSKAZ_WEBHOOK_URL": f"http://127.0.0.1:{proxy.port}/hook",
                    "DROGOWSKAZ_WEBHOOK_LISTEN": "127.0.0.1",
                    "DROGOWSKAZ_WEBHOOK_PORT": str(port),
                    "DROGOWSKAZ_WEBHOOK_SECRET": SECRET,
                },
            )
            for n, port in enumerate(ports)
        ]
        try:
            for bot in bots:
                bot.data_dir.mkdir(parents=True)
                bot.start(server)
            for bot in bots:  # a conversation alternates: every bot is warm after these
                await _warm_up(server, bot, places)
            server.resent = 0  # posts refused while the bots started do not count
            label = f"{processes} process{'es' if processes > 1 else ''} on PostgreSQL"
            crowd = people(users, places, think=(0.0, 0.0))
            figures = await _run(server, bots[0], crowd, f"{label}, no think", saturation=True)
            crowd = people(users, places, think=(1.0, 5.0), first_id=USER_ID_BASE + users)
            figures += await _run(server, bots[0], crowd, f"{label}, 1-5 s", saturation=False)
        finally:
            for bot in bots:
                await bot.terminate()
            await server.stop()
    keep = ("updates handled per second", "update->reply median", "update->reply p99")
    retaken = sum(bot.log.read_text(errors="replace").count("step taken again") for bot in bots)
    return [figure for figure in figures if figure.measure in keep] + [
        Figure(label, "updates posted again (no 200)", float(server.resent), ""),
        Figure(label, "steps taken again (state saved by the other process)", retaken, ""),
    ]


async def main_async(users: int, count: int, configurations: Sequence[int]) -> list[Figure]:
    """Each configuration on a fresh schema of one throwaway PostgreSQL server."""
    figures: list[Figure] = []
    with running_server() as postgres, tempfile.TemporaryDirectory() as root:
        for processes in configurations:
            url = postgres.create_schema()
            await asyncio.to_thread(load_catalogue, url, count)
            figures += await measure(processes, users, count, url, Path(root))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description="one bot process against two, on PostgreSQL")
    parser.add_argument("--users", type=int, default=300, help="simulated people")
    parser.add_argument("--count", type=int, default=10_000, help="services in the catalogue")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    arguments = parser.parse_args(argv)
    figures = asyncio.run(main_async(arguments.users, arguments.count, arguments.processes))
    print_figures(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
