"""`drogowskaz catalog` sub-commands: check, load, show and export the service catalogue."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date
from pathlib import Path
from typing import Any

from bot.cli.evaluate import register_catalog_test
from bot.handouts import directory_html
from bot.i18n import t, tn
from bot.reload import FetchError, Reloader, read_path
from bot.reports import render_diff, render_freshness, render_report
from bot.runtime import Runtime
from bot.settings import Settings
from catalog.assemble import document_of, without_confidential_places
from catalog.format import write_csv, write_yaml
from catalog.handout import directory_sections
from catalog.hsds import DATA_PACKAGE, export_tables, tables_of, write_hsds
from catalog.partnerships import as_partnership
from catalog.validation import Report, check

FILE_HELP = "catalogue file: YAML, CSV, HSDS JSON, or an HSDS data package (zip or folder)"


def register(commands: Any) -> None:
    """Add `catalog check|load|show|export` to the parser."""
    parser = commands.add_parser("catalog", help="check, load, show or export the catalogue")
    catalog_commands = parser.add_subparsers(dest="catalog_command", required=True)

    checking = catalog_commands.add_parser("check", help="report every problem of a file")
    checking.add_argument("file", type=Path, help=FILE_HELP)
    _add_max_bytes(checking)
    checking.set_defaults(handler=check_command)

    loading = catalog_commands.add_parser(
        "load", help="check a file, then serve it as its partnership's catalogue"
    )
    loading.add_argument("file", type=Path, help=FILE_HELP)
    _add_max_bytes(loading)
    loading.add_argument(
        "--partnership",
        type=str.lower,
        help="the partnership it is the catalogue of (when the file does not say; if it does, "
        "the two must agree)",
    )
    loading.set_defaults(handler=load_command)

    showing = catalog_commands.add_parser("show", help="what is loaded, per partnership")
    showing.add_argument("--partnership", type=str.lower, help="only this partnership's")
    showing.set_defaults(handler=show_command)

    exporting = catalog_commands.add_parser(
        "export",
        help="write the catalogue as YAML, CSV, Open Referral HSDS 3.0 (JSON, or hsds-csv: the "
        "tabular data package as a zip), or a printable HTML directory (a page per situation)",
    )
    exporting.add_argument(
        "--partnership", type=str.lower, help="whose catalogue (needed when several are served)"
    )
    exporting.add_argument(
        "--format", choices=("yaml", "csv", "hsds", "hsds-csv", "html"), default="yaml"
    )
    exporting.add_argument("--output", type=Path, help="file to write (default: standard output)")
    exporting.add_argument(
        "--public",
        action="store_true",
        help="for publishing: no address or coordinates of confidential places",
    )
    exporting.set_defaults(handler=export_command)

    register_catalog_test(catalog_commands)  # `catalog test`, from the search-quality issue


def _add_max_bytes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-bytes",
        type=int,
        help="refuse larger files (default: DROGOWSKAZ_MAX_CATALOG_BYTES, 5 MB); "
        "raise it deliberately for a bigger catalogue",
    )


def check_command(arguments: argparse.Namespace) -> int:
    """Report every problem of a file; exit 1 on errors, 0 with only warnings."""
    settings = Settings()
    with Runtime.open(settings, progress=sys.stderr) as runtime:
        report = _check_file(arguments, runtime, settings)
        if report is None:
            return 1
        lines = render_report(report, settings.language)
        if report.catalog is not None:
            lines += render_freshness(report.catalog, settings.language, date.today())
        print("\n".join(lines))
        return 1 if report.errors else 0


def load_command(arguments: argparse.Namespace) -> int:
    """Check a file and, when it has no error, make it the served catalogue."""
    settings = Settings()
    lang = settings.language
    with Runtime.open(settings, progress=sys.stderr) as runtime:
        report = _check_file(arguments, runtime, settings)
        if report is None:
            return 1
        print("\n".join(render_report(report, lang)))
        if report.catalog is None:
            print(t("catalog.cli.kept", lang))
            return 1
        loaded = as_partnership(report.catalog, arguments.partnership, layout=report.layout)
        if loaded is None:
            print(
                t(
                    "catalog.cli.other_partnership",
                    lang,
                    found=report.catalog.partnership,
                    given=arguments.partnership,
                ),
                file=sys.stderr,
            )
            print(t("catalog.cli.kept", lang))
            return 1
        reloader = Reloader(runtime)
        _, diff = asyncio.run(reloader.load(loaded, index=False, layout=report.layout))
        print(t("catalog.cli.loaded", lang, name=loaded.name))
        if loaded.partnership:
            print(t("admin.partnership", lang, partnership=loaded.partnership))
        print("\n".join(render_diff(diff, lang)))
        return 0


def show_command(arguments: argparse.Namespace) -> int:
    """Say what is served, per partnership: name, counts, dates and hash, or that it is the
    sample."""
    settings = Settings()
    lang = settings.language
    with Runtime.open(settings, progress=sys.stderr) as runtime:
        chosen = arguments.partnership
        if chosen is not None and chosen not in runtime.catalogs:
            print(t("catalog.cli.no_partnership", lang, partnership=chosen), file=sys.stderr)
            return 1
        shown = [chosen] if chosen is not None else runtime.partnerships
        for number, partnership in enumerate(shown):
            if number:
                print()
            _show(runtime, partnership, lang)
        return 0


def _show(runtime: Runtime, partnership: str, lang: str) -> None:
    """One partnership's catalogue: name, counts, dates and hash, or that it is the sample."""
    info = runtime.database.catalog_info(partnership)
    catalog = runtime.catalogs[partnership]
    if info is None:
        print(t("catalog.cli.sample", lang, name=catalog.name))
    if partnership:
        print(t("admin.partnership", lang, partnership=partnership))
    print(t("catalog.cli.name", lang, name=catalog.name))
    print(
        t(
            "catalog.cli.counts",
            lang,
            institutions=tn("common.institutions", len(catalog.institutions), lang),
            services=tn("catalog.cli.services", len(catalog.services), lang),
        )
    )
    updated = catalog.updated.isoformat() if catalog.updated else "—"
    print(t("catalog.cli.updated", lang, date=updated))
    if info is not None:
        moment = info.loaded_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(t("catalog.cli.loaded_at", lang, moment=moment))
    print(t("catalog.cli.hash", lang, hash=catalog.content_hash))


