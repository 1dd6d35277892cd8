"""Builders for test data: model objects with a default for everything.

    catalog_with(service(id="pcpr-pfron", areas=["1426"], situations=["disability"]))

Areas are TERYT prefixes ('' Polska, '14' województwo, '1426' powiat, '142605' gmina) or
`Area` objects. The catalogue's hash is that of its content, as for a checked file.
`FakePlaces` resolves a few real place references of the Siedlce region without the gazetteer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from sqlalchemy import select

from bot.store import TABLE, ConversationStore
from catalog.assemble import content_hash_of
from catalog.model import AgeRange, Area, Catalog, Contact, Institution, Phone, Service
from catalog.places import PlaceData, ReferenceAnswer, Unit

POLSKA = Area(code="", written="Polska")
SIEDLCE = Area(code="146401", written="miasto Siedlce")
POWIAT_SIEDLECKI = Area(code="1426", written="powiat siedlecki")
MORDY = Area(code="142605", written="Mordy")

_WRITTEN_BY_CODE: Mapping[str, str] = {
    area.code: area.written for area in (POLSKA, SIEDLCE, POWIAT_SIEDLECKI, MORDY)
}


def area(code: str, written: str | None = None) -> Area:
    """An area by its TERYT prefix; written as the file would write it, when known."""
    return Area(code=code, written=written or _WRITTEN_BY_CODE.get(code, code))


def phone(written: str = "116 123") -> Phone:
    """A phone as validation would parse it (real national lines by default)."""
    from catalog.values import parse_phone

    parsed = parse_phone(written)
    if isinstance(parsed, str):
        raise ValueError(f"test phone {written!r} does not parse: {parsed}")
    return parsed


def contact(
    *,
    phones: Sequence[str] = (),
    email: str | None = None,
    website: str | None = None,
    hours: str | None = None,
    languages: Sequence[str] = ("pl",),
) -> Contact:
    """A contact; phones as written ('116 123', '+48 25 600 00 01')."""
    return Contact(
        phones=tuple(phone(written) for written in phones),
        email=email,
        website=website,
        hours=hours,
        languages=tuple(languages),
    )


def institution(
    id: str = "mopr-siedlce",
    *,
    name: str = "Miejski Ośrodek Pomocy Rodzinie w Siedlcach",
    place: str | Area = SIEDLCE,
    contact: Contact | None = None,
    short_name: str | None = None,
    address: str | None = None,
) -> Institution:
    """An institution (by default MOPR in the town of Siedlce, with no contact)."""
    return Institution(
        id=id,
        name=name,
        place=place if isinstance(place, Area) else area(place),
        contact=contact or Contact(),
        short_name=short_name,
        address=address,
    )


def service(
    id: str = "mopr-siedlce-zasilki",
    *,
    name: str = "Zasiłki i praca socjalna",
    situations: Iterable[str] = ("poverty",),
    areas: Iterable[str | Area] | None = None,
    ages: str | AgeRange = "",
    institution: Institution | None = None,
    contact: Contact | None = None,
    description: str | None = None,
    keywords: Iterable[str] = (),
    crisis: bool = False,
    free: bool = True,
) -> Service:
    """A service; areas default to its institution's place, contact to its institution's."""
    owner = institution if institution is not None else _default_owner()
    served = (
        tuple(item if isinstance(item, Area) else area(item) for item in areas)
        if areas is not None
        else (owner.place,)
    )
    return Service(
        id=id,
        institution=owner,
        name=name,
        situations=tuple(situations),
        areas=served,
        contact=contact or owner.contact,
        description=description,
        keywords=tuple(keywords),
        ages=ages if isinstance(ages, AgeRange) else _ages(ages),
        crisis=crisis,
        free=free,
    )


def _default_owner() -> Institution:
    return institution()


def crisis_line(
    id: str = "116-123-rozmowa",
    *,
    phones: Sequence[str] = ("116 123",),
    situations: Iterable[str] = ("mental_health",),
    ages: str = "",
) -> Service:
    """A national 24/7 crisis line serving all of Poland."""
    owner = institution(
        f"{id}-instytucja",
        name=f"Telefon {phones[0]}",
        place=POLSKA,
        contact=contact(phones=phones, hours="24/7"),
    )
    return service(
        id,
        name=f"Telefon zaufania {phones[0]}",
        situations=situations,
        areas=[POLSKA],
        ages=ages,
        institution=owner,
        crisis=True,
    )


def catalog_with(
    *services: Service,
    name: str = "Katalog testowy",
    updated: date | None = None,
    partnership: str = "",
) -> Catalog:
    """A catalogue of these services (their institutions in order of first appearance), of
    the default partnership unless one is given."""
    institutions: dict[str, Institution] = {}
    for item in services:
        institutions.setdefault(item.institution.id, item.institution)
    owners = tuple(institutions.values())
    return Catalog(
        name=name,
        services=tuple(services),
        institutions=owners,
        content_hash=content_hash_of(name, updated, owners, services, partnership=partnership),
        updated=updated,
        partnership=partnership,
    )


def siedlce_yaml(name: str = "Katalog Siedlce") -> str:
    """A small valid catalogue file as a coordinator writes it: a MOPR with two services and
    a national crisis line."""
    return f"""\
