"""The conversation with a resident as pure state transitions: `step(state, input) -> Step`.

Both front ends (Telegram and the terminal chat) call `step` and show its replies; the logic is
tested once, here. The questions go: who needs help -> their age -> the situation -> the place ->
results. Any question can be skipped, changed or answered early: free text is read at every
step for an age, a situation and a place, so a person who opens with "mąż mnie bije, Siedlce"
is not asked again what they already said. Danger words are answered first with 112 and the
crisis lines, whatever the step, and then the conversation goes on.

"This was wrong" on a card is a short side conversation that leaves the main one where it was:
what is wrong (phone, address, hours, closed, other) -> an optional short note -> the report
goes to the coordinators (`Step.feedback`). The report is made once, when the person sends the
note or "send without a note", or else with the next unrelated input (any other button, text,
command): a chosen kind is never lost for want of a note.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import LANGUAGES, pick_language, t, tn
from bot.render import (
    Button,
    PlaceLink,
    Reply,
    escape,
    numbered,
    place_link_of,
    report_token,
    rows,
    service_card,
    service_line,
    service_of_payload,
    service_title,
    venue,
)
from catalog.model import Service
from catalog.outcome import Outcome, search_outcome
from catalog.places import PlaceAnswer, ServesGmina, Unit
from catalog.reading import Expecting, Need, read
from catalog.search import ADULT_AGE, Query, SearchIndex, SearchResult, for_children
from catalog.taxonomy import SITUATIONS
from catalog.text import clean, folded_words
from catalog.vocabulary import is_danger

if TYPE_CHECKING:
    from bot.runtime import Runtime

QUESTIONS: tuple[str, ...] = ("who", "age", "situation", "place")
STEPS: tuple[str, ...] = ("start", *QUESTIONS, "choose_place", "results")
WHO: tuple[str, ...] = ("me", "child", "other")
PAGE_SIZE = 5
SEARCH_LIMIT = 50
MAX_TERMS = 300  # characters of free text kept for the search
MAX_SENT = 300  # message ids remembered for the quick exit
STATE_VERSION = 1
EMERGENCY = "112"
CONTROL_WORDS: tuple[str, ...] = ("restart", "skip", "back", "unknown", "forget", "more")
# Questions whose "not understood" says what they expect (dialog.not_understood.<step>).
NOT_UNDERSTOOD_SAYS_WHAT: tuple[str, ...] = ("who", "age", "situation", "results")
# What can be wrong on a card; the same as bot.feedback.FEEDBACK_KINDS (a test checks).
REPORT_KINDS: tuple[str, ...] = ("phone", "address", "hours", "closed", "other")
MAX_NOTE_CHARS = 300  # the note about a card; the same as bot.feedback.MAX_NOTE_CHARS

# Age ranges offered as buttons: token -> the age searched for (a typical age inside the range).
AGE_RANGES: Mapping[str, int] = {
    "0-14": 12,
    "15-17": 16,
    "18-25": 21,
    "26-59": 40,
    "60-": 65,
}

# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Text:
    """Something the person typed."""

    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A button pressed: the token it carries ("who:child", "age:15-17", "more" ...)."""

    token: str


@dataclass(frozen=True, slots=True)
class Location:
    """A location pin the person shared."""

    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Command:
    """A command: /start (arg: deep-link payload), /pomoc, /szukaj, /jezyk, /prywatnosc, /usun."""

    name: str
    arg: str = ""


Input = Text | Choice | Location | Command


def command_of(text: str, bot_username: str = "") -> Command | None:
    """'/start@bot payload' -> Command('start', 'payload'); None when meant for another bot.

    Shared by Telegram and the terminal chat, so a command means the same in both.
    """
    head, _, rest = text.strip().partition(" ")
    name, _, addressee = head[1:].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return None
    return Command(name.lower(), rest.strip())


# ----------------------------------------------------------------------------- dependencies


class Places(Protocol):
    """What the dialog needs from the gazetteer."""

    def find(self, text: str, *, prefer: ServesGmina | None = None) -> PlaceAnswer:
        """Resolve a place the person typed."""
        ...

    def extract(
        self, text: str, *, prefer: ServesGmina | None = None
    ) -> tuple[PlaceAnswer | None, str]:
        """Find a place mentioned inside a longer text; return the text without it."""
        ...

    def unit(self, code: str) -> Unit | None:
        """A województwo, powiat or gmina by its code."""
        ...

    def locate(self, lat: float, lon: float) -> PlaceAnswer:
        """Resolve a location pin."""
        ...


class Searcher(Protocol):
    """What the dialog needs from the search index."""

    def search(self, query: Query, *, limit: int = 10) -> SearchResult:
        """Services that serve this person, best first."""
        ...

    def covers(self, gmina: str) -> bool:
        """True when the catalogue serves the gmina locally."""
        ...

    def known_words(self, text: str) -> str:
        """The words of a text that mean something to the search."""
        ...

    def locality(self, gmina: str) -> int:
        """How locally the catalogue serves the gmina (0: only national lines)."""
        ...

    def general_office(self, query: Query) -> Service | None:
        """The person's gmina social-help office with a phone, if the catalogue has one."""
        ...

    @property
    def local_areas(self) -> tuple[str, ...]:
        """The codes of the catalogue's local area."""
        ...


class Services(Protocol):
    """The catalogue's services (for crisis lines, maps and feedback)."""

    @property
    def services(self) -> tuple[Service, ...]:
        """Every service of the catalogue."""
        ...

    def service(self, service_id: str) -> Service | None:
        """The service with this id."""
        ...


