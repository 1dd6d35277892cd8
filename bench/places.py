"""Benchmark of the gazetteer over the full official data: import time, index build time,
CPU time per lookup (median and p99, best of three runs) over a seeded mix of ~1000 queries,
and memory.

    python -m bench.places [/path/to/shared/data]
"""

from __future__ import annotations

import gc
import math
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine

from catalog.places import Gazetteer, PlaceAnswer, data_from_engine
from catalog.places_import import import_places
from catalog.text import preload_lemmas

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CYRILLIC = ["Мехув", "Седльце", "Варшава", "Краків", "Томашів-Мазовецький", "Кельце", "Люблін"]
SENTENCES = [
    "mąż mnie bije, {name}",
    "szukam pracy w {name}",
    "przemoc {name}",
    "PUP {name}",
    "nie mam co jeść",
    "potrzebuję pomocy dla mamy",
]


def rss_mb() -> float:
    """The resident set size now, in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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
    points = [p for cell in gazetteer._grid.values() for p in cell]
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


def main(argv: list[str]) -> int:
    data = Path(argv[0]) if argv else DEFAULT_DATA
    teryt, geonames = data / "teryt", data / "geonames"
    base_rss = rss_mb()
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
        import_seconds, import_cpu = time.perf_counter() - start, time.process_time() - cpu
        gc.collect()
        before_build = rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        place_data = data_from_engine(engine)
        read_seconds, read_cpu = time.perf_counter() - start, time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        gazetteer = Gazetteer(place_data)
        build_seconds, build_cpu = time.perf_counter() - start, time.process_time() - cpu
        del place_data
        gc.collect()
        index_mb = rss_mb() - before_build
        engine.dispose()
    before_lemmas = rss_mb()
    preload_lemmas()  # extract() asks the dictionaries which words are ordinary words
    lemmas_mb = rss_mb() - before_lemmas
    gc.freeze()  # the index is long-lived: keep it out of the collector's full passes
    gazetteer.find("Siedlce")  # first use builds the lazy parts (typo and suggestion lists)
    gazetteer.find("Siedlcex")
    rng = random.Random(7)
    mix = queries(gazetteer, rng)
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
    every = [ms for values in timings.values() for ms in values]

    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]

    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"{'measure':<34}{'value':>12}   (load average {load})")
    print(f"{'import (TERC+SIMC+GeoNames)':<34}{import_seconds:>10.2f} s (CPU {import_cpu:.2f} s)")
    print(f"{'load: read tables':<34}{read_seconds:>10.2f} s (CPU {read_cpu:.2f} s)")
    print(f"{'load: build index':<34}{build_seconds:>10.2f} s (CPU {build_cpu:.2f} s)")
    print(
        f"{'  counts':<34}{summary.gminas} gminas, {summary.localities} localities, "
        f"{summary.postal_codes} postal codes, {summary.points} points"
    )
    print(f"{'index memory (RSS growth)':<34}{index_mb:>10.0f} MB")
    print(f"{'lemma dictionaries (shared)':<34}{lemmas_mb:>10.0f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS (all included)':<34}{peak:>10.0f} MB (start {base_rss:.0f} MB)")
    print(f"{'lookups':<34}{len(every):>12} ({resolved} resolved to one gmina)")
    print(f"{'all: median / p99':<34}{statistics.median(every):>8.3f} / {p99(every):.3f} ms")
    for kind, values in sorted(timings.items()):
        print(
            f"{'  ' + kind + ' (' + str(len(values)) + ')':<34}"
            f"{statistics.median(values):>8.3f} / {p99(values):.3f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
