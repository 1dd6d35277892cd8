"""Search quality and speed against plain baselines, on the public evaluation questions.

    python -m bench.search [--eval ../shared/eval] [--quick] [--sizes 1000 10000 100000]

Quality (hit@3, leaks) on ../shared/eval for:
- LIKE: SQLite `LIKE '%word%'` over names, descriptions and keywords, no place filter;
- LIKE + place: the same, restricted to services whose area contains the person's gmina/age;
- rapidfuzz: token_set_ratio of the question against every service's text, no index;
- Drogowskaz: catalog.search.SearchIndex.
Speed: median and p99 ms per query on the eval catalogue, then on synthetic catalogues of
1k, 10k and 100k services spread over Polish gminas (the eval services copied to random
places), with the baselines' p99 on the same catalogue as a ratio to ours.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

from bench.report import Figure, print_figures
from catalog.evaluation import Evaluation, Question, evaluate, questions_from
from catalog.lemmas import preload_lemmas
from catalog.model import Area, Catalog, Service
from catalog.places import Gazetteer
from catalog.places_store import builtin_gazetteer
from catalog.reading import Need, read
from catalog.search import Match, Query, SearchIndex, SearchResult
from catalog.text import fold, folded_words
from catalog.validation import check

EVAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "eval"
TARGET_P99_MS = {10_000: 5.0, 100_000: 30.0}
TARGET_READ_P99_MS = {10_000: 2.0}  # reading one message (catalog.reading) + its search
STOP = frozenset(("i", "w", "z", "na", "do", "dla", "mi", "mnie", "nie", "sie", "a", "ma", "mam"))


@dataclass(frozen=True)
class Row:
    name: str
    hit: float
    leaks: int
    p99_ms: float


def service_text(service: Service) -> str:
    return " ".join(
        [
            service.name,
            service.description or "",
            " ".join(service.keywords),
            service.institution.name,
        ]
    )


class LikeBaseline:
    """What one writes first: SQL LIKE on every word of the question."""

    def __init__(self, catalog: Catalog, *, filter_place: bool) -> None:
        self.filter_place = filter_place
        self.services = {service.id: service for service in catalog.services}
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE TABLE service (id TEXT PRIMARY KEY, text TEXT, low INT, high INT)")
        self.db.execute("CREATE TABLE area (service_id TEXT, code TEXT)")
        for service in catalog.services:
            self.db.execute(
                "INSERT INTO service VALUES (?, ?, ?, ?)",
                (service.id, fold(service_text(service)), service.ages.low, service.ages.high),
            )
            self.db.executemany(
                "INSERT INTO area VALUES (?, ?)", [(service.id, a.code) for a in service.areas]
            )

    def search(self, query: Query) -> SearchResult:
        words = [w for w in folded_words(query.text) if w not in STOP and len(w) > 2] or [""]
        score = " + ".join("(text LIKE ?)" for _ in words)
        params: list[object] = [f"%{w}%" for w in words]
        sql = f"SELECT id, {score} AS s FROM service WHERE s > 0"  # noqa: S608 - bench, no input
        if self.filter_place:
            gmina = query.gmina or ""
            prefixes = ["", gmina[:2], gmina[:4], gmina[:6]] if gmina else [""]
            sql += (
                " AND id IN (SELECT service_id FROM area WHERE code IN (?, ?, ?, ?))"
                " AND (? IS NULL OR ((low IS NULL OR low <= ?) AND (high IS NULL OR high >= ?)))"
            )
            params += [*(prefixes + [""] * 4)[:4], query.age, query.age, query.age]
        sql += " ORDER BY s DESC, id LIMIT 10"
        rows = self.db.execute(sql, params).fetchall()
        matches = tuple(Match(self.services[row[0]], float(row[1]), (), "gmina") for row in rows)
        return SearchResult(matches, frozenset())


class FuzzBaseline:
    """rapidfuzz over every service's text, no index and no place filter."""

    def __init__(self, catalog: Catalog) -> None:
        self.services = list(catalog.services)
        self.texts = [service_text(service) for service in self.services]

    def search(self, query: Query) -> SearchResult:
        found = process.extract(
            query.text,
            self.texts,
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            limit=10,
            score_cutoff=50,
        )
        matches = tuple(Match(self.services[i], float(s), (), "gmina") for _, s, i in found)
        return SearchResult(matches, frozenset())


