"""`drogowskaz stats needs`: the unmet needs report from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from typing import Any

from bot.runtime import Runtime
from bot.settings import Settings
from bot.stats import Stats, needs_text, unit_names


def register(commands: Any) -> None:
    """Add `stats needs` to the parser."""
    parser = commands.add_parser("stats", help="the partnership's statistics")
    stats_commands = parser.add_subparsers(dest="stats_command", required=True)
    needs = stats_commands.add_parser(
        "needs", help="gminas x situations whose searches no local service answered"
    )
    needs.add_argument("--since", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    needs.add_argument("--until", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
    needs.add_argument("--partnership", default="", help="one partnership's searches only")
    needs.add_argument("--csv", action="store_true", help="CSV instead of text")
    needs.set_defaults(handler=needs_command)


def needs_command(arguments: argparse.Namespace) -> int:
    """Print the same cells as /potrzeby: one count per gmina and situation, "<5" masked."""
    settings = Settings()
    last = arguments.until or datetime.now(UTC).date()
    with Runtime.open(settings) as runtime:
        report = Stats(runtime.engine).needs(
            arguments.since, last, partnership=arguments.partnership
        )
        names = unit_names([cell.gmina for cell in report.cells], runtime.gazetteer)
    if arguments.csv:
        sys.stdout.write(report.to_csv(names=names))
    else:
        print(needs_text(report, names, settings.language))
    return 0
