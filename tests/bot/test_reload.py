import asyncio
import gc
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import pytest
from aiohttp import web
from sqlalchemy.exc import OperationalError

from bot.reload import Fetched, FetchError, Reloader, fetch, fetch_url, filename_for_url
from bot.runtime import Runtime
from bot.settings import Settings
from catalog.search import SearchIndex
from catalog.storage import Database
from catalog.validation import check
from tests.builders import ZASILKI_YAML, FakePlaces, siedlce_offices_yaml
from tests.conftest import Route, body

LIMIT = 100_000


BROKEN = (
    siedlce_offices_yaml().replace(b"domestic_violence", b"przemoc").replace(b"+48 25", b"25 1")
)


def make_runtime(tmp_path: Path) -> Runtime:
    places = FakePlaces()
    report = check(siedlce_offices_yaml(), filename="a.yaml", places=places)
    assert report.catalog is not None
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    database.create_schema()
    database.replace_catalog(report.catalog)
    return Runtime(
        settings=Settings(data_dir=tmp_path),
        database=database,
        gazetteer=cast(Any, places),
        catalog=report.catalog,
        is_sample=False,
    )


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return make_runtime(tmp_path)


def chunked(chunk: bytes, times: int, *, pause: float = 0.0) -> Route:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(times):
            await response.write(chunk)
            if pause:
                await asyncio.sleep(pause)
        await response.write_eof()
        return response

    return handler


# --------------------------------------------------------------------------- fetching


async def test_a_local_file_is_read_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "katalog.csv"
    path.write_bytes(b"institution_id\n")

    fetched = await fetch(str(path), max_bytes=LIMIT, time_limit=5)

    assert fetched == Fetched(data=b"institution_id\n", filename="katalog.csv")


async def test_a_local_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 101)

    with pytest.raises(FetchError) as error:
        await fetch(str(path), max_bytes=100, time_limit=5)

    assert error.value.reason == "too_large"


async def test_missing_file_and_missing_source_say_why(tmp_path: Path) -> None:
    with pytest.raises(FetchError) as missing:
        await fetch(str(tmp_path / "nope.yaml"), max_bytes=LIMIT, time_limit=5)
    with pytest.raises(FetchError) as unset:
        await fetch(None, max_bytes=LIMIT, time_limit=5)

    assert missing.value.reason == "not_found"
    assert unset.value.reason == "no_source"


async def test_a_catalogue_is_downloaded_from_a_url(
    file_server: Callable[[str, Route], str],
) -> None:
    url = file_server("/katalog.yaml", body(siedlce_offices_yaml()))

    fetched = await fetch(url, max_bytes=LIMIT, time_limit=5)

    assert fetched.data == siedlce_offices_yaml()
    assert fetched.filename == "katalog.yaml"


async def test_a_spreadsheet_published_as_csv_is_read_as_csv(
    file_server: Callable[[str, Route], str],
) -> None:
    url = file_server("/spreadsheets/d/e/xyz/pub", body(b"institution_id;x\n", "text/csv"))

    fetched = await fetch(url + "?output=csv", max_bytes=LIMIT, time_limit=5)

    assert fetched.filename == "catalog.csv"
    assert filename_for_url("https://example.org/pub?gid=0&output=csv") == "catalog.csv"
    assert filename_for_url("https://example.org/k.yml") == "k.yml"


async def test_download_over_the_limit_stops_even_without_a_declared_length(
    file_server: Callable[[str, Route], str],
) -> None:
    declared = file_server("/declared.yaml", body(b"x" * 2_000))
    streamed = file_server("/streamed.yaml", chunked(b"x" * 1_000, 50))

    with pytest.raises(FetchError) as first:
        await fetch(declared, max_bytes=1_000, time_limit=5)
    with pytest.raises(FetchError) as second:
        await fetch(streamed, max_bytes=10_000, time_limit=5)

    assert first.value.reason == "too_large"
    assert second.value.reason == "too_large"


async def test_a_download_that_trickles_past_the_time_limit_is_cut_off(
    file_server: Callable[[str, Route], str],
) -> None:
    url = file_server("/slow.yaml", chunked(b"x", 100, pause=0.05))

    with pytest.raises(FetchError) as error:
        await fetch_url(url, max_bytes=LIMIT, time_limit=0.3)

    assert error.value.reason == "timeout"


async def test_an_error_status_is_reported(file_server: Callable[[str, Route], str]) -> None:
    url = file_server("/other", body(b""))

    with pytest.raises(FetchError) as error:
        await fetch(url.replace("/other", "/missing.yaml"), max_bytes=LIMIT, time_limit=5)

    assert error.value.reason == "http_status"
    assert error.value.detail == "404"


def redirect(to: str) -> Route:
    """A route that sends the client elsewhere."""

    async def handler(_: web.Request) -> web.Response:
        raise web.HTTPFound(to)

    return handler


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata endpoint
        "http://10.0.0.7/katalog.yaml",
        "file:///etc/passwd",
        "same-server",  # loopback: 127.0.0.1
    ],
)
async def test_a_redirect_to_a_non_public_address_is_refused(
    file_server: Callable[[str, Route], str], target: str
) -> None:
    kept = file_server("/katalog.yaml", body(b"version: 1"))
    url = file_server("/moved", redirect(kept if target == "same-server" else target))

    with pytest.raises(FetchError) as error:
        await fetch(url, max_bytes=LIMIT, time_limit=5)

    assert error.value.reason == "redirect_refused"


