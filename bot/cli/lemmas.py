"""`drogowskaz lemmas`: build the lemma tables ahead of time (container images do it at build).

Otherwise the first start on a machine builds them (about 15 s, once); later starts open them
in milliseconds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.i18n import t
from bot.settings import Settings
from catalog.lemmas import ensure_lemma_tables


def register(commands: Any) -> None:
    """Add `lemmas`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "lemmas",
        help="build the lemma tables once, ahead of the first start (DROGOWSKAZ_LEMMA_CACHE_DIR)",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        help="cache directory (default: DROGOWSKAZ_LEMMA_CACHE_DIR, else ~/.cache)",
    )
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    settings = Settings()
    cache_dir = arguments.dir if arguments.dir is not None else settings.lemma_cache_dir
    try:
        directory = ensure_lemma_tables(cache_dir)
    except (RuntimeError, OSError) as error:
        print(t("lemmas.failed", settings.language, error=error), file=sys.stderr)
        return 1
    print(t("lemmas.ready", settings.language, path=directory))
    return 0
