"""Reading the official place files (GUS TERYT TERC and SIMC, GeoNames postal codes and
cities) into the gazetteer's tables, replacing the previous import in one transaction.

GUS publishes TERC and SIMC as XML and as CSV (';', UTF-8 with BOM), each plain or zipped;
all four are read. GeoNames dumps are tab-separated text, plain or zipped.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from sqlalchemy import Engine, delete, insert
from sqlmodel import SQLModel

from catalog.lemmas import ordinary_words
from catalog.place_names import exonym_keys, stem_key
from catalog.places import (
    ExonymRecord,
    LocalityRecord,
    PlaceData,
    PointRecord,
    PostalRecord,
    UnitRecord,
    name_key,
)
from catalog.places_store import (
    PLACE_TABLES,
    PlaceExonymRow,
    PlaceImportRow,
    PlaceLocalityRow,
    PlacePointRow,
    PlacePostalRow,
    PlaceUnitRow,
    bundle_bytes,
    gazetteer_from_engine,
)
from catalog.text import has_cyrillic

_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_POSTAL_CODE = re.compile(r"^\d{2}-\d{3}$")
_GMINA_TYPES = frozenset("123")
_CITY_PARTS = frozenset("89")  # districts of Warsaw and delegations of big cities: in the city

Progress = Callable[[Iterable[dict[str, str]], str], Iterable[dict[str, str]]]


def _no_progress(rows: Iterable[dict[str, str]], _label: str) -> Iterable[dict[str, str]]:
    return rows


class PlaceFileError(ValueError):
    """A place file that is not what it claims to be (wrong format, missing columns)."""


@dataclass(slots=True)
class ImportSummary:
    """What an import read: counts and the dates of the data."""

    units: int = 0
    gminas: int = 0
    localities: int = 0
    postal_codes: int = 0
    points: int = 0
    exonyms: int = 0  # names of towns in other languages
    unmatched_postal: int = 0
    dates: dict[str, str] = field(default_factory=dict)  # source -> date of the data


# --- opening files --------------------------------------------------------------------------


def _open_text(path: Path) -> tuple[str, str]:
    """The text of a file, or of the best member of a zip (CSV before XML), and its name."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if not name.endswith("/")]
            if not members:
                raise PlaceFileError(f"{path.name}: empty zip")
            preferred = sorted(
                members,
                key=lambda name: (
                    0 if name.lower().endswith((".csv", ".txt")) else 1,
                    -archive.getinfo(name).file_size,
                ),
            )[0]
            raw = archive.read(preferred)
            return raw.decode("utf-8-sig"), preferred
    return path.read_text(encoding="utf-8-sig"), path.name


def _rows(text: str) -> Iterator[dict[str, str]]:
    """Rows of a GUS file as dicts of column -> value, from its XML or CSV form."""
    start = text.lstrip()[:1]
    if start == "<":
        yield from _xml_rows(text)
        return
    dialect_delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect_delimiter)
    for row in reader:
        yield {key.strip(): (value or "").strip() for key, value in row.items() if key}


def _xml_rows(text: str) -> Iterator[dict[str, str]]:
    # The official files an administrator downloaded from GUS; expat resolves no external
    # entities, and the file is read from the deployment's own disk.
    for _event, element in ElementTree.iterparse(io.StringIO(text)):  # noqa: S314
        if element.tag == "row":
            yield {child.tag: (child.text or "").strip() for child in element}
            element.clear()


def _xml_date(text: str) -> str | None:
    match = re.search(r'<catalog[^>]*date="(\d{4}-\d{2}-\d{2})"', text[:2000])
    return match.group(1) if match else None


def _data_date(text: str, name: str, rows_date: str | None) -> str:
    """The date of the data: the 'state as of' in the file, else the one in its name."""
    found = rows_date or _xml_date(text)
    if found:
        return found
    match = _DATE.search(name)
    return match.group(1) if match else "?"


