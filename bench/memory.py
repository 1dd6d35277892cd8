"""Peak memory with the full gazetteer and a country-scale catalogue (100k services).

Each case runs in a fresh subprocess (peak RSS is per process, and an earlier case must not
count): start-up as `drogowskaz run` does it (places and catalogue from the database, then the
warm-up: vocabularies, lemma tables, search index), and start-up followed by a reload of
another catalogue of the same size (the new one is checked and stored in a child process, see
bot/isolated.py, then read back from the database and indexed while the old one still serves;
the child's own peak is shown on its own line). The places index kept beside the data is built
beforehand, as after the first start; the lemma tables are those of the user's cache (built
once per machine).

    python -m bench.memory [--quick] [--count 100000]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.generate import DEFAULT_SEED, REPO, catalogue_database, catalogue_file
from bench.report import Figure, print_figures, rss_mb
from catalog.places_store import load_gazetteer

TARGET_MB = 300.0
CASES = ("start-up", "start-up + reload")


def child(database: Path, catalogue: Path | None) -> dict[str, float]:
    """What the bot holds after start-up (and a reload); runs in the measured subprocess."""
    import asyncio

    from bot.reload import Fetched, Reloader
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.telegram_app import warm_up

    settings = Settings(data_dir=database.parent, database_url=f"sqlite:///{database}")
    runtime = Runtime.open(settings)
    warm_up(runtime)  # as `drogowskaz run` does: vocabularies, lemma tables, search index
    peak = 0.0
    if catalogue is not None:
        fetched = Fetched(data=catalogue.read_bytes(), filename=catalogue.name)

        async def reload() -> tuple[bool, float]:
            outcome = await Reloader(runtime).reload(fetched)
            # The peak while the bot runs. Read here, not after asyncio.run: ending the event
            # loop after a child process was spawned raised this process's high-water mark by
            # ~800 MB in one step no sampler caught (seen 2026-12-02, not explained yet); it
            # happens only when the bot exits.
            return outcome.loaded, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        loaded, peak = asyncio.run(reload())
        if not loaded:
            raise RuntimeError("reload refused")
        del fetched
    import gc

    gc.collect()
    peak = peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    # the child process that checked and stored the new file (bot.isolated), on its own
    checker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    services = len(runtime.catalog.services)
    runtime.close()
    return {"peak_mb": peak, "after_mb": rss_mb(), "services": services, "checker_mb": checker}


def measure(count: int) -> list[Figure]:
    """Both cases, each in its own process."""
    figures: list[Figure] = []
    source = catalogue_database(count)
    other = catalogue_file(count, seed=DEFAULT_SEED + 1)
    for case in CASES:
        with tempfile.TemporaryDirectory(prefix="drogowskaz-bench-") as root:
            database = Path(root) / "drogowskaz.sqlite"
            shutil.copyfile(source, database)
            _keep_places_index(database)
            arguments = [sys.executable, "-m", "bench.memory", "--child", case, str(database)]
            if case != "start-up":
                arguments.append(str(other))
            done = subprocess.run(  # noqa: S603 - our own interpreter and module
                arguments, cwd=root, env=_env(), capture_output=True, text=True, check=False
            )
        if done.returncode != 0:
            raise RuntimeError(f"memory case {case!r} failed:\n{done.stderr[-2000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        name = f"memory, {int(result['services']) // 1000}k services + full gazetteer"
        figures.append(Figure(name, f"{case}: peak RSS", result["peak_mb"], "MB", TARGET_MB))
        figures.append(Figure(name, f"{case}: RSS after", result["after_mb"], "MB"))
        if case != "start-up":
            checker = result["checker_mb"]
            figures.append(
                Figure(name, f"{case}: the check's child process, peak RSS", checker, "MB")
            )
    return figures


def _keep_places_index(database: Path) -> None:
    """Build the places index kept beside the data, as the first start after an import does:
    measured here are the restarts (the first start builds it once: ~25 MB more at peak)."""
    from sqlalchemy import create_engine

    from catalog.places_store import INDEX_FILE

    engine = create_engine(f"sqlite:///{database}")
    load_gazetteer(engine, cache=database.parent / INDEX_FILE)
    engine.dispose()


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("DROGOWSKAZ_")}
    env["PYTHONPATH"] = str(REPO)
    return env


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table (or, with --child, measure one case and print JSON)."""
    parser = argparse.ArgumentParser(description="peak memory benchmark")
    parser.add_argument("--quick", action="store_true", help="10k services instead of 100k")
    parser.add_argument("--count", type=int, help="services in the catalogue")
    parser.add_argument("--no-header", action="store_true", help="rows only (for bench/run)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        _case, database, *catalogue = arguments.child
        result = child(Path(database), Path(catalogue[0]) if catalogue else None)
        print(json.dumps(result))
        return 0
    count = arguments.count or (10_000 if arguments.quick else 100_000)
    print_figures(measure(count), header=not arguments.no_header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
