"""Services as messages: card text (Telegram HTML, every catalogue value escaped) and buttons.

Transport-free values (`Reply`, `Button`, `Venue`) that the Telegram front end and the terminal
chat both turn into their own output. No I/O here.

Phone numbers are written as plain text in international form ('+48 25 600 00 01'): the Bot
API's HTML has no `tel:` links (only http(s) and tg:// URLs are allowed in `<a href>`), while
Telegram itself marks such numbers as phone-number entities, so a tap calls them and screen
readers read them as numbers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote, urlencode

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from bot.i18n import t
from catalog.hours import OpeningHours, closed_for_holiday, is_open, parse_hours
from catalog.model import Service
from catalog.places import Unit

MAX_TOKEN_BYTES = 64  # Telegram's limit for callback data
MAX_PAYLOAD_CHARS = 64  # Telegram's limit for a /start deep-link payload
CARD_PAYLOAD_PREFIX = "card_"  # /start card_<service id>: open that service's card
PLACE_PAYLOAD_PREFIX = (
    "p"  # /start p1464011-youth-uk: a poster's link (place, situation, language)
)
# The longest token of the "this was wrong" questions (render the button only if it fits).
LONGEST_REPORT_ACTION = "address"
# Maps open in the browser or the map app from any chat; no account, no API key.
MAP_AT = "https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
MAP_SEARCH = "https://www.openstreetmap.org/search?"
_DAY = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su|PH)\b")
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class Button:
    """A button: what it says (plain text) and the token it sends back when pressed."""

    label: str
    token: str


@dataclass(frozen=True, slots=True)
class Venue:
    """A place to show on a map (Telegram venue message)."""

    latitude: float
    longitude: float
    title: str  # plain text
    address: str  # plain text


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to the person, independent of the transport.

    `text` is Telegram HTML (values escaped). `location_request` asks the front end to offer
    a "send my location" keyboard button labelled `location_label`. `replace` says the message
    may replace the previous one (e.g. a toggled choice), `numbers_are_answers` that a typed
    number answers the question (an age), so a terminal must not read it as a button number.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    kind: str = "info"
    location_request: bool = False
    location_label: str = ""
    venue: Venue | None = None
    replace: bool = False
    numbers_are_answers: bool = False


def escape(value: object) -> str:
    """Catalogue or user text made safe for Telegram HTML."""
    return html.escape(str(value), quote=True)


def rows(*buttons: Button | None, width: int = 1) -> tuple[tuple[Button, ...], ...]:
    """Buttons laid out `width` per row (None entries are left out)."""
    present = [button for button in buttons if button is not None]
    return tuple(tuple(present[i : i + width]) for i in range(0, len(present), width))


def token_fits(token: str) -> bool:
    """True when Telegram accepts this token as callback data."""
    return len(token.encode("utf-8")) <= MAX_TOKEN_BYTES


def report_token(service_id: str, action: str = "") -> str:
    """The callback data of "this was wrong" ('wrong:<id>') and of its answers
    ('wrong:<id>:phone', 'wrong:<id>:send', 'wrong:<id>:cancel')."""
    return f"wrong:{service_id}:{action}" if action else f"wrong:{service_id}"


def card_payload(service_id: str) -> str | None:
    """The deep-link payload that opens a service's card in the chat with the bot.

    None when Telegram would refuse it (longer than 64 characters, or characters other than
    A-Z a-z 0-9 _ -).
    """
    payload = CARD_PAYLOAD_PREFIX + service_id
    if len(payload) > MAX_PAYLOAD_CHARS or not _PAYLOAD.fullmatch(payload):
        return None
    return payload


@dataclass(frozen=True, slots=True)
class PlaceLink:
    """What a poster's deep link sets: the gmina (full TERYT code), perhaps a situation and the
    poster's language."""

    teryt: str
    situation: str | None = None
    lang: str | None = None


_PLACE_PAYLOAD = re.compile(r"p(?P<teryt>\d{7})(?P<rest>(?:-[a-z_]+){0,2})")


def place_payload(link: PlaceLink) -> str:
    """The deep-link payload of a poster: 'p1464011', 'p1464011-youth', 'p1464011-youth-uk'."""
    parts = [PLACE_PAYLOAD_PREFIX + link.teryt, link.situation, link.lang]
    return "-".join(part for part in parts if part)


