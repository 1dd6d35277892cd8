"""A seeded synthetic catalogue of any size, spread over real gminas of the TERYT register.

Benchmarks need catalogues the size of a partnership (hundreds of services), a voivodeship
(~10,000) and the whole country (~100,000). The mix follows what partnerships list: in every
gmina its social assistance centre (GOPS/MOPS) and local NGOs, in every powiat its PCPR, labour
office and counselling centres, a few voivodeship-wide units and a handful of national lines.

The catalogue grows outward from the region of the evaluation questions (Siedlce, powiat
siedlecki, powiat wysokomazowiecki), so small catalogues still serve the places the search
benchmark asks about; at ~40 services per gmina, 100,000 services cover all of Poland.

Places are written as TERYT codes (7 digits for a gmina, 4 for a powiat, 2 for a voivodeship),
which the format allows, so they resolve against the full gazetteer without ambiguity. Local
institutions get no phone numbers (the project never invents them): only addresses at the
documentation domain example.org. National lines carry their real public numbers.

    python -m bench.generate --count 10000 --seed 1 --output /tmp/catalog-10k.yaml
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from catalog.places_store import load_gazetteer

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO / ".." / "shared" / "data"
TERC_PATH = SHARED_DATA / "teryt" / "TERC_Urzedowy_2025-11-18.xml"
SIMC_PATH = SHARED_DATA / "teryt" / "SIMC_Urzedowy_2020-09-26.zip"
POSTAL_PATH = SHARED_DATA / "geonames" / "PL_postal_codes.txt"
CITIES_PATH = SHARED_DATA / "geonames" / "PL_cities500.txt"
# Generated files are kept between runs, outside the repository (100k services are 30 MB).
CACHE_DIR = Path(
    os.environ.get("DROGOWSKAZ_BENCH_CACHE") or Path(tempfile.gettempdir()) / "drogowskaz-bench"
)
DEFAULT_SEED = 2026
SERVICES_PER_GMINA = 40  # a country-wide catalogue of ~100,000 services covers every gmina
# The evaluation questions live here: small catalogues start with these powiats.
FIRST_POWIATS = ("1464", "1426", "2010")
FIRST_WOJEWODZTWA = ("14", "20")
Data = dict[str, Any]  # a catalogue, institution or service as plain data (format v1)


@dataclass(frozen=True, slots=True)
class Gmina:
    """A gmina of TERC, with the powiat and voivodeship it lies in."""

    teryt: str  # 7 digits, the type digit last
    name: str
    kind: str  # "gmina miejska", "gmina wiejska", "gmina miejsko-wiejska"
    powiat: str  # 4 digits
    powiat_name: str
    wojewodztwo: str  # 2 digits
    wojewodztwo_name: str

    @property
    def is_city(self) -> bool:
        """True for a town gmina (it has a MOPS, not a GOPS)."""
        return self.kind.startswith("gmina miejska")


@dataclass(frozen=True, slots=True)
class Template:
    """A kind of service an institution offers."""

    slug: str
    name: str
    situations: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    ages: str | None = None
    description: str | None = None
    languages: tuple[str, ...] = ()


def _template(data: Data) -> Template:
    return Template(
        slug=str(data["slug"]),
        name=str(data["name"]),
        situations=tuple(data["situations"]),
        keywords=tuple(data.get("keywords", ())),
        ages=data.get("ages"),
        description=data.get("description"),
        languages=tuple(data.get("languages", ())),
    )


def _institutions(rows: list[Data]) -> tuple[tuple[str, str, tuple[Template, ...]], ...]:
    return tuple(
        (str(row["slug"]), str(row["name"]), tuple(map(_template, row["services"])))
        for row in rows
    )


# The word tables are data (bench/data/generator.yaml): kinds of services, who offers them at
# each level, and the real national lines.
_TABLES: Data = yaml.safe_load(
    (Path(__file__).parent / "data" / "generator.yaml").read_text("utf-8")
)
OPS_SERVICES: tuple[Template, ...] = tuple(map(_template, _TABLES["ops_services"]))
LOCAL_INSTITUTIONS = _institutions(_TABLES["local_institutions"])
POWIAT_INSTITUTIONS = _institutions(_TABLES["powiat_institutions"])
WOJEWODZTWO_INSTITUTIONS = _institutions(_TABLES["wojewodztwo_institutions"])
NATIONAL_INSTITUTIONS: tuple[Data, ...] = tuple(_TABLES["national_institutions"])
HOURS: tuple[str, ...] = tuple(_TABLES["hours"])
NGO_PATRONS: tuple[str, ...] = tuple(_TABLES["ngo_patrons"])
OPS_NAMES: dict[str, str] = dict(_TABLES["ops_names"])  # "mops" (a town), "gops" -> name


@cache
def read_gminas(path: Path | None = None) -> tuple[Gmina, ...]:
    """Every gmina (types 1, 2 and 3; the town and rural parts of type 4 and 5 are not gminas
    of their own) of a TERC file, or of the bundled places when no file is given, in the order
    the catalogue grows: the evaluation's powiats first."""
    from catalog.places_import import read_terc
    from catalog.places_store import read_bundle

    units = read_terc(path)[0] if path is not None else read_bundle().units
    wojewodztwa = {unit.teryt: unit.name for unit in units if len(unit.teryt) == 2}
    powiats = {unit.teryt: unit.name for unit in units if len(unit.teryt) == 4}
    rows = [(unit.teryt, unit.name, unit.kind) for unit in units if len(unit.teryt) == 7]
    gminas = [
        Gmina(
            teryt=code,
            name=name,
            kind=kind,
            powiat=code[:4],
            powiat_name=powiats[code[:4]],
            wojewodztwo=code[:2],
            wojewodztwo_name=wojewodztwa[code[:2]],
        )
        for code, name, kind in rows
    ]

    def order(gmina: Gmina) -> tuple[int, int, str]:
        first_powiat = (
            FIRST_POWIATS.index(gmina.powiat)
            if gmina.powiat in FIRST_POWIATS
            else len(FIRST_POWIATS)
        )
        first_woj = (
            FIRST_WOJEWODZTWA.index(gmina.wojewodztwo)
            if gmina.wojewodztwo in FIRST_WOJEWODZTWA
            else len(FIRST_WOJEWODZTWA)
        )
        return first_powiat, first_woj, gmina.teryt

    return tuple(sorted(gminas, key=order))