@dataclass(frozen=True)
class Deps:
    """Everything outside the dialog that it consults; fakes in tests, the Runtime in use."""

    places: Places
    search: Searcher
    catalog: Services
    is_danger: Callable[[str], bool]
    state_ttl_hours: float = 24.0  # told to the person in /prywatnosc
    feedback_ttl_days: float = 90.0  # how long report notes are kept, told there too

    def served(self, gmina: str) -> int:
        """How locally the catalogue serves the gmina (same-name places: the nearest served)."""
        return self.search.locality(gmina)

    @classmethod
    def of(cls, runtime: Runtime, *, state_ttl_hours: float = 24.0) -> Deps:
        """The dependencies of a running Runtime (gazetteer, served catalogue, its index).

        The index carries its own catalogue, so cards and crisis lines always come from the
        catalogue that was searched, even during a reload.
        """
        index = SearchIndex.of(runtime.catalog)
        return cls(
            places=runtime.gazetteer,
            search=index,
            catalog=index.catalog,
            is_danger=is_danger,
            state_ttl_hours=state_ttl_hours,
            feedback_ttl_days=runtime.settings.feedback_ttl_days,
        )


# ----------------------------------------------------------------------------- state and output


@dataclass(frozen=True, slots=True)
class DialogState:
    """Where one chat's conversation is; persisted per chat as JSON (to_dict/from_dict).

    `done` lists the questions answered or skipped; `options` the place buttons last offered
    (code or typed suggestion, label); `sent` the ids of the bot's messages, for the quick exit.
    `report` is the service a "this was wrong" report is being made about and `report_kind`
    what is wrong (None while not chosen yet); the report is not sent yet.
    """

    step: str = "start"
    lang: str = "pl"
    who: str | None = None
    age: int | None = None
    age_range: str | None = None
    situations: tuple[str, ...] = ()
    terms: str = ""
    place_code: str | None = None
    place_label: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    done: tuple[str, ...] = ()
    page: int = 0
    sent: tuple[int, ...] = ()
    report: str | None = None
    report_kind: str | None = None
    adult: bool = False  # no age given, but surely an adult ("mąż mnie bije")
    lang_chosen: bool = False  # picked with /jezyk: never switched by what they write

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form of the state."""
        return {
            "v": STATE_VERSION,
            "step": self.step,
            "lang": self.lang,
            "who": self.who,
            "age": self.age,
            "age_range": self.age_range,
            "situations": list(self.situations),
            "terms": self.terms,
            "place_code": self.place_code,
            "place_label": self.place_label,
            "options": [list(option) for option in self.options],
            "done": list(self.done),
            "page": self.page,
            "sent": list(self.sent),
            "report": self.report,
            "report_kind": self.report_kind,
            "adult": self.adult,
            "lang_chosen": self.lang_chosen,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DialogState:
        """The state back from its stored form; anything unreadable gives a fresh start."""
        try:
            if data.get("v") != STATE_VERSION:
                return cls(lang=pick_language(str(data.get("lang") or "")))
            step = str(data["step"])
            return cls(
                step=step if step in STEPS else "who",
                lang=pick_language(str(data["lang"])),
                who=_str_or_none(data.get("who")),
                age=None if data.get("age") is None else int(data["age"]),
                age_range=_str_or_none(data.get("age_range")),
                situations=tuple(str(key) for key in data.get("situations", ())),
                terms=str(data.get("terms", "")),
                place_code=_str_or_none(data.get("place_code")),
                place_label=_str_or_none(data.get("place_label")),
                options=tuple((str(code), str(label)) for code, label in data.get("options", ())),
                done=tuple(str(name) for name in data.get("done", ())),
                page=int(data.get("page", 0)),
                sent=tuple(int(message) for message in data.get("sent", ())),
                report=_str_or_none(data.get("report")),
                report_kind=_known_kind(data.get("report_kind")),
                adult=bool(data.get("adult", False)),
                lang_chosen=bool(data.get("lang_chosen", False)),
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            return cls()

    def with_sent(self, message_ids: Iterable[int]) -> DialogState:
        """The state remembering more messages the bot sent in this chat."""
        return replace(self, sent=(*self.sent, *message_ids)[-MAX_SENT:])


@dataclass(frozen=True, slots=True)
class Feedback:
    """A "this was wrong" report for the coordinators: the service, what is wrong and the
    person's optional note about the service (cleaned, at most MAX_NOTE_CHARS); nobody's id."""

    service_id: str
    gmina: str | None
    situations: tuple[str, ...]
    kind: str = "other"
    note: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """The result of one input: the new state and what to send.

    `forget` asks the front end to delete the stored state (and not to store `state`) and to
    delete the messages in `delete_messages`; `feedback` goes to the coordinators; `outcome`
    (local, fallback, national, none) is counted for the partnership's unmet needs.
    """

    state: DialogState
    replies: tuple[Reply, ...]
    forget: bool = False
    delete_messages: tuple[int, ...] = ()
    feedback: tuple[Feedback, ...] = field(default=())
    outcome: Outcome | None = None  # of the search, when this step shows results


# ----------------------------------------------------------------------------- the transition


def step(state: DialogState, event: Input, deps: Deps, now: datetime) -> Step:
    """The conversation's answer to one input."""
    if state.report is not None and not _is_report_button(event):
        answered = _report_answer(state, event, deps)
        if answered is not None:
            return answered
        # Anything else: the report goes as it is (if a kind was chosen), then the input.
        state, sent, notice = _close_report(state, deps)
        result = _step(state, event, deps, now)
        if result.forget:
            return result
        return _with_report(result, sent, notice)
    return _step(state, event, deps, now)


def _step(state: DialogState, event: Input, deps: Deps, now: datetime) -> Step:
    if isinstance(event, Command):
        return _on_command(state, event, deps, now)
    if isinstance(event, Choice):
        return _on_choice(state, event.token, deps, now)
    lead: list[Reply] = []
    if state.step == "start":
        lead.append(_greeting(state.lang))
        state = replace(state, step="who")
    if isinstance(event, Location):
        answer = deps.places.locate(event.latitude, event.longitude)
        return _on_place_answer(state, answer, deps, now, lead)
    return _on_text(state, event.text, deps, now, lead)


