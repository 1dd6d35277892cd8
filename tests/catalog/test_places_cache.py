"""The places index kept in a local file: later starts open it instead of rebuilding it, and it
never outlives the tables or the code it was built from."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

import catalog.places_store
from catalog.places import PlaceData
from catalog.places_import import write_places
from catalog.places_store import builtin_gazetteer, load_gazetteer, read_bundle
from tests.builders import sample_regions_of


@pytest.fixture(scope="module")
def sample_regions() -> PlaceData:
    """The bundled places of a few regions, as an import would write them."""
    return sample_regions_of(read_bundle())


@pytest.fixture
def engine(tmp_path: Path, sample_regions: PlaceData) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'places.sqlite'}")
    write_places(engine, dataclasses.replace(sample_regions, info=(("source", "import"),)))
    yield engine
    engine.dispose()


def _without_reading_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_engine: Engine) -> PlaceData:
        raise AssertionError("the tables were read")

    monkeypatch.setattr(catalog.places_store, "data_from_engine", refuse)


def test_a_later_load_opens_the_kept_index_and_answers_the_same(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "places-index.pickle"
    built = load_gazetteer(engine, cache=cache)
    _without_reading_tables(monkeypatch)

    opened = load_gazetteer(engine, cache=cache)

    assert cache.is_file()
    assert opened.info.get("source") != "builtin"
    for text in ("w Siedlcach", "Mordy", "08-110", "Siedlcex", "Мехув", "gmina Siedlce"):
        assert opened.find(text) == built.find(text)
    assert opened.extract("mąż mnie bije, Siedlce") == built.extract("mąż mnie bije, Siedlce")
    assert opened.locate(52.17, 22.29) == built.locate(52.17, 22.29)


def test_a_new_import_is_indexed_anew(
    engine: Engine, tmp_path: Path, sample_regions: PlaceData
) -> None:
    cache = tmp_path / "places-index.pickle"
    load_gazetteer(engine, cache=cache)
    fewer = tuple(unit for unit in sample_regions.units if unit.name != "Mordy")
    write_places(engine, dataclasses.replace(sample_regions, units=fewer))

    reloaded = load_gazetteer(engine, cache=cache)

    assert reloaded.find("Mordy").gmina is None
    assert reloaded.find("Siedlce").gmina is not None


def test_a_damaged_index_file_is_rebuilt_with_a_warning(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "places-index.pickle"
    load_gazetteer(engine, cache=cache)
    whole = cache.read_bytes()
    cache.write_bytes(whole[: len(whole) // 2])

    with caplog.at_level(logging.WARNING, logger="catalog.places_store"):
        gazetteer = load_gazetteer(engine, cache=cache)

    assert gazetteer.find("Mordy").gmina is not None
    assert "unreadable" in caplog.text
    assert cache.read_bytes() == whole


def test_an_unwritable_index_file_only_costs_time(engine: Engine, tmp_path: Path) -> None:
    cache = tmp_path / "missing-folder" / "places-index.pickle"

    gazetteer = load_gazetteer(engine, cache=cache)

    assert gazetteer.find("Mordy").gmina is not None
    assert not cache.exists()
    assert list(tmp_path.glob("**/*.tmp")) == []


def test_nothing_imported_gives_the_bundled_places_and_keeps_their_index_apart(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    cache = tmp_path / "places-index.pickle"
    bundle_cache = tmp_path / "bundle" / "places-index.pickle"

    gazetteer = load_gazetteer(engine, cache=cache, bundle_cache=bundle_cache)

    assert gazetteer.info["source"] == "builtin"
    assert gazetteer.find("Warszawa").gmina is not None
    assert not cache.exists()
    assert bundle_cache.is_file()
    engine.dispose()


def test_a_later_start_opens_the_bundled_index_without_reading_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle_cache = tmp_path / "places-index.pickle"
    built = builtin_gazetteer(cache=bundle_cache)
    catalog.places_store._builtin.cache_clear()  # as a new process would

    def refuse(_document: object) -> PlaceData:
        raise AssertionError("the bundle was read")

    monkeypatch.setattr(catalog.places_store, "data_from_json", refuse)
    opened = builtin_gazetteer(cache=bundle_cache)

    assert opened is not built
    for text in ("Warszawa", "Mińsk Mazowiecki", "08-110", "Мехув", "Nowa Wieś"):
        assert opened.find(text) == built.find(text)
