"""Posters and the printed directory: the PDF is rendered to an image (pdftoppm) and its QR
code read back, as a phone would, to the deep link that starts the bot at the poster's place."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot.cli import main
from bot.dialog import Command, Deps
from bot.handouts import Poster, find_font, poster_layout
from bot.i18n import t
from bot.render import PlaceLink, place_link_of
from bot.runtime import Runtime
from bot.settings import Settings
from catalog.handout import directory_sections, poster_services
from catalog.places_store import builtin_gazetteer
from catalog.search import SearchIndex
from catalog.taxonomy import SITUATIONS
from catalog.validation import load_sample
from tests.bot.test_dialog_fakes import Conversation
from tests.builders import contact, institution, service

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed"
)


pytestmark = pytest.mark.usefixtures("cli_home")  # its own data directory, in English


@pytest.fixture(autouse=True)
def no_bot_username(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DROGOWSKAZ_BOT_USERNAME", raising=False)


@pytest.fixture
def deps(tmp_path: Path) -> Iterator[Deps]:
    settings = Settings(data_dir=tmp_path / "runtime")
    with Runtime.open(settings) as runtime:
        yield Deps.of(runtime)


def pages(pdf: Path) -> list[Path]:
    """Every page of the PDF as a PNG image."""
    subprocess.run(  # noqa: S603 - a fixed tool on our own file
        ["pdftoppm", "-r", "110", "-png", str(pdf), str(pdf.with_suffix(""))],  # noqa: S607
        check=True,
    )
    return sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))


def text_of(pdf: Path) -> str:
    found = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return " ".join(found.stdout.split())


def text_of_lines(pdf: Path) -> list[str]:
    found = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(pdf), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return found.stdout.splitlines()


def qr_codes(page: Path) -> list[str]:
    with Image.open(page) as image:
        return [found.text for found in zxingcpp.read_barcodes(image)]


@needs_poppler
def test_poster_is_one_page_whose_qr_code_opens_the_bot_at_siedlce(
    tmp_path: Path, deps: Deps
) -> None:
    pdf = tmp_path / "p.pdf"

    code = main(["poster", "--place", "Siedlce", "--bot", "drogowskaz_bot", "--out", str(pdf)])

    assert code == 0
    (page,) = pages(pdf)
    (link,) = qr_codes(page)
    assert link == "https://t.me/drogowskaz_bot?start=p1464011"
    conversation = Conversation(deps=deps)
    conversation.send(Command("start", link.split("?start=")[1]))
    assert conversation.state.place_code == "146401"
    assert "Siedlce" in str(conversation.state.place_label)


@needs_poppler
def test_ukrainian_youth_poster_speaks_ukrainian_and_lists_the_local_youth_services(
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "youth.pdf"

    main(
        ["poster", "--place", "Siedlce", "--situation", "youth", "--lang", "uk",
         "--bot", "drogowskaz_bot", "--out", str(pdf)]
    )  # fmt: skip

    (page,) = pages(pdf)
    assert qr_codes(page) == ["https://t.me/drogowskaz_bot?start=p1464011-youth-uk"]
    text = text_of(pdf)
    assert "де шукати допомоги?" in text
    assert "Молодь" in text
    assert "OHP" in text
    assert "112" in text


@needs_poppler
def test_many_long_contacts_still_leave_the_112_line_clear(tmp_path: Path) -> None:
    services = tuple(
        service(
            f"usluga-{number}",
            name="Poradnictwo specjalistyczne, interwencja kryzysowa i wsparcie rodzin " * 2,
            institution=institution(
                f"instytucja-{number}",
                name=f"Ośrodek Interwencji Kryzysowej i Poradnictwa Rodzinnego nr {number}",
                address="ul. Bardzo Długa Nazwa Ulicy Imienia Kogoś 123/45, 08-110 Siedlce",
            ),
            contact=contact(
                phones=("+48 25 600 00 01", "+48 25 600 00 02", "+48 25 600 00 03"),
                email="sekretariat.osrodka@przyklad-dlugiej-domeny.example.org",
                website="https://www.przyklad-dlugiej-domeny.example.org/pomoc/kontakt",
                hours="Mo-Fr 07:30-15:30; Sa 09:00-13:00",
            ),
        )
        for number in range(1, 6)
    )
    poster = Poster("drogowskaz_bot", "Siedlce", PlaceLink("1464011"), services)
    pdf = tmp_path / "long.pdf"

    document, shown = poster_layout(poster, "pl", font=find_font(None))
    pdf.write_bytes(bytes(document.output()))

    assert 3 <= shown <= 5
    lines = [line.strip() for line in text_of_lines(pdf)]
    assert t("poster.emergency", "pl") in lines  # a line of its own: nothing runs into it
    assert len(pages(pdf)) == 1


def test_poster_without_a_bot_name_says_how_to_give_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["poster", "--place", "Siedlce", "--out", str(tmp_path / "p.pdf")])

    assert code == 2
    assert "DROGOWSKAZ_BOT_USERNAME" in capsys.readouterr().err
    assert not (tmp_path / "p.pdf").exists()


def test_poster_for_an_unknown_place_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "p.pdf"

    code = main(["poster", "--place", "Xyzzyville", "--bot", "b", "--out", str(pdf)])

    assert code == 1
    assert "Unknown place" in capsys.readouterr().err
    assert not pdf.exists()


def test_a_missing_configured_font_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_POSTER_FONT", str(tmp_path / "none.ttf"))

    code = main(["poster", "--place", "Siedlce", "--bot", "b", "--out", str(tmp_path / "p.pdf")])

    assert code == 2
    assert "none.ttf" in capsys.readouterr().err


def test_poster_lists_general_offices_first_and_one_service_per_institution() -> None:
    places = builtin_gazetteer()
    index = SearchIndex.of(load_sample(places))

    services = poster_services(index, "146401")

    assert services[0].id == "mopr-siedlce-pomoc-spoleczna"
    assert 3 <= len(services) <= 5
    assert len({service.institution.id for service in services}) == len(services)
    assert not any(service.nationwide for service in services)


def test_poster_for_a_situation_no_one_local_covers_lists_the_general_office() -> None:
    places = builtin_gazetteer()
    index = SearchIndex.of(load_sample(places))

    services = poster_services(index, "146401", "foreigners")

    assert services[0].id == "mopr-siedlce-pomoc-spoleczna"
    assert len(services) >= 3


def test_place_payloads_round_trip_and_reject_anything_else() -> None:
    languages = ("pl", "uk", "en")

    def read(payload: str) -> PlaceLink | None:
        return place_link_of(payload, situations=SITUATIONS, languages=languages)

    assert read("p1464011-domestic_violence-uk") == PlaceLink("1464011", "domestic_violence", "uk")
    assert read("p1464011-en") == PlaceLink("1464011", None, "en")
    assert read("p146401") is None
    assert read("p1464011-youth-youth") is None
    assert read("card_mopr") is None


def test_html_directory_has_a_page_per_situation_with_its_services(
    capsys: pytest.CaptureFixture[str],
) -> None:
    catalog = load_sample(builtin_gazetteer())

    assert main(["catalog", "export", "--format", "html"]) == 0

    page = capsys.readouterr().out
    sections = directory_sections(catalog)
    assert page.count("<section ") == len(sections)
    assert "section{break-after:page}" in page
    assert '<section id="domestic_violence">' in page
    assert "Niebieska Linia" in page
    youth = page.split('<section id="youth">')[1].split("</section>")[0]
    assert "OHP" in youth
    assert "Alzheimer" not in youth


def test_the_default_font_has_polish_and_cyrillic_letters() -> None:
    from fpdf import FPDF

    try:
        regular, _ = find_font(None)
    except RuntimeError:
        pytest.skip("DejaVu Sans is not installed (.ci/run installs fonts-dejavu-core)")
    pdf = FPDF()
    pdf.add_font("f", "", str(regular))
    pdf.set_font("f")
    pdf.add_page()

    # fpdf2 warns of every glyph the font lacks, and warnings are errors in this suite
    pdf.cell(text="Zażółć gęślą jaźń ĄĘŁŃÓŚŹŻ — Їжак і ґудзик, Єва")
    pdf.output()
