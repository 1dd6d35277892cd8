from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

import catalog.storage
from catalog.assemble import catalog_json
from catalog.model import Catalog, diff_catalogs
from catalog.search import Query, SearchIndex
from catalog.storage import TABLES, Database
from tests.builders import (
    MORDY,
    POWIAT_SIEDLECKI,
    catalog_with,
    contact,
    crisis_line,
    institution,
    service,
)

LOADED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same storage tests on SQLite and on a real PostgreSQL server (tests/postgres.py)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'data' / 'drogowskaz.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")  # skips, saying why, without a server
    db = Database(url)
    db.create_schema()
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'data' / 'drogowskaz.sqlite'}")
    db.create_schema()
    yield db
    db.dispose()


def siedlce_catalog() -> Catalog:
    pcpr = institution(
        "pcpr-siedlce", name="PCPR Siedlce", contact=contact(phones=["+48 25 600 00 04"])
    )
    return catalog_with(
        service("mopr-zasilki", situations=["poverty"]),
        service(
            "pcpr-pfron", institution=pcpr, situations=["disability"], areas=[POWIAT_SIEDLECKI]
        ),
        service("gops-mordy", institution=institution("gops-mordy", place=MORDY), ages="60-"),
        crisis_line(),
        name="Katalog Siedlce",
        updated=date(2026, 11, 1),
    )


def test_empty_database_has_no_catalogue(database: Database) -> None:
    assert database.load_catalog() is None
    assert database.catalog_info() is None


def test_stored_catalogue_loads_back_equal_without_the_gazetteer(database: Database) -> None:
    original = siedlce_catalog()

    database.replace_catalog(original, loaded_at=LOADED_AT)
    loaded = database.load_catalog()

    assert loaded is not None
    assert loaded.services == original.services
    assert loaded.institutions == original.institutions
    assert loaded.content_hash == original.content_hash
    assert loaded.updated == date(2026, 11, 1)
    assert loaded.loaded_at == LOADED_AT


def test_catalog_info_says_name_dates_hash_and_counts(database: Database) -> None:
    original = siedlce_catalog()

    database.replace_catalog(original, loaded_at=LOADED_AT)
    info = database.catalog_info()

    assert info is not None
    assert (info.name, info.updated, info.loaded_at) == (
        "Katalog Siedlce",
        date(2026, 11, 1),
        LOADED_AT,
    )
    assert (info.institutions, info.services) == (4, 4)
    assert info.content_hash == original.content_hash


def test_replacing_removes_services_of_the_previous_catalogue(database: Database) -> None:
    database.replace_catalog(siedlce_catalog())

    database.replace_catalog(catalog_with(crisis_line()))

    loaded = database.load_catalog()
    assert loaded is not None
    assert [s.id for s in loaded.services] == ["116-123-rozmowa"]
    info = database.catalog_info()
    assert info is not None
    assert info.services == 1


def test_failed_load_midway_leaves_the_previous_catalogue_intact(database: Database) -> None:
    previous = siedlce_catalog()
    database.replace_catalog(previous, loaded_at=LOADED_AT)
    broken = catalog_with(service("same-id"), service("same-id"), crisis_line())

    with pytest.raises(IntegrityError):
        database.replace_catalog(broken)

    loaded = database.load_catalog()
    assert loaded is not None
    assert loaded.content_hash == previous.content_hash
    assert loaded.services == previous.services
    info = database.catalog_info()
    assert info is not None
    assert (info.services, info.loaded_at) == (4, LOADED_AT)


def test_failure_after_institutions_are_written_rolls_everything_back(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = siedlce_catalog()
    database.replace_catalog(previous)

    def fail(*_: object) -> dict[str, object]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalog.storage, "_service_row", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        database.replace_catalog(catalog_with(crisis_line()))

    loaded = database.load_catalog()
    assert loaded is not None
    assert [s.id for s in loaded.services] == [s.id for s in previous.services]
    assert loaded.content_hash == previous.content_hash
    info = database.catalog_info()
    assert info is not None
    assert (info.institutions, info.services) == (4, 4)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_database: Database) -> None:
    with sqlite_database.engine.connect() as connection:
        mode = connection.execute(text("PRAGMA journal_mode")).scalar()
        timeout = connection.execute(text("PRAGMA busy_timeout")).scalar()

    assert (mode, timeout) == ("wal", 10_000)


