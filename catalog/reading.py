"""One reading of what a person writes: who needs help, their age, the situations, the place,
the language of the text and danger, from one message (plus what the conversation expects).

People do not answer a questionnaire: "syn (15 lat) ćpa, co robić? Tomaszów Mazowiecki" says
who, how old, what and where at once. Every path that takes a person's words (the dialog at
every step, /szukaj, inline mode, `drogowskaz search`, `catalog test`) calls `read`, so they all
understand one message the same way; nothing else parses a person's text.

A `Need` holds what was understood, never the words themselves: `text` (the words left for the
search to match against the catalogue) lives only as long as one search.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, Protocol

from catalog.model import MAX_AGE, MIN_AGE
from catalog.personal import INTRODUCTIONS
from catalog.places import PlaceAnswer, ServesGmina, Unit
from catalog.search import Query
from catalog.text import clean, fold, folded_words, has_cyrillic
from catalog.vocabulary import STRONG, Understanding, Vocabulary, tokenize, vocabulary

Who = Literal["me", "child", "other"]
Expecting = Literal["who", "age", "situation", "place"]
WHO: tuple[Who, ...] = ("me", "child", "other")
ADULT_AGE = 18
CONTEXT_WEIGHT = 0.5  # a situation only mentioned beside the main one ("mam 17 lat" + work)
OLD_AGE = 65
_CARE_NEEDS = frozenset(
    {"elderly_care", "illness", "mental_health", "disability", "housing", "family"}
)

# When two situations are named equally strongly, the more specific one is the main one: "I left
# prison and have no job" is about leaving prison; "no money" comes with most troubles.
MAIN_FIRST: tuple[str, ...] = (  # every situation key, most specific first (a test checks)
    "domestic_violence",
    "human_trafficking",
    "mental_health",
    "addiction",
    "after_prison",
    "foster_care_leaving",
    "crisis_event",
    "homelessness",
    "elderly_care",
    "disability",
    "illness",
    "foreigners",
    "legal_aid",
    "youth",
    "education",
    "housing",
    "family",
    "unemployment",
    "poverty",
)


class PlaceFinder(Protocol):
    """What the reader needs from the gazetteer."""

    def find(self, text: str, *, prefer: ServesGmina | None = None) -> PlaceAnswer:
        """Resolve a whole text as a place (served places kept among same-name ones)."""
        ...

    def extract(
        self, text: str, *, prefer: ServesGmina | None = None
    ) -> tuple[PlaceAnswer | None, str]:
        """A place mentioned inside a longer text, and the text without it."""
        ...


@dataclass(frozen=True, slots=True)
class Need:
    """What one message (and the answers before it) says about the person who needs help.

    `situations` are best first: the main one, then context ones with a lower weight. `adult`
    is True when the words imply an adult without an age ("mąż mnie bije"): a children's line
    never fits them. `place` is None when no place was mentioned; `place_weak` marks a guess the
    person must confirm. `language` is None when the text is too short to tell.
    """

    who: Who | None = None
    age: int | None = None
    adult: bool = False
    situations: tuple[tuple[str, float], ...] = ()
    place: PlaceAnswer | None = None
    place_weak: bool = False
    language: str | None = None
    danger: bool = False
    text: str = ""
    age_out_of_range: bool = False
    understood: bool = False  # some situation (or danger) was recognised in the words
    named: bool = False  # a situation was named, not only hinted at ("dla mamy" only hints)
    # The vocabulary's understanding of `text`, handed to the search (`query`): one message is
    # understood once. Like `text`, it lives only as long as one search.
    understanding: Understanding | None = field(default=None, compare=False, repr=False)

    @property
    def main(self) -> str | None:
        """The main situation, if any."""
        return self.situations[0][0] if self.situations else None

    @property
    def keys(self) -> tuple[str, ...]:
        """The situations' keys, main first."""
        return tuple(key for key, _ in self.situations)

    @property
    def reply_language(self) -> str | None:
        """The language to answer in: Russian is answered in Ukrainian."""
        if self.language is None:
            return None
        return "uk" if self.language == "ru" else self.language

    def query(self, *, gmina: str | None, limit_text: bool = True) -> Query:
        """The search for this need in a gmina (None: the place is unknown)."""
        return Query(
            text=self.text if limit_text else "",
            situations=frozenset(self.keys),
            age=self.age,
            gmina=gmina,
            adult=self.adult,
            main=self.main,
            who=self.who,
            understanding=self.understanding if limit_text else None,
        )

    def as_json(self, place_json: Callable[[Unit | None], object]) -> dict[str, object]:
        """What was understood, for `search --json` and tests (no words of the person)."""
        gmina = self.place.gmina if self.place is not None else None
        candidates = self.place.candidates if self.place is not None else ()
        return {
            "who": self.who,
            "age": self.age,
            "adult": self.adult,
            "situations": [key for key, _ in self.situations],
            "main": self.main,
            "place": place_json(gmina),
            "place_candidates": [place_json(unit) for unit in candidates],
            "language": self.language,
            "danger": self.danger,
        }