version: 1
name: {name}
updated: 2026-11-01
institutions:
  - id: mopr-siedlce
    name: Miejski Ośrodek Pomocy Rodzinie w Siedlcach
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    services:
      - id: mopr-zasilki
        name: Zasiłki
        situations: [poverty]
      - id: mopr-przemoc
        name: Przeciwdziałanie przemocy
        situations: [domestic_violence]
  - id: niebieska-linia
    name: Niebieska Linia
    place: Polska
    phones: ["800 120 002"]
    services:
      - id: niebieska-linia-telefon
        name: Telefon
        situations: [domestic_violence]
        crisis: true
        hours: 24/7
"""


ZASILKI_YAML = """\
      - id: mopr-zasilki
        name: Zasiłki
        situations: [poverty]
"""


def siedlce_offices_yaml(
    name: str = "Katalog A", *, extra: str = "", suffix: str = "", ohp_phone: str = "03"
) -> bytes:
    """A small catalogue file in the places FakePlaces knows: MOPR Siedlce (`extra` adds
    services to it, e.g. ZASILKI_YAML), OHP Siedlce and the national Niebieska Linia;
    `suffix` renames every service, `ohp_phone` changes OHP's number."""
    return f"""\
version: 1
name: {name}
institutions:
  - id: mopr-siedlce
    name: Miejski Ośrodek Pomocy Rodzinie w Siedlcach
    short_name: MOPR Siedlce
    place: miasto Siedlce
    phones: ["+48 25 600 00 01"]
    services:
      - id: mopr-przemoc
        name: Przeciwdziałanie przemocy domowej{suffix}
        situations: [domestic_violence]
{extra}
  - id: ohp-siedlce
    name: Ochotnicze Hufce Pracy w Siedlcach
    short_name: OHP Siedlce
    place: miasto Siedlce
    phones: ["+48 25 600 00 {ohp_phone}"]
    services:
      - id: ohp-mlodziez
        name: Praca i nauka dla młodzieży{suffix}
        situations: [youth, unemployment]
        ages: "15-25"
        area: ["powiat siedlecki", "miasto Siedlce"]
  - id: niebieska-linia
    name: Ogólnopolski Telefon dla Osób Doznających Przemocy Domowej „Niebieska Linia”
    place: Polska
    phones: ["800 120 002"]
    services:
      - id: niebieska-linia-telefon
        name: Telefon „Niebieska Linia”{suffix}
        situations: [domestic_violence]
""".encode()


