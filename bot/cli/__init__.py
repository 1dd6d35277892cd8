"""The `drogowskaz` command: one sub-command module per area."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import catalog, chat, health, lemmas, places, poster, run, search


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="drogowskaz",
        description="Drogowskaz: find the local institution that can help.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (chat, catalog, places, search, run, health, lemmas, poster):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    handler = arguments.handler
    code: int = handler(arguments)
    return code


if __name__ == "__main__":
    sys.exit(main())
