import asyncio
from pathlib import Path

from bot.reload import Reloader
from bot.runtime import Runtime
from bot.settings import Settings
from tests.builders import catalog_with, crisis_line, service


def test_runtime_serves_the_sample_until_a_catalogue_is_loaded(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    runtime = Runtime.open(settings)
    assert runtime.is_sample
    assert runtime.catalog.name == "Przykładowy katalog usług społecznych"
    assert (tmp_path / "data" / "drogowskaz.sqlite").exists()

    loading = Reloader(runtime).load(catalog_with(service("mopr-zasilki"), crisis_line()))
    _, diff = asyncio.run(loading)
    runtime.close()
    reopened = Runtime.open(settings)

    assert "mopr-zasilki" in diff.added
    assert not reopened.is_sample
    assert [s.id for s in reopened.catalog.services] == ["mopr-zasilki", "116-123-rozmowa"]
    assert reopened.catalog.loaded_at is not None
    reopened.close()