def start(lang: str = "pl", payload: str = "") -> tuple[Command, DialogState]:
    """The first input and state of a new conversation (used by the terminal chat)."""
    return Command("start", payload), DialogState(lang=pick_language(lang))


# ----------------------------------------------------------------------------- commands


def _on_command(state: DialogState, command: Command, deps: Deps, now: datetime) -> Step:
    name = command.name.lstrip("/").lower()
    arg = command.arg.strip()
    lang = state.lang
    if name in ("start", "szukaj", "search"):
        fresh = DialogState(lang=lang, sent=state.sent, step="who")
        lead = [_greeting(lang)] if name == "start" else []
        wanted = service_of_payload(arg) if name == "start" else None
        if wanted is not None:
            return _open_card(replace(fresh, step="start"), wanted, deps, now)
        poster = place_link_of(arg, situations=SITUATIONS, languages=LANGUAGES)
        if name == "start" and poster is not None:
            return _open_place_link(fresh, poster, deps, now)
        if arg in SITUATIONS:
            fresh = replace(fresh, situations=(arg,), done=("situation",))
            lead.append(Reply(_t("dialog.deep_link", lang, situation=_label(arg, lang))))
            return _advance(fresh, deps, now, lead)
        if arg and name != "start":
            return _on_text(fresh, arg, deps, now, lead)
        return _advance(fresh, deps, now, lead)
    if name in ("jezyk", "język", "language", "lang", "mova"):
        if arg.lower() in LANGUAGES:
            return _on_choice(state, f"lang:{arg.lower()}", deps, now)
        return Step(state, (_language_question(lang),))
    if name in ("prywatnosc", "prywatność", "privacy"):
        hours, days = f"{deps.state_ttl_hours:g}", f"{deps.feedback_ttl_days:g}"
        text = t("dialog.privacy", lang, hours=hours, days=days)
        return Step(state, (Reply(text, kind="privacy"),))
    if name in ("usun", "usuń", "delete", "forget"):
        return _forget(state)
    return Step(state, (Reply(t("dialog.help", lang), kind="help"), *_ask(state, deps, now)))


def _open_place_link(state: DialogState, link: PlaceLink, deps: Deps, now: datetime) -> Step:
    """A poster's deep link: its place (and situation, language) already answered."""
    lang = link.lang or state.lang
    state = replace(state, lang=lang)
    lead = [_greeting(lang)]
    answer = deps.places.find(link.teryt)
    if answer.gmina is None:  # a place no longer known: ask as usual
        return _advance(state, deps, now, lead)
    label = unit_label(answer.gmina, lang)
    state = replace(state, place_code=answer.gmina.code, place_label=label, done=("place",))
    chosen = [label]
    if link.situation is not None:
        state = replace(state, situations=(link.situation,), done=("situation", "place"))
        chosen.insert(0, _label(link.situation, lang))
    lead.append(Reply(_t("dialog.deep_link", lang, situation=", ".join(chosen))))
    return _advance(state, deps, now, lead)


def _forget(state: DialogState) -> Step:
    reply = Reply(t("dialog.forget.done", state.lang), kind="forget")
    return Step(DialogState(lang=state.lang), (reply,), forget=True, delete_messages=state.sent)


# ----------------------------------------------------------------------------- buttons


def _on_choice(state: DialogState, token: str, deps: Deps, now: datetime) -> Step:
    kind, _, value = token.partition(":")
    if state.step == "start" and kind not in ("lang", "forget", "map", "wrong"):
        state = replace(state, step="who")
    if kind == "restart":
        return _on_command(state, Command("start"), deps, now)
    if kind == "forget":
        return _forget(state)
    if kind == "lang" and value in LANGUAGES:
        state = replace(state, lang=value, lang_chosen=True)
        if state.step == "start":
            return _on_command(state, Command("start"), deps, now)
        return Step(state, (Reply(t("dialog.language.changed", value)), *_ask(state, deps, now)))
    if kind == "who" and value in WHO:
        return _advance(_answered(replace(state, who=value), "who"), deps, now, [])
    if kind == "age":
        if value == "unknown":
            state = replace(state, age=None, age_range=None)
        elif value in AGE_RANGES:
            state = replace(state, age=AGE_RANGES[value], age_range=value)
        else:
            return Step(state, _ask(state, deps, now))
        return _advance(_answered(state, "age"), deps, now, [])
    if kind == "sit":
        return _on_situation_button(state, value, deps, now)
    if kind == "place":
        labels = dict(state.options)
        if value in labels and value.isdigit():
            chosen = replace(state, place_code=value[:6], place_label=labels[value], options=())
            return _advance(_answered(chosen, "place"), deps, now, [])
        return Step(state, _ask(state, deps, now))
    if kind == "try":
        typed = dict(state.options).get(f"try:{value}")
        if typed is not None:
            return _on_place_answer(state, deps.places.find(typed), deps, now, [])
        return Step(state, _ask(state, deps, now))
    if kind == "skip":
        return _skip(state, deps, now)
    if kind == "back":
        return _back(state, deps, now)
    if kind == "change" and value in QUESTIONS:
        changed = replace(state, step=value, done=tuple(d for d in state.done if d != value))
        return Step(changed, _ask(changed, deps, now))
    if kind == "more":
        return _results(replace(state, page=state.page + 1), deps, now, [])
    if kind == "map":
        return _show_on_map(state, value, deps)
    if kind == "wrong":
        return _on_report_button(state, value, deps)
    return Step(state, _ask(state, deps, now))


def _on_situation_button(state: DialogState, value: str, deps: Deps, now: datetime) -> Step:
    if value == "done":
        return _advance(_answered(state, "situation"), deps, now, [])
    if value not in SITUATIONS:
        return Step(state, _ask(state, deps, now))
    chosen = tuple(key for key in state.situations if key != value)
    if value not in state.situations:
        chosen = (*state.situations, value)
    toggled = replace(state, situations=chosen, step="situation")
    return Step(toggled, (replace(_situation_question(toggled), replace=True),))


