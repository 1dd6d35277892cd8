"""The terminal chat: the same dialog as the Telegram bot, buttons shown as options to type.

"This was wrong" works as in Telegram; the report is only printed (nothing is stored here).
Reads one answer per line, so it also works with piped input (`printf '%s\\n' 19 ... | drogowskaz
chat`); end of input ends the chat. A line starting with "/" is a command, as in Telegram
(/start, /pomoc, /jezyk, /prywatnosc, /usun, /szukaj).

Keys: the actions found on many screens keep one key on all of them (`ACTION_KEYS`: "<" back,
"0" start again, "x" quick exit...); a card's own options carry its number ("!2": the second
card is wrong), so a bare number typed after the results is never a report. The choices of the
question are numbered, or lettered (a, b, c) where a typed number is the answer (the age).
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Final, TextIO

from bot.dialog import (
    Choice,
    Deps,
    DialogState,
    Feedback,
    Input,
    Step,
    Text,
    command_of,
    start,
    step,
)
from bot.i18n import t
from bot.render import Button, Reply

_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)
_CARD_NUMBER = re.compile(r"(\d+)\.\s")

# Actions offered on many screens: one key each, the same everywhere, never an answer.
ACTION_KEYS: Final[Mapping[str, str]] = {
    "back": "<",
    "skip": ">",
    "restart": "0",  # no one is 0 years old
    "more": "+",
    "forget": "x",
    "change:place": "m",
    "change:situation": "s",
    "change:age": "w",
}
# Works on every screen, shown or not: the way out must never depend on where one is.
QUICK_EXIT = "forget"
# A card's own buttons: the sign, then the card's number ("!2" reports the second card).
CARD_KEYS: Final[Mapping[str, str]] = {"wrong": "!", "map": "@"}


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
        self._intro = True  # the first screen also says what works at any time
        self.show(step(self.state, command, deps, clock()))

    def answer(self, line: str) -> None:
        """Handle one line the person typed: an option's key, a /command, or an answer."""
        line = line.strip()
        if not line:
            return
        self.show(step(self.state, self.read(line), self.deps, self.clock()))

    def read(self, line: str) -> Input:
        """What a typed line means here."""
        key = "".join(line.split()).casefold()
        token = self.options.get(key)
        if token is None and key == ACTION_KEYS[QUICK_EXIT]:
            token = QUICK_EXIT
        if token is not None:
            return Choice(token)
        if line.startswith("/"):
            command = command_of(line)
            if command is not None:
                return command
        return Text(line)

    def show(self, result: Step) -> None:
        """Print the replies of a step and remember its options."""
        lang = result.state.lang
        self.state = DialogState(lang=lang) if result.forget else result.state
        lettered = any(reply.numbers_are_answers for reply in result.replies)
        names = _choice_keys(lettered)
        shown = self.options
        self.options = {}
        for reply in result.replies:
            self._print_reply(reply, names, lang)
        for report in result.feedback:
            self._print_report(report, lang)
        if result.forget:
            self._print(t("console.deleted", lang))
        elif not self.options:
            self.options = shown  # as in Telegram, the last options can still be chosen
        confused = any(reply.kind == "not_understood" for reply in result.replies)
        if self.options and (confused or lettered not in self._hinted):
            self._hinted.add(lettered)
            self._print(t("console.choose_letter" if lettered else "console.choose_number", lang))
        if self._intro:
            self._intro = False
            self._print(t("console.keys", lang))
        self._print("")

    def _print_reply(self, reply: Reply, names: Iterator[str], lang: str) -> None:
        if reply.kind == "forget":
            return  # says how to delete a Telegram chat; here console.deleted says it all
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
        number: str | None = None  # the card's number, on a card's own buttons
        if reply.kind == "card":
            card = _CARD_NUMBER.match(plain(reply.text))
            number = card.group(1) if card is not None else ""
        for row in reply.buttons:
            self._print(
                "   ".join(self._option(button, _key(button, names, number)) for button in row)
            )
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


def _key(button: Button, choices: Iterator[str], card_number: str | None) -> str:
    """What to type for a button: its action's key, its card's sign and number (on a card), or
    the next free key for the question's choices."""
    action = ACTION_KEYS.get(button.token)
    if action is not None:
        return action
    sign = CARD_KEYS.get(button.token.partition(":")[0])
    if sign is not None and card_number is not None:
        return sign + card_number
    return next(choices)


def _choice_keys(lettered: bool) -> Iterator[str]:
    """Keys for a question's choices: 1, 2, 3... or a, b, c..., never an action's key."""
    reserved = set(ACTION_KEYS.values())
    return (key for key in (_letters() if lettered else _numbers()) if key not in reserved)


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
