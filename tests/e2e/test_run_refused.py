"""`drogowskaz run` that cannot start: a token the Bot API rejects, or no Bot API to reach.

Either way the person starting it reads one line that says what to do, the exit code is 2,
and there is no traceback and no unclosed connection.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from bot.i18n import t
from tests.botapi import BotApiServer
from tests.e2e.conftest import run_process

WRONG_TOKEN = "999999:not-the-servers-token"  # noqa: S105 - a made-up token


async def run_bot(api_url: str, data_dir: Path) -> tuple[int, str]:
    """Start `drogowskaz run` (ResourceWarnings shown) with a token and wait for its exit."""
    process = await run_process(
        api_url, data_dir, "-W", "always::ResourceWarning", token=WRONG_TOKEN, language="en"
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, (stdout + stderr).decode()


def assert_one_clear_line(output: str, expected: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == [expected]
    assert "Traceback" not in output
    assert "Unclosed" not in output
    assert WRONG_TOKEN not in output


async def test_a_token_the_bot_api_rejects_gives_one_line_and_exit_code_2(tmp_path: Path) -> None:
    async with BotApiServer() as server:  # answers 401 to any other token than its own
        code, output = await run_bot(server.base_url, tmp_path)

        assert server.calls == []  # nothing but the rejected getMe was tried

    assert code == 2
    assert_one_clear_line(
        output, t("cli.run.token_rejected", "en", url=f"http://127.0.0.1:{server.port}")
    )


async def test_no_bot_api_to_reach_gives_one_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    code, output = await run_bot(f"http://127.0.0.1:{port}/bot", tmp_path)

    assert code == 2
    assert_one_clear_line(output, t("cli.run.unreachable", "en", url=f"http://127.0.0.1:{port}"))