def _skip(state: DialogState, deps: Deps, now: datetime) -> Step:
    current = state.step
    if current == "choose_place":
        current = "place"
    if current not in QUESTIONS:
        return Step(state, _ask(state, deps, now))
    cleared = _clear(state, current)
    return _advance(_answered(cleared, current), deps, now, [])


def _back(state: DialogState, deps: Deps, now: datetime) -> Step:
    current = "results" if state.step == "choose_place" else state.step  # back to typing
    order = (*QUESTIONS, "results")
    index = order.index(current) if current in order else 0
    target = QUESTIONS[max(index - 1, 0)]
    keep = QUESTIONS[: QUESTIONS.index(target)]
    moved = replace(state, step=target, done=tuple(d for d in state.done if d in keep), page=0)
    return Step(moved, _ask(moved, deps, now))


def _show_on_map(state: DialogState, service_id: str, deps: Deps) -> Step:
    service = deps.catalog.service(service_id)
    place = venue(service) if service is not None else None
    if place is None:
        return Step(state, (Reply(t("dialog.map.none", state.lang)),))
    return Step(state, (Reply("", kind="venue", venue=place),))


# ----------------------------------------------------------------------------- "this was wrong"


def _is_report_button(event: Input) -> bool:
    return isinstance(event, Choice) and event.token.startswith("wrong:")


def _on_report_button(state: DialogState, value: str, deps: Deps) -> Step:
    """A button of the report: on a card ('<id>'), a kind, "send without a note" or cancel."""
    lang = state.lang
    service_id, _, action = value.partition(":")
    if deps.catalog.service(service_id) is None:
        # An old card after a reload that removed the service (or forged data).
        left = _without_report(state) if state.report == service_id else state
        return Step(left, (Reply(t("dialog.wrong.gone", lang), kind="report_gone"),))
    if not action:
        sent: tuple[Feedback, ...] = ()
        notice = None
        if state.report not in (None, service_id):
            state, sent, notice = _close_report(state, deps)
        asking = replace(state, report=service_id, report_kind=None)
        return _with_report(Step(asking, (_report_question(asking, deps),)), sent, notice)
    if state.report != service_id:
        # A button of a report already sent or cancelled: one press, one report.
        return Step(state, (Reply(t("dialog.wrong.closed", lang), kind="report_closed"),))
    if action in REPORT_KINDS:
        chosen = replace(state, report_kind=action)
        return Step(chosen, (replace(_note_question(chosen, deps), replace=True),))
    if action == "send" and state.report_kind is not None:
        return _send_report(state, "", cut=False)
    if action == "cancel":
        reply = Reply(t("dialog.wrong.cancelled", lang), kind="report_cancelled", replace=True)
        return Step(_without_report(state), (reply,))
    return Step(state, (_report_question(state, deps),))


def _report_answer(state: DialogState, event: Input, deps: Deps) -> Step | None:
    """Typed text while a report is open: the note (or a reminder to choose what is wrong).

    None when the input is something else (danger, a control word, a command, a location,
    another button): the report is then closed and the input handled as usual.
    """
    if not isinstance(event, Text) or deps.is_danger(event.text):
        return None
    word = _control_word(event.text)
    if word == "skip" and state.report_kind is not None:
        return _send_report(state, "", cut=False)
    if word is not None:
        return None
    if state.report_kind is None:
        return Step(state, (_report_question(state, deps, remind=True),))
    note, cut = note_of(event.text)
    if not note:
        return Step(state, (_note_question(state, deps),))
    return _send_report(state, note, cut=cut)


def note_of(text: str) -> tuple[str, bool]:
    """The note as sent to the coordinators, and whether it was cut.

    One line, without invisible and control characters (no hidden text, no right-to-left
    tricks), at most MAX_NOTE_CHARS characters; otherwise as the person wrote it (it is
    escaped only where it is shown).
    """
    note = "".join(ch for ch in clean(text) if unicodedata.category(ch) not in ("Cc", "Cf"))
    note = note.strip()
    if len(note) <= MAX_NOTE_CHARS:
        return note, False
    return note[: MAX_NOTE_CHARS - 1].rstrip() + "…", True


def _send_report(state: DialogState, note: str, *, cut: bool) -> Step:
    lang = state.lang
    report = _report(state, note)
    text = t("dialog.wrong.sent_with_note" if note else "dialog.wrong.sent", lang)
    if cut:
        text += "\n" + t("dialog.wrong.note_cut", lang, limit=MAX_NOTE_CHARS)
    # "Send without a note" replaces the question it was pressed on; a typed note gets a reply.
    reply = Reply(text, kind="report_sent", replace=not note)
    return Step(_without_report(state), (reply,), feedback=(report,))


def pending_report(state: DialogState) -> Feedback | None:
    """The report a stored state still holds (kind chosen, note not written yet), for a job
    that deletes idle states: send it before the state goes, so it is never lost."""
    if state.report is None or state.report_kind is None:
        return None
    return _report(state, "")


def _close_report(
    state: DialogState, deps: Deps
) -> tuple[DialogState, tuple[Feedback, ...], Reply | None]:
    """The open report ends: sent without a note when a kind was chosen, else dropped."""
    if state.report is None:
        return state, (), None
    left = _without_report(state)
    report = pending_report(state)
    if report is None:
        return left, (), None
    title = _report_title(report.service_id, deps)
    notice = Reply(
        _t("dialog.wrong.sent_without_note", state.lang, service=title), kind="report_sent"
    )
    return left, (report,), notice


def _with_report(result: Step, sent: tuple[Feedback, ...], notice: Reply | None) -> Step:
    """A step with a report closed on the way: the report added, the notice after any danger
    reply (which always comes first)."""
    if not sent and notice is None:
        return result
    replies = list(result.replies)
    if notice is not None:
        at = 1 if replies and replies[0].kind == "danger" else 0
        replies.insert(at, notice)
    return replace(result, replies=tuple(replies), feedback=(*sent, *result.feedback))


