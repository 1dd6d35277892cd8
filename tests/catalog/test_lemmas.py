"""Lemma tables: the tries built once per machine answer as simplemma's own dictionaries."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import simplemma
from marisa_trie import BytesTrie  # type: ignore[import-not-found]  # no stubs
from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

from bot.cli import main
from catalog.lemmas import (
    LEMMA_LANGUAGES,
    build_lemma_tables,
    ensure_lemma_tables,
    lemma,
    lemma_tables_dir,
    lemma_tables_ready,
    word_kind,
)
from catalog.places_store import read_bundle
from catalog.text import words
from tests.builders import sample_regions_of
from tests.conftest import SHARED as SHARED_ROOT

REPO = Path(__file__).resolve().parents[2]
SHARED = SHARED_ROOT
# How catalog.places cuts sentences into tokens for word_kind: case, hyphens and dots kept.
_TOKEN = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*\.?")


def _texts() -> Iterator[str]:
    sources = [
        REPO / "catalog" / "data" / "sample-catalog.yaml",
        SHARED / "sample-catalog.yaml",
        SHARED / "eval" / "questions.yaml",
        SHARED / "eval" / "catalog.yaml",
        *sorted((REPO / "locales" / "vocabulary").glob("*.yaml")),
    ]
    for path in sources:
        if path.is_file():
            yield path.read_text(encoding="utf-8")
    regions = sample_regions_of(read_bundle())
    yield " ".join([unit.name for unit in regions.units] + [x.name for x in regions.localities])


def _old_lemma(word: str) -> str:
    """lemma() as it was: simplemma's module functions over its in-memory dictionaries."""
    return str(simplemma.lemmatize(word, lang=LEMMA_LANGUAGES)).casefold()


def _old_word_kind(word: str) -> str:
    word = word.casefold()
    if not simplemma.is_known(word, lang=LEMMA_LANGUAGES):
        return "unknown"
    found = str(simplemma.lemmatize(word, lang=LEMMA_LANGUAGES))
    return "proper" if found[:1].isupper() else "common"


@pytest.fixture(scope="module")
def simplemma_dictionaries() -> Iterator[None]:
    """simplemma's own dictionaries for the comparison, released afterwards (~400 MB)."""
    yield
    DEFAULT_DICTIONARY_FACTORY._get_dictionary.cache_clear()
    simplemma.lemmatizer._legacy_lemmatizer_for.cache_clear()


@pytest.mark.usefixtures("simplemma_dictionaries")
def test_lemmas_and_word_kinds_are_the_same_as_simplemmas_own_dictionaries() -> None:
    texts = list(_texts())
    lower = sorted({word for text in texts for word in words(text)})
    tokens = sorted({token for text in texts for token in _TOKEN.findall(text)})

    lemmas = {word: lemma(word) for word in lower}
    kinds = {token: word_kind(token) for token in [*lower, *tokens]}

    assert len(lower) > 2000
    assert lemmas == {word: _old_lemma(word) for word in lower}
    assert kinds == {token: _old_word_kind(token) for token in kinds}
    assert {"proper", "common", "unknown"} <= set(kinds.values())


def test_tables_live_in_a_folder_per_simplemma_version(tmp_path: Path) -> None:
    assert lemma_tables_dir(tmp_path) == tmp_path / simplemma.__version__


def test_tables_are_not_ready_while_a_language_is_missing(tmp_path: Path) -> None:
    (tmp_path / "pl.dic").write_bytes(b"")
    (tmp_path / ".uk.dic.123.tmp").write_bytes(b"")

    assert not lemma_tables_ready(tmp_path)


def test_ready_tables_are_used_as_they_are(tmp_path: Path) -> None:
    directory = lemma_tables_dir(tmp_path)
    directory.mkdir()
    for language in LEMMA_LANGUAGES:
        (directory / f"{language}.dic").write_bytes(b"kept")

    found = ensure_lemma_tables(tmp_path)

    assert found == directory
    assert {path.read_bytes() for path in directory.iterdir()} == {b"kept"}


def test_a_build_shows_its_progress_step_by_step_on_the_stream_given(tmp_path: Path) -> None:
    progress = io.StringIO()

    directory = ensure_lemma_tables(tmp_path, languages=("ms",), progress=progress)

    assert lemma_tables_ready(directory, ("ms",))
    shown = progress.getvalue()
    assert "ms: 100%" in shown
    assert "3/3" in shown


def test_a_build_without_a_stream_shows_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_lemma_tables(tmp_path, languages=("ms",))

    assert capsys.readouterr() == ("", "")


def test_two_builders_at_once_leave_one_whole_table_and_no_temporary_files(
    tmp_path: Path,
) -> None:
    builders = [
        threading.Thread(target=build_lemma_tables, args=(tmp_path, ("ms",))) for _ in range(2)
    ]

    for builder in builders:
        builder.start()
    for builder in builders:
        builder.join()

    assert sorted(path.name for path in tmp_path.iterdir()) == [".build.lock", "ms.dic"]
    trie = BytesTrie()
    trie.load(str(tmp_path / "ms.dic"))
    assert len(trie) == len(DEFAULT_DICTIONARY_FACTORY.get_dictionary("ms"))


def test_lemmas_command_says_where_the_tables_are(
    lemma_tables: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "en")

    code = main(["lemmas", "--dir", str(lemma_tables.parent)])

    assert code == 0
    assert capsys.readouterr().out.strip() == f"The lemma tables are ready in {lemma_tables}"


def test_lemmas_command_reports_a_cache_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "en")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")

    code = main(["lemmas", "--dir", str(not_a_folder)])

    assert code == 1
    assert capsys.readouterr().err.startswith("Could not build the lemma tables:")
