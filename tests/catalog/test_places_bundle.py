"""The places bundled with the package: every place in Poland without an import, derived by
the project's own importer from the official files (`drogowskaz places build-bundle`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.cli import main
from catalog.places import Gazetteer, PlaceData
from catalog.places_import import read_places
from catalog.places_store import read_bundle
from tests.conftest import GEONAMES_CITIES, GEONAMES_POSTAL, SIMC, TERC, official_files_present

official_files = pytest.mark.skipif(
    not official_files_present(), reason="the official place files (../shared/data) are absent"
)


def _without_info(data: PlaceData) -> PlaceData:
    return dataclasses.replace(data, info=())


def test_the_bundle_holds_every_unit_and_locality_of_poland() -> None:
    data = read_bundle()

    levels = [len(unit.teryt) for unit in data.units]
    assert levels.count(2) == 16
    assert levels.count(4) == 380
    assert levels.count(7) == 2479
    assert len(data.localities) > 50_000
    assert len(data.postal) > 20_000
    assert len(data.points) > 5_000
    assert dict(data.info)["source"] == "builtin"


@pytest.mark.parametrize(
    ("written", "teryt"),
    [
        ("Warszawa", "1465011"),
        ("Kraków", "1261011"),
        ("Mińsk Mazowiecki", "1412011"),
        ("w Łosicach", "1410023"),
        ("08-110", "1464011"),
        ("Мехув", "1208053"),
    ],
)
def test_a_fresh_install_resolves_any_polish_place(
    builtin_gazetteer: Gazetteer, written: str, teryt: str
) -> None:
    answer = builtin_gazetteer.find(written)

    assert answer.gmina is not None
    assert answer.gmina.teryt == teryt


def test_a_name_of_hundreds_of_villages_gives_candidates(builtin_gazetteer: Gazetteer) -> None:
    answer = builtin_gazetteer.find("Nowa Wieś")

    assert answer.gmina is None
    assert len(answer.candidates) > 1
    assert set(answer.candidate_localities) == {"Nowa Wieś"}


def test_the_voivodeship_is_understood_as_the_voivodeship(builtin_gazetteer: Gazetteer) -> None:
    reference = builtin_gazetteer.reference("województwo mazowieckie")
    answer = builtin_gazetteer.find("województwo mazowieckie")

    assert reference.code == "14"
    assert answer.candidates
    assert {unit.wojewodztwo for unit in answer.candidates} == {"mazowieckie"}
    assert "Warszawa" in {unit.name for unit in answer.candidates}


@official_files
def test_the_bundle_is_what_the_importer_reads_from_the_official_files() -> None:
    imported, _summary = read_places(
        TERC, simc=SIMC, geonames_postal=GEONAMES_POSTAL, geonames_cities=GEONAMES_CITIES
    )

    assert _without_info(read_bundle()) == _without_info(imported)


@official_files
def test_build_bundle_writes_a_file_the_gazetteer_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "poland.json.xz"
    files = ["--terc", str(TERC), "--simc", str(SIMC)]
    files += ["--geonames-postal", str(GEONAMES_POSTAL), "--geonames-cities", str(GEONAMES_CITIES)]

    code = main(["places", "build-bundle", *files, "--output", str(target)])

    assert code == 0
    assert target.stat().st_size < 2_000_000  # a few MB at most
    assert "GUS, TERYT" in capsys.readouterr().out
    assert target.read_bytes()[:6] == b"\xfd7zXZ\x00"


def test_build_bundle_refuses_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "poland.json.xz"

    code = main(
        ["places", "build-bundle", "--terc", str(tmp_path / "no.xml"), "--output", str(target)]
    )

    assert code == 1
    assert not target.exists()
    assert "no.xml" in capsys.readouterr().err


def test_a_surname_like_a_village_gives_way_to_the_place_named_later(
    builtin_gazetteer: Gazetteer,
) -> None:
    answer, rest = builtin_gazetteer.extract("mąż Jan Kowalski mnie bije, Siedlce")

    assert answer is not None
    assert answer.gmina is not None
    assert answer.gmina.teryt == "1464011"
    assert rest == "mąż Jan Kowalski mnie bije"


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("pomoc społeczna Warszawa", "Miejsce: Warszawa (gmina miejska, miasto stołeczne)"),
        ("Mińsk Mazowiecki", "Miejsce: Mińsk Mazowiecki (gmina miejska), powiat miński"),
        ("Nowa Wieś", "Kilka miejsc ma tę nazwę"),
    ],
)
@pytest.mark.usefixtures("cli_home")
def test_a_fresh_install_searches_anywhere_in_poland(
    query: str,
    shown: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "pl")

    main(["search", query])

    captured = capsys.readouterr()
    out = captured.out + captured.err  # candidates are a question, on stderr
    assert shown in out
    assert "Nie znam takiego miejsca" not in out