def _locative_powiat(name: str) -> str:
    """'siedlecki' -> 'w powiecie siedleckim'; a city with powiat rights keeps its name."""
    if name.endswith(("i", "y")):
        return f"w powiecie {name}m"
    return f"w mieście {name}"


class _Builder:
    """Institutions in the order they are written, each a dict in catalogue format v1."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.institutions: list[Data] = []
        self.count = 0

    def add(self, institution: Data) -> None:
        services = institution["services"]
        self.institutions.append(institution)
        self.count += len(services)

    def contact(self, institution_id: str) -> Data:
        contact: Data = {
            "email": f"{institution_id}@example.org",
            "website": f"https://example.org/{institution_id}",
            "hours": self.random.choice(HOURS),
        }
        if self.random.random() < 0.15:
            contact["languages"] = ["pl", "uk"]
        return contact

    def services(
        self,
        institution_id: str,
        templates: Sequence[Template],
        *,
        area: str | None = None,
        keep: float = 1.0,
    ) -> list[Data]:
        chosen = [t for t in templates if self.random.random() < keep] or [templates[0]]
        services: list[Data] = []
        for template in chosen:
            service: Data = {
                "id": f"{institution_id}-{template.slug}",
                "name": template.name,
                "situations": list(template.situations),
            }
            if template.description:
                service["description"] = template.description
            if template.keywords:
                service["keywords"] = list(template.keywords)
            if template.ages:
                service["ages"] = template.ages
            if area is not None:
                service["area"] = [area]
            if template.languages:
                service["languages"] = list(template.languages)
            services.append(service)
        return services

    def national(self) -> None:
        for line in NATIONAL_INSTITUTIONS:
            services = [{**service, "area": ["Polska"]} for service in line["services"]]
            self.add(
                {
                    "id": line["id"],
                    "name": line["name"],
                    "place": "Polska",
                    **line,
                    "services": services,
                }
            )

    def wojewodztwo(self, seat: Gmina) -> None:
        for kind, name, templates in WOJEWODZTWO_INSTITUTIONS:
            institution_id = f"{kind}-{seat.wojewodztwo}"
            self.add(
                {
                    "id": institution_id,
                    "name": f"{name} — województwo {seat.wojewodztwo_name}",
                    "place": seat.teryt,
                    **self.contact(institution_id),
                    "services": self.services(
                        institution_id, templates, area=seat.wojewodztwo, keep=0.9
                    ),
                }
            )

    def powiat(self, seat: Gmina) -> None:
        where = _locative_powiat(seat.powiat_name)
        for kind, name, templates in POWIAT_INSTITUTIONS:
            if kind == "ohp" and self.random.random() < 0.5:
                continue
            institution_id = f"{kind}-{seat.powiat}"
            self.add(
                {
                    "id": institution_id,
                    "name": f"{name} {where}",
                    "short_name": f"{kind.upper()} {seat.powiat_name}",
                    "place": seat.teryt,
                    **self.contact(institution_id),
                    "services": self.services(
                        institution_id, templates, area=seat.powiat, keep=0.8
                    ),
                }
            )

    def gmina(self, gmina: Gmina) -> None:
        kind = "mops" if gmina.is_city else "gops"
        name = OPS_NAMES[kind]
        institution_id = f"{kind}-{gmina.teryt}"
        self.add(
            {
                "id": institution_id,
                "name": f"{name} — {gmina.name}",
                "short_name": f"{kind.upper()} {gmina.name}",
                "place": gmina.teryt,
                **self.contact(institution_id),
                "services": self.services(institution_id, OPS_SERVICES, keep=0.75),
            }
        )

    def local(self, gmina: Gmina, round_number: int) -> None:
        """One more local institution in a gmina: round n takes the n-th kind, then patrons."""
        kind, name, templates = LOCAL_INSTITUTIONS[round_number % len(LOCAL_INSTITUTIONS)]
        institution_id = f"{kind}-{gmina.teryt}-{round_number}"
        label = name
        if round_number >= len(LOCAL_INSTITUTIONS) or kind == "fundacja":
            patron = NGO_PATRONS[(round_number // len(LOCAL_INSTITUTIONS)) % len(NGO_PATRONS)]
            label = f"{name} «{patron}»"
        self.add(
            {
                "id": institution_id,
                "name": f"{label} — {gmina.name}",
                "place": gmina.teryt,
                **self.contact(institution_id),
                "services": self.services(institution_id, templates, keep=0.8),
            }
        )


def build(count: int, *, seed: int = DEFAULT_SEED, terc: Path | None = None) -> Data:
    """A catalogue document (format v1, as plain data) with exactly `count` services."""
    if count < 1:
        raise ValueError("a catalogue needs at least one service")
    gminas = read_gminas(terc)
    region = covered_gminas(gminas, count)
    builder = _Builder(seed)
    builder.national()
    seen_powiats: set[str] = set()
    seen_wojewodztwa: set[str] = set()
    for gmina in region:
        if gmina.wojewodztwo not in seen_wojewodztwa:
            seen_wojewodztwa.add(gmina.wojewodztwo)
            builder.wojewodztwo(_seat(gminas, gmina.wojewodztwo))
        if gmina.powiat not in seen_powiats:
            seen_powiats.add(gmina.powiat)
            builder.powiat(_seat(gminas, gmina.powiat))
        builder.gmina(gmina)
    round_number = 0
    while builder.count < count:
        for gmina in region:
            builder.local(gmina, round_number)
            if builder.count >= count:
                break
        round_number += 1
    institutions = _trim(builder.institutions, count)
    return {
        "version": 1,
        "name": f"Katalog syntetyczny — {count} usług (seed {seed})",
        "updated": "2026-11-01",
        "institutions": institutions,
    }


def covered_gminas(gminas: Sequence[Gmina], count: int) -> Sequence[Gmina]:
    """The first gminas, as many as a catalogue of `count` services covers (at least one)."""
    return gminas[: max(1, min(len(gminas), math.ceil(count / SERVICES_PER_GMINA)))]


def _seat(gminas: Sequence[Gmina], prefix: str) -> Gmina:
    """Where a powiat's or voivodeship's institutions sit: its first town, else first gmina."""
    inside = [gmina for gmina in gminas if gmina.teryt.startswith(prefix)]
    towns = sorted((g for g in inside if g.is_city), key=lambda g: g.teryt)
    return towns[0] if towns else min(inside, key=lambda g: g.teryt)


def _trim(institutions: list[Data], count: int) -> list[Data]:
    """Keep the first `count` services, dropping institutions left with none."""
    kept: list[Data] = []
    left = count
    for institution in institutions:
        if left <= 0:
            break
        services = institution["services"]
        taken = services[:left]
        kept.append({**institution, "services": taken})
        left -= len(taken)
    return kept


def to_yaml(document: Data) -> str:
    """The document as YAML, written directly (fast and byte-for-byte stable).

    Scalars are JSON strings, which YAML reads as double-quoted scalars.
    """
    lines = [
        "# Synthetic catalogue for benchmarks (bench/generate.py). Not real institutions.",
        f"version: {document['version']}",
        f"name: {_scalar(document['name'])}",
        f"updated: {document['updated']}",
        "institutions:",
    ]
    institutions = document["institutions"]
    for institution in institutions:
        lines.extend(_mapping(institution, indent=0))
    return "\n".join(lines) + "\n"


def _mapping(data: Data, *, indent: int) -> Iterator[str]:
    pad = " " * indent
    first = True
    for key, value in data.items():
        lead = f"{pad}- " if first else f"{pad}  "
        first = False
        if key == "services":
            yield f"{lead}services:"
            for service in value:
                yield from _mapping(service, indent=indent + 2)
        else:
            yield f"{lead}{key}: {_scalar(value)}"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def generate(count: int, *, seed: int = DEFAULT_SEED, terc: Path | None = None) -> str:
    """The YAML text of a synthetic catalogue with exactly `count` services."""
    return to_yaml(build(count, seed=seed, terc=terc))


def catalogue_file(count: int, *, seed: int = DEFAULT_SEED, directory: Path = CACHE_DIR) -> Path:
    """The synthetic catalogue as a file, generated once and kept for later runs."""
    path = directory / f"catalog-{count}-seed{seed}.yaml"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_text(generate(count, seed=seed), encoding="utf-8")
        partial.replace(path)
    return path


def places_database(directory: Path = CACHE_DIR) -> Path:
    """A SQLite file with the full gazetteer imported (TERC, SIMC, GeoNames), made once.

    Benchmarks copy it to start from what a deployment holds after `drogowskaz places import`.
    """
    path = directory / "places-full.sqlite"
    if not path.exists():
        from catalog.places_import import import_places
        from catalog.storage import Database

        directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.unlink(missing_ok=True)
        database = Database(f"sqlite:///{partial}")
        try:
            import_places(
                database.engine,
                TERC_PATH,
                simc=SIMC_PATH,
                geonames_postal=POSTAL_PATH,
                geonames_cities=CITIES_PATH,
            )
        finally:
            database.dispose()
        _finish_sqlite_file(partial, path)
    return path


def catalogue_database(
    count: int, *, seed: int = DEFAULT_SEED, directory: Path = CACHE_DIR
) -> Path:
    """A SQLite file as a deployment holds it: the full gazetteer and a loaded synthetic
    catalogue of `count` services, made once (copy it before use: the bot writes to it)."""
    path = directory / f"deployment-{count}-seed{seed}.sqlite"
    if not path.exists():
        import shutil

        from catalog.storage import Database
        from catalog.validation import check

        catalogue = catalogue_file(count, seed=seed, directory=directory)
        partial = path.with_suffix(".part")
        shutil.copyfile(places_database(directory), partial)
        database = Database(f"sqlite:///{partial}")
        try:
            database.create_schema()
            report = check(
                catalogue.read_bytes(),
                filename=catalogue.name,
                places=load_gazetteer(database.engine),
            )
            if report.catalog is None:
                codes = sorted({problem.code for problem in report.errors})
                raise RuntimeError(f"the synthetic catalogue was refused: {codes[:5]}")
            database.replace_catalog(report.catalog)
        finally:
            database.dispose()
        _finish_sqlite_file(partial, path)
    return path


def _finish_sqlite_file(partial: Path, path: Path) -> None:
    """Put a SQLite file written under a temporary name in place, without its closed
    connections' leftover journal files."""
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Write a synthetic catalogue to a file or standard output."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000, help="number of services")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--terc", type=Path, help="TERC file (default: the bundled places)")
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    arguments = parser.parse_args(argv)
    text = generate(arguments.count, seed=arguments.seed, terc=arguments.terc)
    if arguments.output is None:
        sys.stdout.write(text)
    else:
        arguments.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