def place_link_of(
    payload: str, *, situations: Sequence[str], languages: Sequence[str]
) -> PlaceLink | None:
    """The poster link a payload carries; None for any other payload (or a broken one)."""
    found = _PLACE_PAYLOAD.fullmatch(payload)
    if found is None:
        return None
    situation = lang = None
    for part in found["rest"].split("-")[1:]:
        if part in situations and situation is None:
            situation = part
        elif part in languages and lang is None:
            lang = part
        else:
            return None
    return PlaceLink(found["teryt"], situation, lang)


def service_of_payload(payload: str) -> str | None:
    """The service id a deep-link payload asks for ('card_mopr-przemoc' -> 'mopr-przemoc')."""
    if not payload.startswith(CARD_PAYLOAD_PREFIX) or not _PAYLOAD.fullmatch(payload):
        return None
    return payload[len(CARD_PAYLOAD_PREFIX) :] or None


def map_url(service: Service) -> str | None:
    """A map link for the service's institution: its pin, else a search for its address (none
    for a confidential place)."""
    geo, address = service.shown_geo, service.shown_address
    if geo is not None:
        latitude, longitude = geo
        return MAP_AT.format(lat=latitude, lon=longitude)
    if address:
        return MAP_SEARCH + urlencode({"query": address}, quote_via=quote)
    return None


def service_card(
    service: Service,
    lang: str,
    now: datetime,
    *,
    number: int | None = None,
    office: Service | None = None,
) -> Reply:
    """A service as a short card with "show on map" and "this was wrong" buttons.

    A confidential place (a shelter) shows no address and no map; a card with no way to reach
    the service says so and names `office` (the gmina's social-help office), when known.
    """
    institution = service.institution
    contact = service.contact
    address = service.shown_address
    title = escape(institution.name)
    lines = [f"{number}. <b>{title}</b>" if number is not None else f"<b>{title}</b>"]
    lines.append(escape(service.name))
    if service.description:
        lines.append(f"<i>{escape(service.description)}</i>")
    if not service.ages.is_any:
        lines.append(escape(_ages(service, lang)))
    if address:
        lines.append(t("card.address", lang, address=escape(address)))
    if contact.phones:
        numbers = ", ".join(escape(phone.display) for phone in contact.phones)
        lines.append(t("card.phone", lang, phones=numbers))
    elif contact.is_empty and not address:
        lines.append(escape(no_contact_line(office, lang)))
    if contact.email:
        lines.append(t("card.email", lang, email=escape(contact.email)))
    if contact.website:
        lines.append(t("card.website", lang, website=escape(contact.website)))
    if contact.hours:
        lines.append(escape(hours_line(contact.hours, lang, now)))
    others = [code for code in contact.languages if code != "pl"]
    if others:
        names = ", ".join(language_name(code, lang) for code in contact.languages)
        lines.append(t("card.languages", lang, languages=escape(names)))
    if not service.free:
        lines.append(escape(t("card.paid", lang)))
    if service.origin:
        lines.append(t("card.origin", lang, catalog=escape(service.origin)))
    if service.checked is not None:
        lines.append(escape(checked_line(service.checked, lang)))
    buttons: list[Button] = []
    if service.shown_geo is not None and token_fits(f"map:{service.id}"):
        buttons.append(Button(t("card.button.map", lang), f"map:{service.id}"))
    if token_fits(report_token(service.id, LONGEST_REPORT_ACTION)):
        buttons.append(Button(t("card.button.wrong", lang), report_token(service.id)))
    return Reply(text="\n".join(lines), buttons=rows(*buttons, width=2), kind="card")


def service_line(service: Service, lang: str) -> str:
    """A service in one line (name and phones), for the list of crisis lines."""
    name = escape(service.institution.short_name or service.institution.name)
    phones = ", ".join(escape(phone.display) for phone in service.contact.phones)
    hours = service.contact.hours
    always = hours is not None and _always_open(hours)
    line = f"{name}: <b>{phones}</b>" if phones else name
    if always:
        line += f" ({escape(t('card.hours.always', lang))})"
    return line


def service_title(service: Service) -> str:
    """The service as a person saw it on its card: institution and service (plain text)."""
    institution = service.institution
    return f"{institution.short_name or institution.name} — {service.name}"


