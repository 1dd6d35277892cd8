"""The terminal chat: the same dialog as the Telegram bot, buttons shown as numbered options.

"This was wrong" works as in Telegram; the report is only printed (nothing is stored here).
Reads one answer per line, so it also works with piped input (`printf '%s\\n' 19 ... | drogowskaz
chat`); end of input ends the chat. Typing an option's number presses that button, except at
questions where a typed number is an answer (the age): there options are lettered (a, b, c).
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TextIO

from bot.dialog import Choice, Deps, DialogState, Feedback, Input, Step, Text, start, step
from bot.i18n import t
from bot.render import Button, Reply

_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)


def plain(text: str) -> str:
    """Telegram HTML as plain text: tags dropped, links kept as 'text (url)', entities decoded."""
    text = _LINK.sub(lambda found: f"{found.group(2)} ({found.group(1)})", text)
    return html.unescape(_TAG.sub("", text))


class Console:
    """One terminal conversation: holds the state and the options last shown."""

    def __init__(
        self, deps: Deps, output: TextIO, *, lang: str = "pl", clock: Callable[[], datetime]
    ) -> None:
        self.deps = deps
        self.output = output
        self.clock = clock
        self.options: dict[str, str] = {}
        command, self.state = start(lang)
        self._hinted: set[bool] = set()
        self.show(step(self.state, command, deps, clock()))

    def answer(self, line: str) -> None:
        """Handle one line the person typed."""
        line = line.strip()
        if not line:
            return
        token = self.options.get(line.casefold())
        event: Input = Choice(token) if token is not None else Text(line)
        self.show(step(self.state, event, self.deps, self.clock()))

    def show(self, result: Step) -> None:
        """Print the replies of a step and remember its options."""
        lang = result.state.lang
        self.state = DialogState(lang=lang) if result.forget else result.state
        lettered = any(reply.numbers_are_answers for reply in result.replies)
        names = iter(_letters() if lettered else _numbers())
        self.options = {}
        for reply in result.replies:
            self._print_reply(reply, names, lang)
        for report in result.feedback:
            self._print_report(report, lang)
        if result.forget:
            self._print(t("console.deleted", lang))
        if self.options and lettered not in self._hinted:
            self._hinted.add(lettered)
            self._print(t("console.choose_letter" if lettered else "console.choose_number", lang))
        self._print("")

    def _print_reply(self, reply: Reply, names: Iterable[str], lang: str) -> None:
        if reply.kind in ("card", "footer"):
            self._print("")  # cards apart, so each one's options stay with it
        if reply.text:
            self._print(plain(reply.text))
        if reply.venue is not None:
            place = reply.venue
            self._print(
                t(
                    "console.map",
                    lang,
                    title=place.title,
                    address=place.address,
                    latitude=place.latitude,
                    longitude=place.longitude,
                )
            )
        labels = iter(names)
        for row in reply.buttons:
            self._print("   ".join(self._option(button, next(labels)) for button in row))
        if reply.location_request:
            self._print(f"   ({t('console.location', lang)})")

    def _print_report(self, report: Feedback, lang: str) -> None:
        """Say what the coordinators would get (the terminal chat stores no reports)."""
        service = self.deps.catalog.service(report.service_id)
        title = service.name if service is not None else report.service_id
        kind = t(f"dialog.wrong.kind.{report.kind}", lang)
        self._print(t("console.report", lang, service=title, kind=kind))
        if report.note:
            self._print(t("console.report_note", lang, note=report.note))

    def _option(self, button: Button, name: str) -> str:
        self.options[name] = button.token
        return f"  {name}) {button.label}"

    def _print(self, text: str) -> None:
        print(text, file=self.output)


def run(
    deps: Deps,
    lines: TextIO,
    output: TextIO,
    *,
    lang: str = "pl",
    clock: Callable[[], datetime],
    echo: bool = False,
    prompt: bool = False,
) -> int:
    """Chat until end of input.

    `prompt` shows "> " before each answer (a person at a terminal); `echo` prints each answer
    read instead (piped input), so the output reads as a transcript.
    """
    console = Console(deps, output, lang=lang, clock=clock)
    while True:
        if prompt:
            output.write("> ")
            output.flush()
        line = lines.readline()
        if not line:
            if prompt:
                output.write("\n")
            return 0
        if echo and line.strip():
            print(f"> {line.strip()}", file=output)
        console.answer(line)


def _letters() -> Iterable[str]:
    yield from string.ascii_lowercase
    yield from (
        first + second for first in string.ascii_lowercase for second in string.ascii_lowercase
    )


def _numbers() -> Iterable[str]:
    number = 1
    while True:
        yield str(number)
        number += 1
