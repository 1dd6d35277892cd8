"""One reading of a message: who, age, situations, place, language and danger."""

from __future__ import annotations

import pytest

from catalog.model import Service
from catalog.places import Gazetteer
from catalog.reading import MAIN_FIRST, Need, read
from catalog.search import Query, SearchIndex
from catalog.taxonomy import SITUATIONS
from tests.builders import MORDY, POLSKA, SIEDLCE, catalog_with, crisis_line, service

MORDY_GMINA = "142605"


def reading(text: str, gazetteer: Gazetteer) -> Need:
    return read(text, gazetteer)


@pytest.mark.parametrize(
    ("text", "who", "age"),
    [
        ("mam 17 lat i szukam pracy", "me", 17),
        ("mam 19, rzuciłam szkołę", "me", 19),
        ("mam dwadzieścia lat, szukam pracy", "me", 20),
        ("siedemnastolatek szuka pracy", None, 17),
        ("praca dla 16-latka", None, 16),
        ("syn (15 lat) ćpa, co robić?", "child", 15),
        ("babcia (81 l.) potrzebuje opieki", "other", 81),
        ("Dzień dobry, piszę w imieniu taty. Ma 79 lat, po wylewie", "other", 79),
        ("mam 45 lat, syn ma 16 i pije", "child", 16),
        ("сину 15 років, він вживає наркотики", "child", 15),
        ("мені сімнадцять, шукаю роботу", "me", 17),
        ("мне 17 лет, ищу работу", "me", 17),
        ("I'm seventeen and need a job", "me", 17),
        ("My mother is 80 and needs care at home", "other", 80),
        ("mam 2 dzieci i szukam pracy", None, None),
        ("син вживає наркотики, йому 16", "child", 16),
        ("їй 80, вона хворіє", "other", 80),
        ("ему 16, пьет", "other", 16),
        ("mama lat 80, potrzebuje opieki", "other", 80),
        ("syn lat 17 szuka pracy", "child", 17),
        ("od lat 10 pije", None, None),
        ("grandma (84) lives alone", "other", 84),
        ("mama, 79, potrzebuje opiekunki", "other", 79),
        ("my mum, 79, needs a carer", "other", 79),
        ("маю 20 років, шукаю роботу", "me", 20),
        # how long, not how old
        ("jestem opiekunem prawnym wnuka, ma 12 lat", "child", 12),
        ("od 3 lat nie mam pracy", None, None),
        ("mąż od 10 lat pije", None, None),
        ("pracowałem przez 20 lat i mnie zwolnili", "me", None),
        ("straciłem mieszkanie 2 lata temu", None, None),
        ("I've been unemployed for 3 years", None, None),
        ("mieszkam tu 40 lat i nie mam pieniędzy", None, None),
        ("I've lived here 20 years", None, None),
        ("mam 40 lat, mieszkam tu od zawsze", "me", 40),
    ],
)
def test_who_and_the_age_of_the_person_who_needs_help_are_read(
    text: str, who: str | None, age: int | None, builtin_gazetteer: Gazetteer
) -> None:
    need = reading(text, builtin_gazetteer)

    assert (need.who, need.age) == (who, age)


def test_an_age_no_person_has_is_flagged_not_used(builtin_gazetteer: Gazetteer) -> None:
    need = read("150", builtin_gazetteer, expecting="age")

    assert need.age is None
    assert need.age_out_of_range


def test_a_bare_number_is_an_age_only_where_an_age_is_asked(builtin_gazetteer: Gazetteer) -> None:
    assert read("19", builtin_gazetteer, expecting="age").age == 19
    assert read("19", builtin_gazetteer, expecting="situation").age is None


@pytest.mark.parametrize(
    "text",
    [
        "mąż mnie bije",
        "my husband hits me",
        "чоловік мене б'є",
        "żona pije",
        "jestem w żałobie po mężu",
        "boję się o partnerkę",
        "муж пьёт и бьёт",
    ],
)
def test_a_spouse_makes_the_writer_an_adult(text: str, builtin_gazetteer: Gazetteer) -> None:
    need = reading(text, builtin_gazetteer)

    assert need.adult
    assert need.age is None


