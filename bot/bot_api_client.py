"""How the bot talks to the Bot API: an HTTP client on aiohttp and retries of failed calls.

python-telegram-bot's own client (httpx) is the fallback when aiohttp is not installed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import ssl
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Final
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter
from telegram.request import BaseRequest, HTTPXRequest, RequestData

_LOG = logging.getLogger(__name__)

RETRY_DELAYS: Final = (0.5, 2.0, 5.0)
# Connections to the Bot API: one for each update python-telegram-bot handles at once (256 with
# concurrent_updates on); more people than that wait for a free one, which is no error.
API_POOL_SIZE: Final = 256
POOL_TIMEOUT: Final = 30.0
CONNECT_TIMEOUT: Final = 5.0
JSON_HEADERS: Final = {"Content-Type": "application/json"}

Callback = Callable[..., Coroutine[Any, Any, Any]]


class PatientRateLimiter(AIORateLimiter):
    """AIORateLimiter (waits out 429 retry_after) that also retries what a retry can fix.

    Timeouts, dropped connections and 5xx answers are retried after growing delays; a bad
    request (400) or a blocked bot (403) is final and is not retried.
    """

    def __init__(self, *, delays: Sequence[float] = RETRY_DELAYS, max_retries: int = 5) -> None:
        super().__init__(max_retries=max_retries)
        self._delays = tuple(delays)

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send through the flood limiter; on a transient failure wait and send again."""
        for attempt, delay in enumerate((*self._delays, None)):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as error:  # TimedOut, dropped connection, 5xx
                if delay is None:
                    raise
                _LOG.warning(
                    "Bot API %s failed (%s), attempt %d; retrying in %.1f s",
                    endpoint,
                    type(error).__name__,
                    attempt + 1,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


class AiohttpRequest(BaseRequest):
    """python-telegram-bot's HTTP interface on aiohttp's client (keep-alive connections).

    PTB's default, httpx, rescans every pooled connection and every queued request at each
    request, which grows with the square of the load; it took ~1.5 ms of CPU a call on the
    throughput benchmark, aiohttp ~0.3 ms, with a plain queue for a free connection.
    """

    def __init__(
        self,
        *,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = CONNECT_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: Any = None  # aiohttp.ClientSession once initialised
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a call gives none."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (its connections open on demand)."""
        import aiohttp
        import certifi

        if self._session is None or self._session.closed:
            certificates = ssl.create_default_context(cafile=certifi.where())  # as httpx does
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=certificates),
                headers={"User-Agent": self.USER_AGENT},
                # Not trust_env: it reads ~/.netrc in a thread at every request. The proxy
                # (HTTPS_PROXY, NO_PROXY) is looked up once per host instead, see _proxy_for.
                trust_env=False,
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,  # float, None or DEFAULT_NONE
        write_timeout: Any = BaseRequest.DEFAULT_NONE,  # noqa: ARG002 - aiohttp has none
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP request: (status, body); network failures become PTB's NetworkError."""
        import aiohttp

        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read_timeout if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        connect = (
            self._connect_timeout
            if connect_timeout is BaseRequest.DEFAULT_NONE
            else connect_timeout
        )
        pool = self._pool_timeout if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        body, headers = _body(request_data)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=self._proxy_for(url),
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _proxy_for(self, url: str) -> str | None:
        """The proxy the environment sets for this URL's scheme and host (None: direct)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxy = getproxies().get(parts.scheme)
            self._proxies[key] = None if not proxy or proxy_bypass(key[1]) else proxy
        return self._proxies[key]


def _body(data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """The request's body and its headers: JSON (one C call, where a form is quoted character
    by character), or multipart when there are files."""
    if data is None:
        return None, None
    files = data.multipart_data
    if not files:
        return data.json_payload, JSON_HEADERS
    import aiohttp

    form = aiohttp.FormData()
    for name, value in data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form, None


def api_request(*, pool_size: int, read_timeout: float) -> BaseRequest:
    """The bot's HTTP client: aiohttp when installed, else PTB's httpx one.

    httpx's pool asks for `sniffio` at each request; when it is not installed, that failed
    import is retried every time (15% of the bot's CPU under load), so it is recorded once.
    """
    if importlib.util.find_spec("aiohttp") is not None:
        return AiohttpRequest(connection_pool_size=pool_size, read_timeout=read_timeout)
    if importlib.util.find_spec("sniffio") is None:
        sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]
    return HTTPXRequest(
        connection_pool_size=pool_size, read_timeout=read_timeout, pool_timeout=POOL_TIMEOUT
    )