def _require(row: dict[str, str], columns: Iterable[str], name: str) -> None:
    missing = [column for column in columns if column not in row]
    if missing:
        raise PlaceFileError(f"{name}: missing columns {', '.join(missing)}")


# --- TERC and SIMC --------------------------------------------------------------------------


def read_terc(path: Path) -> tuple[list[UnitRecord], str]:
    """Województwa, powiaty and gminas (types 1-3) of a TERC file, and the date of its data."""
    text, name = _open_text(path)
    units: list[UnitRecord] = []
    state: str | None = None
    for row in _rows(text):
        _require(row, ("WOJ", "POW", "GMI", "RODZ", "NAZWA", "NAZWA_DOD"), name)
        state = state or row.get("STAN_NA") or None
        woj, pow_, gmi, rodz = row["WOJ"], row["POW"], row["GMI"], row["RODZ"]
        if not pow_:
            units.append(UnitRecord(woj, row["NAZWA"].lower(), row["NAZWA_DOD"]))
        elif not gmi:
            units.append(UnitRecord(woj + pow_, row["NAZWA"], row["NAZWA_DOD"]))
        elif rodz in _GMINA_TYPES:
            units.append(UnitRecord(woj + pow_ + gmi + rodz, row["NAZWA"], row["NAZWA_DOD"]))
    if not units:
        raise PlaceFileError(f"{name}: no TERC rows")
    return units, _data_date(text, name, state)


def read_simc(
    path: Path, gminas: set[str], progress: Progress = _no_progress
) -> tuple[list[LocalityRecord], str]:
    """Localities of a SIMC file (not parts of other localities), each with its gmina.

    Towns and villages of an urban-rural gmina (types 4, 5) belong to the gmina; districts of
    Warsaw and delegations of big cities (8, 9) belong to the city (gmina 01 of its powiat).
    """
    text, name = _open_text(path)
    localities: list[LocalityRecord] = []
    state: str | None = None
    for row in progress(_rows(text), "SIMC"):
        _require(row, ("WOJ", "POW", "GMI", "RODZ_GMI", "RM", "NAZWA", "SYM", "SYMPOD"), name)
        state = state or row.get("STAN_NA") or None
        if row["SYM"] != row["SYMPOD"]:
            continue
        gmina = row["WOJ"] + row["POW"] + row["GMI"]
        if row["RODZ_GMI"] in _CITY_PARTS:
            gmina = row["WOJ"] + row["POW"] + "01"
        if gmina not in gminas:
            continue
        localities.append(LocalityRecord(row["SYM"], row["NAZWA"], gmina, row["RM"]))
    return localities, _data_date(text, name, state)


# --- GeoNames -------------------------------------------------------------------------------


def _tsv(path: Path) -> tuple[list[list[str]], str]:
    text, name = _open_text(path)
    return [line.split("\t") for line in text.splitlines() if line.strip()], name


class _NameIndex:
    """Gminas by (powiat or województwo, folded name), for matching GeoNames rows to TERYT."""

    def __init__(self, units: Iterable[UnitRecord], localities: Iterable[LocalityRecord]) -> None:
        self.gminas = {u.teryt[:6]: u for u in units if len(u.teryt) == 7}
        powiaty = [u for u in units if len(u.teryt) == 4]
        self.powiat_by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
        for powiat in powiaty:
            self.powiat_by_name[(powiat.teryt[:2], name_key(powiat.name))].append(powiat.teryt)
        self.woj_by_name = {name_key(u.name): u.teryt for u in units if len(u.teryt) == 2}
        self.in_powiat: dict[tuple[str, str], set[str]] = defaultdict(set)
        for code, unit in self.gminas.items():
            self.in_powiat[(code[:4], name_key(unit.name))].add(code)
        self.localities_in_powiat: dict[tuple[str, str], set[str]] = defaultdict(set)
        for locality in localities:
            self.localities_in_powiat[(locality.gmina[:4], name_key(locality.name))].add(
                locality.gmina
            )

    def gminas_for(self, place: str, woj_name: str, powiat_name: str) -> set[str]:
        """The gminas of a GeoNames postal row ('Mordy', 'Mazowieckie', 'siedlecki')."""
        woj = self.woj_by_name.get(name_key(woj_name))
        if woj is None:
            return set()
        powiaty = self.powiat_by_name.get((woj, name_key(powiat_name)), [])
        key = name_key(re.sub(r"\s*\(.*?\)", "", place))
        found: set[str] = set()
        for powiat in powiaty:
            found |= self.localities_in_powiat.get((powiat, key), set())
        if not found:
            for powiat in powiaty:
                found |= self.in_powiat.get((powiat, key), set())
        if not found and len(powiaty) == 1:
            in_powiat = [code for code in self.gminas if code.startswith(powiaty[0])]
            if len(in_powiat) == 1:  # a city with powiat rights: its one gmina
                found = set(in_powiat)
        return found


