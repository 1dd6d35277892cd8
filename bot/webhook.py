"""Webhook mode: our own small HTTP server in front of the Application, with a health endpoint.

python-telegram-bot's `run_webhook` serves only the webhook path, so `drogowskaz run` follows
PTB's "custom webhook bot" pattern instead: a tornado server (already installed with PTB's
`webhooks` extra) takes Telegram's POSTs, checks the secret token, bounds the body and puts the
update on `application.update_queue`; the Application processes it as in polling mode. GET on
the health path tells a load balancer or orchestrator whether this instance can serve: the
Application runs and the database answers.

A post is answered 200 only once its update is handled (state stored, replies sent): if the
process dies first, Telegram gets no 200 and sends the update again, to this process or,
behind a load balancer, to another, which answers it (the stored state says whether it was
answered already, `bot.store`).

Shutdown (SIGTERM) stops accepting posts first, then lets the updates in flight finish; each
conversation step is already in the database when it is answered.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlparse

import tornado.web
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application, ExtBot
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.settings import Settings

_LOG = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# Telegram's updates are a few kilobytes (a message is at most 4096 characters); a megabyte
# leaves room for any entity list and still refuses a flood of bytes.
MAX_UPDATE_BYTES: Final = 1_000_000
DATABASE_CHECK_TIMEOUT_SECONDS: Final = 5.0
# Past this, tornado itself drops the connection without reading the body.
_HARD_BODY_LIMIT_BYTES: Final = 64_000_000

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True, slots=True)
class Health:
    """What the health endpoint answers: 200 with `body` when `ok`, else 503 with the reason."""

    ok: bool
    body: dict[str, object] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """The HTTP status for this health."""
        return HTTPStatus.OK if self.ok else HTTPStatus.SERVICE_UNAVAILABLE


def webhook_path(webhook_url: str) -> str:
    """The path Telegram posts to: the path of the public webhook URL ('/' when it has none)."""
    path = urlparse(webhook_url).path.rstrip("/")
    return path or "/"


class WebhookServer:
    """The Application behind an HTTP server: the webhook path for Telegram, plus health.

    `start` initialises and starts the Application, listens, and registers the webhook with
    Telegram; `stop` undoes it in the reverse order, finishing the updates in flight.
    """

    def __init__(
        self,
        application: AnyApplication,
        runtime: Runtime,
        *,
        path: str,
        secret: str,
        health_path: str = "/healthz",
        max_update_bytes: int = MAX_UPDATE_BYTES,
    ) -> None:
        if not secret:
            raise ValueError("the webhook needs a secret token")
        path, health_path = "/" + path.lstrip("/"), "/" + health_path.lstrip("/")
        if path.rstrip("/") == health_path.rstrip("/"):
            raise ValueError(f"the webhook path and the health path are both {path!r}")
        self.application = application
        self.runtime = runtime
        self.path = path
        self.health_path = health_path
        self.max_update_bytes = max_update_bytes
        self._secret = secret.encode()
        self._http: HTTPServer | None = None
        self._in_flight: set[asyncio.Future[None]] = set()
        self._initialized = False
        self.port: int | None = None
        self.last_update_at: float | None = None  # time.monotonic() of the last accepted update

    def __repr__(self) -> str:  # never the secret
        return f"WebhookServer(path={self.path!r}, port={self.port!r})"

    def secret_matches(self, given: str | None) -> bool:
        """True when a request carries our secret token (compared in constant time)."""
        if given is None:
            return False
        return hmac.compare_digest(given.encode(), self._secret)

    async def handle(self, update: Update) -> bool:
        """Handle an update and return once it is (its replies sent); False when the
        Application no longer takes updates. A handler's failure is the Application's error
        handler's business: the update counts as handled."""
        if not self.application.running:
            return False
        bot = self.application.bot
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)
        self.last_update_at = time.monotonic()
        handling = asyncio.ensure_future(self.application.process_update(update))
        self._in_flight.add(handling)
        handling.add_done_callback(self._in_flight.discard)
        await asyncio.shield(handling)  # a dropped connection does not cut the update short
        return True

    async def health(self) -> Health:
        """Ready when the Application runs and the database answers a trivial query."""
        if not self.application.running:
            return Health(ok=False, body={"status": "unavailable", "reason": "not running"})
        try:
            await asyncio.wait_for(
                asyncio.to_thread(_ping, self.runtime), DATABASE_CHECK_TIMEOUT_SECONDS
            )
        except TimeoutError:
            return Health(ok=False, body={"status": "unavailable", "reason": "database: timeout"})
        except Exception as error:  # any failure means "not ready"
            _LOG.warning("health: the database does not answer (%s)", type(error).__name__)
            reason = f"database: {type(error).__name__}"
            return Health(ok=False, body={"status": "unavailable", "reason": reason})
        catalog = self.runtime.catalog
        age = None if self.last_update_at is None else time.monotonic() - self.last_update_at
        return Health(
            ok=True,
            body={
                "status": "ok",
                "catalog": catalog.name,
                "services": len(catalog.services),
                "last_update_age_s": None if age is None else round(age, 1),
            },
        )

    async def start(self, *, listen: str, port: int, webhook_url: str) -> int:
        """Start the Application, listen on listen:port (0 = any free port), set the webhook.

        Returns the port listened on. The server listens before the webhook is set, so the
        first update Telegram sends finds it ready.
        """
        application = self.application
        await application.initialize()
        self._initialized = True
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        self.port = self._listen(listen, port)
        await application.bot.set_webhook(
            url=webhook_url,
            secret_token=self._secret.decode(),
            allowed_updates=Update.ALL_TYPES,
        )
        _LOG.info("webhook listening on %s:%d%s", listen, self.port, self.path)
        return self.port

    async def stop(self) -> None:
        """Stop taking posts, finish the updates in flight, shut the Application down."""
        if self._http is not None:
            http, self._http = self._http, None
            http.stop()
            if self._in_flight:  # answered before their connections close
                await asyncio.wait(set(self._in_flight))
            await http.close_all_connections()
        application = self.application
        if application.running:
            await application.stop()  # processes every update already queued
            if application.post_stop is not None:
                await application.post_stop(application)
        if self._initialized:
            self._initialized = False
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)

    def _listen(self, listen: str, port: int) -> int:
        routes: list[Any] = [
            (rf"{_route(self.path)}/?", _UpdateHandler, {"server": self}),
            (rf"{_route(self.health_path)}/?", _HealthHandler, {"server": self}),
        ]
        self._http = HTTPServer(_Quiet(routes), max_body_size=_HARD_BODY_LIMIT_BYTES)
        sockets = bind_sockets(port, address=listen, family=socket.AF_UNSPEC)
        self._http.add_sockets(sockets)
        bound: int = sockets[0].getsockname()[1]
        return bound


