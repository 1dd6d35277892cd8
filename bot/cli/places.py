"""`drogowskaz places` sub-commands: import the official place files, resolve a place."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from bot.i18n import t, tn
from bot.render import unit_label
from bot.settings import Settings
from catalog.places import Gazetteer, PlaceAnswer, Unit
from catalog.places_import import ImportSummary, PlaceFileError, build_bundle, import_places
from catalog.places_store import BUILTIN_FILE, BUILTIN_PACKAGE, load_gazetteer
from catalog.storage import Database

EXIT_RESOLVED = 0
EXIT_UNRESOLVED = 2  # ambiguous, unknown or outside Poland
EXIT_BAD_FILE = 1

_Row = TypeVar("_Row")


def register(commands: Any) -> None:
    """Add `places import|build-bundle|find` to the parser."""
    parser = commands.add_parser("places", help="import place data, resolve a place")
    place_commands = parser.add_subparsers(dest="places_command", required=True)

    importing = place_commands.add_parser(
        "import", help="import GUS TERYT and GeoNames files (replaces the previous import)"
    )
    _place_file_arguments(importing)
    importing.set_defaults(handler=import_command)

    bundling = place_commands.add_parser(
        "build-bundle", help="write the places bundled with the package from the official files"
    )
    _place_file_arguments(bundling)
    bundling.add_argument(
        "--output", type=Path, help=f"file to write (default: the package's {BUILTIN_FILE})"
    )
    bundling.set_defaults(handler=build_bundle_command)

    finding = place_commands.add_parser("find", help="resolve a place to its gmina")
    finding.add_argument("text", nargs="*", help="what a person wrote, e.g. 'w Siedlcach'")
    finding.add_argument("--lat", type=float, help="latitude of a location pin")
    finding.add_argument("--lon", type=float, help="longitude of a location pin")
    finding.add_argument("--json", action="store_true", help="print JSON")
    finding.set_defaults(handler=find_command)


def _place_file_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--terc", type=Path, required=True, help="TERC file (XML/CSV/zip)")
    parser.add_argument("--simc", type=Path, help="SIMC file (XML/CSV/zip)")
    parser.add_argument("--geonames-postal", type=Path, help="GeoNames postal codes (PL.txt)")
    parser.add_argument("--geonames-cities", type=Path, help="GeoNames cities500 dump")


def _missing_file(arguments: argparse.Namespace, lang: str) -> bool:
    """Say which given file does not exist; True when one is missing."""
    files = [arguments.terc, arguments.simc, arguments.geonames_postal, arguments.geonames_cities]
    for path in files:
        if path is not None and not path.is_file():
            print(t("places.missing_file", lang, path=path), file=sys.stderr)
            return True
    return False


def _progress(rows: Iterable[_Row], label: str) -> Iterable[_Row]:
    return tqdm(rows, desc=label, unit=" rows", file=sys.stderr, mininterval=0.5)


def import_command(arguments: argparse.Namespace) -> int:
    """Import the files into the database, all or nothing, and print what was read."""
    settings = Settings()
    lang = settings.language
    if _missing_file(arguments, lang):
        return EXIT_BAD_FILE
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.effective_database_url)
    try:
        summary = import_places(
            database.engine,
            arguments.terc,
            simc=arguments.simc,
            geonames_postal=arguments.geonames_postal,
            geonames_cities=arguments.geonames_cities,
            progress=_progress,
            index_cache=settings.places_index_file,
        )
    except PlaceFileError as error:
        print(t("places.file_error", lang, error=error), file=sys.stderr)
        return EXIT_BAD_FILE
    finally:
        database.dispose()
    _print_summary(summary, lang)
    return 0


def build_bundle_command(arguments: argparse.Namespace) -> int:
    """Write the bundled places file, all or nothing, and print what was read."""
    lang = Settings().language
    if _missing_file(arguments, lang):
        return EXIT_BAD_FILE
    target: Path = arguments.output or Path(
        str(resources.files(BUILTIN_PACKAGE).joinpath(BUILTIN_FILE))
    )
    try:
        summary = build_bundle(
            target,
            arguments.terc,
            simc=arguments.simc,
            geonames_postal=arguments.geonames_postal,
            geonames_cities=arguments.geonames_cities,
            progress=_progress,
        )
    except PlaceFileError as error:
        print(t("places.file_error", lang, error=error), file=sys.stderr)
        return EXIT_BAD_FILE
    _print_summary(summary, lang)
    print(t("places.bundle_written", lang, path=target, size=target.stat().st_size // 1024))
    return 0


def _print_summary(summary: ImportSummary, lang: str) -> None:
    """What the official files held: counts, data dates, unmatched rows, attribution."""
    print(
        t(
            "places.imported",
            lang,
            units=summary.units,
            gminas=summary.gminas,
            localities=summary.localities,
            postal=summary.postal_codes,
            points=summary.points,
            exonyms=summary.exonyms,
        )
    )
    dates = ", ".join(f"{source} {date}" for source, date in summary.dates.items())
    print(t("places.data_dates", lang, dates=dates))
    if summary.unmatched_postal:
        print(tn("places.unmatched_postal", summary.unmatched_postal, lang))
    print(t("places.attribution", lang))


def find_command(arguments: argparse.Namespace) -> int:
    """Resolve a text or a pin; exit 0 when one gmina is found, 2 otherwise."""
    settings = Settings()
    lang = settings.language
    text = " ".join(arguments.text).strip()
    pin = arguments.lat is not None and arguments.lon is not None
    if not text and not pin:
        print(t("places.nothing_to_find", lang), file=sys.stderr)
        return EXIT_UNRESOLVED
    gazetteer = _gazetteer(settings)
    answer = gazetteer.locate(arguments.lat, arguments.lon) if pin else gazetteer.find(text)
    note = answer_note(answer, lang)
    if arguments.json:
        document = {
            "gmina": _unit_json(answer.gmina) if answer.gmina else None,
            "candidates": [_unit_json(unit) for unit in answer.candidates],
            "note": note,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print("\n".join(answer_lines(answer, lang)))
    return EXIT_RESOLVED if answer.gmina is not None else EXIT_UNRESOLVED


def _unit_json(unit: Unit) -> dict[str, str | None]:
    """A gmina as `--json` prints it."""
    return {
        "teryt": unit.teryt,
        "name": unit.name,
        "powiat": unit.powiat,
        "wojewodztwo": unit.wojewodztwo,
    }


def _gazetteer(settings: Settings) -> Gazetteer:
    """The imported places when the database has them, else the built-in list."""
    database = Database(settings.effective_database_url)
    try:
        return load_gazetteer(
            database.engine,
            cache=settings.places_index_file,
            bundle_cache=settings.places_bundle_index_file,
        )
    finally:
        database.dispose()


def answer_note(answer: PlaceAnswer, lang: str) -> str | None:
    """The one remark that goes with an answer, if any."""
    if answer.outside_poland:
        return t("places.outside_poland", lang)
    if answer.gmina is not None:
        notes = []
        if answer.locality:
            notes.append(
                t("places.locality", lang, locality=answer.locality, gmina=answer.gmina.name)
            )
        if answer.same_name_other is not None:
            other = answer.same_name_other
            notes.append(
                t(
                    "places.same_name_other",
                    lang,
                    name=other.name,
                    kind=other.kind,
                    teryt=other.teryt,
                )
            )
        if answer.distance_km is not None:
            notes.append(t("places.pin_distance", lang, distance=answer.distance_km))
        return " ".join(notes) or None
    if answer.candidates:
        return t("places.ambiguous", lang)
    if answer.suggestions:
        return t("places.did_you_mean", lang, names=", ".join(answer.suggestions))
    return t("places.unknown", lang)


def answer_lines(answer: PlaceAnswer, lang: str) -> list[str]:
    """The answer as the command line prints it."""
    lines = []
    if answer.gmina is not None:
        lines.append(unit_label(answer.gmina, lang, teryt=True))
    note = answer_note(answer, lang)
    if note:
        lines.append(note)
    localities = answer.candidate_localities or (None,) * len(answer.candidates)
    for unit, locality in zip(answer.candidates, localities, strict=True):
        line = unit_label(unit, lang, teryt=True)
        lines.append(f"  {locality}: {line}" if locality else f"  {line}")
    return lines