def timed(
    search: Callable[[Query], SearchResult],
    questions: Sequence[Question],
    resolve: Callable[[str], str | None],
) -> tuple[Evaluation, list[float]]:
    times: list[float] = []

    def clocked(query: Query) -> SearchResult:
        start = time.perf_counter()
        result = search(query)
        times.append((time.perf_counter() - start) * 1000)
        return result

    return evaluate(questions, clocked, resolve, lambda text: Need(text=text)), times


def p99(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def quality_figures(rows: Sequence[Row], count: int) -> list[Figure]:
    """Hit@3 (leaks in the measure) and p99 per contender on the eval catalogue."""
    name = f"search quality, {count} eval questions (eval catalogue)"
    figures: list[Figure] = []
    for row in rows:
        figures.append(Figure(name, f"{row.name}: hit@3 ({row.leaks} leaks)", row.hit * 100, "%"))
        figures.append(Figure(name, f"{row.name}: p99 per query", row.p99_ms, "ms"))
    return figures


def quality(
    catalog: Catalog, questions: list[Question], resolve: Callable[[str], str | None]
) -> list[Row]:
    index = SearchIndex(catalog)
    contenders: list[tuple[str, Callable[[Query], SearchResult]]] = [
        ("SQL LIKE", LikeBaseline(catalog, filter_place=False).search),
        ("SQL LIKE + place/age filter", LikeBaseline(catalog, filter_place=True).search),
        ("rapidfuzz over all texts", FuzzBaseline(catalog).search),
        ("Drogowskaz SearchIndex", lambda query: index.search(query, limit=10)),
    ]
    rows = []
    for variant, asked in (("", questions), (" (no diacritics)", stripped(questions))):
        for name, search in contenders:
            evaluation, times = timed(search, asked, resolve)
            rows.append(
                Row(
                    name + variant,
                    evaluation.hit_rate,
                    evaluation.leaks,
                    p99(times),
                )
            )
    return rows


def stripped(questions: Sequence[Question]) -> list[Question]:
    return [replace(q, text=fold(q.text), place=fold(q.place)) for q in questions]


def synthetic(catalog: Catalog, size: int, rng: random.Random) -> tuple[Catalog, list[str]]:
    """`size` services: eval services copied to random gminas; its national lines once."""
    gminas = sorted(
        {
            f"{w:02d}{p:02d}{g:02d}"
            for w in range(2, 33, 2)
            for p in range(1, 21)
            for g in range(1, 13)
        }
    )
    local = [s for s in catalog.services if all(a.code for a in s.areas)]
    national = [s for s in catalog.services if not all(a.code for a in s.areas)]
    services: list[Service] = list(national)
    while len(services) < size:
        template = local[len(services) % len(local)]
        gmina = rng.choice(gminas)
        level = rng.choice((6, 6, 6, 4, 4, 2))
        area = Area(code=gmina[:level], written=gmina[:level])
        services.append(replace(template, id=f"{template.id}-{len(services)}", areas=(area,)))
    return replace(catalog, services=tuple(services)), gminas


def speed(
    catalog: Catalog,
    questions: list[Question],
    sizes: Sequence[int],
    *,
    messages: Sequence[str] = (),
    places: Gazetteer | None = None,
) -> list[Figure]:
    """Wall and CPU time per query (CPU time is what a busy shared machine does not inflate),
    and the same questions through both baselines on the same catalogue, for the ratio; then
    whole messages as people write them, read (`catalog.reading`) and searched."""
    rng = random.Random(7)
    figures: list[Figure] = []
    for size in sizes:
        big, gminas = synthetic(catalog, size, rng)
        start, start_cpu = time.perf_counter(), time.process_time()
        index = SearchIndex(big)
        build, build_cpu = time.perf_counter() - start, time.process_time() - start_cpu
        asked = [
            Query(text=question.text, age=question.age, gmina=rng.choice(gminas))
            for _ in range(20)
            for question in questions
        ]
        wall, cpu = clock(partial(index.search, limit=10), asked)
        once = asked[: len(questions)]
        like, _ = clock(LikeBaseline(big, filter_place=True).search, once)
        fuzzy, _ = clock(FuzzBaseline(big).search, once)
        name = "search, " + f"{size:,}".replace(",", " ") + " services"
        target = TARGET_P99_MS.get(size)
        figures += [
            Figure(name, "index build", build, "s", cpu=build_cpu),
            Figure(name, "median per query", statistics.median(wall), "ms"),
            Figure(name, f"p99 per query ({len(wall)} queries)", p99(wall), "ms", target),
            Figure(name, "p99 CPU per query", p99(cpu), "ms", target),
            Figure(name, "SQL LIKE + place filter: p99 / ours", p99(like) / p99(wall), "x"),
            Figure(name, "rapidfuzz over all texts: p99 / ours", p99(fuzzy) / p99(wall), "x"),
        ]
        if messages and places is not None:
            read_wall, read_cpu = clock_reading(index, places, list(messages) * 20)
            goal = TARGET_READ_P99_MS.get(size)
            figures += [
                Figure(
                    name, "one message read + searched: median", statistics.median(read_wall), "ms"
                ),
                Figure(
                    name,
                    f"one message read + searched: p99 ({len(read_wall)})",
                    p99(read_wall),
                    "ms",
                    goal,
                ),
                Figure(name, "one message read + searched: p99 CPU", p99(read_cpu), "ms", goal),
            ]
    return figures


def clock_reading(
    index: SearchIndex, places: Gazetteer, messages: Sequence[str]
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of reading each message and searching what it says."""
    wall: list[float] = []
    cpu: list[float] = []
    for message in messages:
        start, start_cpu = time.perf_counter(), time.process_time()
        need = read(message, places, served=index.locality)
        gmina = need.place.gmina.code if need.place is not None and need.place.gmina else None
        index.search(need.query(gmina=gmina), limit=10)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def clock(
    search: Callable[[Query], SearchResult], queries: Sequence[Query]
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each query."""
    wall: list[float] = []
    cpu: list[float] = []
    for query in queries:
        start, start_cpu = time.perf_counter(), time.process_time()
        search(query)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--eval", type=Path, default=EVAL)
    parser.add_argument("--sizes", type=int, nargs="*", help="default 1k 10k 100k")
    parser.add_argument("--quick", action="store_true", help="1k and 10k services only")
    parser.add_argument("--no-header", action="store_true", help="rows only (for bench/run)")
    arguments = parser.parse_args(argv)
    sizes = arguments.sizes or ([1_000, 10_000] if arguments.quick else [1_000, 10_000, 100_000])
    preload_lemmas()
    places = builtin_gazetteer()
    report = check(
        (arguments.eval / "catalog.yaml").read_bytes(), filename="catalog.yaml", places=places
    )
    if report.catalog is None:
        raise SystemExit(f"the eval catalogue does not validate: {report.errors}")
    questions = questions_from(yaml.safe_load((arguments.eval / "questions.yaml").read_text()))

    def resolve(text: str) -> str | None:
        answer = places.find(text)
        return answer.gmina.code if answer.gmina else None

    SearchIndex(report.catalog).search(Query(text="rozgrzewka"))  # vocabulary loaded once
    figures = quality_figures(quality(report.catalog, questions, resolve), len(questions))
    print_figures(figures, header=not arguments.no_header)
    oneshot = arguments.eval / "oneshot.yaml"
    messages = (
        [q.text for q in questions_from(yaml.safe_load(oneshot.read_text()))]
        if oneshot.is_file()
        else []
    )
    read(messages[0] if messages else "rozgrzewka", places)  # number words, detector: once
    figures = speed(report.catalog, questions, sizes, messages=messages, places=places)
    print_figures(figures, header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
