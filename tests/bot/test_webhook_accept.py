"""Accepting connections when file descriptors run out: logged once per interval, accepting
paused and resumed, never a traceback per event-loop turn."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from typing import Any

import pytest

from bot.webhook import _Acceptor, _Throttled


class Exhausted(socket.socket):
    """A listening socket whose accept fails with EMFILE until told otherwise."""

    exhausted = True

    def accept(self) -> tuple[socket.socket, Any]:
        if self.exhausted:
            raise OSError(errno.EMFILE, "Too many open files")
        return super().accept()


async def test_running_out_of_descriptors_is_logged_once_and_accepting_resumes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    listening = Exhausted(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    listening.setblocking(False)
    accepted: list[socket.socket] = []
    acceptor = _Acceptor(
        listening, lambda conn, _: accepted.append(conn), _Throttled(), pause=0.02
    )
    stop = acceptor.start()
    client = socket.create_connection(listening.getsockname())
    try:
        with caplog.at_level(logging.WARNING, logger="bot.webhook"):
            await asyncio.sleep(0.3)  # about fifteen pauses while exhausted
            listening.exhausted = False
            await asyncio.sleep(0.1)
    finally:
        stop()
        client.close()
        for connection in accepted:
            connection.close()
        listening.close()

    warnings = [record for record in caplog.records if "cannot accept" in record.getMessage()]
    assert len(warnings) == 1
    assert "EMFILE" in warnings[0].getMessage()
    assert len(accepted) == 1
