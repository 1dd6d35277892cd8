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
import errno
import hmac
import json
import logging
import re
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlparse

import tornado.web
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application, ExtBot
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
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
# Accept errors that mean "out of file descriptors or memory": waiting helps, retrying at once
# does not (the listening socket stays readable, so the loop would spin and log every turn).
_EXHAUSTED: Final = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
ACCEPT_PAUSE_SECONDS: Final = 0.5
LOG_INTERVAL_SECONDS: Final = 60.0


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """How long and how many: what keeps slow or idle clients from holding the server.

    Telegram sends a whole update in one go within milliseconds; a client that needs longer
    than `header_seconds` for its headers, or `body_seconds` for a body, or that sits idle on a
    kept-alive connection as long, is cut off. Past `max_connections` open connections the
    oldest is closed for each new one, so new requests (health checks, Telegram) still get in
    while a flood of slow connections lasts; each costs a file descriptor, so the process's
    limit (`ulimit -n`) must stay above `max_connections` plus the Bot API pool (256).
    """

    header_seconds: float = 10.0
    body_seconds: float = 10.0
    max_connections: int = 500


class _Throttled:
    """Logs a kind of event at most once per interval, with how many were not logged."""

    def __init__(self, interval: float = LOG_INTERVAL_SECONDS) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}

    def warning(self, kind: str, message: str, *args: object) -> None:
        now = time.monotonic()
        last = self._last.get(kind)
        if last is not None and now - last < self.interval:
            self._skipped[kind] = self._skipped.get(kind, 0) + 1
            return
        self._last[kind] = now
        skipped = self._skipped.pop(kind, 0)
        _LOG.warning(message + " (%d more since the last report)", *args, skipped)


class _BoundedHTTPServer(HTTPServer):
    """tornado's HTTP server with a cap on open connections and calm accept errors."""

    limits: ConnectionLimits
    events: _Throttled
    _opened: dict[IOStream, None]

    def bound(self, limits: ConnectionLimits) -> _BoundedHTTPServer:
        """Set the limits (tornado's servers are configured in `initialize`, not `__init__`)."""
        self.limits = limits
        self.events = _Throttled()
        self._opened = {}
        return self

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        """Accept on the sockets, pausing (not spinning) while descriptors run out."""
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = _Acceptor(
                sock, self._handle_connection, self.events
            ).start()

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        """Serve a new connection; at the cap, close the oldest open one first."""
        if len(self._opened) >= self.limits.max_connections:
            self._opened = {kept: None for kept in self._opened if not kept.closed()}
        if len(self._opened) >= self.limits.max_connections:
            oldest = next(iter(self._opened))
            del self._opened[oldest]
            oldest.close()
            self.events.warning(
                "cap",
                "webhook: %d connections open, the oldest closed for a new one",
                self.limits.max_connections,
            )
        self._opened[stream] = None
        super().handle_stream(stream, address)


class _Acceptor:
    """Accepts connections on a listening socket, as tornado's `add_accept_handler` does, but
    on "too many open files" it logs once per interval and pauses accepting for a moment."""

    def __init__(
        self,
        sock: socket.socket,
        callback: Callable[[socket.socket, Any], None],
        events: _Throttled,
        *,
        pause: float = ACCEPT_PAUSE_SECONDS,
    ) -> None:
        self.sock = sock
        self.callback = callback
        self.events = events
        self.pause = pause
        self.io_loop = IOLoop.current()
        self.removed = False
        self.paused = False

    def start(self) -> Callable[[], None]:
        """Start accepting; returns what stops it (tornado's server calls it on stop)."""
        self.io_loop.add_handler(self.sock, self.on_readable, IOLoop.READ)
        return self.remove

    def remove(self) -> None:
        """Stop accepting for good."""
        if not self.removed and not self.paused:
            self.io_loop.remove_handler(self.sock)
        self.removed = True

    def on_readable(self, _fd: object, _events: int) -> None:
        """Accept what waits (at most a backlog's worth, so other work is not starved)."""
        for _ in range(128):
            if self.removed or self.paused:
                return
            try:
                connection, address = self.sock.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as error:
                if error.errno not in _EXHAUSTED:
                    raise
                self.events.warning(
                    "accept",
                    "webhook: cannot accept connections (%s); pausing %.1f s",
                    errno.errorcode.get(error.errno or 0, "?"),
                    self.pause,
                )
                self.paused = True
                self.io_loop.remove_handler(self.sock)
                self.io_loop.call_later(self.pause, self._resume)
                return
            self.callback(connection, address)

    def _resume(self) -> None:
        self.paused = False
        if not self.removed:
            self.io_loop.add_handler(self.sock, self.on_readable, IOLoop.READ)


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
        limits: ConnectionLimits | None = None,
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
        self.limits = limits or ConnectionLimits()
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
        limits = self.limits
        self._http = _BoundedHTTPServer(
            _Quiet(routes),
            max_body_size=_HARD_BODY_LIMIT_BYTES,
            idle_connection_timeout=limits.header_seconds,  # also bounds reading the headers
            body_timeout=limits.body_seconds,
        ).bound(limits)
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
        limits=ConnectionLimits(
            header_seconds=settings.webhook_timeout_seconds,
            body_seconds=settings.webhook_timeout_seconds,
            max_connections=settings.webhook_max_connections,
        ),
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
