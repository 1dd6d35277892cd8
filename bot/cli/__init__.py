"""The `drogowskaz` command: one sub-command module per area."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import catalog, chat, health, lemmas, places, poster, run, search, stats
from bot.cli.help import configured_language, speak
from bot.i18n import t
from bot.runtime import BrokenDatabaseError
from bot.settings import Settings

EXIT_DATABASE = 2  # the database cannot be read: nothing was done


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered, its help in `lang` (None: as
    written in the code, English)."""
    parser = argparse.ArgumentParser(
        prog="drogowskaz",
        description="Drogowskaz: find the local institution that can help.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (chat, catalog, places, search, run, health, lemmas, poster, stats):
        module.register(commands)
    if lang is not None:
        speak(parser, lang)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser(configured_language())
    arguments = parser.parse_args(argv)
    handler = arguments.handler
    try:
        code: int = handler(arguments)
    except BrokenDatabaseError as broken:  # one line with the file and what to do, no traceback
        key = "cli.database.broken_file" if broken.is_file else "cli.database.unusable"
        language = Settings().language
        print(t(key, language, where=broken.where, detail=broken.detail), file=sys.stderr)
        return EXIT_DATABASE
    return code


if __name__ == "__main__":
    sys.exit(main())