def read(
    text: str,
    places: PlaceFinder,
    *,
    expecting: Expecting | None = None,
    served: ServesGmina | None = None,
    words: Vocabulary | None = None,
) -> Need:
    """Read one message.

    `expecting` is the question the person was asked: at the age question a bare number or a
    number word is the age; at the place question the whole text is first read as a place.
    `served` tells whether the loaded catalogue serves a gmina: among same-name places the
    served ones are preferred ("Tomaszów" with a catalogue of powiat tomaszowski).
    """
    vocab = words if words is not None else vocabulary()
    text = clean(text)
    if not text:
        return Need()
    whole = vocab.understand(text)
    danger = whole.danger
    private = _without_names(text)
    place, rest, weak = _place_in(private, places, expecting=expecting, served=served)
    numbered = _numbers_as_digits(fold(rest))
    mentions = list(_age_mentions(numbered, expecting=expecting))
    people = _roles(vocab.people_in(tokenize(rest)))
    who = _who(people, mentions)
    age, out_of_range = _age_for(who, mentions)
    for_words = _without_ages(rest, numbered, mentions)
    understanding = whole if for_words == text else vocab.understand(for_words)
    adult = age is None and _implies_adult(who, people)
    situations = _ranked(understanding, danger, age)
    return Need(
        who=who,
        age=age,
        adult=adult,
        situations=situations,
        place=place,
        place_weak=weak,
        language=language_of(rest if place is not None else text, whole),
        danger=danger,
        text=for_words,
        age_out_of_range=out_of_range,
        understood=bool(situations) or danger,
        named=any(w >= STRONG for w in understanding.situations.values()),
        understanding=understanding,
    )


# ----------------------------------------------------------------------------- places


def _place_in(
    text: str,
    places: PlaceFinder,
    *,
    expecting: Expecting | None,
    served: ServesGmina | None,
) -> tuple[PlaceAnswer | None, str, bool]:
    """The place the text names (served places first), the text without it, and whether it is
    only a guess to confirm."""
    if expecting == "place":
        whole = places.find(text, prefer=served)
        if whole.gmina is not None or whole.candidates or whole.outside_poland:
            return whole, "", False
    found, rest = places.extract(text, prefer=served)
    if found is None or not (found.gmina or found.candidates or found.outside_poland):
        return None, text, False
    weak = found.weak and not (found.gmina is not None and served and served(found.gmina.code))
    return found, rest, weak


# Words after which come a person's name or a street, never the place where they live.
_NAME_LEADS = re.compile(
    rf"(?i)\b(?:{INTRODUCTIONS}|pan[iu]?|pani)\s+"
    r"((?:[A-ZĄĆĘŁŃÓŚŹŻА-ЯІЇЄҐ][\w'-]*\.?\s*){1,3})"
)
_STREET_END = r"(?=\d|,|;|$|(?:w|we|z|ze|na|kolo|koło|in|в|у)\s)"
_STREET_LEADS = re.compile(
    r"(?i)\b(?:ul|al|os|pl)\.\s*((?:[\w'-]+\.?\s+){0,3}?[\w'-]+\.?\s*)" + _STREET_END + "|"
    r"\b(?:ulic[aye]|alej[aię]|osiedl[eu]|plac[u]?|вулиц[яіюе]|улиц[аеуы])\s+"
    r"((?:[\w'-]+\.?\s+){0,3}?[\w'-]+\s*)" + _STREET_END
)


def _without_names(text: str) -> str:
    """The text without people's names and street names ("Nazywam się Anna Nowak",
    "ul. Św. Antoniego"): they are no places, and nobody needs to keep them."""
    text = _NAME_LEADS.sub(" , ", text)
    text = _STREET_LEADS.sub(" , ", text)
    return re.sub(r"\s+", " ", text).strip(" ,")