def read_geonames_postal(
    path: Path, units: list[UnitRecord], localities: list[LocalityRecord]
) -> tuple[list[PostalRecord], list[PointRecord], int]:
    """Postal codes with their gminas, points with coordinates, and how many rows matched none.

    GeoNames gives the place, województwo and powiat by name only: they are matched to SIMC
    localities (or gminas) of that powiat.
    """
    rows, _name = _tsv(path)
    index = _NameIndex(units, localities)
    postal: set[PostalRecord] = set()
    points: set[PointRecord] = set()
    unmatched = 0
    for row in rows:
        if len(row) < 11 or not _POSTAL_CODE.match(row[1]):
            continue
        gminas = index.gminas_for(row[2], row[3], row[5])
        if not gminas:
            unmatched += 1
            continue
        for gmina in gminas:
            postal.add(PostalRecord(row[1], gmina))
        if len(gminas) == 1 and row[9] and row[10]:
            gmina = next(iter(gminas))
            points.add(PointRecord(float(row[9]), float(row[10]), gmina, row[2]))
    return sorted(postal), sorted(points), unmatched


def read_geonames_cities(
    path: Path, units: list[UnitRecord], localities: Iterable[LocalityRecord] = ()
) -> tuple[list[PointRecord], list[ExonymRecord]]:
    """Points of a GeoNames cities dump (admin3 is the gmina's 6-digit code), and the names
    its rows give gminas' towns in other languages (`town_exonyms`)."""
    rows, _name = _tsv(path)
    gminas = {u.teryt[:6] for u in units if len(u.teryt) == 7}
    points: list[PointRecord] = []
    for row in rows:
        if len(row) < 12 or row[8] != "PL":
            continue
        gmina = row[12] if len(row) > 12 else ""
        if gmina in gminas:
            points.append(PointRecord(float(row[4]), float(row[5]), gmina, row[1]))
    return points, town_exonyms(rows, units, localities)


# Seats of government: a row named in English ('Warsaw') is known by its Polish alternate name.
TOWN = "96"  # the SIMC type (RM) of a town, not of a part of one
_SEAT_FEATURES = frozenset({"PPLC", "PPLA", "PPLA2", "PPLA3"})
EXONYM_MIN_LETTERS = 4  # shorter alternate names are mostly clipped forms ('Log', 'Luz': Łódź)
# Languages of the people who write to the bot: an exonym that is an ordinary word of one of
# them ('Полиция' for Police, 'Log' for Łódź) is no name to look for in their sentences.
EXONYM_WORD_LANGUAGES = ("pl", "uk", "ru", "en")
_EXONYM_EXTRA_CHARACTERS = frozenset(" -'\u2019")


