"""Questions written like the evaluation set's but not in it (pl/uk/en, colloquial, typos):
each finds an expected service of ../shared/eval/catalog.yaml in its top three, as written and
without diacritics. Places resolve with the built-in gazetteer.
"""

from __future__ import annotations

import pytest

from catalog.places import Gazetteer
from catalog.search import Query, SearchIndex
from catalog.text import fold
from catalog.validation import check
from tests.conftest import SHARED

EVAL_CATALOG = SHARED / "eval" / "catalog.yaml"

QUESTIONS = [
    (
        "zwolnili mnie z pracy i nie mam za co żyć",
        "Siedlce",
        45,
        ("mopr-s-zasilki", "pup-s-praca"),
    ),
    ("szukam roboty", "Mordy", 33, ("pup-s-praca",)),
    ("jestem bezrobotny", "Sokoły", 50, ("pup-wm-praca", "gops-sokoly-zasilki")),
    ("gdzie sie zarejestrowac jako bezrobotny", "Siedlce", 28, ("pup-s-praca",)),
    ("urzad pracy", "Wysokie Mazowieckie", 40, ("pup-wm-praca",)),
    ("maz mnie bije", "Mordy", 35, ("niebieska-linia-tel",)),
    (
        "partner mnie wyzywa i szarpie",
        "Siedlce",
        29,
        ("mopr-s-przemoc", "mopr-s-oik", "niebieska-linia-tel"),
    ),
    (
        "ojciec pije i robi awantury",
        "Siedlce",
        16,
        ("szansa-s-uzaleznienia", "mopr-s-przemoc", "mopr-s-oik", "tel-116111-tel"),
    ),
    ("syn ćpa", "Mordy", 50, ("szansa-s-uzaleznienia",)),
    ("alkoholizm", "gmina Siedlce", 40, ("szansa-s-uzaleznienia",)),
    ("uzależnienie od hazardu", "Siedlce", 30, ("szansa-s-uzaleznienia",)),
    (
        "mama ma demencje i nie radzi sobie sama",
        "Siedlce",
        55,
        ("alzheimer-s-wsparcie", "mopr-s-opieka"),
    ),
    ("opieka dla babci", "Mordy", 60, ("gops-mordy-opieka",)),
    ("potrzebuję opiekunki dla taty", "Siedlce", 50, ("mopr-s-opieka",)),
    ("nie mamy co jesc", "Mordy", 35, ("gops-mordy-zasilki", "caritas-s-pomoc")),
    ("paczki żywnościowe", "Siedlce", 60, ("caritas-s-pomoc",)),
    ("potrzebuje ubrań dla dzieci", "Siedlce", 30, ("caritas-s-pomoc",)),
    ("zasiłek celowy", "Siedlce", 40, ("mopr-s-zasilki",)),
    ("pieniądze na leki", "Nowe Piekuty", 70, ("gops-np-zasilki",)),
    ("wozek inwalidzki", "Mordy", 60, ("pcpr-s-pfron",)),
    ("turnus rehabilitacyjny", "gmina Siedlce", 50, ("pcpr-s-pfron",)),
    ("syn niepełnosprawny", "Sokoły", 45, ("pcpr-wm-rodzina",)),
    ("chce zostac rodzina zastepcza", "Mordy", 38, ("pcpr-s-piecza",)),
    ("wychowanek domu dziecka usamodzielnienie", "Mordy", 18, ("pcpr-s-piecza",)),
    ("skończyłem 18 lat i wychodzę z bidula", "Sokoły", 18, ("pcpr-wm-rodzina",)),
    ("po wyjściu z więzienia", "Siedlce", 40, ("cis-s-reintegracja",)),
    ("siedziałem w więzieniu, szukam pracy", "Siedlce", 33, ("cis-s-reintegracja",)),
    ("nie mam gdzie spać", "Siedlce", 50, ("caritas-s-pomoc", "cis-s-reintegracja", "mopr-s-oik")),
    (
        "wyrzucili mnie z domu",
        "Siedlce",
        24,
        ("caritas-s-pomoc", "cis-s-reintegracja", "mopr-s-oik"),
    ),
    ("dodatek mieszkaniowy", "Siedlce", 66, ("mopr-s-dodatek",)),
    ("zaległości w czynszu", "Siedlce", 40, ("mopr-s-dodatek",)),
    ("nie stać mnie na opłaty za mieszkanie", "Siedlce", 70, ("mopr-s-dodatek",)),
    ("jestem samotna i smutna", "Siedlce", 40, ("tel-116123-tel", "mopr-s-oik")),
    ("depresja", "Sokoły", 30, ("tel-116123-tel",)),
    ("potrzebuję psychologa", "Siedlce", 35, ("mopr-s-oik",)),
    ("w szkole mi dokuczają", "Siedlce", 13, ("tel-116111-tel",)),
    ("rodzice się kłócą, nie mogę wytrzymać", "Mordy", 15, ("tel-116111-tel",)),
    ("praca dla ucznia", "Siedlce", 16, ("ohp-s-mlodziez",)),
    ("chcę zdobyć zawód", "Mordy", 17, ("ohp-s-mlodziez",)),
    ("staż", "Siedlce", 24, ("pup-s-szkolenia",)),
    ("szkolenia dla bezrobotnych", "Siedlce", 35, ("pup-s-szkolenia",)),
    ("kurs na wózek widłowy", "Mordy", 30, ("pup-s-szkolenia", "pup-s-praca")),
    ("asystent rodziny", "Siedlce", 28, ("mopr-s-asystent",)),
    ("nie radze sobie z dziecmi", "Siedlce", 33, ("mopr-s-asystent",)),
    ("pożar mieszkania", "Sokoły", 50, ("pcpr-wm-rodzina",)),
    ("spalił nam się dom", "Siedlce", 45, ("mopr-s-oik",)),
    ("I lost my job", "Siedlce", 30, ("pup-s-praca", "mopr-s-zasilki")),
    ("my husband hits me", "Siedlce", 30, ("mopr-s-przemoc", "niebieska-linia-tel", "mopr-s-oik")),
    ("no money for food", "Mordy", 40, ("gops-mordy-zasilki", "caritas-s-pomoc")),
    ("my mother has alzheimer's", "Siedlce", 50, ("alzheimer-s-wsparcie",)),
    ("wheelchair", "Mordy", 70, ("pcpr-s-pfron",)),
    ("втратив роботу", "Siedlce", 35, ("pup-s-praca",)),
    ("чоловік б'є мене", "Siedlce", 30, ("mopr-s-przemoc", "niebieska-linia-tel", "mopr-s-oik")),
    ("немає грошей на їжу", "Siedlce", 40, ("caritas-s-pomoc", "mopr-s-zasilki")),
    ("потрібен психолог", "Siedlce", 30, ("mopr-s-oik", "tel-116123-tel")),
    ("PUP", "Siedlce", 30, ("pup-s-praca", "pup-s-szkolenia")),
    ("OHP", "Mordy", 17, ("ohp-s-mlodziez",)),
    ("caritas", "Mordy", 50, ("caritas-s-pomoc",)),
    ("mops", "Siedlce", 40, ("mopr-s-zasilki",)),
    ("bezdomnosc", "Siedlce", 60, ("caritas-s-pomoc", "cis-s-reintegracja")),
    ("kryzys", "Siedlce", 40, ("mopr-s-oik",)),
    ("hostel dla ofiar przemocy", "Siedlce", 30, ("mopr-s-oik",)),
    ("Alzheimer", "Mordy", 50, ("alzheimer-s-wsparcie",)),
    (
        "nie mam pracy a mam dzieci na utrzymaniu",
        "Nowe Piekuty",
        35,
        ("gops-np-zasilki", "pup-wm-praca"),
    ),
    ("córka jest w depresji", "Siedlce", 16, ("tel-116111-tel", "mopr-s-oik")),
    ("brat pije", "Sokoły", 30, ("gops-sokoly-zasilki", "pcpr-wm-rodzina")),
    (
        "dzien dobry, moj maz od lat pije i mnie poniza, co mam zrobic",
        "Siedlce",
        52,
        ("mopr-s-przemoc", "mopr-s-oik", "niebieska-linia-tel", "szansa-s-uzaleznienia"),
    ),
    ("alkocholik w rodzinie", "Siedlce", 40, ("szansa-s-uzaleznienia",)),
    ("narkomania", "Mordy", 45, ("szansa-s-uzaleznienia",)),
    ("corka bierze dopalacze", "Siedlce", 44, ("szansa-s-uzaleznienia",)),
    (
        "przemos domowa",
        "Sokoły",
        30,
        ("gops-sokoly-zasilki", "pcpr-wm-rodzina", "niebieska-linia-tel"),
    ),
    (
        "niebieska karta",
        "Nowe Piekuty",
        30,
        ("gops-np-zasilki", "pcpr-wm-rodzina", "niebieska-linia-tel"),
    ),
    (
        "boje sie wrocic do domu bo partner jest agresywny",
        "Siedlce",
        27,
        ("mopr-s-przemoc", "mopr-s-oik", "niebieska-linia-tel"),
    ),
    ("potrzebuje pracy pilnie", "Sokoły", 33, ("pup-wm-praca",)),
    ("jakas praca dorywcza", "Siedlce", 19, ("ohp-s-mlodziez", "pup-s-praca")),
    ("mam 17 lat i chce pracowac", "Mordy", 17, ("ohp-s-mlodziez",)),
    ("pracy szukam", "Wysokie Mazowieckie", 44, ("pup-wm-praca",)),
    ("zasiłek dla bezrobotnych", "Mordy", 40, ("pup-s-praca",)),
    (
        "brak pieniedzy na jedzenie i rachunki",
        "gmina Siedlce",
        58,
        ("gops-s-zasilki", "caritas-s-pomoc"),
    ),
    (
        "emerytura nie starcza",
        "Siedlce",
        75,
        ("mopr-s-zasilki", "caritas-s-pomoc", "mopr-s-dodatek"),
    ),
    ("bank żywności", "Mordy", 50, ("caritas-s-pomoc", "gops-mordy-zasilki")),
    ("tata po udarze lezy w domu", "Siedlce", 48, ("mopr-s-opieka",)),
    (
        "babcia ma alzheimera kto pomoze",
        "Mordy",
        30,
        ("alzheimer-s-wsparcie", "gops-mordy-opieka"),
    ),
    ("usługi opiekuńcze", "Mordy", 80, ("gops-mordy-opieka",)),
    ("orzeczenie o niepelnosprawnosci dofinansowanie", "Mordy", 40, ("pcpr-s-pfron",)),
    ("pfron", "gmina Siedlce", 40, ("pcpr-s-pfron",)),
    ("dziecko autystyczne", "Sokoły", 8, ("pcpr-wm-rodzina",)),
    ("bede rodzina zastepcza dla wnuka", "Mordy", 60, ("pcpr-s-piecza",)),
    ("wyszłam z placówki opiekuńczej", "Mordy", 19, ("pcpr-s-piecza",)),
    ("wyszedlem z zakladu karnego", "Siedlce", 41, ("cis-s-reintegracja",)),
    ("po odsiadce szukam roboty", "Siedlce", 37, ("cis-s-reintegracja", "pup-s-praca")),
    ("mieszkam na ulicy", "Siedlce", 58, ("caritas-s-pomoc", "cis-s-reintegracja")),
    ("noclegownia", "Siedlce", 60, ("caritas-s-pomoc", "cis-s-reintegracja", "mopr-s-oik")),
    ("czynsz za wysoki", "Siedlce", 62, ("mopr-s-dodatek",)),
    ("dofinansowanie do czynszu", "Siedlce", 50, ("mopr-s-dodatek",)),
    ("nie mam z kim porozmawiac", "Siedlce", 70, ("tel-116123-tel", "mopr-s-oik")),
    ("jest mi bardzo zle psychicznie", "Sokoły", 25, ("tel-116123-tel",)),
    ("nikt mnie nie rozumie", "Mordy", 15, ("tel-116111-tel",)),
    ("kurs zawodowy dla bezrobotnych", "Siedlce", 30, ("pup-s-szkolenia",)),
    ("przekwalifikowanie", "Wysokie Mazowieckie", 45, ("pup-wm-praca",)),
    ("szkolenie", "Mordy", 30, ("pup-s-szkolenia",)),
    ("pomoc w wychowaniu dzieci", "Siedlce", 30, ("mopr-s-asystent",)),
    ("samotna matka trojki dzieci", "Siedlce", 30, ("mopr-s-asystent", "mopr-s-zasilki")),
    ("powódź zalała dom", "Nowe Piekuty", 50, ("pcpr-wm-rodzina",)),
    ("my dad drinks too much", "Siedlce", 30, ("szansa-s-uzaleznienia",)),
    ("homeless", "Siedlce", 40, ("caritas-s-pomoc", "cis-s-reintegracja")),
    ("I need help with rent", "Siedlce", 40, ("mopr-s-dodatek",)),
    ("I feel lonely and depressed", "Siedlce", 40, ("tel-116123-tel", "mopr-s-oik")),
    ("job for teenager", "Mordy", 16, ("ohp-s-mlodziez",)),
    ("шукаю роботу для сина", "Siedlce", 17, ("ohp-s-mlodziez",)),
    ("мама хворіє на деменцію", "Siedlce", 50, ("alzheimer-s-wsparcie", "mopr-s-opieka")),
    ("нема де жити", "Siedlce", 30, ("caritas-s-pomoc", "cis-s-reintegracja")),
    ("чоловік п'є", "Siedlce", 40, ("szansa-s-uzaleznienia",)),
    ("курси польської мови", "Siedlce", 30, ("pup-s-szkolenia",)),
    ("ищу работу", "Siedlce", 30, ("pup-s-praca",)),
    ("zasilek rodzinny", "Sokoły", 30, ("gops-sokoly-zasilki",)),
    ("500 plus", "Sokoły", 30, ("gops-sokoly-zasilki",)),
    ("pomoc spoleczna", "Mordy", 40, ("gops-mordy-zasilki",)),
    ("gops", "Sokoły", 40, ("gops-sokoly-zasilki",)),
    ("hazard syn przegrał wszystko", "Mordy", 50, ("szansa-s-uzaleznienia",)),
    (
        "MĄŻ MNIE BIJE POMOCY",
        "Siedlce",
        30,
        ("niebieska-linia-tel", "mopr-s-przemoc", "mopr-s-oik"),
    ),
    ("nie mam pieniędzy na czynsz 😢", "Siedlce", 40, ("mopr-s-dodatek", "mopr-s-zasilki")),
    ("szukam mieszkania", "Siedlce", 30, ("mopr-s-dodatek",)),
    ("syn 16 lat szuka pracy na wakacje", "Mordy", 16, ("ohp-s-mlodziez",)),
    ("teściowa ma alzheimera", "Siedlce", 45, ("alzheimer-s-wsparcie",)),
    ("przemoc psychiczna", "Siedlce", 35, ("mopr-s-przemoc", "mopr-s-oik", "niebieska-linia-tel")),
    (
        "jestem w ciąży i nie mam gdzie mieszkać",
        "Siedlce",
        22,
        ("caritas-s-pomoc", "mopr-s-oik", "cis-s-reintegracja"),
    ),
    ("potrzebuję jedzenia", "Sokoły", 40, ("gops-sokoly-zasilki",)),
    ("glodny jestem", "Siedlce", 50, ("caritas-s-pomoc", "mopr-s-zasilki")),
    ("praca", "Siedlce", 30, ("pup-s-praca",)),
    ("robota", "Mordy", 30, ("pup-s-praca",)),
    ("uzależniony od alkoholu", "Siedlce", 45, ("szansa-s-uzaleznienia",)),
    ("AA", "Siedlce", 45, ("szansa-s-uzaleznienia",)),
    ("mam długi i komornika", "Siedlce", 45, ("mopr-s-zasilki",)),
    ("chcę się nauczyć zawodu", "Siedlce", 19, ("ohp-s-mlodziez", "pup-s-szkolenia")),
    ("opiekun osoby niepełnosprawnej", "Mordy", 50, ("pcpr-s-pfron",)),
    ("zwolnienie z pracy", "Nowe Piekuty", 50, ("pup-wm-praca", "gops-np-zasilki")),
    ("ucieczka przed przemocą schronienie", "Siedlce", 30, ("mopr-s-oik",)),
    ("psycholog dla dziecka", "Siedlce", 10, ("tel-116111-tel", "mopr-s-oik")),
    ("kurs", "Sokoły", 30, ("pup-wm-praca",)),
    ("zasilek okresowy", "Mordy", 40, ("gops-mordy-zasilki",)),
    ("ojciec ma demencje a ja pracuje", "gmina Siedlce", 45, ("alzheimer-s-wsparcie",)),
    ("Wózek dla mamy po amputacji", "Mordy", 70, ("pcpr-s-pfron",)),
    ("dom dziecka", "Mordy", 18, ("pcpr-s-piecza",)),
    ("потрібна робота", "Mordy", 35, ("pup-s-praca",)),
    ("немає роботи", "Siedlce", 35, ("pup-s-praca", "mopr-s-zasilki")),
    (
        "мій чоловік п'є і б'є мене",
        "Siedlce",
        35,
        ("mopr-s-przemoc", "mopr-s-oik", "niebieska-linia-tel", "szansa-s-uzaleznienia"),
    ),
    ("мамі потрібен догляд", "Mordy", 40, ("gops-mordy-opieka", "alzheimer-s-wsparcie")),
    ("інвалідний візок", "Mordy", 60, ("pcpr-s-pfron",)),
    ("син вживає наркотики", "Siedlce", 45, ("szansa-s-uzaleznienia",)),
    ("мені сумно і самотньо", "Siedlce", 30, ("tel-116123-tel", "mopr-s-oik")),
    ("вийшов з в'язниці", "Siedlce", 30, ("cis-s-reintegracja",)),
    ("житлова допомога оплата квартири", "Siedlce", 60, ("mopr-s-dodatek",)),
    ("shukayu robotu", "Siedlce", 30, ("pup-s-praca",)),
    ("I can't pay my rent", "Siedlce", 30, ("mopr-s-dodatek",)),
    ("my son uses drugs", "Mordy", 45, ("szansa-s-uzaleznienia",)),
    ("looking for work", "Sokoły", 30, ("pup-wm-praca",)),
    ("free food", "Siedlce", 30, ("caritas-s-pomoc",)),
    ("I'm homeless", "Siedlce", 30, ("caritas-s-pomoc", "cis-s-reintegracja")),
    (
        "domestic abuse",
        "Sokoły",
        30,
        ("gops-sokoly-zasilki", "pcpr-wm-rodzina", "niebieska-linia-tel"),
    ),
    ("summer job", "Siedlce", 17, ("ohp-s-mlodziez",)),
    ("my grandmother has dementia", "Mordy", 30, ("alzheimer-s-wsparcie", "gops-mordy-opieka")),
    ("just got out of prison", "Siedlce", 30, ("cis-s-reintegracja",)),
]