async def test_a_redirect_to_a_private_address_is_followed_when_the_setting_allows_it(
    file_server: Callable[[str, Route], str],
) -> None:
    kept = file_server("/katalog.yaml", body(b"version: 1"))
    url = file_server("/moved", redirect(kept))

    fetched = await fetch(url, max_bytes=LIMIT, time_limit=5, allow_private_redirects=True)

    assert fetched.data == b"version: 1"
    assert fetched.filename == "katalog.yaml"


# --------------------------------------------------------------------------- reloading


async def test_a_valid_file_replaces_the_catalogue_and_says_what_changed(
    runtime: Runtime,
) -> None:
    new_file = siedlce_offices_yaml("Katalog B", extra=ZASILKI_YAML, ohp_phone="09")

    outcome = await Reloader(runtime).reload(Fetched(new_file, "b.yaml"))

    assert outcome.status == "loaded"
    assert outcome.diff is not None
    assert outcome.diff.added == ("mopr-zasilki",)
    assert outcome.diff.changed == ("ohp-mlodziez",)
    assert outcome.diff.removed == ()
    assert runtime.catalog.name == "Katalog B"
    assert runtime.catalog is outcome.serving
    stored = runtime.database.load_catalog()
    assert stored is not None
    assert stored.content_hash == runtime.catalog.content_hash


async def test_a_broken_file_changes_nothing(runtime: Runtime) -> None:
    before = runtime.catalog
    stored_before = runtime.database.catalog_info()

    outcome = await Reloader(runtime).reload(Fetched(BROKEN, "broken.yaml"))

    assert outcome.status == "refused"
    assert len(outcome.report.errors) >= 2
    assert runtime.catalog is before
    assert outcome.serving is before
    assert runtime.database.catalog_info() == stored_before


async def test_reloading_the_same_file_reports_no_change(runtime: Runtime) -> None:
    outcome = await Reloader(runtime).reload(Fetched(siedlce_offices_yaml(), "a.yaml"))

    assert outcome.status == "same"
    assert outcome.diff is not None
    assert outcome.diff.is_empty


async def test_a_database_failure_while_storing_keeps_the_old_catalogue(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = runtime.catalog

    def fail(*_: object, **__: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(runtime.database, "replace_catalog", fail)

    outcome = await Reloader(runtime).reload(Fetched(siedlce_offices_yaml("Katalog B"), "b.yaml"))

    assert outcome.status == "store_failed"
    assert runtime.catalog is before


async def test_check_validates_without_loading(runtime: Runtime) -> None:
    before = runtime.catalog
    reloader = Reloader(runtime)

    good = await reloader.check(
        Fetched(siedlce_offices_yaml("Katalog B", extra=ZASILKI_YAML), "b.yaml")
    )
    bad = await reloader.check(Fetched(BROKEN, "b.yaml"))

    assert good.catalog is not None
    assert not good.errors
    assert bad.catalog is None
    assert bad.errors
    assert runtime.catalog is before


async def test_two_reloads_at_once_take_turns(runtime: Runtime) -> None:
    reloader = Reloader(runtime)
    first = Fetched(siedlce_offices_yaml("Katalog B", extra=ZASILKI_YAML), "b.yaml")
    second = Fetched(siedlce_offices_yaml("Katalog C"), "c.yaml")

    outcomes = await asyncio.gather(reloader.reload(first), reloader.reload(second))

    assert [outcome.status for outcome in outcomes] == ["loaded", "loaded"]
    assert outcomes[1].diff is not None
    assert outcomes[1].diff.removed == ("mopr-zasilki",)  # the second saw the first's result
    assert runtime.catalog.name == "Katalog C"
    stored = runtime.database.load_catalog()
    assert stored is not None
    assert stored.name == "Katalog C"


class LingeringExecutor(ThreadPoolExecutor):
    """Worker threads as on a loaded machine: each call's arguments outlive its result.

    A real worker drops its work item only after handing the result back; when the machine is
    busy, the awaiting coroutine runs first. Here they stay held until the executor is shut
    down, so the reload must free the old catalogue without passing it to a worker call.
    """

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.held: list[tuple[object, ...]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        self.held.append((fn, args, kwargs))
        return super().submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.held.clear()
        super().shutdown(wait, cancel_futures=cancel_futures)


async def test_the_replaced_catalogue_is_freed_when_the_reload_ends(runtime: Runtime) -> None:
    SearchIndex.of(runtime.catalog)
    replaced = weakref.ref(runtime.catalog)
    asyncio.get_running_loop().set_default_executor(LingeringExecutor())

    gc.disable()  # freed by reference counting alone, without waiting for the collector
    try:
        outcome = await Reloader(runtime).reload(
            Fetched(siedlce_offices_yaml("Katalog B"), "b.yaml")
        )
        freed = replaced() is None
    finally:
        gc.enable()

    assert outcome.status == "loaded"
    assert freed
