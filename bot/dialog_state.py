"""The conversation's vocabulary: what comes in (text, a button, a pin, a command), what the
dialog consults (`Deps`), where one chat's conversation is (`DialogState`, stored as JSON) and
what one step gives back (`Step`). Shared by the main conversation (`bot.dialog`) and the
"this was wrong" side conversation (`bot.dialog_report`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import LANGUAGES, pick_language, t
from bot.render import Reply, escape
from catalog.model import Service
from catalog.outcome import Outcome
from catalog.places import PlaceAnswer, ServesGmina, Unit
from catalog.search import Query, SearchIndex, SearchResult
from catalog.text import folded_words
from catalog.vocabulary import is_danger

if TYPE_CHECKING:
    from bot.runtime import Runtime


class StepName(StrEnum):
    """Where a conversation is: a question asked, the place to choose, or the results. Stored
    as its value; equal to that string."""

    START = "start"
    WHO = "who"
    AGE = "age"
    SITUATION = "situation"
    PLACE = "place"
    CHOOSE_PLACE = "choose_place"
    RESULTS = "results"


QUESTIONS: tuple[str, ...] = (StepName.WHO, StepName.AGE, StepName.SITUATION, StepName.PLACE)
STEPS: tuple[str, ...] = tuple(StepName)
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


# ----------------------------------------------------------------------------- small pieces


def control_word(text: str) -> str | None:
    """The control word the text is ("od nowa", "pomiń", "back" ...), in any language."""
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


def t_html(key: str, lang: str, /, **values: object) -> str:
    """A text with its values escaped for HTML (labels, catalogue and place names)."""
    return t(key, lang, **{name: escape(value) for name, value in values.items()})


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _known_kind(value: object) -> str | None:
    return value if isinstance(value, str) and value in REPORT_KINDS else None
