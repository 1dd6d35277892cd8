"""Lemmas: the dictionary form of a Polish or Ukrainian word, and whether the dictionaries
know it as a name, from simplemma's dictionaries kept as memory-mapped tries.

simplemma's own dictionaries cost 4-5 s and ~400 MB per process to load; the same tables as
MARISA tries (~25 MB on disk, memory-mapped) open in milliseconds. Building them takes ~12 s
and ~750 MB once per machine, so it runs in a child process and the files are kept in a cache
directory, one sub-directory per simplemma version.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TextIO

import simplemma
from marisa_trie import HUGE_CACHE, BytesTrie  # type: ignore[import-not-found]  # no stubs
from platformdirs import user_cache_dir
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    DEFAULT_DICTIONARY_FACTORY,
    CachingDictionaryFactory,
    DefaultDictionaryFactory,
    DictionaryFactory,
    _load_dictionary_from_disk,
)
from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieWrapDict
from simplemma.utils import normalize_token
from tqdm import tqdm

LEMMA_LANGUAGES = ("pl", "uk")

_LOG = logging.getLogger(__name__)
_lemma_lock = threading.Lock()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The dictionary form of a lower-case word (Polish or Ukrainian), lower-cased.

    Words the dictionaries do not know come back unchanged.
    """
    lemmatizer, _ = _lemma_tables()
    with _lemma_lock:  # the tables are opened lazily, once
        found = lemmatizer.lemmatize(word, lang=LEMMA_LANGUAGES)
    return str(found).casefold()


def preload_lemmas() -> None:
    """Open the lemma tables now (building them first if this machine has none)."""
    lemma("praca")


@lru_cache(maxsize=50_000)
def word_kind(word: str) -> str:
    """'proper' when the dictionaries know a word as a name ('siedlcach' -> Siedlce), 'common'
    for an ordinary word ('rady', 'pokoju'), 'unknown' otherwise.

    Finding places inside sentences needs it: many villages are named like ordinary words.
    """
    word = word.casefold()
    lemmatizer, lookup = _lemma_tables()
    with _lemma_lock:
        token = normalize_token(word)  # as simplemma.is_known does
        if all(lookup.get_lemma(token, language) is None for language in LEMMA_LANGUAGES):
            return "unknown"
        found = str(lemmatizer.lemmatize(word, lang=LEMMA_LANGUAGES))
    return "proper" if found[:1].isupper() else "common"


def ordinary_words(words: Iterable[str], languages: Sequence[str]) -> set[str]:
    """Those of the words that a language's dictionary knows as ordinary words, with a
    lower-case lemma ('log', 'полиция', 'жара'); names ('Warsaw', 'Білосток') are not.

    Languages other than LEMMA_LANGUAGES are read into memory for this call (about a second
    and 150 MB for Russian): for importing place files, never in the running bot.
    """
    candidates = list(words)
    if not candidates:
        return set()
    _, tries = _lemma_tables()
    in_memory = DictionaryLookupStrategy(DefaultDictionaryFactory(cache_max_size=1))
    found: set[str] = set()
    for language in languages:
        for word in candidates:
            token = normalize_token(word.casefold())
            if language in LEMMA_LANGUAGES:
                with _lemma_lock:
                    known = tries.get_lemma(token, language)
            else:
                known = in_memory.get_lemma(token, language)
            if known is not None and known[:1].islower():
                found.add(word)
    return found


_LEMMA_BUILD_MESSAGE = "building lemma tables once (about 15 s)"
_lemma_root: Path | None = None  # None: the user's cache directory
_lemmatizer: tuple[simplemma.Lemmatizer, DictionaryLookupStrategy] | None = None


def configure_lemmas(cache_dir: Path | None) -> None:
    """Keep the lemma tables under `cache_dir` (None: the user's cache directory).

    Call it before the first lemma; a later call with another directory reopens the tables there.
    """
    global _lemma_root, _lemmatizer
    with _lemma_lock:
        if lemma_tables_dir(cache_dir) != lemma_tables_dir(_lemma_root):
            _lemmatizer = None
        _lemma_root = cache_dir


def default_lemma_cache_dir() -> Path:
    """The user's cache directory for the tables (`~/.cache/drogowskaz/lemmas` on Linux)."""
    return Path(user_cache_dir("drogowskaz")) / "lemmas"


def lemma_tables_dir(cache_dir: Path | None) -> Path:
    """Where the tables of this simplemma version are: `<cache_dir>/<version>` (None: the
    user's cache directory)."""
    root = cache_dir if cache_dir is not None else default_lemma_cache_dir()
    return root / simplemma.__version__


def lemma_tables_ready(directory: Path, languages: Sequence[str] = LEMMA_LANGUAGES) -> bool:
    """True when every language's table file is in the directory."""
    return all((directory / f"{language}.dic").is_file() for language in languages)


