"""`drogowskaz chat`: the conversation in a terminal, on the sample catalogue if none is loaded."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import Any

from bot.console import run
from bot.dialog import Deps
from bot.i18n import LANGUAGES
from bot.runtime import Runtime
from bot.settings import Settings


def register(commands: Any) -> None:
    """Add `chat` to the parser."""
    parser = commands.add_parser(
        "chat",
        help="talk to the bot in the terminal (buttons are numbered options)",
        description=(
            "The resident's conversation in a terminal, one answer per line; works with piped "
            "input: printf '%s\\n' 19 'szukam pracy' Siedlce | drogowskaz chat"
        ),
    )
    parser.add_argument("--lang", choices=LANGUAGES, default=None, help="pl (default), uk or en")
    parser.set_defaults(handler=chat)


def chat(arguments: argparse.Namespace) -> int:
    """Open the runtime and chat on stdin/stdout until end of input."""
    settings = Settings()
    lang = arguments.lang or settings.language
    with Runtime.open(settings, progress=sys.stderr) as runtime:
        deps = Deps.of(runtime, state_ttl_hours=settings.state_ttl_hours)
        interactive = sys.stdin.isatty()
        return run(
            deps,
            sys.stdin,
            sys.stdout,
            lang=lang,
            clock=lambda: datetime.now(UTC),
            echo=not interactive,
            prompt=interactive,
        )
