"""`drogowskaz places import|find` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.catalog.test_places_import import POSTAL, simc_csv, terc_xml

pytestmark = pytest.mark.usefixtures("cli_home")  # its own data directory, in English


def test_find_prints_the_gmina_with_its_units_and_teryt(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["places", "find", "w", "Siedlcach"])

    out = capsys.readouterr().out
    assert code == 0
    assert "Siedlce (gmina miejska), powiat Siedlce, województwo mazowieckie, TERYT 1464011" in out
    assert "1426082" in out  # the rural gmina of the same name is mentioned


def test_find_json_gives_the_gmina_and_no_candidates(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["places", "find", "Nowe Piekuty", "--json"])

    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document == {
        "gmina": {
            "teryt": "2013072",
            "name": "Nowe Piekuty",
            "powiat": "wysokomazowiecki",
            "wojewodztwo": "podlaskie",
        },
        "candidates": [],
        "note": None,
    }


def test_find_json_lists_candidates_and_exits_2_when_ambiguous(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["places", "find", "powiat siedlecki", "--json"])

    document = json.loads(capsys.readouterr().out)
    assert code == 2
    assert document["gmina"] is None
    assert {c["powiat"] for c in document["candidates"]} == {"siedlecki"}
    assert document["note"] == "Several places have this name. Which one?"


def test_find_unknown_place_says_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["places", "find", "Krakuww"])

    assert code == 2
    assert "Did you mean: Kraków?" in capsys.readouterr().out


def test_find_pin_abroad_says_outside_poland(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["places", "find", "--lat", "52.52", "--lon", "13.40", "--json"])

    document = json.loads(capsys.readouterr().out)
    assert code == 2
    assert document["note"] == "This point lies outside Poland."


def test_find_pin_in_siedlce_gives_the_town(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["places", "find", "--lat", "52.1676", "--lon", "22.2901", "--json"])

    assert code == 0
    assert json.loads(capsys.readouterr().out)["gmina"]["teryt"] == "1464011"


def test_import_replaces_builtin_places_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terc = tmp_path / "TERC_Urzedowy_2025-11-18.xml"
    terc.write_text(terc_xml(), encoding="utf-8")
    simc = tmp_path / "SIMC_Urzedowy_2020-09-26.csv"
    simc.write_text(simc_csv(), encoding="utf-8")
    postal = tmp_path / "PL.txt"
    postal.write_text(POSTAL, encoding="utf-8")

    code = main(
        [
            "places",
            "import",
            "--terc",
            str(terc),
            "--simc",
            str(simc),
            "--geonames-postal",
            str(postal),
        ]
    )
    out = capsys.readouterr().out
    found = main(["places", "find", "Stok Lacki", "--json"])
    document = json.loads(capsys.readouterr().out)

    assert code == 0
    assert "(3 gminas), 4 localities, 3 postal codes" in out
    assert "TERC 2025-01-01" in out
    assert "GeoNames (geonames.org), CC BY 4.0" in out
    assert found == 0
    assert document["gmina"]["teryt"] == "1426082"
    assert main(["places", "find", "Nowe Piekuty"]) == 2  # the import replaced the built-in list


def test_import_of_a_missing_file_fails_without_touching_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["places", "import", "--terc", str(tmp_path / "nope.xml")])

    assert code == 1
    assert "No such file" in capsys.readouterr().err
