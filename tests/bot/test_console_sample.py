"""`drogowskaz chat` end to end on the bundled sample: the README's first command."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot.cli import main


def test_piped_chat_shows_the_labour_office_and_youth_centre_of_siedlce(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DROGOWSKAZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DROGOWSKAZ_DATABASE_URL", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("19\nszukam pracy\nSiedlce\n"))

    code = main(["chat"])

    shown = capsys.readouterr().out
    assert code == 0
    assert "Powiatowy Urząd Pracy w Siedlcach" in shown
    assert "Centrum Edukacji i Pracy Młodzieży OHP w Siedlcach" in shown
    assert "<b>" not in shown
    assert "\n> Siedlce\n" in shown


def test_chat_speaks_the_language_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DROGOWSKAZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DROGOWSKAZ_DATABASE_URL", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a\n"))

    code = main(["chat", "--lang", "en"])

    shown = capsys.readouterr().out
    assert code == 0
    assert "Who needs help?" in shown
    assert "How old are you?" in shown
