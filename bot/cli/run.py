"""`drogowskaz run`: the Telegram bot, polling by default or behind a webhook when configured.

Webhook mode serves the webhook and a health endpoint on one port (bot/webhook.py). SIGTERM and
SIGINT stop either mode gracefully: no more updates are taken, the updates in flight finish
(their state is already in the database) and the bot shuts down. Logs never contain the token.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import secrets
import sys
from typing import Any
from urllib.parse import urlsplit

from telegram import Update

from bot.i18n import t
from bot.settings import Settings

_LOG = logging.getLogger("drogowskaz")


class RedactToken(logging.Filter):
    """Replaces the bot token in any log record (a library may log a URL that contains it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without the token; never drops a record."""
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = ()
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (time, level, logger, message) for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(token: str, *, as_json: bool, debug: bool = False) -> None:
    """Logs to stderr, the token redacted everywhere (build_application quietens httpx).

    `debug` opens up the project's own loggers only: python-telegram-bot logs whole updates
    (people's messages) at DEBUG, so its loggers stay at INFO.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for project in ("bot", "catalog", "drogowskaz"):
        logging.getLogger(project).setLevel(logging.DEBUG if debug else logging.INFO)
    logging.getLogger("telegram").setLevel(logging.INFO)


def register(commands: Any) -> None:
    """Add `run`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "run",
        help="run the Telegram bot (needs DROGOWSKAZ_TOKEN; webhook when DROGOWSKAZ_WEBHOOK_URL)",
    )
    parser.add_argument("--json-logs", action="store_true", help="log one JSON object per line")
    parser.add_argument("--debug", action="store_true", help="log more (never message text)")
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="load the vocabularies at first use (quicker start, slower first answer)",
    )
    parser.set_defaults(handler=_run)


def _run(arguments: argparse.Namespace) -> int:
    settings = Settings()
    if settings.token is None or not settings.token.get_secret_value().strip():
        print(t("cli.run.no_token", settings.language), file=sys.stderr)
        return 2
    token = settings.token.get_secret_value()
    configure_logging(token, as_json=arguments.json_logs, debug=arguments.debug)
    from bot.runtime import Runtime  # heavy imports after the cheap checks
    from bot.telegram_app import build_application, warm_up, why_telegram_refuses
    from bot.webhook import run_webhook

    refusal = asyncio.run(why_telegram_refuses(settings))
    if refusal is not None:
        print(t(f"cli.run.{refusal}", settings.language, url=_api_host(settings)), file=sys.stderr)
        return 2

    with Runtime.open(settings, progress=sys.stderr) as runtime:
        if not arguments.no_warm_up:
            _LOG.info("loading vocabularies")
            warm_up(runtime)
        application = build_application(settings, runtime)
        if settings.webhook_url:
            secret = (
                settings.webhook_secret.get_secret_value()
                if settings.webhook_secret is not None
                else secrets.token_urlsafe(32)  # set anew with the webhook at every start
            )
            _LOG.info(
                "starting (webhook on %s:%d, health on %s)",
                settings.webhook_listen,
                settings.webhook_port,
                settings.health_path,
            )
            run_webhook(application, runtime, settings, secret=secret)
        else:
            _LOG.info("starting (polling)")
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    _LOG.info("stopped")
    return 0


def _api_host(settings: Settings) -> str:
    """Where the Bot API is (scheme and host only: the URL path would carry the token)."""
    parts = urlsplit(settings.bot_api_url)
    return f"{parts.scheme}://{parts.netloc}"