def ensure_lemma_tables(
    cache_dir: Path | None = None,
    *,
    languages: Sequence[str] = LEMMA_LANGUAGES,
    progress: TextIO | None = None,
) -> Path:
    """The directory of the lemma tables, building them first (in a child process) if absent.

    The child keeps the build's ~750 MB peak out of this process; it reports each step done,
    which `progress` (a stream; None: nothing shown) shows as a bar. Raises RuntimeError when
    the build fails (e.g. the directory is not writable).
    """
    directory = lemma_tables_dir(cache_dir)
    if lemma_tables_ready(directory, languages):
        return directory
    _LOG.info(_LEMMA_BUILD_MESSAGE)
    package_root = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    environment = {
        **os.environ,
        "PYTHONPATH": package_root if not path else os.pathsep.join((package_root, path)),
    }
    command = [sys.executable, "-c", _BUILD_IN_CHILD, str(directory), *languages]
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as errors,
        subprocess.Popen(  # noqa: S603 - this interpreter running this module's own function
            command, env=environment, stdout=subprocess.PIPE, stderr=errors, text=True
        ) as child,
        tqdm(
            total=len(languages) * len(LEMMA_BUILD_STEPS),
            file=progress,
            disable=progress is None,
            unit=" steps",
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}]",
        ) as bar,
    ):
        assert child.stdout is not None  # noqa: S101 - stdout=PIPE above
        for step in child.stdout:
            bar.set_description_str(step.split(" ")[0], refresh=False)  # the language
            bar.update()
        returncode = child.wait()
        errors.seek(0)
        error_output = errors.read()
    if returncode != 0 or not lemma_tables_ready(directory, languages):
        last = (error_output.strip().splitlines() or ["no error output"])[-1]
        raise RuntimeError(f"could not build the lemma tables in {directory}: {last}")
    return directory


# What the child reports, per language, as it goes (its standard output, one step a line).
LEMMA_BUILD_STEPS = ("read", "index", "save")
_BUILD_IN_CHILD = (
    "import sys; from pathlib import Path; from catalog.lemmas import build_lemma_tables; "
    "build_lemma_tables(Path(sys.argv[1]), sys.argv[2:], "
    "report=lambda step: print(step, flush=True))"
)


def build_lemma_tables(
    directory: Path,
    languages: Sequence[str] = LEMMA_LANGUAGES,
    *,
    report: Callable[[str], None] | None = None,
) -> None:
    """Build the missing tables into the directory, in this process (the child's work).

    Each file is written under a temporary name and renamed: readers never see half a file,
    and two processes building at once (one waits for the other's lock) both end well.
    `report` hears each step of `LEMMA_BUILD_STEPS` as '<language> <step>'.
    """

    def done(language: str, *steps: str) -> None:
        for step in steps:
            if report is not None:
                report(f"{language} {step}")

    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for language in languages:
            target = directory / f"{language}.dic"
            if target.is_file():
                done(language, *LEMMA_BUILD_STEPS)
                continue
            raw = _load_dictionary_from_disk(language)
            done(language, "read")
            trie = BytesTrie(
                ((key.decode(), value) for key, value in raw.items()), cache_size=HUGE_CACHE
            )
            del raw
            done(language, "index")
            partial = directory / f".{language}.dic.{os.getpid()}.tmp"
            try:
                trie.save(str(partial))
                partial.chmod(0o644)  # readable by the user the bot runs as
                partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
            del trie
            done(language, "save")


class _MappedTries(CachingDictionaryFactory):
    """simplemma's dictionaries read from the built tries, memory-mapped: the pages are shared
    between processes and only the ones looked up count towards the resident size."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        super().__init__(cache_max_size=len(LEMMA_LANGUAGES))

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        trie = BytesTrie()
        trie.mmap(str(self._directory / f"{lang}.dic"))
        return TrieWrapDict(trie)


def _lemma_tables() -> tuple[simplemma.Lemmatizer, DictionaryLookupStrategy]:
    """The process's lemmatizer and dictionary lookup over the tries, opened at first use."""
    global _lemmatizer
    with _lemma_lock:
        if _lemmatizer is None:
            factory: DictionaryFactory
            try:
                factory = _MappedTries(ensure_lemma_tables(_lemma_root))
            except (RuntimeError, OSError) as error:
                # Same answers from simplemma's own dictionaries, at ~400 MB and seconds per start.
                _LOG.warning("%s; using the slower in-memory dictionaries", error)
                factory = DEFAULT_DICTIONARY_FACTORY
            strategy = DefaultStrategy(dictionary_factory=factory)
            # lemma() and word_kind() cache their own answers: no second cache here.
            _lemmatizer = (
                simplemma.Lemmatizer(cache_max_size=0, lemmatization_strategy=strategy),
                DictionaryLookupStrategy(factory),
            )
        return _lemmatizer
