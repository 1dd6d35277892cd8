"""A first start on a machine builds the lemma tables: it says so once, never goes silent."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot import runtime
from bot.i18n import t
from bot.runtime import prepare_lemma_tables
from bot.settings import Settings
from catalog.lemmas import LEMMA_LANGUAGES, lemma_tables_dir


class Builder:
    """Stands in for the 15-second build: records where it was asked to build."""

    def __init__(self) -> None:
        self.built: list[Path | None] = []

    def __call__(self, cache_dir: Path | None, *, progress: object = None) -> Path:  # noqa: ARG002
        self.built.append(cache_dir)
        return lemma_tables_dir(cache_dir)


@pytest.fixture
def builder(monkeypatch: pytest.MonkeyPatch) -> Builder:
    fake = Builder()
    monkeypatch.setattr(runtime, "ensure_lemma_tables", fake)
    return fake


def test_missing_tables_are_built_at_once_with_one_line_saying_it_happens_once(
    tmp_path: Path, builder: Builder
) -> None:
    settings = Settings(_env_file=None, lemma_cache_dir=tmp_path, language="en")
    terminal = io.StringIO()

    prepare_lemma_tables(settings, terminal)

    assert builder.built == [tmp_path]
    assert terminal.getvalue() == t("lemmas.building_once", "en") + "\n"
    assert "once" in terminal.getvalue()


def test_tables_already_built_are_opened_without_a_word(tmp_path: Path, builder: Builder) -> None:
    directory = lemma_tables_dir(tmp_path)
    directory.mkdir(parents=True)
    for language in LEMMA_LANGUAGES:
        (directory / f"{language}.dic").write_bytes(b"")
    terminal = io.StringIO()

    prepare_lemma_tables(Settings(_env_file=None, lemma_cache_dir=tmp_path), terminal)

    assert builder.built == []
    assert terminal.getvalue() == ""
