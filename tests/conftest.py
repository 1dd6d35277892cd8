"""Fixtures shared by the whole suite: the lemma tables and the gazetteers.

`lemma_tables` (automatic) points every test, and every process a test starts, at the lemma
tables in the user's cache directory: built at most once per machine (once per CI run on a
clean runner), then opened in milliseconds.

`builtin_gazetteer` and `full_gazetteer` are every place in Poland as bundled with the package
(no import, no ../shared needed). The raw official files (TERC, SIMC, GeoNames) are looked for
in ../shared/data (or under DROGOWSKAZ_TEST_SHARED); only the importer's tests need them.
`cli_home` runs the command line as on a fresh install; `file_server` serves HTTP on 127.0.0.1
for the tests that download a catalogue.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from catalog import places_store
from catalog.lemmas import configure_lemmas, default_lemma_cache_dir, ensure_lemma_tables
from catalog.places import Gazetteer

# The shared material beside the repository (../shared: raw place files, HSDS 3.0, the
# evaluation set); DROGOWSKAZ_TEST_SHARED points elsewhere (a missing folder shows what a clone
# without it skips).
SHARED = Path(
    os.environ.get("DROGOWSKAZ_TEST_SHARED")
    or Path(__file__).resolve().parents[1] / ".." / "shared"
)
SHARED_DATA = SHARED / "data"
TERC = SHARED_DATA / "teryt" / "TERC_Urzedowy_2025-11-18.xml"
SIMC = SHARED_DATA / "teryt" / "SIMC_Urzedowy_2020-09-26.zip"
GEONAMES_POSTAL = SHARED_DATA / "geonames" / "PL_postal_codes.txt"
GEONAMES_CITIES = SHARED_DATA / "geonames" / "PL_cities500.txt"

Route = Callable[[web.Request], Any]


@pytest.fixture(scope="session", autouse=True)
def lemma_tables() -> Iterator[Path]:
    """The lemma tables' directory, built now if absent (never later, inside a timed wait).

    The user's cache persists across runs, and subprocesses find it even when a test hands
    them an environment without the DROGOWSKAZ_ variables.
    """
    cache_dir = default_lemma_cache_dir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DROGOWSKAZ_LEMMA_CACHE_DIR", str(cache_dir))
        configure_lemmas(cache_dir)
        yield ensure_lemma_tables(cache_dir)


@pytest.fixture(scope="session")
def builtin_gazetteer() -> Gazetteer:
    """Every place in Poland, as bundled with the package."""
    return places_store.builtin_gazetteer()


@pytest.fixture(scope="session")
def full_gazetteer(builtin_gazetteer: Gazetteer) -> Gazetteer:
    """Every Polish place: the bundled gazetteer (tests/catalog/test_places_bundle.py checks
    that it is what the importer reads from the official files)."""
    return builtin_gazetteer


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The command line as on a fresh install, in English: run in an empty folder (no .env),
    with a data directory of its own (returned) and the default SQLite database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DROGOWSKAZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "en")
    monkeypatch.delenv("DROGOWSKAZ_DATABASE_URL", raising=False)
    return tmp_path / "data"


def official_files_present() -> bool:
    """True when the raw official place files are here (the importer's tests need them)."""
    return all(path.is_file() for path in (TERC, SIMC, GEONAMES_POSTAL, GEONAMES_CITIES))


@pytest.fixture
async def file_server(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Callable[[str, Route], str]]:
    """A web server on 127.0.0.1; `add(path, handler)` returns the URL of the path."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    app = web.Application()
    routes: dict[str, Route] = {}

    async def dispatch(request: web.Request) -> web.StreamResponse:
        handler = routes.get(request.path)
        if handler is None:
            return web.Response(status=404)
        response: web.StreamResponse = await handler(request)
        return response

    app.router.add_get("/{tail:.*}", dispatch)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def add(path: str, handler: Route) -> str:
        routes[path] = handler
        return f"http://127.0.0.1:{port}{path}"

    yield add
    await runner.cleanup()


def body(data: bytes, content_type: str = "application/yaml") -> Route:
    """A route that answers with these bytes."""

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=data, content_type=content_type)

    return handler