def _report(state: DialogState, note: str) -> Feedback:
    return Feedback(
        service_id=state.report or "",
        gmina=state.place_code,
        situations=state.situations,
        kind=state.report_kind or "other",
        note=note,
    )


def _without_report(state: DialogState) -> DialogState:
    return replace(state, report=None, report_kind=None)


def _report_question(state: DialogState, deps: Deps, *, remind: bool = False) -> Reply:
    lang = state.lang
    service_id = state.report or ""
    kinds = rows(
        *(
            Button(t(f"dialog.wrong.kind.{kind}", lang), report_token(service_id, kind))
            for kind in REPORT_KINDS
        ),
        Button(t("dialog.wrong.cancel", lang), report_token(service_id, "cancel")),
        width=2,
    )
    text = _t("dialog.wrong.question", lang, service=_report_title(service_id, deps))
    if remind:
        text = f"{t('dialog.wrong.use_buttons', lang)}\n{text}"
    return Reply(text, buttons=kinds, kind="report_question")


def _note_question(state: DialogState, deps: Deps) -> Reply:
    lang = state.lang
    service_id = state.report or ""
    buttons = (
        (Button(t("dialog.wrong.send", lang), report_token(service_id, "send")),),
        (Button(t("dialog.wrong.cancel", lang), report_token(service_id, "cancel")),),
    )
    text = _t(
        "dialog.wrong.note",
        lang,
        kind=t(f"dialog.wrong.kind.{state.report_kind or 'other'}", lang),
        service=_report_title(service_id, deps),
        limit=MAX_NOTE_CHARS,
    )
    return Reply(text, buttons=buttons, kind="report_note")


def _report_title(service_id: str, deps: Deps) -> str:
    """The service as the person saw it on the card (plain text)."""
    service = deps.catalog.service(service_id)
    return service_id if service is None else service_title(service)


def _open_card(state: DialogState, service_id: str, deps: Deps, now: datetime) -> Step:
    """A deep link from a card shared elsewhere (inline mode): that card, with its buttons."""
    lang = state.lang
    service = deps.catalog.service(service_id)
    if service is None:
        gone = Reply(t("dialog.card.gone", lang), kind="card_gone")
        return _advance(replace(state, step="who"), deps, now, [_greeting(lang), gone])
    search = (Button(t("dialog.card.search", lang), "restart"),)
    after = Reply(t("dialog.card.after", lang), buttons=(search,), kind="card_after")
    return Step(state, (service_card(service, lang, now), after))


# ----------------------------------------------------------------------------- free text


def _on_text(state: DialogState, text: str, deps: Deps, now: datetime, lead: list[Reply]) -> Step:
    text = text.strip()
    if not text:
        return Step(state, (*lead, *_ask(state, deps, now)))
    need = read(text, deps.places, expecting=_EXPECTING.get(state.step), served=deps.served)
    state = _in_their_language(state, need)
    if need.danger:
        known = _with_need_age(state, need)
        lead.insert(0, _danger_reply(known, deps))  # before anything else, even the greeting
    word = _control_word(text)
    if word == "restart":
        return _on_command(state, Command("start"), deps, now)
    if word in ("skip", "back"):
        result = _skip(state, deps, now) if word == "skip" else _back(state, deps, now)
        return replace(result, replies=(*lead, *result.replies))
    if word == "unknown" and state.step == "age":
        return _on_choice(state, "age:unknown", deps, now)
    if word == "forget":
        return _forget(state)
    if word == "more" and state.step == "results":
        return _on_choice(state, "more", deps, now)

    # A typed number picks one of the places offered (for people who do not tap buttons).
    option = _OPTION_NUMBER.match(text)
    if option is not None and state.step == "choose_place":
        index = int(option.group(1)) - 1
        if 0 <= index < len(state.options):
            return _on_choice(state, f"place:{state.options[index][0]}", deps, now)
    if need.age_out_of_range:
        asked = replace(state, step="age")
        return Step(asked, (*lead, _age_out_of_range(asked)))

    understood = False
    place = need.place
    if need.age is not None:
        state = _answered(_with_need_age(state, need), "age")
        understood = True
    elif need.adult and state.age is None:
        state = replace(state, adult=True)
    if need.who is not None and state.who is None:
        state = _answered(replace(state, who=need.who), "who")
        understood = True
    # "dla mamy" answers who it is for; it says nothing yet about the situation.
    answers_who = need.who is not None and state.step == "who" and place is None and not need.named
    keys = tuple(key for key in need.keys if key in SITUATIONS)
    # Words that only the catalogue's own texts know count where a situation was asked.
    if (
        not keys
        and not answers_who
        and state.step == "situation"
        and _has_words(need.text)
        and deps.search.search(Query(text=need.text), limit=1).understood
    ):
        understood = True
        state = _answered(replace(state, terms=_terms(state, need, deps)), "situation")
    if keys and not answers_who:
        merged = tuple(dict.fromkeys((*state.situations, *keys)))
        terms = _terms(state, need, deps)
        state = _answered(replace(state, situations=merged, terms=terms), "situation")
        understood = True
    if place is not None:
        if need.place_weak and place.gmina is not None:  # a guess: asked, never used silently
            options = ((place.gmina.teryt, unit_label(place.gmina, state.lang)),)
            asking = replace(_answered(state, "who"), step="choose_place", options=options)
            return Step(asking, (*lead, *_ask(asking, deps, now)))
        placed = _on_place_answer(_answered(state, "who"), place, deps, now, lead)
        return _noted_when_asked_again(state, placed, lead)
    if understood:
        advanced = _advance(_answered(state, "who"), deps, now, lead)
        return _noted_when_asked_again(state, advanced, lead)
    if state.step in ("place", "choose_place"):
        answer = deps.places.find(text, prefer=deps.served)
        return _on_place_answer(state, answer, deps, now, lead)
    key = "dialog.not_understood"
    if state.step in NOT_UNDERSTOOD_SAYS_WHAT:
        key = f"{key}.{state.step}"  # says what this question expects
    not_understood = Reply(t(key, state.lang), kind="not_understood")
    return Step(state, (*lead, not_understood, *_ask(state, deps, now)))


