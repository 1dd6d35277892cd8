"""One reload reads the file once and lays the catalogue out once: its check makes the layout
its hash is made of, and the store keeps that same layout (no second pass, not even when the
catalogue becomes a partnership's and is hashed again) — by `/reload` in the bot's process, by
the child's job, and by `catalog load`."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import catalog.assemble
import catalog.format
from bot.cli import main
from bot.isolated import Checked, Job, Limits, do_job
from bot.reload import Fetched, Reloader
from bot.runtime import Runtime
from bot.settings import Settings
from catalog.format import RawDocument
from catalog.model import Institution, Service
from tests.bot.test_reload import make_runtime
from tests.builders import siedlce_offices_yaml

# Institution ids of their own: the catalogue served before and the sample have the others.
FILE = (
    siedlce_offices_yaml("Katalog bez partnerstwa")
    .replace(b"-siedlce\n", b"-nowy\n")
    .replace(b"id: niebieska-linia\n", b"id: niebieska-linia-nowa\n")
)
INSTITUTIONS = ("mopr-nowy", "ohp-nowy", "niebieska-linia-nowa")


def counted(monkeypatch: pytest.MonkeyPatch, name: str, counting: object) -> None:
    """Put `counting` in place of the function `name` of catalog/ wherever it is: in its own
    module and in every module that imported it by name."""
    original = getattr(catalog.assemble, name, None) or getattr(catalog.format, name)
    for module in list(sys.modules.values()):
        if getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, counting)


@pytest.fixture
def laid_out(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each institution was put in the file's layout (by id)."""
    counts: Counter[str] = Counter()
    original = catalog.assemble.institutions_data

    def counting(
        institutions: tuple[Institution, ...], services: tuple[Service, ...]
    ) -> Iterator[dict[str, object]]:
        for data in original(institutions, services):
            counts[str(data["id"])] += 1
            yield data

    counted(monkeypatch, "institutions_data", counting)
    return counts


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each file was parsed (by file name)."""
    counts: Counter[str] = Counter()
    original = catalog.format.read_document

    def counting(data: bytes, *, filename: str) -> RawDocument:
        counts[filename] += 1
        return original(data, filename=filename)

    counted(monkeypatch, "read_document", counting)
    return counts


async def test_a_reload_in_the_bot_s_process_lays_the_catalogue_out_once(
    tmp_path: Path, laid_out: Counter[str], read: Counter[str]
) -> None:
    runtime = make_runtime(tmp_path)
    laid_out.clear()  # the catalogue served until now was laid out to be stored
    read.clear()

    outcome = await Reloader(runtime).reload(
        Fetched(FILE, "nowy.yaml"), partnerships=frozenset({"siedlce"})
    )

    assert (outcome.status, runtime.catalogs["siedlce"].name) == (
        "loaded",
        "Katalog bez partnerstwa",
    )
    assert (dict(laid_out), dict(read)) == (dict.fromkeys(INSTITUTIONS, 1), {"nowy.yaml": 1})
    stored = runtime.database.load_catalog("siedlce")
    assert stored is not None
    assert stored.content_hash == outcome.serving.content_hash
    assert [s.id for s in stored.services] == [s.id for s in outcome.serving.services]


async def test_a_reload_by_the_child_s_job_lays_the_catalogue_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, laid_out: Counter[str], read: Counter[str]
) -> None:
    with Runtime.open(Settings(_env_file=None, data_dir=tmp_path)) as runtime:
        reloader = Reloader(runtime)
        laid_out.clear()  # the bundled sample, served until now, was read and laid out
        read.clear()

        def in_this_process(job: Job, _limits: Limits) -> Checked:
            assert (reloader.isolated, job.store) == (True, True)
            return do_job(job)

        monkeypatch.setattr("bot.reload.run_isolated", in_this_process)
        outcome = await reloader.reload(
            Fetched(FILE, "nowy.yaml"), partnerships=frozenset({"siedlce"})
        )

        assert (outcome.status, runtime.catalogs["siedlce"].name) == (
            "loaded",
            "Katalog bez partnerstwa",
        )
    assert (dict(laid_out), dict(read)) == (dict.fromkeys(INSTITUTIONS, 1), {"nowy.yaml": 1})


@pytest.mark.usefixtures("cli_home")  # its own data directory, in English
def test_catalog_load_lays_the_catalogue_out_once(
    tmp_path: Path, laid_out: Counter[str], read: Counter[str]
) -> None:
    path = tmp_path / "nowy.yaml"
    path.write_bytes(FILE)

    code = main(["catalog", "load", "--partnership", "siedlce", str(path)])

    assert code == 0
    assert ({key: laid_out[key] for key in INSTITUTIONS}, read["nowy.yaml"]) == (
        dict.fromkeys(INSTITUTIONS, 1),
        1,
    )
