"""Result cards: escaped catalogue text, callable numbers, hours with open/closed now."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.i18n import t
from bot.render import (
    card_payload,
    contact_lines,
    map_url,
    report_token,
    service_card,
    service_line,
    service_of_payload,
    token_fits,
    venue,
)
from catalog.model import AgeRange, Area, Contact, Institution, Phone, Service

TUESDAY_10 = datetime(2026, 11, 24, 10, 0)  # naive: Polish local time
SUNDAY_10 = datetime(2026, 11, 29, 10, 0)


def service(
    *,
    name: str = "Zasiłki",
    institution_name: str = "MOPR Siedlce",
    description: str | None = None,
    address: str | None = "ul. Piłsudskiego 1, 08-110 Siedlce",
    hours: str | None = "Mo-Fr 07:30-15:30",
    languages: tuple[str, ...] = ("pl",),
    geo: tuple[float, float] | None = None,
    website: str | None = None,
    email: str | None = None,
    ident: str = "mopr-zasilki",
) -> Service:
    contact = Contact(
        phones=(Phone("25 600 00 01", "+48256000001", "+48 25 600 00 01"),),
        email=email,
        website=website,
        hours=hours,
        languages=languages,
    )
    area = Area("146401", "Siedlce")
    institution = Institution("mopr", institution_name, area, contact, address=address, geo=geo)
    return Service(
        id=ident,
        institution=institution,
        name=name,
        situations=("poverty",),
        areas=(area,),
        contact=contact,
        description=description,
    )


def test_hostile_catalogue_text_is_escaped_everywhere_in_the_card() -> None:
    hostile = service(
        institution_name="<b>Evil</b> & Co",
        name="<script>alert(1)</script>",
        description='Pomoc "od ręki" <i>',
        address="ul. <a href='x'>Zła</a> 1",
        website="https://example.org/?a=1&b=<2>",
        email="a&b@example.org",
    )

    text = service_card(hostile, "pl", TUESDAY_10).text

    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in text
    assert "<a href" not in text
    assert "&amp;b=&lt;2&gt;" in text
    assert "Pomoc &quot;od ręki&quot; &lt;i&gt;" in text
    assert "a&amp;b@example.org" in text


def test_card_shows_names_address_and_a_callable_international_number() -> None:
    card = service_card(
        service(description="Zasiłek stały i okresowy"), "pl", TUESDAY_10, number=2
    )

    lines = card.text.splitlines()
    assert lines[0] == "2. <b>MOPR Siedlce</b>"
    assert lines[1] == "Zasiłki"
    assert "Adres: ul. Piłsudskiego 1, 08-110 Siedlce" in lines
    assert "Telefon: +48 25 600 00 01" in lines


def test_opening_hours_say_open_or_closed_now_in_warsaw_time() -> None:
    open_card = service_card(service(), "pl", TUESDAY_10).text
    closed_card = service_card(service(), "en", SUNDAY_10).text
    utc_evening = service_card(service(), "uk", datetime(2026, 11, 24, 15, 0, tzinfo=UTC)).text

    assert "Godziny: pon.-pt. 07:30-15:30 — teraz otwarte" in open_card
    assert "Hours: Mon-Fri 07:30-15:30 — closed now" in closed_card
    assert "зараз зачинено" in utc_evening  # 15:00 UTC is 16:00 in Warsaw in November


def test_round_the_clock_lines_say_so_in_words() -> None:
    line = service(hours="24/7")

    assert "Godziny: całą dobę, codziennie" in service_card(line, "pl", SUNDAY_10).text
    assert "(całą dobę, codziennie)" in service_line(line, "pl")


def test_languages_other_than_polish_are_named_in_the_persons_language() -> None:
    multilingual = service(languages=("pl", "uk", "en"))

    assert (
        "Języki: polski, ukraiński, angielski" in service_card(multilingual, "pl", TUESDAY_10).text
    )
    assert (
        "Мови: польська, українська, англійська"
        in service_card(multilingual, "uk", TUESDAY_10).text
    )
    assert "Języki" not in service_card(service(), "pl", TUESDAY_10).text


def test_age_limits_and_paid_services_are_said_in_words() -> None:
    youth = replace(service(), ages=AgeRange(15, 25), free=False)

    text = service_card(youth, "pl", TUESDAY_10).text

    assert "Dla osób w wieku 15–25 lat." in text
    assert "Usługa płatna." in text


def test_map_button_only_when_the_institution_has_coordinates() -> None:
    with_geo = service_card(service(geo=(52.1, 22.2)), "pl", TUESDAY_10)
    without = service_card(service(), "pl", TUESDAY_10)

    assert [b.token for row in with_geo.buttons for b in row] == [
        "map:mopr-zasilki",
        "wrong:mopr-zasilki",
    ]
    assert [b.label for row in with_geo.buttons for b in row] == [
        "Pokaż na mapie",
        "To się nie zgadza",
    ]
    assert [b.token for row in without.buttons for b in row] == ["wrong:mopr-zasilki"]


def test_buttons_whose_token_telegram_would_refuse_are_left_out() -> None:
    long_id = service(ident="x" * 70, geo=(52.1, 22.2))

    assert service_card(long_id, "pl", TUESDAY_10).buttons == ()


def test_venue_carries_coordinates_and_plain_address() -> None:
    place = venue(service(geo=(52.1676, 22.2901), institution_name="A & B"))

    assert place is not None
    assert (place.latitude, place.longitude, place.title) == (52.1676, 22.2901, "A & B")
    assert venue(service()) is None


def test_the_wrong_button_is_shown_only_when_every_answer_token_fits() -> None:
    longest = "x" * (64 - len("wrong::address"))

    fitting = service_card(service(ident=longest), "pl", TUESDAY_10)
    too_long = service_card(service(ident=longest + "y"), "pl", TUESDAY_10)

    assert [b.token for row in fitting.buttons for b in row] == [f"wrong:{longest}"]
    assert token_fits(report_token(longest, "address"))
    assert too_long.buttons == ()


def test_card_payload_round_trips_and_respects_telegrams_limits() -> None:
    payload = card_payload("mopr-przemoc")

    assert payload == "card_mopr-przemoc"
    assert service_of_payload(payload) == "mopr-przemoc"
    assert card_payload("x" * 59) is not None
    assert card_payload("x" * 60) is None  # 65 characters
    assert card_payload("zła-usługa") is None  # only A-Z a-z 0-9 _ - are allowed


@pytest.mark.parametrize("payload", ["", "card_", "domestic_violence", "szukaj", "card_a b"])
def test_other_payloads_are_not_cards(payload: str) -> None:
    assert service_of_payload(payload) is None


def test_map_url_points_at_the_coordinates_when_there_are_some() -> None:
    url = map_url(service(geo=(52.1676, 22.2901)))

    assert url is not None
    parts = urlsplit(url)
    assert parts.scheme == "https"
    assert parse_qs(parts.query) == {"mlat": ["52.16760"], "mlon": ["22.29010"]}


def test_map_url_searches_for_the_address_without_coordinates() -> None:
    url = map_url(service(address="ul. Piłsudskiego 1, 08-110 Siedlce & okolice"))

    assert url is not None
    assert parse_qs(urlsplit(url).query) == {
        "query": ["ul. Piłsudskiego 1, 08-110 Siedlce & okolice"]
    }
    assert " " not in url


def test_no_map_url_without_coordinates_or_address() -> None:
    assert map_url(service(address=None)) is None


def test_card_names_its_catalogue_only_when_several_are_served() -> None:
    single = service_card(service(), "pl", TUESDAY_10).text
    merged = service_card(replace(service(), origin="Katalog <Mordy>"), "pl", TUESDAY_10).text

    assert "Katalog" not in single
    assert merged.splitlines()[-1] == t("card.origin", "pl", catalog="Katalog &lt;Mordy&gt;")


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("pl", "dane sprawdzone: grudzień 2026"),
        ("uk", "дані перевірено: грудень 2026"),
        ("en", "data checked: December 2026"),
    ],
)
def test_card_says_when_its_data_was_checked_in_the_persons_language(lang: str, line: str) -> None:
    checked = replace(service(), checked=date(2026, 12, 2))

    card = service_card(checked, lang, TUESDAY_10)

    assert line in card.text
    assert "sprawdzone" not in service_card(service(), "pl", TUESDAY_10).text


def test_a_confidential_card_shows_the_phone_and_never_the_address_or_a_map() -> None:
    shelter = replace(service(geo=(52.1676, 22.2901)), confidential=True)

    card = service_card(shelter, "pl", TUESDAY_10)

    assert "+48 25 600 00 01" in card.text
    assert "Piłsudskiego" not in card.text
    assert all(button.token != f"map:{shelter.id}" for row in card.buttons for button in row)
    assert map_url(shelter) is None
    assert venue(shelter) is None
    assert not any("Piłsudskiego" in line for line in contact_lines(shelter, "pl"))


def test_a_card_with_no_contact_names_the_gmina_office_instead() -> None:
    unreachable = replace(service(address=None), contact=Contact())
    office = replace(service(institution_name="MOPR Siedlce", ident="mopr"), confidential=False)

    with_office = service_card(unreachable, "pl", TUESDAY_10, office=office).text
    without = service_card(unreachable, "pl", TUESDAY_10).text

    assert "Zapytaj w ośrodku pomocy społecznej: MOPR Siedlce +48 25 600 00 01." in with_office
    assert "Zapytaj w ośrodku pomocy społecznej swojej gminy." in without


def test_on_a_public_holiday_the_card_says_closed_for_the_holiday() -> None:
    office = service(hours="Mo-Fr 07:30-15:30; PH off")
    easter_monday = datetime(2026, 4, 6, 10, 0)

    holiday = service_card(office, "pl", easter_monday).text
    weekday = service_card(office, "pl", TUESDAY_10).text

    assert "dziś święto — zamknięte" in holiday
    assert "teraz otwarte" in weekday
