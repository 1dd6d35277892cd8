"""The command line's help speaks the configured language, like its answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.cli.help import help_texts, translation
from bot.i18n import LANGUAGES, t


@pytest.fixture(autouse=True)
def no_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_help_text_of_every_command_is_in_locales(lang: str) -> None:
    missing = [
        keys[0] for keys, _ in help_texts(build_parser()) if translation(keys, lang) is None
    ]

    assert missing == [], f"add these keys to locales/{lang}/cli.po"


@pytest.mark.parametrize(
    ("lang", "usage"), [("pl", "użycie:"), ("uk", "використання:"), ("en", "usage:")]
)
def test_help_is_in_the_configured_language(
    lang: str, usage: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", lang)

    with pytest.raises(SystemExit):
        main(["search", "--help"])

    shown = " ".join(capsys.readouterr().out.split())
    assert shown.startswith(usage)
    assert " ".join(t("cli.option.search.place", lang).split()) in shown
    assert " ".join(t("cli.option.help", lang).split()) in shown


def test_polish_help_has_no_english_sentences_left(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "pl")

    with pytest.raises(SystemExit):
        main(["--help"])

    shown = capsys.readouterr().out
    for english in (
        "usage:",
        "options",
        "show this help",
        "find the services",
        "run the Telegram",
    ):
        assert english not in shown


def test_help_works_with_broken_settings_in_the_default_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_STATE_TTL_HOURS", "-1")

    with pytest.raises(SystemExit):
        main(["--help"])

    assert capsys.readouterr().out.startswith("użycie:")
