"""What only PostgreSQL can get wrong (time zones, text, the server itself). The storage tests
of tests/catalog/test_storage.py run on both SQLite and this server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

import tests.postgres
from catalog.model import diff_catalogs
from catalog.storage import Database
from tests.builders import catalog_with, crisis_line, institution, service
from tests.catalog.test_storage import siedlce_catalog
from tests.postgres import running_server

LOADED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    db.create_schema()
    yield db
    db.dispose()


def test_the_database_is_postgresql_in_the_polish_time_zone(database: Database) -> None:
    with database.engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar_one()
        zone = connection.execute(text("SHOW TimeZone")).scalar_one()

    assert database.engine.dialect.name == "postgresql"
    assert not database.is_sqlite
    assert int(version.split(".")[0]) >= 15
    assert zone == "Europe/Warsaw"


def test_the_load_time_reads_back_as_the_same_instant(database: Database) -> None:
    database.replace_catalog(siedlce_catalog(), loaded_at=LOADED_AT)

    loaded = database.load_catalog()
    info = database.catalog_info()

    assert loaded is not None
    assert info is not None
    assert loaded.loaded_at == LOADED_AT
    assert info.loaded_at == LOADED_AT


def test_polish_and_ukrainian_text_survives_the_round_trip(database: Database) -> None:
    original = catalog_with(
        service(
            "zolta-linia",
            institution=institution("gops-zolkiewka", name="Gminny Ośrodek Pomocy Społecznej"),
            name="Żółta linia: pomoc — допомога українцям",
        ),
        crisis_line(),
    )

    database.replace_catalog(original)
    loaded = database.load_catalog()

    assert loaded is not None
    assert loaded.services[0].name == "Żółta linia: pomoc — допомога українцям"
    assert loaded.institutions == original.institutions


def test_diff_against_the_stored_catalogue_lists_what_a_reload_changes(
    database: Database,
) -> None:
    database.replace_catalog(catalog_with(service("a"), service("b"), service("c")))
    stored = database.load_catalog()
    new = catalog_with(service("a"), service("b", name="Nowa nazwa"), service("d"))

    diff = diff_catalogs(stored, new)

    assert (diff.added, diff.removed, diff.changed) == (("d",), ("c",), ("b",))
    reloaded = database.load_catalog()
    assert reloaded is not None
    assert diff_catalogs(stored, reloaded).is_empty


def test_without_server_binaries_the_postgresql_tests_skip_saying_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tests.postgres, "find_binaries", lambda: None)

    with pytest.raises(pytest.skip.Exception, match="initdb"), running_server():
        pass