def _noted_when_asked_again(before: DialogState, result: Step, lead: list[Reply]) -> Step:
    """An answer to another question than the one asked ("Siedlce" at the age): the same
    question comes again, so say first that the answer was taken."""
    if result.state.step != before.step:
        return result
    noted = Reply(t("dialog.noted", before.lang), kind="noted")
    return replace(result, replies=(*lead, noted, *result.replies[len(lead) :]))


# The question a step asks, for the reader: a bare number is an age only where one is asked.
_EXPECTING: Mapping[str, Expecting] = {
    "start": "who",
    "who": "who",
    "age": "age",
    "situation": "situation",
    "place": "place",
    "choose_place": "place",
    "results": "situation",
}
_OPTION_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.!]?\s*$")


def _with_need_age(state: DialogState, need: Need) -> DialogState:
    if need.age is None:
        return replace(state, adult=state.adult or need.adult)
    return replace(state, age=need.age, age_range=None, adult=False)


def _in_their_language(state: DialogState, need: Need) -> DialogState:
    """Answer in the language the person writes in (Russian in Ukrainian), unless they chose
    one with /jezyk."""
    wanted = need.reply_language
    if state.lang_chosen or wanted is None or wanted == state.lang or wanted not in LANGUAGES:
        return state
    return replace(state, lang=wanted)


def _terms(state: DialogState, need: Need, deps: Deps) -> str:
    """The words kept for a later search: only those that mean something to it (situation
    words, the catalogue's own words), never the person's story, names or numbers."""
    known = deps.search.known_words(need.text)
    return f"{state.terms} {known}".strip()[-MAX_TERMS:]


def _control_word(text: str) -> str | None:
    folded = " ".join(folded_words(text))
    for word in CONTROL_WORDS:
        if folded in _words_of(f"dialog.words.{word}"):
            return word
    return None


@cache  # the locales do not change while the program runs
def _words_of(key: str) -> tuple[str, ...]:
    """Words that mean the same in any of our languages (people mix them)."""
    found: list[str] = []
    for lang in LANGUAGES:
        found.extend(" ".join(folded_words(phrase)) for phrase in t(key, lang).split("|"))
    return tuple(phrase for phrase in found if phrase)


def _has_words(text: str) -> bool:
    return any(word.isalpha() for word in folded_words(text))


# ----------------------------------------------------------------------------- places


def _on_place_answer(
    state: DialogState, answer: PlaceAnswer, deps: Deps, now: datetime, lead: list[Reply]
) -> Step:
    lang = state.lang
    if answer.gmina is not None:
        options: tuple[tuple[str, str], ...] = ()
        if answer.same_name_other is not None:
            other = answer.same_name_other
            options = ((other.teryt, unit_label(other, lang)),)
        chosen = replace(
            state,
            place_code=answer.gmina.code,
            place_label=unit_label(answer.gmina, lang),
            options=options,
        )
        return _advance(_answered(chosen, "place"), deps, now, lead)
    if answer.candidates:
        options = tuple((unit.teryt, unit_label(unit, lang)) for unit in answer.candidates)
        asking = replace(state, step="choose_place", options=options)
        return Step(asking, (*lead, *_ask(asking, deps, now)))
    if answer.outside_poland:
        outside = replace(state, place_code=None, place_label=None, options=())
        lead.append(Reply(t("dialog.place.outside_poland", lang)))
        return _advance(_answered(outside, "place"), deps, now, lead)
    suggestions = tuple((f"try:{i}", name) for i, name in enumerate(answer.suggestions[:6]))
    asking = replace(state, step="place", options=suggestions)
    key = "dialog.place.did_you_mean" if suggestions else "dialog.place.not_found"
    buttons = tuple((Button(name, token),) for token, name in suggestions)
    question = _place_question(asking)
    reply = Reply(
        t(key, lang),
        buttons=buttons + question.buttons,
        kind="place_not_found",
        location_request=True,
        location_label=question.location_label,
    )
    return Step(asking, (*lead, reply))


def unit_label(unit: Unit, lang: str) -> str:
    """A gmina as a person recognises it: name, kind, powiat and województwo (plain text)."""
    if unit.powiat and unit.wojewodztwo:
        return t(
            "dialog.place.unit",
            lang,
            name=unit.name,
            kind=unit.kind,
            powiat=unit.powiat,
            wojewodztwo=unit.wojewodztwo,
        )
    return f"{unit.name} ({unit.kind})"


# ----------------------------------------------------------------------------- questions


def _advance(state: DialogState, deps: Deps, now: datetime, lead: list[Reply]) -> Step:
    """Ask the first question not answered yet, or show the results."""
    done = set(state.done)
    if "who" not in done and done & {"age", "situation", "place"}:
        state = _answered(state, "who")  # they told us something already: do not ask who
        done.add("who")
    for question in QUESTIONS:
        if question not in done:
            asking = replace(state, step=question)
            return Step(asking, (*lead, *_ask(asking, deps, now)))
    return _results(replace(state, page=0), deps, now, lead)


def _ask(state: DialogState, deps: Deps, now: datetime) -> tuple[Reply, ...]:
    if state.step in ("start", "who"):
        return (_who_question(state.lang),)
    if state.step == "age":
        return (_age_question(state),)
    if state.step == "situation":
        return (_situation_question(state),)
    if state.step == "place":
        return (_place_question(state),)
    if state.step == "choose_place":
        return (_choose_place_question(state),)
    return (_footer(state, deps, now, more=False),)