def export_command(arguments: argparse.Namespace) -> int:
    """Write the served catalogue as YAML or CSV; reading it back gives the same catalogue."""
    settings = Settings()
    with Runtime.open(settings, progress=sys.stderr) as runtime:
        partnership = arguments.partnership
        if partnership is None and len(runtime.catalogs) == 1:
            partnership = runtime.partnerships[0]
        if partnership not in runtime.catalogs:
            print(
                t(
                    "catalog.cli.no_partnership",
                    settings.language,
                    partnership=partnership or "—",
                ),
                file=sys.stderr,
            )
            return 1
        catalog = runtime.catalogs[partnership]
        if arguments.format == "hsds-csv":  # a zip: a file, never the terminal
            if arguments.output is None:
                print(t("catalog.cli.output_needed", settings.language), file=sys.stderr)
                return 2
            arguments.output.write_bytes(export_tables(catalog, units=runtime.gazetteer))
            print(t("catalog.cli.exported", settings.language, path=str(arguments.output)))
            return 0
        document = document_of(catalog)  # rebuilt: the catalogue keeps no file
        if arguments.public:
            document = without_confidential_places(document)
        if arguments.format == "hsds":
            text = write_hsds(catalog, units=runtime.gazetteer)
        elif arguments.format == "html":
            text = directory_html(catalog, directory_sections(catalog), settings.language)
        elif arguments.format == "csv":
            # ';' and a BOM: what a Polish spreadsheet opens directly in columns
            text = write_csv(document, delimiter=";")
        else:
            header = t("catalog.cli.export_header", settings.language, name=document.name)
            text = write_yaml(document, header=header)
        if arguments.output is None:
            sys.stdout.write(text)
        else:
            encoding = "utf-8-sig" if arguments.format == "csv" else "utf-8"
            arguments.output.write_text(text, encoding=encoding)
            print(t("catalog.cli.exported", settings.language, path=str(arguments.output)))
        return 0


def _check_file(
    arguments: argparse.Namespace, runtime: Runtime, settings: Settings
) -> Report | None:
    """The file's report, or None (said on stderr) when it is unreadable or over the limit."""
    path: Path = arguments.file
    limit: int = arguments.max_bytes or settings.max_catalog_bytes
    try:
        if path.is_dir() or path.name == DATA_PACKAGE:
            folder = path if path.is_dir() else path.parent
            items = [
                item
                for item in sorted(folder.iterdir())
                if item.is_file() and item.suffix in {".csv", ".json"}
            ]
            size = sum(item.stat().st_size for item in items)
            if size > limit:
                raise FetchError("too_large", detail=str(size))
            data = tables_of((item.name, item.read_bytes()) for item in items)
        else:
            data = read_path(str(path), max_bytes=limit).data
    except FetchError as error:
        if error.reason == "too_large":
            message = t("catalog.cli.too_large", settings.language, path=str(path), limit=limit)
        else:
            message = t("catalog.cli.unreadable", settings.language, path=str(path))
        print(message, file=sys.stderr)
        return None
    except OSError:
        print(t("catalog.cli.unreadable", settings.language, path=str(path)), file=sys.stderr)
        return None
    return check(data, filename=path.name, places=runtime.gazetteer)
