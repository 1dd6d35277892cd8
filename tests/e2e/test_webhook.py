"""Webhook mode through real HTTP: Telegram's posts in, the bot's answers out to the local Bot
API server, and the health endpoint a load balancer asks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import shutil
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update

from bot.cli.health import is_healthy
from bot.heartbeat import is_alive
from bot.i18n import t
from bot.runtime import Runtime
from bot.settings import Settings
from bot.telegram_app import build_application
from bot.webhook import (
    SECRET_HEADER,
    ConnectionLimits,
    WebhookServer,
    serve_until_stopped,
    webhook_path,
)
from tests.botapi import TOKEN, BotApiServer, FakeUser

SECRET = "webhook-secret-for-tests"  # noqa: S105 - the test's own webhook secret
PUBLIC_URL = "https://bot.example.invalid/telegram/hook"
LIMIT = 64_000  # small enough that a test body can exceed it cheaply


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The harness's settings (tests/e2e/conftest.py), in webhook mode."""
    return settings.model_copy(update={"webhook_url": PUBLIC_URL})


@pytest.fixture
async def webhook(runtime: Runtime) -> AsyncIterator[WebhookServer]:
    application = build_application(runtime.settings, runtime, api_timeout=2.0)
    server = WebhookServer(
        application,
        runtime,
        path=webhook_path(PUBLIC_URL),
        secret=SECRET,
        max_update_bytes=LIMIT,
    )
    await server.start(listen="127.0.0.1", port=0, webhook_url=PUBLIC_URL)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, timeout=10.0) as http:
        yield http


def hook_url(server: WebhookServer) -> str:
    return f"http://127.0.0.1:{server.port}/telegram/hook"


def health_url(server: WebhookServer) -> str:
    return f"http://127.0.0.1:{server.port}/healthz"


