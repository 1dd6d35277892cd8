"""End-to-end fixtures: the local Bot API server and the real Application pointed at it.

Every test gets a fresh server, a fresh Application (an Application belongs to the event loop
it started on) and its own SQLite database in tmp_path.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.handlers.common import services_in
from bot.services import BotServices
from bot.settings import Settings
from bot.telegram_app import build_application as build_application  # re-exported: tests patch it
from bot.telegram_app import warm_up
from tests.botapi import TOKEN, BotApiServer, FakeUser

FAST_RETRIES = (0.05, 0.1, 0.2)


class Bot:
    """The bot under test: start, talk to it as a person, restart it on the same database."""

    def __init__(self, server: BotApiServer, settings: Settings, runtime: Any) -> None:
        self.server = server
        self.settings = settings
        self.runtime = runtime
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._done: dict[int, asyncio.Event] = {}

    @property
    def services(self) -> BotServices:
        """The running application's services (its feedback store, statistics...)."""
        assert self.app is not None
        return services_in(self.app.bot_data)

    async def start(self, *, api_timeout: float = 2.0) -> None:
        """Build a new Application and start polling the local server."""
        done = self._done

        class Observed(Application):  # type: ignore[type-arg]
            """Tells the test when an update has been handled, whichever handler took it."""

            async def process_update(self, update: object) -> None:
                try:
                    await super().process_update(update)
                finally:
                    if isinstance(update, Update):
                        done.setdefault(update.update_id, asyncio.Event()).set()

        app = build_application(
            self.settings,
            self.runtime,
            api_timeout=api_timeout,
            retry_delays=FAST_RETRIES,
            application_class=Observed,
        )
        await app.initialize()
        if app.post_init is not None:  # run_polling would call it; we start by hand
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        self.app = app
        await app.updater.start_polling(poll_interval=0, timeout=1)

    async def stop(self) -> None:
        """Stop polling and shut the Application down (as on SIGTERM)."""
        app, self.app = self.app, None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop is not None:  # as run_polling does
                await app.post_stop(app)
        await app.shutdown()

    async def restart(self, *, api_timeout: float = 2.0) -> None:
        """A new process on the same database: everything in memory is gone."""
        await self.stop()
        await self.start(api_timeout=api_timeout)

    async def processed(self, update_id: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has fully handled an update (all its replies are sent)."""
        event = self._done.setdefault(update_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            seen = [call.method for call in self.server.calls]
            raise AssertionError(f"update {update_id} not processed; calls: {seen}") from None

    async def say(self, user: FakeUser, text: str) -> list[str]:
        """The person writes; returns the texts the bot sent back for it."""
        before = len(self.server.sent_texts(user.id))
        await self.processed(self.server.text(user, text))
        return self.server.sent_texts(user.id)[before:]

    async def press(self, user: FakeUser, label: str | None = None, **by: Any) -> list[str]:
        """The person presses a button of the bot's newest message that has it."""
        before = len(self.server.sent_texts(user.id))
        await self.processed(self.server.press(user, label=label, **by))
        return self.server.sent_texts(user.id)[before:]

    async def pin(self, user: FakeUser, latitude: float, longitude: float) -> list[str]:
        """The person shares a location."""
        before = len(self.server.sent_texts(user.id))
        await self.processed(self.server.location(user, latitude, longitude))
        return self.server.sent_texts(user.id)[before:]


@pytest.fixture(scope="session", autouse=True)
def _vocabularies_loaded() -> None:
    """Load the lemma tables once per session (seconds), not inside a timed-out test."""
    warm_up()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx would send 127.0.0.1 through a configured proxy."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, server: BotApiServer) -> Settings:
    return Settings(
        _env_file=None,
        token=TOKEN,
        data_dir=tmp_path,
        bot_api_url=server.base_url,
        bot_api_file_url=server.base_file_url,
        # a child process per reload costs ~2 s; tests/bot/test_isolated.py covers that path
        check_in_child_process=False,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Any]:
    from bot.runtime import Runtime

    opened = Runtime.open(settings)
    yield opened
    close = getattr(opened, "close", None)
    if close is not None:
        close()


@pytest.fixture
async def bot(server: BotApiServer, settings: Settings, runtime: Any) -> AsyncIterator[Bot]:
    running = Bot(server, settings, runtime)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


ROOT = Path(__file__).resolve().parents[2]
RUN = "import sys; from bot.cli import main; sys.exit(main(['run', '--no-warm-up']))"


async def run_process(
    api_url: str, data_dir: Path, *python_options: str, **settings: str
) -> asyncio.subprocess.Process:
    """`drogowskaz run` in its own process, with only the settings given (DROGOWSKAZ_<NAME>)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DROGOWSKAZ_") and "proxy" not in key.lower()
    }
    environment.update(
        {
            "DROGOWSKAZ_BOT_API_URL": api_url,
            "DROGOWSKAZ_DATA_DIR": str(data_dir),
            "NO_PROXY": "127.0.0.1,localhost",
            **{f"DROGOWSKAZ_{name.upper()}": value for name, value in settings.items()},
        }
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *python_options,
        "-c",
        RUN,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
