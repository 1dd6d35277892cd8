"""What a running Drogowskaz holds: settings, the database, the places and the catalogue being
served. Built once at start by `Runtime.open(settings)`; the bot, the terminal chat and the
command line all share it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import Engine

from bot.settings import Settings
from catalog.model import Catalog
from catalog.places import Gazetteer
from catalog.storage import CatalogDiff, Database, diff_catalogs
from catalog.text import configure_lemmas
from catalog.validation import load_sample


@dataclass
class Runtime:
    """The live state. `catalog` is swapped whole on reload (one assignment, never mutated)."""

    settings: Settings
    database: Database
    gazetteer: Gazetteer
    catalog: Catalog  # what is served now: the loaded catalogue, or the bundled sample
    is_sample: bool  # True while nothing was loaded and the bundled sample is served
    # The search index over `catalog` is kept with the catalogue itself (`SearchIndex.of`).

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        """Open the database (creating it), the places and the catalogue to serve."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        configure_lemmas(settings.lemma_cache_dir)  # opened at first use, built there if absent
        database = Database(settings.effective_database_url)
        database.create_schema()
        # The imported places (their index kept beside the data), else the built-in ones.
        gazetteer = Gazetteer.load(database.engine, cache=settings.places_index_file)
        loaded = database.load_catalog()
        catalog = loaded if loaded is not None else load_sample(gazetteer)
        return cls(
            settings=settings,
            database=database,
            gazetteer=gazetteer,
            catalog=catalog,
            is_sample=loaded is None,
        )

    @property
    def engine(self) -> Engine:
        """The database engine, for modules that keep their own tables."""
        return self.database.engine

    def replace_catalog(self, catalog: Catalog) -> CatalogDiff:
        """Store a checked catalogue (all or nothing), then serve it; says what changed."""
        loaded_at = datetime.now(UTC)
        diff = diff_catalogs(self.catalog, catalog)
        self.database.replace_catalog(catalog, loaded_at=loaded_at)
        self.catalog = dataclasses.replace(catalog, loaded_at=loaded_at)
        self.is_sample = False
        return diff

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
