"""Small fakes of the gazetteer, search and catalogue for the dialog tests (no tests here).

They follow the contracts of catalog/places.py and catalog/search.py with a handful of places
and services, so the dialog is tested without the real data or the real search.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.dialog import Deps, DialogState, Input, Step, step
from catalog.model import AgeRange, Area, Contact, Institution, Phone, Service
from catalog.places import PlaceAnswer, ServesGmina, Unit
from catalog.search import Match, Query, SearchResult
from catalog.text import fold, folded_words

# A Tuesday at 10:00 in Warsaw (offices open), as a naive local time.
NOW = datetime(2026, 11, 24, 10, 0)

TOWN = Unit("146401", "1464011", "gmina", "Siedlce", "gmina miejska", "Siedlce", "mazowieckie")
RURAL = Unit("142610", "1426102", "gmina", "Siedlce", "gmina wiejska", "siedlecki", "mazowieckie")
MORDY = Unit(
    "142606", "1426063", "gmina", "Mordy", "gmina miejsko-wiejska", "siedlecki", "mazowieckie"
)
NOWA_WIES_A = Unit(
    "100101", "1001012", "gmina", "Nowa Wieś", "gmina wiejska", "bełchatowski", "łódzkie"
)
NOWA_WIES_B = Unit(
    "300202", "3002022", "gmina", "Nowa Wieś", "gmina wiejska", "chodzieski", "wielkopolskie"
)

_ANSWERS: dict[str, PlaceAnswer] = {
    "siedlce": PlaceAnswer(gmina=TOWN, same_name_other=RURAL),
    "siedlcach": PlaceAnswer(gmina=TOWN, same_name_other=RURAL),
    "08-110": PlaceAnswer(gmina=TOWN),
    "mordy": PlaceAnswer(gmina=MORDY),
    "nowa wies": PlaceAnswer(candidates=(NOWA_WIES_A, NOWA_WIES_B)),
    "berlin": PlaceAnswer(outside_poland=True),
    "sedlce": PlaceAnswer(suggestions=("Siedlce", "Sedziejowice")),
}


class FakePlaces:
    """Knows Siedlce (town and rural gmina), Mordy, two gminas called Nowa Wieś and Berlin."""

    def find(self, text: str, *, prefer: ServesGmina | None = None) -> PlaceAnswer:  # noqa: ARG002
        """The answer for a known name, else nothing."""
        key = " ".join(folded_words(text)).removeprefix("w ").removeprefix("in ")
        if key in _ANSWERS:
            return _ANSWERS[key]
        if key.isdigit() or not key:
            return PlaceAnswer()
        return PlaceAnswer()

    def extract(
        self,
        text: str,
        *,
        prefer: ServesGmina | None = None,  # noqa: ARG002
    ) -> tuple[PlaceAnswer | None, str]:
        """A known name inside a longer text, and the text without it."""
        folded = fold(text)
        for name, answer in _ANSWERS.items():
            if answer.suggestions:
                continue
            position = folded.find(name)
            if position >= 0:
                rest = (text[:position] + text[position + len(name) :]).strip(" ,.")
                return answer, rest
        return None, text

    def unit(self, code: str) -> Unit | None:
        """The gminas this fake knows, by code."""
        known = [answer.gmina for answer in _ANSWERS.values() if answer.gmina is not None]
        return next((unit for unit in known if unit.code == code), None)

    def locate(self, lat: float, lon: float) -> PlaceAnswer:
        """Pins near Siedlce are in the town; anything else is outside Poland."""
        if 52.0 < lat < 52.3 and 22.1 < lon < 22.4:
            return PlaceAnswer(gmina=TOWN)
        return PlaceAnswer(outside_poland=True)


_VOCABULARY: dict[str, str] = {
    "pracy": "unemployment",
    "praca": "unemployment",
    "work": "unemployment",
    "job": "unemployment",
    "роботу": "unemployment",
    "робота": "unemployment",
    "bije": "domestic_violence",
    "przemoc": "domestic_violence",
    "б'є": "domestic_violence",
    "beats": "domestic_violence",
    "zabic": "mental_health",
    "samotny": "mental_health",
    "mieszkania": "housing",
}
_DANGER = ("zabic sie", "sie zabic", "kill myself", "вбити себе", "bije mnie teraz")


def is_danger(text: str) -> bool:
    """A few phrases that mean danger now."""
    folded = fold(text)
    return any(phrase in folded for phrase in _DANGER)


def _area(code: str, written: str) -> Area:
    return Area(code=code, written=written)


def _institution(
    ident: str,
    name: str,
    area: Area,
    phones: Sequence[str],
    *,
    geo: tuple[float, float] | None = None,
    address: str | None = None,
    hours: str | None = None,
    languages: tuple[str, ...] = ("pl",),
) -> Institution:
    contact = Contact(
        phones=tuple(Phone(p, p.replace(" ", ""), p) for p in phones),
        hours=hours,
        languages=languages,
    )
    return Institution(ident, name, area, contact, address=address, geo=geo)


def _service(
    ident: str,
    institution: Institution,
    name: str,
    situations: Iterable[str],
    areas: Iterable[Area],
    *,
    ages: AgeRange | None = None,
    crisis: bool = False,
    description: str | None = None,
) -> Service:
    return Service(
        id=ident,
        institution=institution,
        name=name,
        situations=tuple(situations),
        areas=tuple(areas),
        contact=institution.contact,
        description=description,
        ages=ages or AgeRange(),
        crisis=crisis,
    )


TOWN_AREA = _area("146401", "miasto Siedlce")
RURAL_AREA = _area("142610", "gmina Siedlce")
POWIAT_TOWN = _area("1464", "powiat Siedlce")
POWIAT_RURAL = _area("1426", "powiat siedlecki")
POLSKA = _area("", "Polska")

MOPR = _institution(
    "mopr",
    "Miejski Ośrodek Pomocy Rodzinie w Siedlcach",
    TOWN_AREA,
    ["+48 25 600 00 01"],
    geo=(52.1676, 22.2901),
    address="ul. Przykładowa 1, 08-110 Siedlce",
    hours="Mo-Fr 07:30-15:30",
)
GOPS = _institution(
    "gops", "Gminny Ośrodek Pomocy Społecznej Siedlce", RURAL_AREA, ["+48 25 600 00 02"]
)
PUP = _institution(
    "pup",
    "Powiatowy Urząd Pracy w Siedlcach",
    TOWN_AREA,
    ["+48 25 600 00 03"],
    languages=("pl", "uk"),
)
OHP = _institution(
    "ohp", "OHP Młodzieżowe Centrum Kariery Siedlce", TOWN_AREA, ["+48 25 600 00 04"]
)
BLUE = _institution("blue", "Niebieska Linia", POLSKA, ["800 120 002"], hours="24/7")
TEL_ADULT = _institution(
    "tel116123", "Kryzysowy Telefon Zaufania", POLSKA, ["116 123"], hours="24/7"
)
TEL_CHILD = _institution(
    "tel116111", "Telefon Zaufania dla Dzieci i Młodzieży", POLSKA, ["116 111"]
)

SERVICES: tuple[Service, ...] = (
    _service(
        "mopr-zasilki", MOPR, "Zasiłki i praca socjalna", ["poverty", "unemployment"], [TOWN_AREA]
    ),
    _service(
        "mopr-przemoc",
        MOPR,
        "Przeciwdziałanie przemocy domowej",
        ["domestic_violence"],
        [TOWN_AREA],
    ),
    _service("mopr-dodatek", MOPR, "Dodatek mieszkaniowy", ["housing"], [TOWN_AREA]),
    _service("gops-zasilki", GOPS, "Zasiłki i praca socjalna", ["poverty"], [RURAL_AREA]),
    _service("pup-praca", PUP, "Oferty pracy", ["unemployment"], [POWIAT_TOWN, POWIAT_RURAL]),
    _service(
        "ohp-mlodziez",
        OHP,
        "Praca i szkolenia dla młodzieży",
        ["unemployment", "youth", "education"],
        [POWIAT_TOWN, POWIAT_RURAL],
        ages=AgeRange(15, 25),
    ),
    _service(
        "blue-tel", BLUE, "Telefon przeciw przemocy", ["domestic_violence"], [POLSKA], crisis=True
    ),
    _service(
        "tel-adult",
        TEL_ADULT,
        "Wsparcie w kryzysie",
        ["mental_health"],
        [POLSKA],
        ages=AgeRange(18, None),
        crisis=True,
    ),
    _service(
        "tel-child",
        TEL_CHILD,
        "Telefon dla dzieci",
        ["mental_health", "youth"],
        [POLSKA],
        ages=AgeRange(None, 18),
        crisis=True,
    ),
)


@dataclass(frozen=True)
class FakeCatalog:
    """The catalogue part the dialog reads."""

    services: tuple[Service, ...] = SERVICES

    def service(self, service_id: str) -> Service | None:
        """The service with this id."""
        return next((s for s in self.services if s.id == service_id), None)


@dataclass
class FakeSearch:
    """Eligibility like the real search (place, age), situations from a tiny vocabulary."""

    catalog: FakeCatalog = field(default_factory=FakeCatalog)
    queries: list[Query] = field(default_factory=list)

    def search(self, query: Query, *, limit: int = 10) -> SearchResult:
        """Services that serve the person and match a situation, narrowest first."""
        self.queries.append(query)
        detected = {_VOCABULARY[w] for w in folded_words(query.text) if w in _VOCABULARY}
        detected |= {_VOCABULARY[w] for w in query.text.casefold().split() if w in _VOCABULARY}
        situations = frozenset(query.situations | detected)
        matches = []
        for service in self.catalog.services:
            if query.gmina is None:
                if not any(area.code == "" for area in service.areas):
                    continue
            elif not service.serves_place(query.gmina):
                continue
            if not service.serves_age(query.age):
                continue
            covered = tuple(sorted(situations & set(service.situations)))
            if situations and not covered:
                continue
            matches.append(Match(service, float(len(covered)), covered, service.narrowest_level))
        order = {"gmina": 0, "powiat": 1, "wojewodztwo": 2, "country": 3}
        matches.sort(key=lambda m: (-m.score, order[m.level]))
        understood = bool(detected) or not query.text
        return SearchResult(tuple(matches[:limit]), situations, understood=understood)

    def known_words(self, text: str) -> str:
        """The words of this fake's tiny vocabulary."""
        return " ".join(w for w in folded_words(text) if w in _VOCABULARY)

    def general_office(self, query: Query) -> Service | None:
        """The first gmina-level poverty service of the person's gmina that has a phone."""
        gmina = (query.gmina or "")[:6]
        for service in self.catalog.services:
            local = any(len(area.code) == 6 and area.contains(gmina) for area in service.areas)
            if local and "poverty" in service.situations and service.contact.phones:
                return service
        return None

    def covers(self, gmina: str) -> bool:
        """True when a service that is not national serves the gmina."""
        return self.locality(gmina) > 0

    def locality(self, gmina: str) -> int:
        """The longest area code serving the gmina, as 3 (gmina), 2 (powiat), 1 or 0."""
        lengths = [
            len(area.code)
            for service in self.catalog.services
            for area in service.areas
            if area.code and area.contains(gmina)
        ]
        return max(lengths, default=0) // 2

    @property
    def local_areas(self) -> tuple[str, ...]:
        """The codes the fake catalogue serves locally."""
        return tuple(
            sorted({area.code for s in self.catalog.services for area in s.areas if area.code})
        )


def fake_deps() -> Deps:
    """Dependencies made of the fakes above."""
    catalog = FakeCatalog()
    return Deps(
        places=FakePlaces(), search=FakeSearch(catalog), catalog=catalog, is_danger=is_danger
    )


@dataclass
class Conversation:
    """Drives the dialog like a front end: keeps the state, collects what was shown."""

    lang: str = "pl"
    deps: Deps = field(default_factory=fake_deps)
    state: DialogState = field(init=False)
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.state = DialogState(lang=self.lang)

    def send(self, event: Input) -> Step:
        """One input; the state moves on."""
        result = step(self.state, event, self.deps, NOW)
        self.state = result.state
        self.steps.append(result)
        return result

    @property
    def last(self) -> Step:
        """The last step."""
        return self.steps[-1]

    def text(self) -> str:
        """Everything the last step showed, as one text."""
        return "\n".join(reply.text for reply in self.last.replies)

    def tokens(self) -> list[str]:
        """Every button token of the last step."""
        return [b.token for reply in self.last.replies for row in reply.buttons for b in row]

    def labels(self) -> list[str]:
        """Every button label of the last step."""
        return [b.label for reply in self.last.replies for row in reply.buttons for b in row]
