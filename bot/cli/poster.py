"""`drogowskaz poster`: a printable A4 poster whose QR code opens the bot at a place."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.handouts import FontMissingError, Poster, find_font, poster_pdf
from bot.i18n import LANGUAGES, situation_label, t
from bot.render import PlaceLink
from bot.runtime import Runtime
from bot.settings import Settings
from catalog.handout import poster_services
from catalog.search import SearchIndex
from catalog.taxonomy import SITUATIONS


def register(commands: Any) -> None:
    """Add `poster` to the parser."""
    parser = commands.add_parser(
        "poster",
        help="make a printable A4 poster (PDF) with a QR code that opens the bot at a place",
    )
    parser.add_argument("--place", required=True, help="the gmina, as a person would write it")
    parser.add_argument("--situation", choices=SITUATIONS, help="fit the poster to a situation")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of the poster and the chat")
    parser.add_argument("--bot", help="the bot's username (default: DROGOWSKAZ_BOT_USERNAME)")
    parser.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    parser.set_defaults(handler=poster_command)


def poster_command(arguments: argparse.Namespace) -> int:
    """Resolve the place, choose its contacts, lay out the page and write the PDF."""
    settings = Settings()
    lang = arguments.lang or settings.language
    bot_username = (arguments.bot or settings.bot_username or "").lstrip("@")
    if not bot_username:
        print(t("poster.cli.no_bot", lang), file=sys.stderr)
        return 2
    try:
        font = find_font(settings.poster_font)
    except FontMissingError as missing:
        print(t("poster.cli.no_font", lang, paths=str(missing)), file=sys.stderr)
        return 2
    with Runtime.open(settings, progress=sys.stderr) as runtime:
        answer = runtime.gazetteer.find(arguments.place)
        gmina = answer.gmina
        if gmina is None:
            names = ", ".join(f"{unit.name} ({unit.teryt})" for unit in answer.candidates)
            key = "poster.cli.ambiguous" if names else "poster.cli.unknown_place"
            print(t(key, lang, place=arguments.place, candidates=names), file=sys.stderr)
            return 1
        services = poster_services(
            SearchIndex.of(runtime.catalog), gmina.code, arguments.situation
        )
    situation = arguments.situation
    poster = Poster(
        bot_username=bot_username,
        place_name=gmina.name,
        link=PlaceLink(gmina.teryt, situation, arguments.lang),
        services=services,
        situation_label=situation_label(situation, lang) if situation else None,
    )
    arguments.out.write_bytes(poster_pdf(poster, lang, font=font))
    print(t("poster.cli.written", lang, path=str(arguments.out), link=poster.url))
    return 0