@pytest.fixture(scope="module")
def index(builtin_gazetteer: Gazetteer) -> SearchIndex:
    if not EVAL_CATALOG.is_file():
        pytest.skip("the evaluation catalogue in ../shared/eval is absent")
    report = check(EVAL_CATALOG.read_bytes(), filename="catalog.yaml", places=builtin_gazetteer)
    assert report.catalog is not None
    return SearchIndex(report.catalog)


def top_three(index: SearchIndex, places: Gazetteer, text: str, place: str, age: int) -> list[str]:
    gmina = places.find(place).gmina
    assert gmina is not None
    result = index.search(Query(text=text, age=age, gmina=gmina.code), limit=3)
    return [match.service.id for match in result.matches]


@pytest.mark.parametrize(("text", "place", "age", "expect"), QUESTIONS)
def test_question_finds_an_expected_service_in_the_top_three(
    index: SearchIndex,
    builtin_gazetteer: Gazetteer,
    text: str,
    place: str,
    age: int,
    expect: tuple[str, ...],
) -> None:
    found = top_three(index, builtin_gazetteer, text, place, age)

    assert set(found) & set(expect), found


@pytest.mark.parametrize(("text", "place", "age", "expect"), QUESTIONS)
def test_question_without_diacritics_finds_the_same(
    index: SearchIndex,
    builtin_gazetteer: Gazetteer,
    text: str,
    place: str,
    age: int,
    expect: tuple[str, ...],
) -> None:
    found = top_three(index, builtin_gazetteer, fold(text), fold(place), age)

    assert set(found) & set(expect), found
