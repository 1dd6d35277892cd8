import os
import socket
from pathlib import Path

from bot.cli.health import health_url, is_healthy
from bot.heartbeat import heartbeat_path, is_alive, touch_heartbeat
from bot.settings import Settings


def test_bot_is_alive_only_while_its_heartbeat_is_fresh(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert not is_alive(settings)

    heartbeat_path(settings).touch()
    os.utime(heartbeat_path(settings), (1_000_000, 1_000_000))

    assert is_alive(settings, now=1_000_060)
    assert not is_alive(settings, now=1_000_600)


def test_touching_the_heartbeat_makes_the_bot_alive_even_in_a_new_data_directory(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "new" / "data")

    touched = touch_heartbeat(settings)

    assert touched
    assert is_alive(settings)


def test_the_health_endpoint_is_asked_on_this_machine_only_in_webhook_mode() -> None:
    polling = Settings(_env_file=None)
    anywhere = Settings(
        _env_file=None, webhook_url="https://bot.example.org/hook", webhook_port=8443
    )
    ipv6 = Settings(
        _env_file=None,
        webhook_url="https://bot.example.org/hook",
        webhook_listen="::1",
        health_path="/ready",
    )

    assert health_url(polling) is None
    assert health_url(anywhere) == "http://127.0.0.1:8443/healthz"
    assert health_url(ipv6) == "http://[::1]:8080/ready"


def test_in_webhook_mode_a_fresh_heartbeat_is_not_enough_without_the_endpoint(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    polling = Settings(_env_file=None, data_dir=tmp_path)
    webhook = Settings(
        _env_file=None,
        data_dir=tmp_path,
        webhook_url="https://bot.example.org/hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    touch_heartbeat(polling)

    assert is_healthy(polling)
    assert not is_healthy(webhook)
