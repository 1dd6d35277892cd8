"""`drogowskaz chat` end to end on the bundled sample: the README's first command."""

from __future__ import annotations

import io
import sys

import pytest

from bot.cli import main

pytestmark = pytest.mark.usefixtures("cli_home")  # a fresh install


def test_piped_chat_shows_the_labour_office_and_youth_centre_of_siedlce(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "pl")
    monkeypatch.setattr(sys, "stdin", io.StringIO("19\nszukam pracy\nSiedlce\n"))

    code = main(["chat"])

    shown = capsys.readouterr().out
    assert code == 0
    assert "Powiatowy Urząd Pracy w Siedlcach" in shown
    assert "Centrum Edukacji i Pracy Młodzieży OHP w Siedlcach" in shown
    assert "<b>" not in shown
    assert "\n> Siedlce\n" in shown


def test_chat_speaks_the_language_asked_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "pl")  # the option wins over the setting
    monkeypatch.setattr(sys, "stdin", io.StringIO("a\n"))

    code = main(["chat", "--lang", "en"])

    shown = capsys.readouterr().out
    assert code == 0
    assert "Who needs help?" in shown
    assert "How old are you?" in shown