def town_exonyms(
    rows: Iterable[Sequence[str]],
    units: Iterable[UnitRecord],
    localities: Iterable[LocalityRecord],
) -> list[ExonymRecord]:
    """Names of gminas' towns in other languages ('Warsaw', 'Cracow', 'Білосток'): the
    alternate names of a GeoNames row of the gmina's own name or of one of its towns.

    GeoNames does not say whose language a name is; kept are names in Latin or Cyrillic
    letters, capitalised, not codes ('WAW') nor romanisations of other scripts ('hua sha'),
    not the Polish name folded, cut short ('Sroda': Środa Śląska) or (Cyrillic) as
    `catalog.text.cyrillic_to_polish` spells it (nor Cyrillic it cannot spell),
    not an ordinary word (EXONYM_WORD_LANGUAGES), and never one that is, or stems like, the
    name of a Polish place elsewhere: an exonym must not hide a real place.
    """
    gmina_names = {u.teryt[:6]: u.name for u in units if len(u.teryt) == 7}
    own_names: dict[str, set[str]] = defaultdict(set)
    for code, name in gmina_names.items():
        own_names[code].add(name)
    polish: dict[str, set[str]] = defaultdict(set)  # key of any Polish name -> its gminas
    for unit in units:
        polish[name_key(unit.name)].add(unit.teryt[:6])
    for locality in localities:
        polish[name_key(locality.name)].add(locality.gmina)
        if locality.rm == TOWN and locality.gmina in own_names:
            own_names[locality.gmina].add(locality.name)
    stems: dict[str, set[str]] = defaultdict(set)
    for key, codes in polish.items():
        stems[stem_key(key.split(" "))] |= codes
    found: dict[tuple[str, str], str] = {}  # (gmina, indexed key) -> the name as written
    for row in rows:
        if len(row) < 13 or row[8] != "PL" or row[12] not in own_names:
            continue
        gmina, alternates = row[12], [name for name in row[3].split(",") if name]
        names = own_names[gmina]
        if row[1] not in names and not (row[7] in _SEAT_FEATURES and names & set(alternates)):
            continue
        # the Polish name cut short ('Sroda' for Środa Śląska) is no other language's name,
        # and, unlike it, would take ordinary words ('w srode')
        short = {
            " ".join(words[:end])
            for words in (name_key(name).split(" ") for name in names)
            for end in range(1, len(words))
        }
        for name in alternates:
            keys = exonym_keys(name) if _looks_like_exonym(name) else []
            if not keys or has_cyrillic(keys[0]) or any(key in polish for key in keys):
                continue
            if keys[0] in short:
                continue
            others = stems.get(stem_key(keys[0].split(" ")), set()) - {gmina}
            if not others:
                found.setdefault((gmina, keys[0]), name)
    ordinary = ordinary_words(
        {name for name in found.values() if " " not in name}, EXONYM_WORD_LANGUAGES
    )
    kept = [ExonymRecord(name, code) for (code, _), name in found.items() if name not in ordinary]
    return sorted(kept, key=lambda record: (record.gmina, record.name))


def _looks_like_exonym(name: str) -> bool:
    """A capitalised name in Latin or Cyrillic letters, not a code ('WAW'), not too short."""
    letters = [char for char in name if char.isalpha()]
    if len(letters) < EXONYM_MIN_LETTERS or not name[:1].isupper() or name.isupper():
        return False
    if any(not char.isalpha() and char not in _EXONYM_EXTRA_CHARACTERS for char in name):
        return False
    scripts = {unicodedata.name(char, "").split(" ")[0] for char in letters}
    return scripts in ({"LATIN"}, {"CYRILLIC"})


# --- the whole import -----------------------------------------------------------------------