def test_the_main_situation_comes_before_context_ones(builtin_gazetteer: Gazetteer) -> None:
    need = reading("wyszedłem z więzienia, nie mam pracy", builtin_gazetteer)

    assert need.main == "after_prison"
    assert dict(need.situations)["unemployment"] < 1.0


@pytest.mark.parametrize(
    ("text", "main"),
    [
        ("jestem emerytką, nie starcza mi na leki", "poverty"),
        ("koło Inowłodza, nie starcza na opał, jestem emerytem", "poverty"),
        ("я пенсіонерка, немає грошей на їжу", "poverty"),
        ("I'm retired and I have no money for food", "poverty"),
        ("żona jest uzależniona od leków", "addiction"),
        ("jestem na zwolnieniu warunkowym, szukam pracy", "after_prison"),
        # how it feels comes after the trouble it is about
        ("mam raka i nie mam siły", "illness"),
        ("stracilem prace i jestem w stresie", "unemployment"),
        ("mam dość, mąż pije", "addiction"),
        ("I live alone and have no money", "poverty"),
        ("I'm stressed, I lost my job", "unemployment"),
        ("потеряла работу, очень тяжело, нет сил", "unemployment"),
        ("не справляюся, немає грошей на їжу", "poverty"),
        ("chce isc na terapie bo pije za duzo", "addiction"),  # therapy is help, not trouble
        ("я вийшов з в'язниці, шукаю роботу", "after_prison"),
        ("дочці 14, її булять у школі", "mental_health"),
        ("mąż zmarł miesiąc temu, nie mogę się pozbierać", "mental_health"),
        ("zona odeszla, zostalem z dwojka malych dzieci i nie daje rady", "family"),
        ("chciałabym zrobić kurs opiekunki osób starszych, jestem bezrobotna", "education"),
        ("jestem po rozwodzie, nie mam za co wynająć mieszkania", "housing"),
        ("my neighbour is 90 and nobody takes care of her", "elderly_care"),
        ("pisze w imieniu sasiadki, ma 78 lat i nikt sie nia nie opiekuje", "elderly_care"),
        ("córka 8 lat, jest bita w szkole przez kolegów", "mental_health"),
        ("tata po upadku, złamał biodro", "illness"),
        # a child named beside the trouble is who it is for, not the trouble
        ("нам нічого їсти, троє дітей", "poverty"),
        ("нечего есть, трое детей", "poverty"),
        ("I have no money for food for my kids", "poverty"),
        ("my husband is controlling and takes all my money", "domestic_violence"),
        ("my sister is 15 and her boyfriend hits her", "domestic_violence"),
        ("jestem opiekunem prawnym wnuka, ma 12 lat", "family"),  # a guardian, not a carer
        ("I'm a carer for my disabled son", "disability"),  # a carer for whom says what
        ("opiekunka dla niepełnosprawnego syna", "disability"),
        ("мені 16 і мене вигнали з дому", "homelessness"),
        ("my daughter is 16 and ran away from home", "family"),
        ("як отримати 800 плюс", "family"),
        ("I need a social worker", "poverty"),
        ("нужна помощь с жильем", "housing"),
        # and alone it is the trouble
        ("nie mam już siły", "mental_health"),
        ("I can't cope anymore", "mental_health"),
        ("не справляюся", "mental_health"),
    ],
)
def test_the_main_situation_is_what_the_person_asks_for(
    text: str, main: str, builtin_gazetteer: Gazetteer
) -> None:
    assert reading(text, builtin_gazetteer).main == main


def test_an_old_person_who_cannot_cope_needs_care_first(builtin_gazetteer: Gazetteer) -> None:
    need = reading("tata ma 79 lat, po wylewie, nie daje rady sam w domu", builtin_gazetteer)

    assert need.main == "elderly_care"


