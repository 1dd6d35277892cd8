import logging

import pytest

from bot.cli import main
from bot.cli.run import RedactToken

TOKEN = "123456:SECRET-token-value"  # noqa: S105 - a made-up token


def test_run_without_a_token_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.delenv("DROGOWSKAZ_TOKEN", raising=False)
    monkeypatch.chdir(str(tmp_path))  # no .env here

    code = main(["run"])

    assert code == 2
    assert "DROGOWSKAZ_TOKEN" in capsys.readouterr().err


def test_the_token_never_reaches_a_log_line() -> None:
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"https://x/bot{TOKEN}/getMe",), None
    )

    RedactToken(TOKEN).filter(record)

    assert TOKEN not in record.getMessage()
    assert record.getMessage() == "POST https://x/bot<token>/getMe"
