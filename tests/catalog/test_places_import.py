"""Importing the official place files: TERC and SIMC as GUS publishes them (XML, CSV, zipped),
GeoNames postal codes and cities; excerpts written here."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

import catalog.places_store
from catalog.places import ExonymRecord, Gazetteer
from catalog.places_import import (
    PlaceFileError,
    import_places,
    read_geonames_cities,
    read_places,
    read_simc,
    read_terc,
)
from catalog.places_store import (
    PlaceExonymRow,
    PlaceLocalityRow,
    PlaceUnitRow,
    load_gazetteer,
)

TERC_XML = """<?xml version="1.0" encoding="utf-8"?>
<teryt>
  <catalog name="TERC" type="ALL" date="2025-01-01">
{rows}
  </catalog>
</teryt>
"""
TERC_ROWS = [
    ("14", "", "", "", "MAZOWIECKIE", "województwo"),
    ("14", "26", "", "", "siedlecki", "powiat"),
    ("14", "26", "05", "3", "Mordy", "gmina miejsko-wiejska"),
    ("14", "26", "05", "4", "Mordy", "miasto"),
    ("14", "26", "05", "5", "Mordy", "obszar wiejski"),
    ("14", "26", "08", "2", "Siedlce", "gmina wiejska"),
    ("14", "64", "", "", "Siedlce", "miasto na prawach powiatu"),
    ("14", "64", "01", "1", "Siedlce", "gmina miejska"),
]
SIMC_ROWS = [
    ("14", "26", "05", "4", "96", "Mordy", "0671346", "0671346"),
    ("14", "26", "05", "5", "01", "Czepielin", "0671210", "0671210"),
    ("14", "26", "05", "5", "00", "Czepielin-Kolonia", "0671227", "0671210"),
    ("14", "26", "08", "2", "01", "Stok Lacki", "0673481", "0673481"),
    ("14", "64", "01", "1", "96", "Siedlce", "0975173", "0975173"),
]
SIMC_COLUMNS = ("WOJ", "POW", "GMI", "RODZ_GMI", "RM", "NAZWA", "SYM", "SYMPOD")
POSTAL = (
    "PL\t08-110\tSiedlce\tMazowieckie\t\tSiedlce\t\t\t\t52.1667\t22.3\t4\n"
    "PL\t08-140\tMordy\tMazowieckie\t\tsiedlecki\t\t\t\t52.2167\t22.5167\t4\n"
    "PL\t08-103\tStok Lacki\tMazowieckie\t\tsiedlecki\t\t\t\t52.15\t22.35\t4\n"
    "PL\t99-999\tNowhere\tMazowieckie\t\tsiedlecki\t\t\t\t52.0\t22.0\t4\n"
)
CITIES = (
    "7531186\tMordy\tMordy\t\t52.21082\t22.51869\tP\tPPLA3\tPL\t\t78\t1426\t142605\t\t1800"
    "\t\t160\tEurope/Warsaw\t2010-10-16\n"
)


def terc_xml() -> str:
    rows = []
    for woj, pow_, gmi, rodz, name, kind in TERC_ROWS:
        fields = {"WOJ": woj, "POW": pow_, "GMI": gmi, "RODZ": rodz}
        body = "".join(
            f"<{tag}>{value}</{tag}>" if value else f"<{tag} />" for tag, value in fields.items()
        )
        rows.append(
            f"    <row>{body}<NAZWA>{name}</NAZWA><NAZWA_DOD>{kind}</NAZWA_DOD>"
            "<STAN_NA>2025-01-01</STAN_NA></row>"
        )
    return TERC_XML.format(rows="\n".join(rows))


def terc_csv() -> str:
    lines = ["WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA"]
    lines += [";".join((*row, "2025-01-01")) for row in TERC_ROWS]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def simc_csv() -> str:
    lines = [";".join((*SIMC_COLUMNS, "STAN_NA"))]
    lines += [";".join((*row, "2020-01-01")) for row in SIMC_ROWS]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def simc_xml() -> str:
    rows = []
    for row in SIMC_ROWS:
        body = "".join(
            f"<{tag}>{value}</{tag}>" for tag, value in zip(SIMC_COLUMNS, row, strict=True)
        )
        rows.append(f"<row>{body}<STAN_NA>2020-01-01</STAN_NA></row>")
    return (
        '\ufeff<?xml version="1.0" encoding="utf-8"?><SIMC>'
        f'<catalog name="SIMC" type="ALL" date="2020-01-01">{"".join(rows)}</catalog></SIMC>'
    )


def zipped(path: Path, member: str, text: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, text.encode("utf-8"))
    return path


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return create_engine(f"sqlite:///{tmp_path / 'places.sqlite'}")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "terc": tmp_path / "TERC_Urzedowy_2025-11-18.xml",
        "simc": tmp_path / "SIMC_Urzedowy_2020-09-26.csv",
        "postal": tmp_path / "PL.txt",
        "cities": tmp_path / "cities500.txt",
    }
    paths["terc"].write_text(terc_xml(), encoding="utf-8")
    paths["simc"].write_text(simc_csv(), encoding="utf-8")
    paths["postal"].write_text(POSTAL, encoding="utf-8")
    paths["cities"].write_text(CITIES, encoding="utf-8")
    return paths


@pytest.mark.parametrize("form", ["xml", "csv", "xml.zip", "csv.zip"])
def test_terc_keeps_units_and_gminas_not_their_urban_rural_parts(
    tmp_path: Path, form: str
) -> None:
    text = terc_xml() if form.startswith("xml") else terc_csv()
    path = tmp_path / f"TERC_Urzedowy_2025-11-18.{form.split('.')[0]}"
    path.write_text(text, encoding="utf-8")
    if form.endswith("zip"):
        path = zipped(tmp_path / "TERC_Urzedowy_2025-11-18.zip", path.name, text)

    units, date = read_terc(path)

    assert [unit.teryt for unit in units] == [
        "14",
        "1426",
        "1426053",
        "1426082",
        "1464",
        "1464011",
    ]
    assert units[0].name == "mazowieckie"
    assert date == "2025-01-01"


@pytest.mark.parametrize("form", ["xml", "csv", "zip"])
def test_simc_maps_localities_to_gminas_and_skips_parts_of_villages(
    tmp_path: Path, form: str
) -> None:
    path = tmp_path / f"SIMC_Urzedowy_2020-09-26.{form}"
    if form == "zip":
        zipped(path, "SIMC_Urzedowy_2020-09-26.xml", simc_xml())
    else:
        path.write_text(simc_xml() if form == "xml" else simc_csv(), encoding="utf-8")

    localities, date = read_simc(path, {"142605", "142608", "146401"})

    assert [(x.name, x.gmina) for x in localities] == [
        ("Mordy", "142605"),
        ("Czepielin", "142605"),
        ("Stok Lacki", "142608"),
        ("Siedlce", "146401"),
    ]
    assert date == "2020-01-01"


def test_terc_without_its_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "TERC.csv"
    path.write_text("A;B\n1;2\n", encoding="utf-8")

    with pytest.raises(PlaceFileError, match="missing columns"):
        read_terc(path)


def test_import_fills_the_gazetteer_with_localities_postal_codes_and_points(
    engine: Engine, files: dict[str, Path]
) -> None:
    summary = import_places(
        engine,
        files["terc"],
        simc=files["simc"],
        geonames_postal=files["postal"],
        geonames_cities=files["cities"],
    )
    gazetteer = load_gazetteer(engine)

    assert (summary.gminas, summary.localities, summary.postal_codes) == (3, 4, 3)
    assert summary.unmatched_postal == 1
    assert summary.dates["TERC"] == "2025-01-01"
    village = gazetteer.find("Stok Lacki")
    assert village.gmina is not None
    assert village.gmina.teryt == "1426082"
    postal = gazetteer.find("08-140")
    assert postal.gmina is not None
    assert postal.gmina.name == "Mordy"
    pin = gazetteer.locate(52.21, 22.52)
    assert pin.gmina is not None
    assert pin.gmina.teryt == "1426053"
    assert gazetteer.info.get("source") != "builtin"


def test_import_twice_replaces_the_previous_import(engine: Engine, files: dict[str, Path]) -> None:
    import_places(engine, files["terc"], simc=files["simc"])
    import_places(engine, files["terc"], simc=files["simc"])

    with engine.connect() as connection:
        units = connection.execute(select(func.count()).select_from(PlaceUnitRow)).scalar()
        localities = connection.execute(
            select(func.count()).select_from(PlaceLocalityRow)
        ).scalar()
    assert (units, localities) == (6, 4)


def test_failed_import_keeps_the_previous_one(
    engine: Engine, files: dict[str, Path], tmp_path: Path
) -> None:
    import_places(engine, files["terc"], simc=files["simc"])
    broken = tmp_path / "broken.csv"
    broken.write_text("WOJ;POW\n14;26\n", encoding="utf-8")

    with pytest.raises(PlaceFileError):
        import_places(engine, broken)

    assert load_gazetteer(engine).find("Stok Lacki").gmina is not None


def test_empty_database_loads_the_builtin_places(engine: Engine) -> None:
    gazetteer = load_gazetteer(engine)

    assert gazetteer.info["source"] == "builtin"
    assert gazetteer.unit("201307") is not None


def test_import_keeps_the_new_index_for_the_next_start(
    engine: Engine, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "places-index.pickle"
    import_places(engine, files["terc"], simc=files["simc"], index_cache=cache)

    def refuse(_engine: Engine) -> object:
        raise AssertionError("the next start read the tables again")

    monkeypatch.setattr(catalog.places_store, "data_from_engine", refuse)
    gazetteer = load_gazetteer(engine, cache=cache)

    village = gazetteer.find("Stok Lacki")
    assert village.gmina is not None
    assert village.gmina.teryt == "1426082"


# Siedlce's row as GeoNames gives it, with alternate names of every kind; a village's row.
SIEDLCE_NAMES = (
    "Sedlets,Shedl'tse,Седлец,Седльце,Siedlce,Mordy,SDL,hua sha,Stok Lacky,Market,Sed,"
    "Сѣдлецъ,Sedlec-Ω,Siedlcach"
)
CITIES_WITH_NAMES = (
    f"758470\tSiedlce\tSiedlce\t{SIEDLCE_NAMES}\t52.16\t22.27\tP\tPPLA2\tPL\t\t78\t1464"
    "\t146401\t\t77000\t\t150\tEurope/Warsaw\t2020-01-01\n"
    "7531190\tCzepielin\tCzepielin\tChepelin\t52.2\t22.5\tP\tPPL\tPL\t\t78\t1426\t142605"
    "\t\t600\t\t160\tEurope/Warsaw\t2010-10-16\n"
)


def test_a_towns_names_in_other_languages_are_read_without_codes_words_or_polish_names(
    files: dict[str, Path], tmp_path: Path
) -> None:
    cities = tmp_path / "cities500.txt"
    cities.write_text(CITIES_WITH_NAMES, encoding="utf-8")
    units, _ = read_terc(files["terc"])
    localities, _ = read_simc(files["simc"], {"142605", "142608", "146401"})

    _points, exonyms = read_geonames_cities(cities, units, localities)

    # 'Седльце' is spelled Siedlce already, 'Mordy' and 'Stok Lacky' name other places,
    # 'Market' is an English word, 'SDL' a code, 'hua sha' a romanisation, 'Sed' too short,
    # 'Сѣдлецъ' old letters, 'Siedlcach' the Polish name inflected; 'Chepelin' is a village's
    assert exonyms == [
        ExonymRecord("Sedlets", "146401"),
        ExonymRecord("Shedl'tse", "146401"),
        ExonymRecord("Седлец", "146401"),
    ]


def test_imported_exonyms_are_kept_and_found(files: dict[str, Path], engine: Engine) -> None:
    files["cities"].write_text(CITIES_WITH_NAMES, encoding="utf-8")

    summary = import_places(
        engine, files["terc"], simc=files["simc"], geonames_cities=files["cities"]
    )
    gazetteer = load_gazetteer(engine)

    assert summary.exonyms == 3
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(PlaceExonymRow)).scalar() == 3
    for written in ("Sedlets", "Седлец", "mieszkam w Sedlets"):
        found = gazetteer.find(written) if " " not in written else gazetteer.extract(written)[0]
        assert found is not None
        assert found.gmina is not None, written
        assert found.gmina.teryt == "1464011", written


def test_an_exonym_spelled_like_a_polish_place_never_hides_it(files: dict[str, Path]) -> None:
    data, _ = read_places(files["terc"], simc=files["simc"])
    data = dataclasses.replace(data, exonyms=(ExonymRecord("Stok Lacki", "142605"),))

    answer = Gazetteer(data).find("Stok Lacki")

    assert answer.gmina is not None
    assert answer.gmina.teryt == "1426082"  # the village's gmina, not Mordy