def start_update(user: FakeUser, update_id: int) -> dict[str, Any]:
    """What Telegram posts when a person sends /start."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.as_json(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post(
    client: httpx.AsyncClient, server: WebhookServer, body: bytes, secret: str | None = SECRET
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return await client.post(hook_url(server), content=body, headers=headers)


async def test_an_update_posted_with_the_secret_is_answered_through_the_bot_api(
    webhook: WebhookServer, server: BotApiServer, client: httpx.AsyncClient
) -> None:
    ala = FakeUser(5001, "Ala", "pl")

    response = await post(client, webhook, json.dumps(start_update(ala, 1)).encode())
    await server.wait_until(lambda: bool(server.sent_texts(ala.id)), timeout=10, what="a greeting")

    assert response.status_code == 200
    assert server.sent_texts(ala.id)[0] == t("dialog.greeting", "pl")


@pytest.mark.usefixtures("webhook")
async def test_start_registers_the_webhook_with_the_secret_and_every_update_type(
    server: BotApiServer,
) -> None:
    call = server.calls_of("setWebhook")[-1]

    assert call.params["url"] == PUBLIC_URL
    assert call.params["secret_token"] == SECRET
    assert "callback_query" in call.params["allowed_updates"]
    assert "inline_query" in call.params["allowed_updates"]


@pytest.mark.parametrize("secret", [None, "", "guess", SECRET + "x", SECRET[:-1]])
async def test_a_post_without_the_right_secret_is_refused_and_not_handled(
    webhook: WebhookServer, server: BotApiServer, client: httpx.AsyncClient, secret: str | None
) -> None:
    intruder, ala = FakeUser(5002, "Intruz", "pl"), FakeUser(5003, "Ala", "pl")

    refused = await post(client, webhook, json.dumps(start_update(intruder, 7)).encode(), secret)
    accepted = await post(client, webhook, json.dumps(start_update(ala, 8)).encode())
    await server.wait_until(lambda: bool(server.sent_texts(ala.id)), timeout=10, what="a greeting")

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert server.sent_texts(intruder.id) == []


@pytest.mark.parametrize("size", [LIMIT, 40 * LIMIT])
async def test_a_body_over_the_limit_is_refused_with_413(
    webhook: WebhookServer, server: BotApiServer, client: httpx.AsyncClient, size: int
) -> None:
    ala = FakeUser(5004, "Ala", "pl")
    update = start_update(ala, 9)
    update["message"]["text"] = "/start " + "x" * size

    declared = await post(client, webhook, json.dumps(update).encode())
    chunked = await client.post(
        hook_url(webhook),
        content=_chunks(json.dumps(update).encode()),
        headers={"Content-Type": "application/json", SECRET_HEADER: SECRET},
    )

    assert declared.status_code == 413
    assert chunked.status_code == 413
    assert webhook.last_update_at is None
    assert server.sent_texts(ala.id) == []


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    """The body sent chunked: no Content-Length, so only counting can stop it."""
    for start in range(0, len(body), 8192):
        yield body[start : start + 8192]


async def test_a_post_that_is_not_an_update_is_a_bad_request(
    webhook: WebhookServer, client: httpx.AsyncClient
) -> None:
    not_json = await post(client, webhook, b"{not json")
    a_list = await post(client, webhook, b'["a", "list"]')
    no_id = await post(client, webhook, b"{}")

    assert (not_json.status_code, a_list.status_code, no_id.status_code) == (400, 400, 400)
    assert webhook.last_update_at is None


async def test_health_answers_200_with_the_catalogue_and_no_user_data(
    webhook: WebhookServer, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    before = await client.get(health_url(webhook))
    await post(client, webhook, json.dumps(start_update(FakeUser(5005), 10)).encode())
    after = await client.get(health_url(webhook))

    assert before.status_code == 200
    assert before.json() == {
        "status": "ok",
        "catalog": runtime.catalog.name,
        "services": len(runtime.catalog.services),
        "last_update_age_s": None,
    }
    assert after.json()["last_update_age_s"] >= 0
    assert TOKEN not in after.text
    assert SECRET not in after.text
    assert "5005" not in after.text


async def test_health_answers_503_when_the_database_is_gone(
    webhook: WebhookServer, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    runtime.database.dispose()
    shutil.rmtree(runtime.settings.data_dir)  # SQLite cannot open a file in a missing directory

    response = await client.get(health_url(webhook))

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["reason"].startswith("database: ")


async def test_health_answers_503_and_posts_are_deferred_once_the_bot_stops(
    runtime: Runtime,
) -> None:
    application = build_application(runtime.settings, runtime, api_timeout=2.0)
    server = WebhookServer(application, runtime, path="/hook", secret=SECRET)
    await server.start(listen="127.0.0.1", port=0, webhook_url=PUBLIC_URL)
    await application.stop()  # the Application stops first, as in a shutdown under way
    try:
        health = await server.health()
        queued = await server.handle(_update(application, FakeUser(5006)))
    finally:
        await server.stop()

    assert (health.status, health.body["reason"]) == (503, "not running")
    assert queued is False  # the post is answered 503, so Telegram delivers it again


def _update(application: Any, user: FakeUser) -> Update:
    return Update.de_json(start_update(user, 11), application.bot)


async def test_stopping_finishes_the_updates_already_accepted(
    runtime: Runtime, server: BotApiServer, client: httpx.AsyncClient
) -> None:
    users = [FakeUser(5100 + n, "Ala", "pl") for n in range(5)]
    application = build_application(runtime.settings, runtime, api_timeout=2.0)
    hook = WebhookServer(application, runtime, path="/telegram/hook", secret=SECRET)
    stop = asyncio.Event()
    started = asyncio.Event()

    async def stopped() -> None:
        started.set()
        await stop.wait()

    serving = asyncio.create_task(
        serve_until_stopped(
            hook, listen="127.0.0.1", port=0, webhook_url=PUBLIC_URL, stopped=stopped
        )
    )
    await started.wait()
    for n, user in enumerate(users):
        response = await post(client, hook, json.dumps(start_update(user, 20 + n)).encode())
        assert response.status_code == 200
    stop.set()  # as SIGTERM does, right after the posts were accepted
    await serving

    greeting = t("dialog.greeting", "pl")
    assert not application.running
    assert [server.sent_texts(user.id)[:1] for user in users] == [[greeting]] * len(users)


async def test_drogowskaz_health_asks_the_endpoint_in_webhook_mode(
    webhook: WebhookServer, runtime: Runtime
) -> None:
    settings = runtime.settings.model_copy(
        update={"webhook_listen": "127.0.0.1", "webhook_port": webhook.port}
    )

    serving = await asyncio.to_thread(is_healthy, settings)  # the server runs on this loop
    await webhook.stop()
    stopped = await asyncio.to_thread(is_healthy, settings)

    assert serving
    assert not stopped
    assert is_alive(settings)  # the heartbeat alone would still say alive


def test_the_webhook_path_comes_from_the_public_url() -> None:
    assert webhook_path("https://bot.example.org/telegram/hook") == "/telegram/hook"
    assert webhook_path("https://bot.example.org/hook/") == "/hook"
    assert webhook_path("https://bot.example.org") == "/"


def test_the_server_refuses_to_start_without_a_secret_or_on_the_health_path(
    runtime: Runtime,
) -> None:
    application = build_application(runtime.settings, runtime)

    with pytest.raises(ValueError, match="secret"):
        WebhookServer(application, runtime, path="/hook", secret="")
    with pytest.raises(ValueError, match="health"):
        WebhookServer(application, runtime, path="/healthz", secret=SECRET)
    with pytest.raises(ValueError, match="health"):
        WebhookServer(application, runtime, path="/ready/", secret=SECRET, health_path="ready")
    assert SECRET not in repr(WebhookServer(application, runtime, path="/hook", secret=SECRET))


async def test_a_post_is_answered_200_only_once_its_update_is_answered(
    webhook: WebhookServer, server: BotApiServer, client: httpx.AsyncClient
) -> None:
    ola = FakeUser(5201, "Ola", "pl")

    response = await post(client, webhook, json.dumps(start_update(ola, 31)).encode())

    assert response.status_code == 200
    assert server.sent_texts(ola.id)[0] == t("dialog.greeting", "pl")  # already, no waiting


async def test_an_update_telegram_sends_again_is_not_answered_twice(
    webhook: WebhookServer, server: BotApiServer, client: httpx.AsyncClient
) -> None:
    ela = FakeUser(5202, "Ela", "pl")
    body = json.dumps(start_update(ela, 41)).encode()

    first = await post(client, webhook, body)
    again = await post(client, webhook, body)  # as after a 200 lost on the way

    assert (first.status_code, again.status_code) == (200, 200)
    assert server.sent_texts(ela.id).count(t("dialog.greeting", "pl")) == 1
    assert len(server.sent_texts(ela.id)) == 2  # the greeting and the first question, once


# ----------------------------------------------------------------------------- slow clients

TIGHT = ConnectionLimits(header_seconds=1.0, body_seconds=1.0, max_connections=20)


@pytest.fixture
async def tight_webhook(runtime: Runtime) -> AsyncIterator[WebhookServer]:
    """The webhook with one-second timeouts and room for 20 connections."""
    application = build_application(runtime.settings, runtime, api_timeout=2.0)
    server = WebhookServer(
        application, runtime, path=webhook_path(PUBLIC_URL), secret=SECRET, limits=TIGHT
    )
    await server.start(listen="127.0.0.1", port=0, webhook_url=PUBLIC_URL)
    try:
        yield server
    finally:
        await server.stop()


async def slow_client(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client that starts a request and never finishes its headers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /telegram/hook HTTP/1.1\r\nHost: bot\r\nX-Slow: ")
    await writer.drain()
    return reader, writer


SLOW_CLIENTS = """
import socket, sys
held = []
for _ in range(int(sys.argv[2])):
    held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
    held[-1].sendall(b"POST /telegram/hook HTTP/1.1\\r\\nHost: bot\\r\\nX-Slow: ")