@pytest.mark.parametrize(
    "text",
    [
        "gdyby mnie nie było, wszystkim byłoby lepiej",
        "nie widzę sensu życia",
        "lepiej beze mnie",
        "якби мене не було",
        "всем будет лучше без меня",
        "everyone would be better off without me",
        "nie mam po co żyć",
        "nie mam dla kogo żyć",
        "нема для чого жити",
        "незачем жить",
        "I have nothing to live for",
        "my kid wants to kill himself, he is 14",
        "my daughter is cutting herself",
        "син не хоче жити",
        "дочь хочет умереть",
    ],
)
def test_passive_wording_of_suicide_is_danger(text: str, builtin_gazetteer: Gazetteer) -> None:
    assert reading(text, builtin_gazetteer).danger


@pytest.mark.parametrize(
    "text",
    [
        "ta praca mnie zabija",
        "umieram ze śmiechu",
        "zabiłbym za kawę",
        "this job is killing me",
        "ця робота мене вбиває",
    ],
)
def test_idioms_are_not_danger(text: str, builtin_gazetteer: Gazetteer) -> None:
    assert not reading(text, builtin_gazetteer).danger


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("szukam pracy w Siedlcach", "pl"),
        ("stracilem prace", "pl"),
        ("Я з України, живу в Седльцях, шукаю роботу", "uk"),
        ("мне 17 лет, ищу работу", "ru"),
        ("I lost my flat and have nowhere to sleep", "en"),
        ("ok", None),
    ],
)
def test_the_language_of_the_text_is_read(
    text: str, language: str | None, builtin_gazetteer: Gazetteer
) -> None:
    assert reading(text, builtin_gazetteer).language == language


def test_russian_is_answered_in_ukrainian(builtin_gazetteer: Gazetteer) -> None:
    need = reading("мне нужна помощь, ищу работу", builtin_gazetteer)

    assert need.language == "ru"
    assert need.reply_language == "uk"


def test_names_and_streets_are_no_places(builtin_gazetteer: Gazetteer) -> None:
    need = reading(
        "Nazywam się Anna Nowak, mieszkam na ul. Św. Antoniego w Siedlcach, nie mam na jedzenie",
        builtin_gazetteer,
    )

    assert need.place is not None
    assert need.place.gmina is not None
    assert need.place.gmina.name == "Siedlce"
    assert "Nowak" not in need.text
    assert "Antoniego" not in need.text


@pytest.mark.parametrize(
    "introduction", ["Nazywam się", "Na imię mam", "Moje imię to", "My name is"]
)
def test_an_introduced_name_is_no_place_and_is_not_kept(
    introduction: str, builtin_gazetteer: Gazetteer
) -> None:
    need = reading(f"{introduction} Anna Nowak, nie mam na jedzenie, Siedlce", builtin_gazetteer)

    assert need.place is not None
    assert need.place.gmina is not None
    assert need.place.gmina.name == "Siedlce"
    assert "Nowak" not in need.text


@pytest.mark.fulldata
def test_an_inflected_gmina_seat_beats_a_village_of_that_spelling(
    full_gazetteer: Gazetteer,
) -> None:
    need = reading("mam 17 lat, jestem z Miechowa, rzuciłem szkołę", full_gazetteer)

    assert need.place is not None
    assert need.place.gmina is not None
    assert need.place.gmina.name == "Miechów"


@pytest.mark.fulldata
def test_same_name_places_the_catalogue_serves_are_preferred(full_gazetteer: Gazetteer) -> None:
    tomaszowski = "1016"

    need = read("Tomaszów, szukam pracy", full_gazetteer, served=lambda g: g[:4] == tomaszowski)

    assert need.place is not None
    assert need.place.gmina is not None
    assert need.place.gmina.name == "Tomaszów Mazowiecki"


@pytest.mark.fulldata
def test_a_place_near_another_means_within_it(full_gazetteer: Gazetteer) -> None:
    need = reading("Ujazd koło Tomaszowa, szukam pracy", full_gazetteer)

    assert need.place is not None
    assert need.place.gmina is not None
    assert need.place.gmina.wojewodztwo == "łódzkie"
    assert "Tomaszowa" not in need.text


# ----------------------------------------------------------------------------- safe ranking


def violence_lines() -> list[Service]:
    return [
        crisis_line("niebieska-linia", situations=["domestic_violence"]),
        crisis_line("116-111", situations=["youth", "domestic_violence"], ages="-18"),
        crisis_line("800-12-12-12", situations=["youth", "family", "domestic_violence"]),
    ]


