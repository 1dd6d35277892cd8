"""`drogowskaz health`: the container's health check (is the running bot alive?)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bot.settings import Settings

HEARTBEAT_FILE = "heartbeat"
HEARTBEAT_MAX_AGE_SECONDS = 120.0


def heartbeat_path(settings: Settings) -> Path:
    """Where the running bot touches a file every half minute to show it is alive."""
    return settings.data_dir / HEARTBEAT_FILE


def is_alive(settings: Settings, *, now: float | None = None) -> bool:
    """True when the bot touched its heartbeat file recently."""
    path = heartbeat_path(settings)
    if not path.exists():
        return False
    age = (time.time() if now is None else now) - path.stat().st_mtime
    return age <= HEARTBEAT_MAX_AGE_SECONDS


def register(commands: Any) -> None:
    """Add `health`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "health", help="exit 0 when the running bot is alive (for container health checks)"
    )
    parser.set_defaults(handler=_run)


def _run(_: argparse.Namespace) -> int:
    return 0 if is_alive(Settings()) else 1
