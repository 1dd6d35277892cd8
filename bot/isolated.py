"""Checking (and storing) a new catalogue in a child process with a memory and time cap.

A hostile or huge file can at worst fail its own check: the child runs out of its memory
allowance (`RLIMIT_AS`) or its time and dies, while the bot's process keeps answering people.
It also keeps the reload's peak near the start-up's: the file, its parse and the validated
catalogue live and die in the child; the bot's process reads the stored catalogue back from
the database in small batches, as at start-up (`Database.load_catalog`).

The child is started with `spawn` (no copy of the bot's threads or locks), opens the same
database and places index as the bot, and sends back one small `Checked` value.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Final, Literal

from sqlalchemy.exc import SQLAlchemyError

from catalog.validation import Problem, Report

_LOG = logging.getLogger(__name__)

CheckStatus = Literal["checked", "refused", "not_yours", "same", "stored", "store_failed"]
# Why a child gave no answer: over its memory cap, over its time, or it died otherwise.
ChildFailure = Literal["memory", "timeout", "crashed"]
JOIN_SECONDS: Final = 5.0


class ChildFailedError(Exception):
    """The child process gave no answer; `reason` says why (the file is refused for it)."""

    def __init__(self, reason: ChildFailure) -> None:
        super().__init__(reason)
        self.reason: ChildFailure = reason


@dataclass(frozen=True, slots=True)
class Limits:
    """What the child may use: address space in bytes and wall-clock seconds."""

    memory_bytes: int
    seconds: float


@dataclass(frozen=True)
class Job:
    """What the child needs: the file, where the database and places are, and what to do."""

    data: bytes
    filename: str
    database_url: str
    places_cache: Path | None
    bundle_cache: Path | None  # the bundled gazetteer's index, when nothing was imported
    store: bool  # False: check only (the report comes back with its catalogue)
    partnerships: frozenset[str] | None = None  # the ones the caller may reload (None: any)
    served: Mapping[str, str] | None = None  # content hash served per partnership (None: sample)


@dataclass(frozen=True)
class Checked:
    """What the child sends back: the report (with its catalogue only for a check) and, for a
    reload, what it did and which stored catalogue to read."""

    status: CheckStatus
    report: Report
    partnership: str = ""
    name: str = ""
    loaded_at: datetime | None = None


def run_isolated(job: Job, limits: Limits) -> Checked:
    """Run the job in a child process within the limits (blocking: call it in a thread).

    Raises `ChildFailedError` when the child exceeds its limits or dies.
    """
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sending, job, limits), daemon=True)
    process.start()
    sending.close()
    try:
        if not receiving.poll(limits.seconds):
            raise ChildFailedError("timeout")
        try:
            answer: Checked | str = receiving.recv()
        except EOFError as error:  # died without a word: killed by the kernel, or crashed
            raise ChildFailedError("crashed") from error
        if isinstance(answer, str):
            raise ChildFailedError("memory" if answer == "memory" else "crashed")
        return answer
    finally:
        receiving.close()
        if process.is_alive():
            process.kill()
        process.join(JOIN_SECONDS)


def _child(sending: Connection, job: Job, limits: Limits) -> None:
    """The child's whole life: cap itself, do the job, send one answer."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    try:
        answer: Checked | str = do_job(job)
    except MemoryError:
        answer = "memory"
    except Exception:
        _LOG.exception("checking a catalogue in a child process failed")
        answer = "crashed"
    sending.send(answer)
    sending.close()


def do_job(job: Job) -> Checked:
    """Check the file against the deployment's places and, for a reload, store it."""
    from catalog.partnerships import as_partnership, loaded_as
    from catalog.places_store import load_gazetteer
    from catalog.storage import Database
    from catalog.validation import check

    database = Database(job.database_url)
    try:
        gazetteer = load_gazetteer(
            database.engine, cache=job.places_cache, bundle_cache=job.bundle_cache
        )
        report = check(job.data, filename=job.filename, places=gazetteer)
        catalog, layout = report.catalog, report.layout
        if not job.store:  # the layout stays here: only a load stores it
            return Checked("checked", Report(catalog=catalog, problems=report.problems))
        bare = Report(catalog=None, problems=report.problems)
        if catalog is None:
            return Checked("refused", bare)
        found = Checked("refused", bare, partnership=catalog.partnership, name=catalog.name)
        owner = loaded_as(catalog.partnership, job.partnerships)
        if owner is None:
            return _with(found, "not_yours")
        catalog = as_partnership(catalog, owner, layout=layout) or catalog
        found = Checked("refused", bare, partnership=catalog.partnership, name=catalog.name)
        served = job.served
        if served is not None and served.get(catalog.partnership) == catalog.content_hash:
            return _with(found, "same")
        loaded_at = datetime.now(UTC)
        try:
            database.replace_catalog(catalog, loaded_at=loaded_at, layout=layout)
        except SQLAlchemyError as error:
            _LOG.error("storing the new catalogue failed: %s", type(error).__name__)
            return _with(found, "store_failed")
        return Checked("stored", bare, catalog.partnership, catalog.name, loaded_at)
    finally:
        database.dispose()


def _with(checked: Checked, status: CheckStatus) -> Checked:
    return Checked(status, checked.report, checked.partnership, checked.name, checked.loaded_at)


def problems_of(failure: ChildFailedError) -> tuple[Problem, ...]:
    """The one problem that says why the file could not be checked."""
    return (Problem(severity="error", code=f"catalog.check_{failure.reason}"),)