# ----------------------------------------------------------------------------- ages


@dataclass(frozen=True, slots=True)
class _Age:
    """An age written in the text: the value, where, and whose it is by the grammar."""

    value: int
    start: int
    end: int
    person: Literal["writer", "other", "unknown"]


_UNITS_AFTER = (
    r"(?!\s*(?:dzieci\w*|dziec\w*|dni|dzien\w*|tydz\w*|tygod\w*|mies\w*|zl\w*|pln|euro|eur|"
    r"osob\w*|kg|km|h|godz\w*|raz\w*|procent\w*|children|kids?|days?|weeks?|months?|hours?|"
    r"dollars?|pounds?|times|дiт\w*|діт\w*|дн\w*|тижн\w*|місяц\w*|грн|годин\w*|дет\w*|недел\w*|"
    r"месяц\w*|час\w*|раз\w*|%|\d))"
)
# The texts these patterns read are folded, so the patterns are too ('йому' is read as 'иому').
_YEARS = fold(
    r"(?:lat(?:a|ek|ka|ki|kiem|ku)?|l\.|rok(?:u|iem)?|letni\w*|latk\w*|years?|yrs?|y\.?\s?o\.?|"
    r"year-olds?|рок\w*|рік|річн\w*|лет\w*|год(?:а|ик\w*)?|літ\w*)"
)
# "od 3 lat", "przez 10 lat", "mieszkam tu 40 lat", "3 lata temu", "for 5 years": how long,
# not how old.
_DURATION_BEFORE = "".join(
    rf"(?<!\b{lead} )"
    for lead in (
        "od",
        "przez",
        "za",
        "tu",
        "tutaj",
        "for",
        "over",
        "here",
        "протягом",
        "тут",
        "течение",
    )
)
_DURATION_AFTER = r"(?!\s+(?:temu|ago|тому|назад))"
_AGE_AFTER = re.compile(
    rf"{_DURATION_BEFORE}(?<![\d.,])(\d{{1,3}})\s*-?\s*{_YEARS}(?!\w){_DURATION_AFTER}"
)
_FIRST_PERSON = fold(r"mam|jestem|i'?m|i\s+am|мені|маю|мне|я|me")
_THIRD_PERSON = fold(
    r"ma|jest|is|he'?s|she'?s|aged|йому|їй|ему|ей|сину|сыну|доньці|дочці|дочери|син|сын|"
    r"syn|corka|corke|coreczka|dziecko|mama|tata|babcia|dziadek|son|daughter|mother|father|"
    r"brat|siostra|wnuk|wnuczka|tesciowa|tesc|grandma|grandmother|grandpa|grandfather|mum|mom|"
    r"dad|brother|sister|мамі|мама|тато|татові|бабусі|бабуся|дідусь|дідусеві|маме|папе|"
    r"бабушке|дедушке|мать|отец"
)
_AGE_BEFORE = re.compile(
    rf"(?<!\w)(?:(?P<first>{_FIRST_PERSON})|(?P<third>{_THIRD_PERSON})|wiek|age|вік|возраст|"
    r"(?<!od )(?<!przez )lat)"  # "lat 80", as forms write it; not "od lat 10" (for ten years)
    r"\s*[:(,]?\s*(?P<value>\d{1,3})\s*\)?(?![\d.,]\d)"  # "mama, 79, ..." too
    + _UNITS_AFTER
    + r"(?:\s*-?\s*"
    + _YEARS
    + r"(?!\w))?"
)
_BARE_NUMBER = re.compile(r"^\s*([-+]?\d{1,4})\s*[.!]?\s*$")
_FIRST_BEFORE = re.compile(rf"(?:^|\W)(?:{_FIRST_PERSON})\W*$")
_THIRD_BEFORE = re.compile(rf"(?:^|\W)(?:{_THIRD_PERSON})\W*(?:\w+\W+)?$")


