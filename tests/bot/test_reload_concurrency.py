import asyncio
import threading
from pathlib import Path

import pytest

from bot.reload import Fetched, Reloader
from bot.runtime import Runtime
from catalog.search import Query, SearchIndex
from tests.bot.test_reload import make_runtime
from tests.builders import siedlce_offices_yaml

QUERY = Query(text="praca młodzież", gmina="146401", age=17)


def renamed(name: str, marker: str) -> bytes:
    """Catalogue A with every service name marked, so a result tells which file it came from."""
    return (
        siedlce_offices_yaml(name)
        .replace(b"name: Prz", f"name: {marker}Prz".encode())
        .replace(b"name: Praca", f"name: {marker}Praca".encode())
    )


def search_now(runtime: Runtime) -> tuple[str, frozenset[bool]]:
    """One search as a handler does it: take the catalogue once, search its own index."""
    catalog = runtime.catalog
    result = SearchIndex.of(catalog).search(QUERY)
    marks = frozenset(match.service.name.startswith("B:") for match in result.matches)
    return catalog.name, marks


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    return make_runtime(tmp_path)


async def test_searches_see_the_old_catalogue_until_the_new_one_is_stored(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    storing = threading.Event()
    release = threading.Event()
    original = runtime.database.replace_catalog

    def slow_store(*args: object, **kwargs: object) -> None:
        storing.set()
        release.wait(timeout=10)
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runtime.database, "replace_catalog", slow_store)

    reload = asyncio.create_task(
        Reloader(runtime).reload(Fetched(renamed("Katalog B", "B:"), "b.yaml"))
    )
    await asyncio.to_thread(storing.wait, 10)
    during = [await asyncio.to_thread(search_now, runtime) for _ in range(5)]
    release.set()
    outcome = await reload
    after = search_now(runtime)

    assert outcome.status == "loaded"
    assert set(during) == {("Katalog A", frozenset({False}))}
    assert after == ("Katalog B", frozenset({True}))


async def test_many_searches_racing_a_reload_never_mix_two_catalogues(runtime: Runtime) -> None:
    reloader = Reloader(runtime)
    files = [
        Fetched(renamed(f"Katalog {n}", "B:" if n % 2 else ""), f"{n}.yaml") for n in range(1, 5)
    ]

    async def reloads() -> None:
        for fetched in files:
            await reloader.reload(fetched)

    async def searches() -> list[tuple[str, frozenset[bool]]]:
        seen = []
        for _ in range(40):
            seen.append(await asyncio.to_thread(search_now, runtime))
            await asyncio.sleep(0)
        return seen

    _, *observed = await asyncio.gather(reloads(), searches(), searches(), searches())

    for name, marks in (item for batch in observed for item in batch):
        number = int(name.rsplit(" ", 1)[1]) if name != "Katalog A" else 0
        assert marks == frozenset({number % 2 == 1}), (name, marks)
