"""The running bot's heartbeat: a file it touches every half minute to show it is alive.

Below the command line: the application touches it, `drogowskaz health` reads it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bot.settings import Settings

_LOG = logging.getLogger(__name__)

HEARTBEAT_FILE = "heartbeat"
HEARTBEAT_MAX_AGE_SECONDS = 120.0


def heartbeat_path(settings: Settings) -> Path:
    """Where the running bot touches a file every half minute to show it is alive."""
    return settings.data_dir / HEARTBEAT_FILE


def touch_heartbeat(settings: Settings) -> bool:
    """Show that the bot is alive now; False (and a warning) when the file cannot be written."""
    path = heartbeat_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError as error:
        _LOG.warning("cannot touch the heartbeat file: %s", type(error).__name__)
        return False
    return True


def is_alive(settings: Settings, *, now: float | None = None) -> bool:
    """True when the bot touched its heartbeat file recently."""
    path = heartbeat_path(settings)
    if not path.exists():
        return False
    age = (time.time() if now is None else now) - path.stat().st_mtime
    return age <= HEARTBEAT_MAX_AGE_SECONDS