def _route(path: str) -> str:
    """A URL path as a tornado route pattern (literal, without its trailing slash)."""
    return re.escape(path.rstrip("/")) if path.rstrip("/") else ""


def _ping(runtime: Runtime) -> None:
    """One trivial query: does the database answer at all?"""
    with runtime.engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()


class _Quiet(tornado.web.Application):
    """No access log: a URL line per update says nothing useful and adds log volume."""

    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """Log nothing per request (errors are logged where they happen)."""


class _JsonHandler(tornado.web.RequestHandler):
    """Answers with a small JSON object."""

    server: WebhookServer

    def initialize(self, server: WebhookServer) -> None:
        """Tornado's per-request set-up: the server the handler serves."""
        self.server = server

    def answer(self, status: int, body: dict[str, object]) -> None:
        """Finish the request with a status and a JSON body."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, ensure_ascii=False))


@tornado.web.stream_request_body
class _UpdateHandler(_JsonHandler):
    """POST from Telegram: secret checked, body bounded, update handled, then 200."""

    SUPPORTED_METHODS = ("POST",)

    def prepare(self) -> None:
        """Refuse before reading the body: a wrong secret, or a declared length too large."""
        self._chunks: list[bytes] = []
        self._size = 0
        self._refused = False
        if not self.server.secret_matches(self.request.headers.get(SECRET_HEADER)):
            _LOG.warning("webhook: refused a post without the right secret token")
            self._refuse(HTTPStatus.FORBIDDEN, "forbidden")
            return
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.server.max_update_bytes:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too large")

    def data_received(self, chunk: bytes) -> None:
        """Keep the body up to the limit; past it (or once refused) read and drop."""
        if self._refused:
            return
        self._size += len(chunk)
        if self._size > self.server.max_update_bytes:
            self._chunks.clear()
        else:
            self._chunks.append(chunk)

    async def post(self) -> None:
        """Parse the update and queue it; 503 when shutting down, so Telegram sends it again."""
        if self._size > self.server.max_update_bytes:
            self.answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"})
            return
        try:
            data = json.loads(b"".join(self._chunks))
            update = Update.de_json(data, self.server.application.bot)
        except Exception as error:  # whatever it was, it is not an update
            _LOG.warning("webhook: a post that is not an update (%s)", type(error).__name__)
            self.answer(HTTPStatus.BAD_REQUEST, {"error": "not an update"})
            return
        if not await self.server.handle(update):
            self.answer(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "stopping"})
            return
        self.answer(HTTPStatus.OK, {"ok": True})

    def _refuse(self, status: int, reason: str) -> None:
        self._refused = True
        self.answer(status, {"error": reason})


class _HealthHandler(_JsonHandler):
    """GET: 200 and what is served when ready, 503 and why otherwise. No user data."""

    SUPPORTED_METHODS = ("GET",)

    async def get(self) -> None:
        """Answer the health check."""
        health = await self.server.health()
        self.answer(health.status, health.body)


async def serve_until_stopped(
    server: WebhookServer,
    *,
    listen: str,
    port: int,
    webhook_url: str,
    stopped: Callable[[], Awaitable[object]],
) -> None:
    """Start the server, wait until `stopped()` returns, then stop gracefully."""
    try:
        await server.start(listen=listen, port=port, webhook_url=webhook_url)
        await stopped()
    finally:
        await server.stop()


def run_webhook(
    application: AnyApplication, runtime: Runtime, settings: Settings, *, secret: str
) -> None:
    """Serve the webhook until SIGTERM or SIGINT (owns the event loop, like `run_polling`)."""
    if not settings.webhook_url:
        raise ValueError("DROGOWSKAZ_WEBHOOK_URL is not set")
    server = WebhookServer(
        application,
        runtime,
        path=webhook_path(settings.webhook_url),
        secret=secret,
        health_path=settings.health_path,
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve_until_stopped(
            server,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            webhook_url=settings.webhook_url or "",
            stopped=stop.wait,
        )

    asyncio.run(main())
