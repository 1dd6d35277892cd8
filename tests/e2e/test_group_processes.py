"""Two real `drogowskaz run` processes on one PostgreSQL, in webhook mode, behind a small
round-robin proxy on 127.0.0.1: the test plays Telegram (it posts each update to the proxy and
posts it again while it gets no 200) and keeps the Bot API server both processes call.

Conversations alternate between the processes without losing a step; a reload through one is
served by the other within 5 s; one is killed with SIGKILL and the conversations go on through
the other, no update answered twice; the expiry job runs in one process only.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import signal
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import ClientError, ClientSession, ClientTimeout, web
from sqlalchemy import create_engine

from bot.i18n import t
from tests.botapi import BotApiServer, FakeUser
from tests.e2e.test_process import start_process
from tests.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures, used by name

SECRET = "group-secret-0123456789"  # noqa: S105 - a test secret
ADMIN = FakeUser(9301, "Koordynatorka", "pl")
PUP = "Powiatowy Urząd Pracy w Siedlcach"
STEPS = ("/start", "19", "szukam pracy", "Siedlce")
STALE_CHATS = (7001, 7002, 7003)
_update_ids = itertools.count(1000)

RELOADED = """\
version: 1
name: Katalog przeładowany
institutions:
  - id: pup-siedlce
    name: Powiatowy Urząd Pracy w Siedlcach
    place: miasto Siedlce
    phones: ["+48 25 632 20 01"]
    services:
      - id: pup-praca
        name: Oferty pracy
        situations: [unemployment]
        area: [powiat siedlecki, miasto Siedlce]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RoundRobin:
    """An HTTP proxy that sends each request to the next backend (502 when it is down)."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.turn = itertools.cycle(range(len(backends)))
        self.port = free_port()
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None

    async def __aenter__(self) -> RoundRobin:
        self._session = ClientSession(timeout=ClientTimeout(total=30))
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        backend = self.backends[next(self.turn)]
        url = f"http://127.0.0.1:{backend}{request.path_qs}"
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        try:
            async with self._session.request(
                request.method, url, data=await request.read(), headers=headers
            ) as answer:
                return web.Response(status=answer.status, body=await answer.read())
        except (ClientError, ConnectionError):
            return web.Response(status=502, text="backend down")


def text_update(user: FakeUser, words: str) -> dict[str, Any]:
    update_id = next(_update_ids)
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.as_json(),
        "text": words,
    }
    if words.startswith("/"):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(words.split()[0])}
        ]
    return {"update_id": update_id, "message": message}


async def deliver(
    client: httpx.AsyncClient, url: str, update: dict[str, Any], *, seconds: float = 30.0
) -> int:
    """Post an update as Telegram does: again and again until a 200; returns the tries."""
    body = json.dumps(update).encode()
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with asyncio.timeout(seconds):
        for tries in itertools.count(1):
            try:
                response = await client.post(url, content=body, headers=headers)
                if response.status_code == 200:
                    return tries
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("unreachable")


async def healthy(client: httpx.AsyncClient, port: int) -> dict[str, Any]:
    """What the process's health endpoint says ({} while it is not up)."""
    try:
        response = await client.get(f"http://127.0.0.1:{port}/healthz")
    except httpx.HTTPError:
        return {}
    body: dict[str, Any] = response.json() if response.status_code == 200 else {}
    return body


async def until(condition: Callable[[], Awaitable[object]], seconds: float, what: str) -> None:
    try:
        async with asyncio.timeout(seconds):
            while not await condition():  # noqa: ASYNC110 - polling other processes
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"not within {seconds} s: {what}") from None


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "reloaded.yaml"
    path.write_text(RELOADED, encoding="utf-8")
    return path


@pytest.fixture
def stale_chats(postgres_url: str) -> Iterator[None]:  # noqa: F811 - the fixture, by name
    """Three conversations idle for two days, for the expiry job to forget (once)."""
    from bot.store import ConversationStore

    engine = create_engine(postgres_url)
    store = ConversationStore(engine)
    store.create_tables()
    for chat_id in STALE_CHATS:
        store.save(chat_id, {"step": "age"}, now=datetime.now(UTC) - timedelta(days=2))
    yield
    engine.dispose()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, timeout=30.0) as http:
        yield http