def _navigation(lang: str, *, back: bool = True) -> tuple[Button, ...]:
    buttons = [Button(t("dialog.button.skip", lang), "skip")]
    if back:
        buttons.insert(0, Button(t("dialog.button.back", lang), "back"))
    buttons.append(Button(t("dialog.button.restart", lang), "restart"))
    return tuple(buttons)


def _greeting(lang: str) -> Reply:
    return Reply(t("dialog.greeting", lang), kind="greeting")


def _who_question(lang: str) -> Reply:
    choices = rows(*(Button(t(f"dialog.who.{who}", lang), f"who:{who}") for who in WHO))
    return Reply(
        t("dialog.who.question", lang),
        buttons=(*choices, _navigation(lang, back=False)),
        kind="question",
        numbers_are_answers=True,
    )


def _age_question(state: DialogState) -> Reply:
    lang = state.lang
    who = state.who or "other"
    ranges = rows(
        *(Button(t(f"dialog.age.range.{token}", lang), f"age:{token}") for token in AGE_RANGES),
        width=3,
    )
    unknown = (Button(t("dialog.age.unknown", lang), "age:unknown"),)
    return Reply(
        t(f"dialog.age.question.{who}", lang),
        buttons=(*ranges, unknown, _navigation(lang)),
        kind="question",
        numbers_are_answers=True,
    )


def _age_out_of_range(state: DialogState) -> Reply:
    question = _age_question(state)
    text = t("dialog.age.out_of_range", state.lang)
    return replace(question, text=f"{text}\n{question.text}", kind="age_out_of_range")


def _situation_question(state: DialogState) -> Reply:
    lang = state.lang
    buttons = []
    for key in SITUATIONS:
        label = _label(key, lang)
        if key in state.situations:
            label = t("dialog.situation.chosen_mark", lang, label=label)
        buttons.append(Button(label, f"sit:{key}"))
    text = t("dialog.situation.question", lang)
    if state.situations:
        chosen = ", ".join(_label(key, lang) for key in state.situations)
        text += "\n" + _t("dialog.situation.chosen", lang, situations=chosen)
    done = (Button(t("dialog.button.done", lang), "sit:done"),)
    return Reply(
        text,
        buttons=(*rows(*buttons, width=1), done, _navigation(lang)),
        kind="question",
    )


def _place_question(state: DialogState) -> Reply:
    lang = state.lang
    return Reply(
        t(f"dialog.place.question.{state.who or 'other'}", lang),
        buttons=(_navigation(lang),),
        kind="question",
        location_request=True,
        location_label=t("dialog.place.send_location", lang),
    )


def _choose_place_question(state: DialogState) -> Reply:
    lang = state.lang
    choices = tuple((Button(label, f"place:{code}"),) for code, label in state.options)
    return Reply(
        t("dialog.place.ambiguous", lang),
        buttons=(*choices, _navigation(lang)),
        kind="choose_place",
    )


def _language_question(lang: str) -> Reply:
    buttons = rows(
        *(Button(t(f"dialog.language.{code}", lang), f"lang:{code}") for code in LANGUAGES),
        width=3,
    )
    return Reply(t("dialog.language.question", lang), buttons=buttons, kind="question")


# ----------------------------------------------------------------------------- results


def _query(state: DialogState) -> Query:
    return Query(
        text=state.terms,
        situations=frozenset(state.situations),
        age=state.age,
        gmina=state.place_code,
        adult=state.adult,
        main=state.situations[0] if state.situations else None,
        who=state.who,
    )