def read_places(
    terc: Path,
    *,
    simc: Path | None = None,
    geonames_postal: Path | None = None,
    geonames_cities: Path | None = None,
    progress: Progress = _no_progress,
) -> tuple[PlaceData, ImportSummary]:
    """Read the files into place data (nothing written yet)."""
    summary = ImportSummary()
    units, summary.dates["TERC"] = read_terc(terc)
    gmina_codes = {u.teryt[:6] for u in units if len(u.teryt) == 7}
    localities: list[LocalityRecord] = []
    if simc is not None:
        localities, summary.dates["SIMC"] = read_simc(simc, gmina_codes, progress)
    postal: list[PostalRecord] = []
    points: list[PointRecord] = []
    exonyms: list[ExonymRecord] = []
    if geonames_postal is not None:
        postal, points, summary.unmatched_postal = read_geonames_postal(
            geonames_postal, units, localities
        )
        summary.dates["GeoNames postal codes"] = _file_date(geonames_postal)
    if geonames_cities is not None:
        city_points, exonyms = read_geonames_cities(geonames_cities, units, localities)
        points += city_points
        summary.dates["GeoNames cities"] = _file_date(geonames_cities)
    summary.units = len(units)
    summary.gminas = len(gmina_codes)
    summary.localities = len(localities)
    summary.postal_codes = len({record.code for record in postal})
    summary.points = len(points)
    summary.exonyms = len(exonyms)
    info = tuple(
        [("source", "import")]
        + [(f"date {source}", date) for source, date in summary.dates.items()]
    )
    data = PlaceData(
        tuple(units), tuple(localities), tuple(postal), tuple(points), tuple(exonyms), info
    )
    return data, summary


def _file_date(path: Path) -> str:
    """The date in a file's name, else the day it was downloaded (GeoNames dumps carry none)."""
    match = _DATE.search(path.name)
    if match:
        return match.group(1)
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()


def write_places(engine: Engine, data: PlaceData) -> None:
    """Replace the gazetteer's tables with this data, in one transaction."""
    SQLModel.metadata.create_all(engine, tables=list(PLACE_TABLES))
    with engine.begin() as connection:
        for table in PLACE_TABLES:
            connection.execute(delete(table))
        batches: list[tuple[type[SQLModel], list[dict[str, object]]]] = [
            (PlaceUnitRow, [record._asdict() for record in data.units]),
            (PlaceLocalityRow, [record._asdict() for record in data.localities]),
            (PlacePostalRow, [record._asdict() for record in data.postal]),
            (PlacePointRow, [record._asdict() for record in data.points]),
            (PlaceExonymRow, [record._asdict() for record in data.exonyms]),
            (PlaceImportRow, [{"key": key, "value": value} for key, value in data.info]),
        ]
        for model, rows in batches:
            for start in range(0, len(rows), 5000):
                chunk = rows[start : start + 5000]
                if chunk:
                    connection.execute(insert(model), chunk)


def import_places(
    engine: Engine,
    terc: Path,
    *,
    simc: Path | None = None,
    geonames_postal: Path | None = None,
    geonames_cities: Path | None = None,
    progress: Progress = _no_progress,
    index_cache: Path | None = None,
) -> ImportSummary:
    """Read the official files and replace the previous import with them.

    With `index_cache` (the file `Gazetteer.load` is given, e.g. data_dir / INDEX_FILE), the
    new index is built and kept now, so the bot's next start opens it instead of building it.
    """
    data, summary = read_places(
        terc,
        simc=simc,
        geonames_postal=geonames_postal,
        geonames_cities=geonames_cities,
        progress=progress,
    )
    write_places(engine, data)
    if index_cache is not None:
        gazetteer_from_engine(engine, cache=index_cache)
    return summary


def build_bundle(
    target: Path,
    terc: Path,
    *,
    simc: Path | None = None,
    geonames_postal: Path | None = None,
    geonames_cities: Path | None = None,
    progress: Progress = _no_progress,
) -> ImportSummary:
    """Write the bundled places file (every place in Poland) from the official files.

    The same reading as an import; the result ships with the package, so a fresh install
    knows all of Poland without one.
    """
    data, summary = read_places(
        terc,
        simc=simc,
        geonames_postal=geonames_postal,
        geonames_cities=geonames_cities,
        progress=progress,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.tmp")
    partial.write_bytes(bundle_bytes(data))
    partial.replace(target)
    return summary
