"""Where the bot keeps its data when nobody says: the user's data directory, not the cwd."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings


@pytest.fixture
def user_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh XDG data home (what platformdirs reads on Linux), with no data dir configured."""
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv("DROGOWSKAZ_DATA_DIR", raising=False)
    monkeypatch.delenv("DROGOWSKAZ_DATABASE_URL", raising=False)
    return home


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME is the Linux convention")
def test_without_a_data_dir_setting_the_data_goes_to_the_users_data_directory(
    user_data_home: Path,
) -> None:
    settings = Settings(_env_file=None)

    assert settings.data_dir == user_data_home / "drogowskaz"
    assert settings.effective_database_url.endswith(
        str(user_data_home / "drogowskaz" / "drogowskaz.sqlite")
    )


def test_the_data_dir_setting_wins(user_data_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DROGOWSKAZ_DATA_DIR", str(user_data_home.parent / "elsewhere"))

    settings = Settings(_env_file=None)

    assert settings.data_dir == user_data_home.parent / "elsewhere"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME is the Linux convention")
def test_chat_run_from_any_folder_leaves_no_data_folder_there(
    user_data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "somewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setattr(sys, "stdin", io.StringIO("19\n"))
    monkeypatch.setattr(sys, "stdout", io.StringIO())

    code = main(["chat"])

    assert code == 0
    assert list(folder.iterdir()) == []
    assert (user_data_home / "drogowskaz" / "drogowskaz.sqlite").is_file()
