"""The catalogue's storage on a real PostgreSQL 15 server (tests/postgres.py), not only SQLite:
the same round trip, counts and all-or-nothing replacement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

import catalog.storage
import tests.postgres
from catalog.storage import Database, diff_catalogs
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


def test_empty_database_has_no_catalogue(database: Database) -> None:
    assert database.load_catalog() is None
    assert database.catalog_info() is None


def test_stored_catalogue_loads_back_equal(database: Database) -> None:
    original = siedlce_catalog()

    database.replace_catalog(original, loaded_at=LOADED_AT)
    loaded = database.load_catalog()

    assert loaded is not None
    assert loaded.services == original.services
    assert loaded.institutions == original.institutions
    assert loaded.content_hash == original.content_hash
    assert loaded.updated == date(2026, 11, 1)


def test_the_load_time_reads_back_as_the_same_instant(database: Database) -> None:
    database.replace_catalog(siedlce_catalog(), loaded_at=LOADED_AT)

    loaded = database.load_catalog()
    info = database.catalog_info()

    assert loaded is not None
    assert info is not None
    assert loaded.loaded_at == LOADED_AT
    assert info.loaded_at == LOADED_AT


def test_catalog_info_says_name_dates_hash_and_counts(database: Database) -> None:
    original = siedlce_catalog()

    database.replace_catalog(original, loaded_at=LOADED_AT)
    info = database.catalog_info()

    assert info is not None
    assert (info.name, info.updated, info.content_hash) == (
        "Katalog Siedlce",
        date(2026, 11, 1),
        original.content_hash,
    )
    assert (info.institutions, info.services) == (
        len(original.institutions),
        len(original.services),
    )


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


def test_replacing_removes_services_of_the_previous_catalogue(database: Database) -> None:
    database.replace_catalog(siedlce_catalog())

    database.replace_catalog(catalog_with(crisis_line()))

    assert database.service_ids() == ["116-123-rozmowa"]
    loaded = database.load_catalog()
    assert loaded is not None
    assert [s.id for s in loaded.services] == ["116-123-rozmowa"]


def test_a_duplicate_id_midway_leaves_the_previous_catalogue_intact(database: Database) -> None:
    previous = siedlce_catalog()
    database.replace_catalog(previous, loaded_at=LOADED_AT)

    with pytest.raises(IntegrityError):
        database.replace_catalog(catalog_with(service("same-id"), service("same-id")))

    loaded = database.load_catalog()
    info = database.catalog_info()
    assert loaded is not None
    assert info is not None
    assert loaded.content_hash == previous.content_hash
    assert loaded.services == previous.services
    assert (info.services, info.loaded_at) == (len(previous.services), LOADED_AT)


def test_a_failure_after_institutions_are_written_rolls_everything_back(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = siedlce_catalog()
    database.replace_catalog(previous)

    def fail(*_: object) -> dict[str, object]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalog.storage, "_service_row", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        database.replace_catalog(catalog_with(crisis_line()))

    assert database.service_ids() == [s.id for s in previous.services]
    with database.engine.connect() as connection:
        institutions = connection.execute(
            text("SELECT count(*) FROM catalog_institution")
        ).scalar_one()
    assert institutions == len(previous.institutions)


def test_a_thousand_services_store_and_load(database: Database) -> None:
    owners = [institution(f"inst-{n}", name=f"Placówka {n}") for n in range(100)]
    big = catalog_with(
        *(
            service(f"svc-{n}", institution=owners[n % 100], name=f"Usługa {n}")
            for n in range(1000)
        )
    )

    database.replace_catalog(big)
    loaded = database.load_catalog()

    assert loaded is not None
    assert loaded.content_hash == big.content_hash
    assert {s.id: s for s in loaded.services} == {s.id: s for s in big.services}


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
