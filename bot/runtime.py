"""What a running Drogowskaz holds: settings, the database, the places and the catalogue being
served. Built once at start by `Runtime.open(settings)`; the bot, the terminal chat and the
command line all share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import TextIO

from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DatabaseError

from bot.i18n import t
from bot.settings import Settings
from catalog.lemmas import (
    configure_lemmas,
    ensure_lemma_tables,
    lemma_tables_dir,
    lemma_tables_ready,
)
from catalog.model import Catalog
from catalog.partnerships import merge, serving_order
from catalog.places import Gazetteer
from catalog.places_store import load_gazetteer
from catalog.storage import Database
from catalog.validation import load_sample


class BrokenDatabaseError(Exception):
    """The database cannot be opened or read (a damaged file, not a database, unreachable).

    Says which database (the file, or the URL without its password) and what failed, so that
    the command line can print one line with what to do instead of a traceback.
    """

    def __init__(self, url: str, detail: str) -> None:
        parsed = make_url(url)
        self.is_file = parsed.get_backend_name() == "sqlite"
        self.where = parsed.database or "" if self.is_file else parsed.render_as_string()
        self.detail = detail
        super().__init__(f"{self.where}: {detail}")


@dataclass
class Runtime:
    """The live state. `catalog` is swapped whole on reload (one assignment, never mutated)."""

    settings: Settings
    database: Database
    gazetteer: Gazetteer
    catalog: Catalog  # what is searched now: the partnerships' catalogues merged, or the sample
    is_sample: bool  # True while nothing was loaded and the bundled sample is served
    # Each partnership's own catalogue, by partnership id ('' : the default partnership).
    catalogs: dict[str, Catalog] = field(default_factory=dict)
    # The search index over `catalog` is kept with the catalogue itself (`SearchIndex.of`).

    def __post_init__(self) -> None:
        if not self.catalogs:
            self.catalogs = {self.catalog.partnership: self.catalog}

    @classmethod
    def open(cls, settings: Settings, *, progress: TextIO | None = None) -> Runtime:
        """Open the database (creating it), the places and the catalogue to serve.

        With `progress` (a person's terminal, or a log), lemma tables this machine does not
        have yet are built first, saying so there; without it they are built at first use.
        Raises `BrokenDatabaseError` when the database cannot be read.
        """
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        configure_lemmas(settings.lemma_cache_dir)  # opened at first use, built there if absent
        if progress is not None:
            prepare_lemma_tables(settings, progress)
        database = Database(settings.effective_database_url)
        try:
            database.create_schema()
            # The imported places (their index kept beside the data), else the bundled ones.
            gazetteer = load_gazetteer(
                database.engine,
                cache=settings.places_index_file,
                bundle_cache=settings.places_bundle_index_file,
            )
            loaded = database.load_catalogs() or [load_sample(gazetteer)]
        except DatabaseError as error:
            database.dispose()
            detail = str(error.orig).splitlines()[0] if error.orig else type(error).__name__
            raise BrokenDatabaseError(database.url, detail) from error
        return cls(
            settings=settings,
            database=database,
            gazetteer=gazetteer,
            catalog=merge(loaded),
            is_sample=not database.partnerships(),
            catalogs={catalog.partnership: catalog for catalog in loaded},
        )

    @property
    def engine(self) -> Engine:
        """The database engine, for modules that keep their own tables."""
        return self.database.engine

    @property
    def partnerships(self) -> list[str]:
        """The partnerships served, the default one ('') first when served."""
        return [catalog.partnership for catalog in serving_order(self.catalogs.values())]

    def with_catalog(self, catalog: Catalog) -> dict[str, Catalog]:
        """The partnerships' catalogues once this one replaces its partnership's (the bundled
        sample is served only while nothing is loaded)."""
        kept = {} if self.is_sample else self.catalogs
        return {**kept, catalog.partnership: catalog}

    def serve(self, catalogs: dict[str, Catalog], merged: Catalog | None = None) -> None:
        """Serve these partnerships' catalogues from now on, in one assignment of `catalog`.

        `merged` is `merge(catalogs)` when the caller built it already (with its index).
        """
        self.catalogs = catalogs
        self.catalog = merged if merged is not None else merge(list(catalogs.values()))
        self.is_sample = False

    def close(self) -> None:
        """Release the database connections."""
        self.database.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def prepare_lemma_tables(settings: Settings, stream: TextIO) -> None:
    """Build the lemma tables now if this machine has none, with one line saying it happens once
    and a progress bar when `stream` is a terminal: a first start is slow, never silent."""
    if lemma_tables_ready(lemma_tables_dir(settings.lemma_cache_dir)):
        return
    print(t("lemmas.building_once", settings.language), file=stream, flush=True)
    try:
        ensure_lemma_tables(settings.lemma_cache_dir, progress=stream if stream.isatty() else None)
    except (RuntimeError, OSError) as error:  # first use falls back to the slower dictionaries
        print(t("lemmas.failed", settings.language, error=error), file=stream)