def _age_mentions(folded: str, *, expecting: Expecting | None) -> Iterable[_Age]:
    """Every age in a folded text whose numbers are digits, with whose it seems to be."""
    bare = _BARE_NUMBER.match(folded)
    if bare is not None:
        if expecting in (None, "who", "age"):
            yield _Age(int(bare.group(1)), bare.start(1), bare.end(1), "unknown")
        return
    seen: set[int] = set()
    for found in _AGE_BEFORE.finditer(folded):
        person: Literal["writer", "other", "unknown"] = (
            "writer" if found.group("first") else "other" if found.group("third") else "unknown"
        )
        seen.add(found.start("value"))
        yield _Age(int(found.group("value")), found.start(), found.end(), person)
    for found in _AGE_AFTER.finditer(folded):
        if found.start(1) in seen:
            continue
        before = folded[max(0, found.start() - 24) : found.start()]
        person = (
            "writer"
            if _FIRST_BEFORE.search(before)
            else "other"
            if _THIRD_BEFORE.search(before)
            else "unknown"
        )
        yield _Age(int(found.group(1)), found.start(), found.end(), person)


def _age_for(who: Who | None, mentions: Sequence[_Age]) -> tuple[int | None, bool]:
    """The age of the person who needs help (not of the writer when they write for someone
    else), and whether an age was written that no person can have."""
    if who in ("child", "other"):
        ordered = [m for m in mentions if m.person == "other"] + [
            m for m in mentions if m.person == "unknown"
        ]
    else:
        ordered = [m for m in mentions if m.person == "writer"] + [
            m for m in mentions if m.person != "writer"
        ]
    for mention in ordered:
        if MIN_AGE <= mention.value <= MAX_AGE:
            return mention.value, False
        return None, True
    return None, False


def _without_ages(rest: str, folded: str, mentions: Sequence[_Age]) -> str:
    """The words without the age phrases ("mam 17 lat" says nothing about the situation)."""
    if not mentions:
        return rest
    # number words turned into digits change the length: then cut the folded text
    base = folded if len(folded) != len(fold(rest)) else rest
    kept, last = [], 0
    for mention in sorted(mentions, key=lambda m: m.start):
        kept.append(base[last : mention.start])
        last = max(last, mention.end)
    kept.append(base[last:])
    return re.sub(r"\s+", " ", " ".join(kept)).strip(" ,;.-")


@cache
def _number_words() -> tuple[re.Pattern[str], Mapping[str, str]]:
    """Number words of our languages (1-110, as num2words writes them) and the compounds
    people write ages with ("siedemnastolatek", "шістнадцятирічний"), each -> an age phrase
    with digits."""
    from num2words import num2words  # only when a text is read: a second of import saved

    replacements: dict[str, str] = {}
    years = {"pl": "lat", "uk": "років", "ru": "лет", "en": "years"}
    compounds = {
        "pl": (
            "o",
            (
                "latek",
                "latka",
                "latki",
                "letni",
                "letnia",
                "letniego",
                "letniej",
                "latkiem",
                "latku",
            ),
        ),
        "uk": ("и", ("річний", "річна", "річного", "річному")),
        "ru": ("и", ("летний", "летняя", "летнего", "летнему")),
    }
    for lang in ("pl", "uk", "ru", "en"):
        for number in range(MAX_AGE, 0, -1):
            written = fold(num2words(number, lang=lang))
            replacements.setdefault(written, str(number))
            replacements.setdefault(written.replace("-", " "), str(number))
            if lang in compounds:
                ordinal = fold(num2words(number, lang=lang, to="ordinal"))
                if " " in ordinal:
                    continue
                link, endings = compounds[lang]
                stem = ordinal[:-2] if lang != "pl" else ordinal[:-1]
                for ending in endings:
                    replacements.setdefault(fold(stem + link + ending), f"{number} {years[lang]}")
    alternatives = sorted(replacements, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, alternatives)) + r")(?!\w)")
    return pattern, replacements


def _numbers_as_digits(folded: str) -> str:
    """ "mam dwadzieścia lat" -> "mam 20 lat" (folded text in, folded text out)."""
    pattern, replacements = _number_words()
    return pattern.sub(lambda found: replacements[found.group(1)], folded)


# ----------------------------------------------------------------------------- who


def _roles(found: Mapping[str, list[tuple[int, ...]]]) -> dict[str, list[tuple[int, ...]]]:
    """People words, without those inside a longer one of another role ("samotna matka" is
    the writer, not someone's mother)."""
    spans = [(role, set(span)) for role, spans in found.items() for span in spans]
    kept: dict[str, list[tuple[int, ...]]] = {}
    for role, span in spans:
        if any(span < other for _, other in spans):
            continue
        kept.setdefault(role, []).append(tuple(sorted(span)))
    return kept