def _results(state: DialogState, deps: Deps, now: datetime, lead: list[Reply]) -> Step:
    lang = state.lang
    state = replace(state, step="results")
    result = deps.search.search(_query(state), limit=SEARCH_LIMIT)
    found = _in_showing_order(result)
    if state.page == 0 and state.place_code is not None and not result.covered:
        lead = [*lead, Reply(_outside_area(state, deps), kind="outside_area")]
    if not found:
        return _nothing_found(state, deps, now, lead)
    if state.page == 0 and result.fallback:
        lead = [*lead, Reply(t("dialog.results.general_office", lang), kind="general_office")]
    outcome = search_outcome(result.matches, fallback=result.fallback)
    pages = (len(found) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(state.page, pages - 1)
    if state.page >= pages:
        more = Reply(t("dialog.results.no_more", lang))
        return Step(
            replace(state, page=page), (*lead, more, _footer(state, deps, now, more=False))
        )
    state = replace(state, page=page)
    first = page * PAGE_SIZE
    shown = found[first : first + PAGE_SIZE]
    replies = list(lead)
    if page == 0:
        replies.append(Reply(_summary(state, len(found)), kind="results"))
    office = _office_for(shown, state, deps)
    replies.extend(numbered(shown, lang, now, first + 1, office=office))
    replies.append(_footer(state, deps, now, more=page + 1 < pages))
    return Step(state, tuple(replies), outcome=outcome)


def _in_showing_order(result: SearchResult) -> list[Service]:
    """Local offices first and helplines after them; but a line the ranking put in the first
    three for safety (violence, a child at risk) or for danger stays there."""
    matches = list(result.matches)
    head = matches[:3] if result.danger or _safety_line_in_top(matches) else []
    rest = matches[len(head) :]
    ordered = [match.service for match in head]
    ordered += [match.service for match in rest if not match.service.crisis]
    ordered += [match.service for match in rest if match.service.crisis]
    return ordered


def _safety_line_in_top(matches: Sequence[Any]) -> bool:
    return any(match.service.crisis for match in matches[:3]) and any(
        not match.service.crisis for match in matches[:3]
    )


def _outside_area(state: DialogState, deps: Deps) -> str:
    """ "Ten katalog obejmuje: …": the place is outside the catalogue's local area."""
    names = []
    for code in deps.search.local_areas:
        unit = deps.places.unit(code)
        if unit is not None:
            names.append(area_label(unit, state.lang))
    return _t("dialog.results.outside_area", state.lang, areas=", ".join(names) or "—")


def area_label(unit: Unit, lang: str) -> str:
    """An area as people name it: "województwo mazowieckie", "powiat siedlecki", "Siedlce"."""
    if unit.level == "gmina":
        return unit.name
    return t(f"dialog.place.level.{unit.level}", lang, name=unit.name)


def _summary(state: DialogState, count: int) -> str:
    lang = state.lang
    parts = [tn("dialog.results.found", count, lang)]
    if state.place_label:
        parts.append(_t("dialog.results.place", lang, place=state.place_label))
    else:
        parts.append(t("dialog.results.no_place", lang))
    if state.situations:
        chosen = ", ".join(_label(key, lang) for key in state.situations)
        parts.append(_t("dialog.results.situations", lang, situations=chosen))
    return "\n".join(parts)


def _footer(state: DialogState, deps: Deps, now: datetime, *, more: bool) -> Reply:  # noqa: ARG001
    lang = state.lang
    buttons: list[tuple[Button, ...]] = []
    if more:
        buttons.append((Button(t("dialog.button.more", lang), "more"),))
    buttons.extend(
        (Button(t("dialog.place.meant", lang, place=label), f"place:{code}"),)
        for code, label in state.options
    )
    buttons.append(
        (
            Button(t("dialog.button.change_place", lang), "change:place"),
            Button(t("dialog.button.change_situation", lang), "change:situation"),
        )
    )
    buttons.append(
        (
            Button(t("dialog.button.change_age", lang), "change:age"),
            Button(t("dialog.button.restart", lang), "restart"),
        )
    )
    buttons.append((Button(t("dialog.button.forget", lang), "forget"),))
    text = t("dialog.results.more" if more else "dialog.results.end", lang)
    return Reply(text, buttons=tuple(buttons), kind="footer")


def _nothing_found(state: DialogState, deps: Deps, now: datetime, lead: list[Reply]) -> Step:
    lang = state.lang
    replies = [*lead, Reply(t("dialog.results.none", lang), kind="nothing_found")]
    contacts = _caseworkers_for(state, deps)
    if contacts:
        replies.append(Reply(t("dialog.results.caseworker", lang), kind="caseworker"))
        replies.extend(numbered(contacts, lang, now, 1))
    else:
        replies.append(Reply(t("dialog.results.no_caseworker", lang), kind="caseworker"))
    replies.append(_footer(state, deps, now, more=False))
    return Step(state, tuple(replies), outcome="fallback" if contacts else "none")


def _caseworkers_for(state: DialogState, deps: Deps) -> list[Service]:
    """The person's caseworkers (see `caseworkers`) among every service for their place."""
    wider = deps.search.search(
        replace(_query(state), text="", situations=frozenset()), limit=SEARCH_LIMIT
    )
    return caseworkers([match.service for match in wider.matches], state.place_code)


def _office_for(shown: Sequence[Service], state: DialogState, deps: Deps) -> Service | None:
    """Whom a card with no contact sends the person to: their gmina's office, with a phone."""
    if not any(s.contact.is_empty and not s.shown_address for s in shown):
        return None
    return deps.search.general_office(_query(state))


def caseworkers(services: Sequence[Service], gmina: str | None) -> list[Service]:
    """Who can take up the person's case when nothing fits: their gmina's social assistance
    centre (a gmina-level service for poverty), else the nearest wider general services."""
    general = [service for service in services if not service.crisis]
    for level in ("gmina", "powiat", "wojewodztwo", "country"):
        at_level = [
            service
            for service in general
            if _level_for(service, gmina) == level and "poverty" in service.situations
        ]
        if at_level:
            return at_level[:2]
    return general[:2]


def _level_for(service: Service, gmina: str | None) -> str:
    if gmina is None:
        return "country" if service.nationwide else "other"
    inside = [area for area in service.areas if area.contains(gmina)]
    if not inside:
        return "other"
    return max(inside, key=lambda area: len(area.code)).level


# ----------------------------------------------------------------------------- danger


def _danger_reply(state: DialogState, deps: Deps) -> Reply:
    lang = state.lang
    lines = [t("dialog.danger", lang)]
    phones = crisis_lines(state, deps)
    if phones:
        lines.append(t("dialog.danger.lines", lang))
        lines.extend(f"• {service_line(service, lang)}" for service in phones)
    lines.append(t("dialog.danger.after", lang))
    return Reply("\n".join(lines), kind="danger")


def crisis_lines(state: DialogState, deps: Deps) -> list[Service]:
    """The catalogue's crisis lines that serve this person (their place and age, if known)."""
    found = []
    for service in deps.catalog.services:
        if not service.crisis or not service.contact.phones:
            continue
        if all(phone.dial == EMERGENCY for phone in service.contact.phones):
            continue  # 112 is already said first
        if not service.serves_age(state.age):
            continue
        grown_up = state.adult or (state.age is not None and state.age >= ADULT_AGE)
        if grown_up and for_children(service):
            continue  # no children's line for an adult
        if not service.serves_place(state.place_code):
            continue
        found.append(service)
    return found


# ----------------------------------------------------------------------------- small pieces


def _answered(state: DialogState, *questions: str) -> DialogState:
    done = tuple(dict.fromkeys((*state.done, *questions)))
    return replace(state, done=done)


def _clear(state: DialogState, question: str) -> DialogState:
    if question == "who":
        return replace(state, who=None)
    if question == "age":
        return replace(state, age=None, age_range=None)
    if question == "situation":
        return replace(state, situations=(), terms="")
    return replace(state, place_code=None, place_label=None, options=())


def _label(situation: str, lang: str) -> str:
    return t(f"situation.{situation}", lang)


def _t(key: str, lang: str, /, **values: object) -> str:
    """A text with its values escaped for HTML (labels, catalogue and place names)."""
    return t(key, lang, **{name: escape(value) for name, value in values.items()})


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _known_kind(value: object) -> str | None:
    return value if isinstance(value, str) and value in REPORT_KINDS else None