print("ready", flush=True)
sys.stdin.read()
"""


@contextlib.contextmanager
def descriptors_left(count: int) -> Iterator[None]:
    """This process may open only `count` more files (as a busy server's limit would be)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    opened = len(list(Path("/proc/self/fd").iterdir()))
    resource.setrlimit(resource.RLIMIT_NOFILE, (opened + count, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_slow_clients_past_the_cap_leave_health_and_updates_answered(
    tight_webhook: WebhookServer, server: BotApiServer, client: httpx.AsyncClient
) -> None:
    """Slow clients in another process hold the server's descriptors, as an attacker's would."""
    ala = FakeUser(5101, "Ala", "pl")
    with descriptors_left(TIGHT.max_connections + 20):
        slow = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SLOW_CLIENTS,
            str(tight_webhook.port),
            str(3 * TIGHT.max_connections),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert slow.stdout is not None
            assert await asyncio.wait_for(slow.stdout.readline(), 10) == b"ready\n"

            health = await client.get(health_url(tight_webhook))
            posted = await post(client, tight_webhook, json.dumps(start_update(ala, 1)).encode())
            await server.wait_until(
                lambda: bool(server.sent_texts(ala.id)), timeout=10, what="a greeting"
            )
        finally:
            slow.kill()
            await slow.wait()

    assert health.status_code == 200
    assert posted.status_code == 200


async def test_a_client_too_slow_with_its_headers_is_cut_off(
    tight_webhook: WebhookServer,
) -> None:
    assert tight_webhook.port is not None
    reader, writer = await slow_client(tight_webhook.port)

    async with asyncio.timeout(5 * TIGHT.header_seconds):
        closed = await reader.read()  # the server closes: end of stream

    assert closed == b""
    writer.close()
