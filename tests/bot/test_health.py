import os
from pathlib import Path

from bot.cli.health import heartbeat_path, is_alive
from bot.settings import Settings


def test_bot_is_alive_only_while_its_heartbeat_is_fresh(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert not is_alive(settings)

    heartbeat_path(settings).touch()
    os.utime(heartbeat_path(settings), (1_000_000, 1_000_000))

    assert is_alive(settings, now=1_000_060)
    assert not is_alive(settings, now=1_000_600)