def test_ten_thousand_services_store_and_load(database: Database) -> None:
    owners = [institution(f"inst-{n}", name=f"Placówka {n}") for n in range(1000)]
    big = catalog_with(
        *(
            service(f"svc-{n}", institution=owners[n % 1000], name=f"Usługa {n}")
            for n in range(10_000)
        )
    )

    database.replace_catalog(big)
    loaded = database.load_catalog()

    assert loaded is not None
    assert len(loaded.services) == 10_000
    assert loaded.content_hash == big.content_hash
    info = database.catalog_info()
    assert info is not None
    assert (info.institutions, info.services) == (1000, 10_000)


def test_diff_lists_services_added_removed_and_changed() -> None:
    old = catalog_with(service("a"), service("b"), service("c"))
    new = catalog_with(service("a"), service("b", name="Nowa nazwa"), service("d"))

    diff = diff_catalogs(old, new)

    assert (diff.added, diff.removed, diff.changed) == (("d",), ("c",), ("b",))
    assert diff_catalogs(old, old).is_empty


def test_diff_counts_a_changed_institution_phone_as_a_change_of_its_services() -> None:
    old = catalog_with(service("a", institution=institution(contact=contact(phones=["112"]))))
    new = catalog_with(service("a", institution=institution(contact=contact(phones=["997"]))))

    assert diff_catalogs(old, new).changed == ("a",)


def test_failed_load_keeps_the_same_search_results(database: Database) -> None:
    database.replace_catalog(siedlce_catalog())
    query = Query(situations=frozenset({"disability"}), gmina=MORDY.code)
    before = database.load_catalog()
    assert before is not None
    results_before = [m.service.id for m in SearchIndex(before).search(query).matches]

    with pytest.raises(IntegrityError):
        database.replace_catalog(catalog_with(service("x"), service("x")))
    after = database.load_catalog()

    assert after is not None
    assert results_before == ["pcpr-pfron"]
    assert [m.service.id for m in SearchIndex(after).search(query).matches] == results_before


def test_tables_compile_for_postgresql() -> None:
    dialect = make_url("postgresql+psycopg://").get_dialect()()
    ddl = [str(CreateTable(table).compile(dialect=dialect)) for table in TABLES]

    assert [statement.split("(")[0].strip() for statement in ddl] == [
        "CREATE TABLE partnership_catalog",
        "CREATE TABLE partnership_catalog_part",
        "CREATE TABLE partnership_institution",
        "CREATE TABLE partnership_service",
        "CREATE TABLE partnership_service_area",
    ]
    assert "TIMESTAMP WITH TIME ZONE" in ddl[0]


def test_catalogue_stored_whole_by_an_earlier_version_still_loads(database: Database) -> None:
    original = siedlce_catalog()
    database.replace_catalog(original, loaded_at=LOADED_AT)
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM partnership_catalog_part"))
        connection.execute(
            text("UPDATE partnership_catalog SET document = :document"),
            {"document": catalog_json(original)},
        )

    loaded = database.load_catalog()

    assert loaded is not None
    assert loaded.services == original.services
    assert loaded.content_hash == original.content_hash


def test_stored_catalogue_is_kept_one_institution_per_part(database: Database) -> None:
    original = siedlce_catalog()

    database.replace_catalog(original, loaded_at=LOADED_AT)

    with database.engine.connect() as connection:
        parts = connection.execute(
            text("SELECT count(*) FROM partnership_catalog_part")
        ).scalar_one()
    assert parts == len(original.institutions)