def _who(people: Mapping[str, Sequence[tuple[int, ...]]], mentions: Sequence[_Age]) -> Who | None:
    """Who needs help: someone the person writes for, else the writer when they speak of
    themself, else the child or other person they name."""
    named: Who | None = "child" if "child" in people else "other" if "other" in people else None
    if "on_behalf" in people:
        return named or "other"
    if named is not None and any(mention.person == "other" for mention in mentions):
        return named  # "syn ma 15 lat ... pomóż mi": the son is the one with an age
    if "me" in people or any(mention.person == "writer" for mention in mentions):
        return "me"
    if named is None and any(mention.person == "other" for mention in mentions):
        return "other"  # "ma 79 lat, po wylewie": someone else
    return named


def _implies_adult(who: Who | None, people: Mapping[str, object]) -> bool:
    """A husband or wife makes the writer an adult; a mother or grandfather is one."""
    if who in (None, "me"):
        return "spouse" in people
    return who == "other" and "adult" in people


# ----------------------------------------------------------------------------- situations


def _situation_order(key: str, weight: float) -> tuple[float, int]:
    return (-weight, MAIN_FIRST.index(key) if key in MAIN_FIRST else len(MAIN_FIRST))


def _ranked(
    understanding: Understanding, danger: bool, age: int | None
) -> tuple[tuple[str, float], ...]:
    """The situations, the main one first at full weight, the others as context.

    An old person who cannot cope, is ill or lonely needs care first ("tata ma 79 lat, po
    wylewie, nie daje rady sam").
    """
    weights = dict(understanding.situations)
    if any(weight >= STRONG for weight in weights.values()):  # hints only when nothing is named
        weights = {key: weight for key, weight in weights.items() if weight >= STRONG}
    if not weights:
        return ()
    if age is not None and age >= OLD_AGE and set(weights) <= _CARE_NEEDS:
        weights["elderly_care"] = 2.0
    ordered = sorted(weights.items(), key=lambda item: _situation_order(*item))
    if danger and "mental_health" in weights and ordered[0][1] <= weights["mental_health"]:
        ordered.sort(key=lambda item: item[0] != "mental_health")
    main, _ = ordered[0]
    return ((main, 1.0), *((key, min(weight, CONTEXT_WEIGHT)) for key, weight in ordered[1:]))


# ----------------------------------------------------------------------------- language

_UKRAINIAN_LETTERS = frozenset("іїєґ")
_RUSSIAN_LETTERS = frozenset("ыэъё")
_POLISH_LETTERS = frozenset("ąćęłńóśźż")
_MIN_CONFIDENCE = 0.75
_detector_lock = threading.Lock()


def language_of(text: str, understanding: Understanding | None = None) -> str | None:
    """The language of a text: pl, uk, ru or en; None when it is too short to tell.

    The script and its own letters decide first, then the words our vocabularies know, then
    a language detector (lingua) for texts that gave no such sign.
    """
    lowered = clean(text).casefold()
    letters = [ch for ch in lowered if ch.isalpha()]
    if len(letters) < 3:
        return None
    if sum(has_cyrillic(ch) for ch in letters) * 2 > len(letters):
        if _UKRAINIAN_LETTERS & set(lowered) or "'" in lowered:
            return "uk"
        if _RUSSIAN_LETTERS & set(lowered):
            return "ru"
        return _detected(lowered, ("uk", "ru")) or "uk"
    if _POLISH_LETTERS & set(lowered):
        return "pl"
    if understanding is not None:
        known = {lang: n for lang, n in understanding.languages.items() if lang in ("pl", "en")}
        if len(known) == 1:
            return next(iter(known))
    if len(folded_words(text)) < 2:
        return None
    return _detected(lowered, ("pl", "en"))


def _detected(text: str, among: tuple[str, ...]) -> str | None:
    detector, codes = _detector()
    with _detector_lock:
        values = detector.compute_language_confidence_values(text)
    for value in values:
        code = codes.get(value.language)
        if code in among:
            return code if value.value >= _MIN_CONFIDENCE else None
    return None


@cache
def _detector() -> tuple[Any, Mapping[Any, str]]:
    """lingua's detector for our four languages, in its small mode (15 MB, built once)."""
    from lingua import Language, LanguageDetectorBuilder

    languages = {
        Language.POLISH: "pl",
        Language.UKRAINIAN: "uk",
        Language.RUSSIAN: "ru",
        Language.ENGLISH: "en",
    }
    builder = LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode()
    return builder.build(), languages
