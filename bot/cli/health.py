"""`drogowskaz health`: the container's health check (is the running bot alive?).

Polling mode: the running bot touches a heartbeat file every half minute. Webhook mode adds
the bot's own HTTP health endpoint (the Application runs and the database answers), which is
also what a load balancer or orchestrator should ask.
"""

from __future__ import annotations

import argparse
import logging
import urllib.error
import urllib.request
from typing import Any

from bot.heartbeat import is_alive
from bot.settings import Settings

_LOG = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 3.0  # the CLI itself takes ~1.5 s to import; HEALTHCHECK --timeout=5s
_ANY_ADDRESS = ("", "0.0.0.0", "::")  # noqa: S104 - compared with, not bound


def health_url(settings: Settings) -> str | None:
    """The health endpoint of the bot on this machine; None in polling mode."""
    if not settings.webhook_url:
        return None
    host = settings.webhook_listen
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.webhook_port}{settings.health_path}"


def answers_http(url: str, *, timeout: float = HTTP_TIMEOUT_SECONDS) -> bool:
    """True when the health endpoint answers 200 (never through a proxy: it is local)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def is_healthy(settings: Settings) -> bool:
    """Alive by the heartbeat, and in webhook mode ready by the HTTP endpoint too."""
    url = health_url(settings)
    return is_alive(settings) and (url is None or answers_http(url))


def register(commands: Any) -> None:
    """Add `health`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "health", help="exit 0 when the running bot is alive (for container health checks)"
    )
    parser.set_defaults(handler=_run)


def _run(_: argparse.Namespace) -> int:
    return 0 if is_healthy(Settings()) else 1