def _ages(text: str) -> AgeRange:
    """Ages as validation would parse them ('15-25', '-18', '60-'; '' for any age)."""
    from catalog.values import parse_ages

    if not text:
        return AgeRange()
    parsed = parse_ages(text)
    if isinstance(parsed, str):
        raise ValueError(f"test ages {text!r} do not parse: {parsed}")
    return parsed


def _unit(code: str, teryt: str, level: str, name: str, kind: str) -> Unit:
    return Unit(
        code=code,
        teryt=teryt,
        level=level,  # type: ignore[arg-type]  # the fake's table holds valid levels
        name=name,
        kind=kind,
        powiat="siedlecki" if code.startswith("1426") and level == "gmina" else None,
        wojewodztwo="mazowieckie",
    )


MIASTO_SIEDLCE_UNIT = _unit("146401", "1464011", "gmina", "Siedlce", "gmina miejska")
GMINA_SIEDLCE_UNIT = _unit("142608", "1426082", "gmina", "Siedlce", "gmina wiejska")
_FAKE_REFERENCES: Mapping[str, ReferenceAnswer] = {
    "polska": ReferenceAnswer(code=""),
    "miasto siedlce": ReferenceAnswer(code="146401", unit=MIASTO_SIEDLCE_UNIT),
    "1464011": ReferenceAnswer(code="146401", unit=MIASTO_SIEDLCE_UNIT),
    "gmina siedlce": ReferenceAnswer(code="142608", unit=GMINA_SIEDLCE_UNIT),
    "powiat siedlecki": ReferenceAnswer(
        code="1426", unit=_unit("1426", "1426", "powiat", "siedlecki", "powiat")
    ),
    "1426": ReferenceAnswer(
        code="1426", unit=_unit("1426", "1426", "powiat", "siedlecki", "powiat")
    ),
    "mordy": ReferenceAnswer(
        code="142605", unit=_unit("142605", "1426053", "gmina", "Mordy", "gmina miejsko-wiejska")
    ),
    "województwo mazowieckie": ReferenceAnswer(
        code="14", unit=_unit("14", "14", "wojewodztwo", "mazowieckie", "województwo")
    ),
    "siedlce": ReferenceAnswer(candidates=(MIASTO_SIEDLCE_UNIT, GMINA_SIEDLCE_UNIT)),
}


class FakePlaces:
    """Resolves the place references of the Siedlce region, like the real gazetteer would."""

    def reference(self, text: str) -> ReferenceAnswer:
        """The answer for a known reference; unknown ones suggest 'Mordy' for 'Mordu'."""
        answer = _FAKE_REFERENCES.get(text.strip().casefold())
        if answer is not None:
            return answer
        if text.strip().casefold().startswith("mord"):
            return ReferenceAnswer(suggestions=("Mordy",))
        return ReferenceAnswer()


# Siedlce (town), powiat siedlecki, wysokomazowiecki, miechowski, tomaszowski (łódzkie).
SAMPLE_POWIATS = ("1464", "1426", "2013", "1208", "1016")


def sample_regions_of(data: PlaceData) -> PlaceData:
    """The place data of a few regions (every województwo and powiat, the sample powiats'
    gminas, localities, postal codes and points): small enough to import in a test."""

    def kept(code: str) -> bool:
        return code[:4] in SAMPLE_POWIATS

    return PlaceData(
        units=tuple(u for u in data.units if len(u.teryt) < 7 or kept(u.teryt)),
        localities=tuple(x for x in data.localities if kept(x.gmina)),
        postal=tuple(x for x in data.postal if kept(x.gmina)),
        points=tuple(x for x in data.points if kept(x.gmina)),
        exonyms=tuple(x for x in data.exonyms if kept(x.gmina)),
        info=data.info,
    )


def stored_chat_ids(store: ConversationStore) -> list[int]:
    """Every chat the store keeps a state for (what the privacy tests look at)."""
    with store.engine.connect() as connection:
        return [int(chat_id) for chat_id in connection.execute(select(TABLE.c.chat_id)).scalars()]
