"""The command line's help in the configured language (DROGOWSKAZ_LANGUAGE), as its answers.

The sub-command modules write their help in English, where it is read in the code; every text
is then looked up in locales/ (cli.po) by where it sits in the parser: `cli.command.<path>`
for a command's line, `cli.description.<path>`, `cli.option.<path>.<dest>` (or the same option
name on a shorter path, for options several commands share). argparse's own words ("usage:",
the section titles, -h) are translated too; its error messages stay English.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from bot.i18n import DEFAULT_LANGUAGE, t
from bot.settings import Settings

Setter = Callable[[str], None]
_TITLES = {"positional arguments": "cli.title.positional", "options": "cli.title.options"}


def configured_language() -> str:
    """The language of the settings, or the default when the settings are broken (the command
    that reads them says what is wrong)."""
    try:
        return Settings().language
    except ValidationError:
        return DEFAULT_LANGUAGE


def speak(parser: argparse.ArgumentParser, lang: str) -> None:
    """Put every help text of the parser and its sub-commands in the language."""
    for keys, put in help_texts(parser):
        text = translation(keys, lang)
        if text is not None:
            put(text)
    for each in _parsers(parser):
        each.formatter_class = _formatter(lang)


def translation(keys: tuple[str, ...], lang: str) -> str | None:
    """The text of the first key that locales/ translate; None when none is."""
    for key in keys:
        text = t(key, lang)
        if text != key:
            return text
    return None


def help_texts(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Setter]]:
    """(keys, setter) for each help text, the most specific key first."""
    where = ".".join(path)
    if not path:
        yield ("cli.description",), _setter(parser, "description")
    else:
        yield (f"cli.description.{where}", f"cli.command.{where}"), _setter(parser, "description")
    for group in parser._action_groups:
        if group.title in _TITLES:
            yield (_TITLES[group.title],), _setter(group, "title")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield (f"cli.command.{'.'.join((*path, choice.dest))}",), _help_setter(choice)
            for name, command in action.choices.items():
                yield from help_texts(command, (*path, name))
        elif action.help not in (None, argparse.SUPPRESS):
            shorter = (".".join(path[:end]) for end in range(len(path), -1, -1))
            keys = tuple(f"cli.option.{at}.{action.dest}".replace("..", ".") for at in shorter)
            yield keys, _help_setter(action)


def _parsers(parser: argparse.ArgumentParser) -> Iterable[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield from _parsers(command)


def _setter(holder: object, attribute: str) -> Setter:
    return lambda text: setattr(holder, attribute, text)


def _help_setter(action: argparse.Action) -> Setter:
    """Help texts go through %-formatting in argparse: a literal % is doubled."""
    return lambda text: setattr(action, "help", text.replace("%", "%%"))


def _formatter(lang: str) -> type[argparse.HelpFormatter]:
    """argparse's formatter with "usage:" in the language."""

    class Localized(argparse.HelpFormatter):
        def add_usage(
            self,
            usage: str | None,
            actions: Iterable[argparse.Action],
            groups: Iterable[Any],
            prefix: str | None = None,
        ) -> None:
            super().add_usage(
                usage, actions, groups, t("cli.usage", lang) if prefix is None else prefix
            )

    return Localized
