"""Benchmark of the gazetteer: the places bundled with the package (file size, first load,
later loads from the kept index, lookup CPU time), and over the official files themselves when
they are here (import time, index build time, the time to open the index kept for later
starts, CPU time per lookup (median and p99, best of three runs) over a seeded mix of ~1000
queries, and memory).

    python -m bench.places [/path/to/shared/data] [--bundle-only] [--no-header]
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from importlib import resources
from pathlib import Path

from sqlalchemy import create_engine

from bench.report import Figure, print_figures, rss_mb
from catalog.lemmas import preload_lemmas
from catalog.places import Gazetteer, PlaceAnswer
from catalog.places_import import import_places
from catalog.places_store import (
    BUILTIN_FILE,
    BUILTIN_PACKAGE,
    _builtin,
    builtin_gazetteer,
    data_from_engine,
    load_gazetteer,
)

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
TARGET_P99_MS = 2.0
CYRILLIC = ["Мехув", "Седльце", "Варшава", "Краків", "Томашів-Мазовецький", "Кельце", "Люблін"]
SENTENCES = [
    "mąż mnie bije, {name}",
    "szukam pracy w {name}",
    "przemoc {name}",
    "PUP {name}",
    "nie mam co jeść",
    "potrzebuję pomocy dla mamy",
]


def inflect(name: str) -> str:
    """A rough locative, as people write it after 'w'."""
    if name.endswith("ce"):
        return "w " + name[:-1] + "ach"
    if name.endswith("ów"):
        return "w " + name[:-2] + "owie"
    if name.endswith("a"):
        return "w " + name[:-1] + "ie"
    return "w " + name + "u"


def typo(name: str, rng: random.Random) -> str:
    """One letter dropped or two swapped."""
    if len(name) < 6:
        return name
    i = rng.randrange(1, len(name) - 2)
    if rng.random() < 0.5:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def queries(gazetteer: Gazetteer, rng: random.Random) -> list[tuple[str, Callable[[], object]]]:
    """About 1000 lookups of every kind, seeded."""
    gminas = gazetteer.units("gmina")
    postal = sorted(gazetteer._postal)  # a benchmark samples the index
    points = list(gazetteer.pins)
    find, extract, locate = gazetteer.find, gazetteer.extract, gazetteer.locate
    mix: list[tuple[str, Callable[[], object]]] = []
    mix += [("name", partial(find, unit.name)) for unit in rng.sample(gminas, 250)]
    mix += [("inflected", partial(find, inflect(u.name))) for u in rng.sample(gminas, 200)]
    mix += [("typo", partial(find, typo(u.name, rng))) for u in rng.sample(gminas, 150)]
    mix += [("postal", partial(find, code)) for code in rng.sample(postal, 150)]
    for point in rng.sample(points, 150):
        lat, lon = point.lat + rng.uniform(-0.02, 0.02), point.lon + rng.uniform(-0.02, 0.02)
        mix.append(("pin", partial(locate, lat, lon)))
    mix += [("cyrillic", partial(find, name)) for name in CYRILLIC * 5]
    for template in SENTENCES * 10:
        name = inflect(rng.choice(gminas).name)[2:]
        mix.append(("extract", partial(extract, template.format(name=name))))
    mix += [("reference", partial(gazetteer.reference, u.name)) for u in rng.sample(gminas, 30)]
    rng.shuffle(mix)
    return mix


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description="gazetteer benchmark over the full data")
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="shared/data")
    parser.add_argument("--quick", action="store_true", help="same as default (it is short)")
    parser.add_argument("--bundle-only", action="store_true", help="only the bundled places")
    parser.add_argument("--no-header", action="store_true", help="rows only (for bench/run)")
    arguments = parser.parse_args(argv)
    figures = measure_bundle()
    if not arguments.bundle_only and (arguments.data / "teryt").is_dir():
        figures += measure(arguments.data)
    print_figures(figures, header=not arguments.no_header)
    return 0


def measure_bundle() -> list[Figure]:
    """The bundled places: file size, first load (read and build, keeping the index), later
    loads (open the kept index), and lookups."""
    size_mb = resources.files(BUILTIN_PACKAGE).joinpath(BUILTIN_FILE).read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "places-index.pickle"
        start, cpu = time.perf_counter(), time.process_time()
        builtin_gazetteer(cache=cache)
        first_s, first_cpu = time.perf_counter() - start, time.process_time() - cpu
        opens = []
        for _ in range(3):
            _builtin.cache_clear()  # as a new process would
            start, cpu = time.perf_counter(), time.process_time()
            gazetteer = builtin_gazetteer(cache=cache)
            opens.append((time.perf_counter() - start, time.process_time() - cpu))
        index_mb = cache.stat().st_size / 1e6
    open_s, open_cpu = min(opens)
    preload_lemmas()
    gc.freeze()
    gazetteer.find("Siedlce")
    timings, resolved = lookups(gazetteer)
    every = [ms for values in timings.values() for ms in values]
    name = "places bundled with the package (catalog/data/places/poland.json.xz)"
    lookup = f"bundled places, {len(every)} lookups ({resolved} to one gmina), CPU best of 3"
    return [
        Figure(name, "file size", len(size_mb) / 1e6, "MB"),
        Figure(name, "first load: read and build, keep the index", first_s, "s", cpu=first_cpu),
        Figure(name, "later loads: open the kept index (best of 3)", open_s, "s", cpu=open_cpu),
        Figure(name, "kept index file", index_mb, "MB"),
        Figure(lookup, "all: median", statistics.median(every), "ms"),
        Figure(lookup, "all: p99", p99(every), "ms", TARGET_P99_MS),
    ]


def measure(data: Path) -> list[Figure]:
    """Import, load (from the tables, then from the kept index), memory and lookup times."""
    teryt, geonames = data / "teryt", data / "geonames"
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/places.sqlite")
        start, cpu = time.perf_counter(), time.process_time()
        summary = import_places(
            engine,
            teryt / "TERC_Urzedowy_2025-11-18.xml",
            simc=teryt / "SIMC_Urzedowy_2020-09-26.zip",
            geonames_postal=geonames / "PL_postal_codes.txt",
            geonames_cities=geonames / "PL_cities500.txt",
        )
        import_s, import_cpu = time.perf_counter() - start, time.process_time() - cpu
        gc.collect()
        before_build = rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        place_data = data_from_engine(engine)
        read_s, read_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        gazetteer = Gazetteer(place_data)
        build_s, build_cpu = time.perf_counter() - start, time.process_time() - cpu
        del place_data
        gc.collect()
        index_mb = rss_mb() - before_build
        # What a restart does: open the index kept beside the data (written by the first load).
        cache = Path(folder) / "places-index.pickle"
        load_gazetteer(engine, cache=cache)
        start, cpu = time.perf_counter(), time.process_time()
        load_gazetteer(engine, cache=cache)
        open_s, open_cpu = time.perf_counter() - start, time.process_time() - cpu
        engine.dispose()
    gc.collect()
    before_lemmas = rss_mb()
    preload_lemmas()  # extract() asks the dictionaries which words are ordinary words
    lemmas_mb = rss_mb() - before_lemmas
    gc.freeze()  # the index is long-lived: keep it out of the collector's full passes
    gazetteer.find("Siedlce")
    gazetteer.find("Siedlcex")
    timings, resolved = lookups(gazetteer)
    every = [ms for values in timings.values() for ms in values]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    name = (
        f"places, full TERYT+SIMC ({summary.gminas} gminas, {summary.localities} localities, "
        f"{summary.postal_codes} postal codes, {summary.points} points)"
    )
    lookup = f"places, {len(every)} lookups ({resolved} to one gmina), CPU best of 3"
    figures = [
        Figure(name, "import (TERC+SIMC+GeoNames)", import_s, "s", cpu=import_cpu),
        Figure(name, "first load: read tables", read_s, "s", cpu=read_cpu),
        Figure(name, "first load: build index", build_s, "s", cpu=build_cpu),
        Figure(name, "later loads: open the kept index", open_s, "s", cpu=open_cpu),
        Figure(name, "index memory (RSS growth)", index_mb, "MB"),
        Figure(name, "lemma tables (memory-mapped, shared)", lemmas_mb, "MB"),
        Figure(name, "peak RSS of this benchmark (import included)", peak, "MB"),
        Figure(lookup, "all: median", statistics.median(every), "ms"),
        Figure(lookup, "all: p99", p99(every), "ms", TARGET_P99_MS),
    ]
    figures += [
        Figure(lookup, f"{kind} ({len(values)}): p99", p99(values), "ms")
        for kind, values in sorted(timings.items())
    ]
    return figures


def lookups(gazetteer: Gazetteer) -> tuple[dict[str, list[float]], int]:
    """CPU milliseconds per lookup by kind (best of three), and how many found one gmina."""
    mix = queries(gazetteer, random.Random(7))
    timings: dict[str, list[float]] = {}
    resolved = 0
    for kind, run in mix:
        # CPU time of this thread, best of three: the machine may be busy with other work,
        # and preemption is not the gazetteer's cost.
        best = math.inf
        for _ in range(3):
            start = time.thread_time()
            result = run()
            best = min(best, time.thread_time() - start)
        timings.setdefault(kind, []).append(best * 1000)
        answer = result[0] if isinstance(result, tuple) else result
        if isinstance(answer, PlaceAnswer) and answer.gmina is not None:
            resolved += 1
    return timings, resolved


def p99(values: list[float]) -> float:
    """The 99th percentile."""
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


if __name__ == "__main__":
    sys.exit(main())
