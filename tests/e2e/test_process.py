"""`drogowskaz run` as a real process: killed with SIGKILL mid-conversation, its conversations
continue from the database; SIGTERM stops it cleanly, in polling and in webhook mode; its logs
never show the token.

A fresh process builds its search index at the first update (seconds), so these tests start
as few processes as they can.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import httpx

from bot.heartbeat import is_alive
from bot.i18n import t
from bot.settings import Settings
from tests.botapi import TOKEN, BotApiServer, FakeUser
from tests.e2e.conftest import Bot, run_process

ROOT = Path(__file__).resolve().parents[2]
SIEDLCE_PIN = (52.167, 22.29)


async def start_process(
    server: BotApiServer, data_dir: Path, **settings: str
) -> asyncio.subprocess.Process:
    return await run_process(server.base_url, data_dir, token=TOKEN, **settings)


async def test_a_conversation_survives_sigkill_of_the_bot_process(
    server: BotApiServer, bot: Bot
) -> None:
    await bot.stop()  # the process below is the bot now; the same data directory
    ala = FakeUser(4242, "Ala", "pl")
    process = await start_process(server, bot.settings.data_dir)
    try:
        server.text(ala, "/start")
        await server.wait_for("sendMessage", 2, timeout=60)
        server.press(ala, data="who:me")
        await server.wait_for("sendMessage", 3)
        server.press(ala, data="age:18-25")
        await server.wait_for("sendMessage", 4)
        server.press(ala, data="sit:unemployment")
        await server.wait_for("editMessageText", 1)
        server.press(ala, data="sit:done")
        await server.wait_for("sendMessage", 6)  # the place question and the location hint
    finally:
        process.kill()  # SIGKILL: no chance to save anything more
        await process.communicate()

    await bot.start()
    results = await bot.pin(ala, *SIEDLCE_PIN)

    assert t("dialog.place.question.me", "pl") in server.sent_texts(ala.id)
    assert "Powiatowy Urząd Pracy w Siedlcach" in "\n".join(results)
    assert "Centrum Edukacji i Pracy Młodzieży OHP w Siedlcach" in "\n".join(results)


async def test_sigterm_stops_the_bot_process_cleanly_without_showing_the_token(
    server: BotApiServer, tmp_path: Path
) -> None:
    process = await start_process(server, tmp_path)
    try:
        # Polling runs (a signal during start-up is PTB's own business).
        await server.wait_until(lambda: server.polls >= 2, timeout=30, what="polling")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)

    assert process.returncode == 0, stderr.decode()[-3000:]
    assert "stopped" in stderr.decode()
    assert TOKEN not in stderr.decode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_webhook_process_answers_posts_reports_health_and_stops_on_sigterm(
    server: BotApiServer, tmp_path: Path
) -> None:
    port, secret = _free_port(), "process-webhook-secret"
    ala = FakeUser(4343, "Ala", "pl")
    start = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": ala.id, "type": "private"},
            "from": ala.as_json(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    process = await start_process(
        server,
        tmp_path,
        webhook_url="https://bot.example.invalid/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=str(port),
        webhook_secret=secret,
    )
    try:
        await server.wait_for("setWebhook", timeout=60)
        async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
            posted = await client.post(
                f"http://127.0.0.1:{port}/telegram",
                json=start,
                headers={"X-Telegram-Bot-Api-Secret-Token": secret},
            )
            await server.wait_until(lambda: bool(server.sent_texts(ala.id)), timeout=60)
        alive = is_alive(Settings(_env_file=None, data_dir=tmp_path))
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)

    assert (health.status_code, health.json()["status"]) == (200, "ok")
    assert posted.status_code == 200
    assert server.sent_texts(ala.id)[0] == t("dialog.greeting", "pl")
    assert server.calls_of("setWebhook")[-1].params["secret_token"] == secret
    assert alive, stderr.decode()[-3000:]  # the heartbeat `drogowskaz health` reads
    assert process.returncode == 0, stderr.decode()[-3000:]
    assert "stopped" in stderr.decode()
    assert TOKEN not in stderr.decode()
    assert secret not in stderr.decode()