def venue(service: Service) -> Venue | None:
    """Where the service's institution is, when the catalogue gives coordinates (never for a
    confidential place)."""
    institution = service.institution
    geo = service.shown_geo
    if geo is None:
        return None
    latitude, longitude = geo
    return Venue(
        latitude=latitude,
        longitude=longitude,
        title=institution.short_name or institution.name,
        address=service.shown_address or service.name,
    )


def checked_line(checked: date, lang: str) -> str:
    """ "dane sprawdzone: grudzień 2026": the month and year in the person's language."""
    month = format_date(checked, "LLLL yyyy", locale=Locale.parse(lang))
    return t("card.checked", lang, month=month)


def no_contact_line(office: Service | None, lang: str) -> str:
    """What a card with no phone, e-mail or website says instead: whom to ask."""
    if office is None:
        return t("card.no_contact", lang)
    phones = ", ".join(phone.display for phone in office.contact.phones)
    name = office.institution.short_name or office.institution.name
    return t("card.no_contact.office", lang, office=f"{name} {phones}".strip())


def hours_line(hours: str, lang: str, now: datetime) -> str:
    """Opening hours in the person's language, with "open now" or "closed now"."""
    if _always_open(hours):
        return t("card.hours.plain", lang, hours=t("card.hours.always", lang))
    days = hours_text(hours, lang)
    try:
        open_now = is_open(hours, now)
    except ValueError:
        return t("card.hours.plain", lang, hours=days)
    if closed_for_holiday(hours, now):
        return t("card.hours", lang, hours=days, state=t("card.holiday_closed", lang))
    state = t("card.open_now" if open_now else "card.closed_now", lang)
    return t("card.hours", lang, hours=days, state=state)


def hours_text(hours: str, lang: str) -> str:
    """Opening hours with the day names in the person's language ('pon.-pt. 07:30-15:30')."""
    if _always_open(hours):
        return t("card.hours.always", lang)
    return _DAY.sub(lambda found: t(f"card.day.{found.group(1)}", lang), hours)


def contact_lines(service: Service, lang: str) -> list[str]:
    """A service's details as plain lines for print (posters, the printed directory)."""
    contact = service.contact
    lines = []
    if not service.ages.is_any:
        lines.append(_ages(service, lang))
    if service.shown_address:
        lines.append(t("card.address", lang, address=service.shown_address))
    if contact.phones:
        numbers = ", ".join(phone.display for phone in contact.phones)
        lines.append(t("card.phone", lang, phones=numbers))
    if contact.email:
        lines.append(t("card.email", lang, email=contact.email))
    if contact.website:
        lines.append(t("card.website", lang, website=contact.website))
    if contact.hours:
        lines.append(t("card.hours.plain", lang, hours=hours_text(contact.hours, lang)))
    return lines


def language_name(code: str, lang: str) -> str:
    """The name of a language in the person's language ('uk' -> 'ukraiński')."""
    try:
        name = Locale.parse(lang).languages.get(code)
    except (UnknownLocaleError, ValueError):
        name = None
    return name or code


def numbered(
    services: Sequence[Service],
    lang: str,
    now: datetime,
    first: int,
    *,
    office: Service | None = None,
) -> list[Reply]:
    """Cards numbered from `first`, so a person can say which one they mean."""
    return [
        service_card(service, lang, now, number=first + offset, office=office)
        for offset, service in enumerate(services)
    ]


def _ages(service: Service, lang: str) -> str:
    low, high = service.ages.low, service.ages.high
    if low is not None and high is not None:
        return t("card.ages.between", lang, low=low, high=high)
    if low is not None:
        return t("card.ages.from", lang, low=low)
    return t("card.ages.to", lang, high=high)


def _always_open(hours: str) -> bool:
    parsed = parse_hours(hours)
    return isinstance(parsed, OpeningHours) and parsed.always_open


def unit_label(unit: Unit, lang: str, *, teryt: bool = False) -> str:
    """A gmina as a person tells it from its namesakes: name, kind, powiat and województwo
    (and its TERYT code for coordinators); the one label of a place the bot and the command
    line show (plain text)."""
    if teryt:
        return t(
            "places.gmina_line",
            lang,
            name=unit.name,
            kind=unit.kind,
            powiat=unit.powiat or "",
            wojewodztwo=unit.wojewodztwo or "",
            teryt=unit.teryt,
        )
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