def test_an_adult_facing_violence_gets_a_24h_line_in_the_top_three_and_no_childrens_line() -> None:
    index = SearchIndex(
        catalog_with(
            *violence_lines(),
            service("mops-przemoc", situations=["domestic_violence"], areas=[MORDY]),
            service("mops-rodzina", situations=["family", "domestic_violence"], areas=[MORDY]),
            service("pcpr", situations=["domestic_violence", "family"], areas=[MORDY]),
        )
    )

    query = Query(text="mąż mnie bije", gmina=MORDY_GMINA, adult=True, main="domestic_violence")
    ids = [match.service.id for match in index.search(query).matches]

    assert "niebieska-linia" in ids[:3]
    assert ids[0] != "niebieska-linia"  # the local service stays first
    assert "116-111" not in ids
    assert "800-12-12-12" not in ids


def test_a_child_at_risk_gets_a_childrens_line_in_the_top_three() -> None:
    index = SearchIndex(
        catalog_with(
            *violence_lines(),
            service("mops-przemoc", situations=["domestic_violence"], areas=[MORDY]),
            service("pcpr", situations=["domestic_violence", "family"], areas=[MORDY]),
            service("oik", situations=["domestic_violence"], areas=[MORDY]),
        )
    )

    query = Query(text="ojciec mnie bije", gmina=MORDY_GMINA, age=14, main="domestic_violence")
    ids = [match.service.id for match in index.search(query).matches]

    assert {"116-111", "800-12-12-12"} & set(ids[:3])


def test_nothing_local_for_the_situation_gives_the_gmina_office_first() -> None:
    index = SearchIndex(
        catalog_with(
            service("gops-mordy", situations=["poverty", "family"], areas=[MORDY]),
            service("mopr-siedlce", situations=["poverty"], areas=[SIEDLCE]),
            crisis_line("987", situations=["homelessness"]),
        )
    )

    result = index.search(Query(text="nie mam gdzie spać", gmina=MORDY_GMINA))

    assert [match.service.id for match in result.matches] == ["gops-mordy", "987"]
    assert result.fallback
    assert result.covered


def test_a_place_outside_the_catalogue_is_not_covered() -> None:
    index = SearchIndex(
        catalog_with(
            service("gops-mordy", situations=["poverty"], areas=[MORDY]),
            service("line", situations=["poverty"], areas=[POLSKA]),
        )
    )

    result = index.search(Query(text="bieda", gmina="126101"))  # Kraków

    assert not result.covered
    assert not result.fallback
    assert [match.service.id for match in result.matches] == ["line"]


@pytest.mark.fulldata
def test_same_name_places_served_at_any_level_are_asked_about_not_guessed(
    full_gazetteer: Gazetteer,
) -> None:
    def served(gmina: str) -> int:  # powiat siedlecki, and all of mazowieckie less locally
        return 2 if gmina.startswith("1426") else 1 if gmina.startswith("14") else 0

    need = read("Modrzew", full_gazetteer, expecting="place", served=served)

    assert need.place is not None
    assert need.place.gmina is None
    codes = {unit.code for unit in need.place.candidates}
    assert {"140405", "142613"} <= codes  # garwoliński and siedlecki
    assert all(code.startswith("14") for code in codes)  # not the one in łódzkie


def test_every_situation_has_its_place_in_the_order_of_main_situations() -> None:
    assert sorted(MAIN_FIRST) == sorted(SITUATIONS)


@pytest.mark.parametrize("text", ["mąż pije", "żona pije, mam dość", "my husband drinks"])
def test_a_spouse_who_drinks_is_not_a_parenting_matter(
    text: str, builtin_gazetteer: Gazetteer
) -> None:
    catalog = catalog_with(
        service("parents-line", name="Telefon dla rodziców", situations=("addiction", "family")),
        service("clinic", name="Poradnia", situations=("addiction",)),
    )
    need = reading(text, builtin_gazetteer)

    found = SearchIndex.of(catalog).search(need.query(gmina=SIEDLCE.code))

    assert found.matches[0].service.id == "clinic"