def forgotten(log: list[str]) -> int:
    return sum(
        int(n) for line in log for n in re.findall(r"forgot (\d+) idle conversations", line)
    )


def expiry_runs(log: list[str]) -> int:
    return sum("expiry: looking for idle conversations" in line for line in log)


@pytest.mark.usefixtures("stale_chats")
async def test_two_processes_on_one_postgresql_behind_a_round_robin_proxy(
    server: BotApiServer,
    postgres_url: str,  # noqa: F811 - the fixture, by name
    tmp_path: Path,
    catalog_file: Path,
    client: httpx.AsyncClient,
) -> None:
    ports = [free_port(), free_port()]
    async with RoundRobin(ports) as proxy:
        hook = f"http://127.0.0.1:{proxy.port}/hook"
        processes = [
            await start_process(
                server,
                tmp_path / f"process-{n}",
                database_url=postgres_url,
                webhook_url=hook,
                webhook_listen="127.0.0.1",
                webhook_port=str(port),
                webhook_secret=SECRET,
                admin_ids=str(ADMIN.id),
                catalog=str(catalog_file),
                expiry_interval_seconds="0.5",
                catalog_check_seconds="2",
            )
            for n, port in enumerate(ports)
        ]
        logs: list[list[str]] = [[], []]

        async def read(stream: asyncio.StreamReader | None, into: list[str]) -> None:
            while stream is not None and (line := await stream.readline()):
                into.append(line.decode(errors="replace"))

        readers = [
            asyncio.create_task(read(process.stderr, log))
            for process, log in zip(processes, logs, strict=True)
        ]
        try:

            async def both_ready() -> bool:
                return all([await healthy(client, port) for port in ports])

            await until(both_ready, 120, "both processes ready")
            people = [FakeUser(8100 + n, f"Osoba {n}", "pl") for n in range(4)]

            # two steps of every conversation, each step through the next process
            for words in STEPS[:2]:
                for person in people:
                    assert await deliver(client, hook, text_update(person, words)) == 1

            # a reload through the first process is served by the second within 5 s
            await deliver(
                client, f"http://127.0.0.1:{ports[0]}/hook", text_update(ADMIN, "/reload")
            )
            assert "Katalog przeładowany" in server.sent_texts(ADMIN.id)[-1]

            async def second_serves_it() -> bool:
                body = await healthy(client, ports[1])
                return body.get("catalog") == "Katalog przeładowany"

            await until(second_serves_it, 5, "the reload served by the other process")

            # the first process dies (SIGKILL) while the third steps are on their way
            steps = [
                asyncio.create_task(deliver(client, hook, text_update(person, STEPS[2])))
                for person in people
            ]
            await asyncio.sleep(0.05)
            expiring = [expiry_runs(log) for log in logs]
            processes[0].send_signal(signal.SIGKILL)
            await processes[0].wait()
            await asyncio.gather(*steps)
            for person in people:
                await deliver(client, hook, text_update(person, STEPS[3]))
            await until(
                lambda: asyncio.sleep(0, expiry_runs(logs[1]) > expiring[1]),
                10,
                "the survivor leads",
            )
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), 60)
            await asyncio.gather(*readers)

    for person in people:
        texts = server.sent_texts(person.id)
        assert texts.count(t("dialog.greeting", "pl")) == 1, texts  # nothing answered twice
        assert len(set(texts)) == len(texts), texts  # each step answered once
        assert any(PUP in text for text in texts), texts  # age, situation and place all kept
    # while both ran, one of them ran the expiry job; the other took over once it was gone
    assert sorted(n > 0 for n in expiring) == [False, True], expiring
    assert sum(forgotten(log) for log in logs) == len(STALE_CHATS)
    assert any("catalogues loaded by another process now served" in line for line in logs[1])