def test_catalogue_loaded_in_batches_is_equal_and_shares_its_places(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    owners = [institution(f"inst-{n}", name=f"Placówka {n}") for n in range(10)]
    original = catalog_with(
        *(
            service(f"svc-{n}", institution=owners[n // 3], areas=[POWIAT_SIEDLECKI, MORDY])
            for n in range(30)
        ),
        name="Katalog Siedlce",
        updated=date(2026, 11, 1),
    )
    database.replace_catalog(original, loaded_at=LOADED_AT)
    monkeypatch.setattr(catalog.storage, "LOAD_BATCH", 3)  # 4 batches

    loaded = database.load_catalog()

    assert loaded is not None
    assert loaded.services == original.services
    assert loaded.institutions == original.institutions
    assert (loaded.name, loaded.updated, loaded.loaded_at) == (
        "Katalog Siedlce",
        date(2026, 11, 1),
        LOADED_AT,
    )
    assert loaded.content_hash == original.content_hash
    # one object per place and per list of places, whichever batch built it
    assert len({id(owner.place) for owner in loaded.institutions}) == 1
    assert len({id(service.areas) for service in loaded.services}) == 1
    areas = loaded.services[0].areas
    assert all(a is b for s in loaded.services for a, b in zip(s.areas, areas, strict=True))


def partnership_catalog(partnership: str, *ids: str, name: str = "") -> Catalog:
    """A small catalogue of a partnership, with its own institution."""
    owner = institution(f"gops-{partnership}", name=f"GOPS {partnership}", place=MORDY)
    return catalog_with(
        *(service(identifier, institution=owner) for identifier in ids),
        name=name or f"Katalog {partnership}",
        partnership=partnership,
    )


def test_partnerships_are_stored_side_by_side_with_the_same_ids(database: Database) -> None:
    siedlce = siedlce_catalog()
    mordy = partnership_catalog("mordy", "mopr-zasilki", "gops-mordy")

    database.replace_catalog(siedlce, loaded_at=LOADED_AT)
    database.replace_catalog(mordy, loaded_at=LOADED_AT)

    assert database.partnerships() == {"": siedlce.content_hash, "mordy": mordy.content_hash}
    assert [c.partnership for c in database.load_catalogs()] == ["", "mordy"]
    loaded = database.load_catalog("mordy")
    assert loaded is not None
    assert loaded.services == mordy.services
    assert loaded.content_hash == mordy.content_hash
    info = database.catalog_info("mordy")
    assert info is not None
    assert (info.name, info.services, info.institutions) == ("Katalog mordy", 2, 1)


def test_reload_of_one_partnership_leaves_the_others_untouched(database: Database) -> None:
    database.replace_catalog(siedlce_catalog(), loaded_at=LOADED_AT)
    database.replace_catalog(partnership_catalog("mordy", "a", "b"), loaded_at=LOADED_AT)
    before = database.load_catalog("")
    hashes = database.partnerships()

    database.replace_catalog(partnership_catalog("mordy", "c"), loaded_at=LOADED_AT)

    after = database.load_catalog("")
    assert before is not None
    assert after is not None
    assert after.services == before.services
    assert database.partnerships()[""] == hashes[""]
    assert database.partnerships()["mordy"] != hashes["mordy"]
    mordy = database.load_catalog("mordy")
    assert mordy is not None
    assert [s.id for s in mordy.services] == ["c"]
    info = database.catalog_info("mordy")
    assert info is not None
    assert info.services == 1


def test_catalogue_stored_before_partnerships_becomes_the_default_partnerships(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    original = siedlce_catalog()
    database = Database(url)
    database.create_schema()
    database.replace_catalog(original, loaded_at=LOADED_AT)
    with database.engine.begin() as connection:  # the tables as the version before kept them
        for table, legacy in zip(TABLES, catalog.storage.LEGACY_TABLES, strict=True):
            copy = f"CREATE TABLE {legacy} AS SELECT * FROM {table.name}"  # noqa: S608
            connection.execute(text(copy))
        for table in reversed(TABLES):
            connection.execute(text(f"DELETE FROM {table.name}"))  # noqa: S608
        connection.execute(text("ALTER TABLE catalog_meta ADD COLUMN id INTEGER DEFAULT 1"))
    database.dispose()

    reopened = Database(url)
    reopened.create_schema()

    loaded = reopened.load_catalog("")
    assert loaded is not None
    assert loaded.services == original.services
    assert loaded.content_hash == original.content_hash
    with reopened.engine.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'catalog_%'")
        ).scalar_one()
    assert left == 0
    reopened.dispose()
