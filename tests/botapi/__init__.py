"""A local Bot API server for end-to-end tests: the real bot talks HTTP to it."""

from tests.botapi.server import BOT_USERNAME, TOKEN, BotApiServer, Call, FakeUser

__all__ = ["BOT_USERNAME", "TOKEN", "BotApiServer", "Call", "FakeUser"]
