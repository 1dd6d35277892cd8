"""Reloading the catalogue while the bot runs: fetch, check, store, index, swap.

A reload never half-succeeds. The file is fetched within size and time limits, checked in a
worker thread, stored in one transaction, indexed, and only then swapped into the runtime in a
single assignment: a search running at that moment sees the old catalogue or the new one,
never a mix. Any failure leaves the old catalogue serving. Reloads take turns (a lock).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Final, Literal
from urllib.parse import urlsplit

import httpx
from sqlalchemy.exc import SQLAlchemyError

from bot.isolated import ChildFailedError, Job, Limits, problems_of, run_isolated
from bot.runtime import Runtime
from catalog.assemble import Layout
from catalog.model import Catalog, CatalogDiff, diff_catalogs
from catalog.partnerships import as_partnership, loaded_as, merge
from catalog.places import Gazetteer
from catalog.search import SearchIndex, release
from catalog.validation import Report, check

_LOG = logging.getLogger(__name__)

FetchFailure = Literal[
    "no_source", "not_found", "too_large", "timeout", "http_status", "network", "redirect_refused"
]
CHUNK_BYTES: Final = 64 * 1024


class FetchError(Exception):
    """The catalogue file could not be had; `reason` says why, for the coordinator."""

    def __init__(self, reason: FetchFailure, *, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: FetchFailure = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Fetched:
    """A catalogue file's bytes and a name that tells YAML from CSV."""

    data: bytes
    filename: str


def is_url(source: str) -> bool:
    """True for an http(s) URL; anything else is a file path."""
    return urlsplit(source).scheme.lower() in ("http", "https")


def filename_for_url(url: str, content_type: str = "") -> str:
    """A file name for a downloaded catalogue: from the URL, or CSV when it says so.

    A spreadsheet published as CSV has a URL like `.../pub?output=csv` and no file name.
    """
    parts = urlsplit(url)
    name = PurePosixPath(parts.path).name
    if name.lower().endswith((".yaml", ".yml", ".csv")):
        return name
    if "csv" in content_type.lower() or "csv" in parts.query.lower():
        return "catalog.csv"
    return name or "catalog.yaml"


async def fetch(
    source: str | None,
    *,
    max_bytes: int,
    time_limit: float,
    allow_private_redirects: bool = False,
) -> Fetched:
    """The catalogue from a file path or an http(s) URL: at most `max_bytes`, in `time_limit` s."""
    if not source:
        raise FetchError("no_source")
    if is_url(source):
        return await fetch_url(
            source,
            max_bytes=max_bytes,
            time_limit=time_limit,
            allow_private_redirects=allow_private_redirects,
        )
    return await asyncio.to_thread(read_path, source, max_bytes=max_bytes)


def read_path(source: str, *, max_bytes: int) -> Fetched:
    """A local catalogue file, refused when larger than the limit (checked before reading)."""
    path = Path(source).expanduser()
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FetchError("too_large", detail=str(size))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except (FileNotFoundError, IsADirectoryError) as error:
        raise FetchError("not_found", detail=path.name) from error
    except OSError as error:
        raise FetchError("network", detail=type(error).__name__) from error
    if len(data) > max_bytes:  # the file grew while we read it
        raise FetchError("too_large", detail=str(len(data)))
    return Fetched(data=data, filename=path.name)


async def fetch_url(
    url: str,
    *,
    max_bytes: int,
    time_limit: float,
    transport: httpx.AsyncBaseTransport | None = None,
    allow_private_redirects: bool = False,
) -> Fetched:
    """Download a catalogue, streaming, stopping as soon as it exceeds the size limit.

    `time_limit` bounds the whole download, not each read: a server trickling bytes is cut off.
    The configured URL is the operator's; where it redirects is the remote server's say, so a
    redirect to anything but a public http(s) address (loopback, private, link-local: the
    host's own services, a cloud's metadata endpoint) is refused unless allowed.
    """
    requests = 0

    async def guard(request: httpx.Request) -> None:
        nonlocal requests
        requests += 1
        if requests > 1 and not allow_private_redirects:
            await refuse_unless_public(request.url)

    try:
        async with (
            asyncio.timeout(time_limit),
            httpx.AsyncClient(
                timeout=time_limit,
                follow_redirects=True,
                transport=transport,
                event_hooks={"request": [guard]},
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != httpx.codes.OK:
                raise FetchError("http_status", detail=str(response.status_code))
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError("too_large", detail=declared)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError("too_large", detail=f">{max_bytes}")
                chunks.append(chunk)
            content_type = response.headers.get("content-type", "")
            final_url = str(response.url)  # after redirects: a short link's file name counts
    except (TimeoutError, httpx.TimeoutException) as error:
        raise FetchError("timeout") from error
    except httpx.HTTPError as error:
        raise FetchError("network", detail=type(error).__name__) from error
    return Fetched(data=b"".join(chunks), filename=filename_for_url(final_url, content_type))


async def refuse_unless_public(url: httpx.URL) -> None:
    """Raise FetchError('redirect_refused') unless the URL is http(s) and every address its
    host resolves to is a public one."""
    host = url.host
    if url.scheme not in ("http", "https") or not host:
        raise FetchError("redirect_refused", detail=str(url.scheme))
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port)
    except OSError as error:
        raise FetchError("network", detail=type(error).__name__) from error
    for *_, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise FetchError("redirect_refused", detail=host)


ReloadStatus = Literal["loaded", "same", "refused", "store_failed", "not_yours"]


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did: the check's report, what changed, and what is served now."""

    status: ReloadStatus
    report: Report
    # The partnership's catalogue served after the attempt (the old one unless "loaded"); for
    # a file of a partnership the coordinator does not keep ("not_yours"), that file's.
    serving: Catalog
    diff: CatalogDiff | None = None

    @property
    def loaded(self) -> bool:
        """True when the new catalogue is now served."""
        return self.status == "loaded"


class Reloader:
    """Checks and reloads the runtime's catalogue, one reload at a time.

    With a real gazetteer and a database another process can open, the file is checked (and
    stored) in a child process with a memory and time cap (`bot.isolated`); the new catalogue
    is then read back from the database in batches, as at start-up. Otherwise (tests with
    fakes, or DROGOWSKAZ_CHECK_IN_CHILD_PROCESS=false) it is checked in a worker thread here.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._lock = asyncio.Lock()
        settings = runtime.settings
        self.limits = Limits(
            memory_bytes=settings.check_memory_mb * 1024 * 1024,
            seconds=settings.check_timeout_seconds,
        )
        self.isolated = (
            settings.check_in_child_process
            and isinstance(runtime.gazetteer, Gazetteer)
            and ":memory:" not in runtime.database.url
        )

    async def check(self, fetched: Fetched) -> Report:
        """Validate a file against the runtime's places; loads nothing."""
        if self.isolated:
            try:
                checked = await asyncio.to_thread(run_isolated, self._job(fetched), self.limits)
            except ChildFailedError as failure:
                _LOG.warning("catalogue check stopped: %s", failure.reason)
                return Report(catalog=None, problems=problems_of(failure))
            return checked.report
        return await asyncio.to_thread(
            check, fetched.data, filename=fetched.filename, places=self.runtime.gazetteer
        )

    def _job(
        self, fetched: Fetched, *, partnerships: frozenset[str] | None = None, store: bool = False
    ) -> Job:
        runtime = self.runtime
        served = (
            None
            if runtime.is_sample
            else {name: catalog.content_hash for name, catalog in runtime.catalogs.items()}
        )
        return Job(
            data=fetched.data,
            filename=fetched.filename,
            database_url=runtime.database.url,
            places_cache=runtime.settings.places_index_file,
            bundle_cache=runtime.settings.places_bundle_index_file,
            store=store,
            partnerships=partnerships,
            served=served,
        )

    async def _reload_isolated(
        self, fetched: Fetched, partnerships: frozenset[str] | None
    ) -> ReloadOutcome:
        """The child checks and stores; the stored catalogue is read back here and served."""
        runtime = self.runtime
        job = self._job(fetched, partnerships=partnerships, store=True)
        try:
            checked = await asyncio.to_thread(run_isolated, job, self.limits)
        except ChildFailedError as failure:
            _LOG.warning("catalogue reload stopped: %s", failure.reason)
            refused = Report(catalog=None, problems=problems_of(failure))
            return ReloadOutcome(status="refused", report=refused, serving=runtime.catalog)
        report, problems = checked.report, checked.report.problems
        old = runtime.catalogs.get(checked.partnership)
        if checked.status == "refused":
            return ReloadOutcome(status="refused", report=report, serving=runtime.catalog)
        if checked.status == "not_yours":  # only the file's partnership is told
            found = Catalog(checked.name, (), (), "", partnership=checked.partnership)
            return ReloadOutcome(status="not_yours", report=report, serving=found)
        if checked.status == "same" and old is not None:
            same = CatalogDiff(added=(), removed=(), changed=())
            return ReloadOutcome(
                status="same",
                report=Report(catalog=old, problems=problems),
                serving=old,
                diff=same,
            )
        stored = None
        if checked.status == "stored":
            stored = await asyncio.to_thread(runtime.database.load_catalog, checked.partnership)
        if stored is None:
            return ReloadOutcome(
                status="store_failed", report=report, serving=old or runtime.catalog
            )
        del old  # `_swap` retires it: no reference may stay here (see `_retire`)
        catalogs = runtime.with_catalog(stored)
        merged = await asyncio.to_thread(_merged_and_indexed, catalogs)
        served, diff = await self._swap(stored, catalogs, merged)
        report = Report(catalog=served, problems=problems)
        return ReloadOutcome(status="loaded", report=report, serving=served, diff=diff)

    async def reload(
        self, fetched: Fetched, *, partnerships: frozenset[str] | None = None
    ) -> ReloadOutcome:
        """Check, index, store and swap in the file as its partnership's catalogue; on any
        failure the old catalogue stays. `partnerships`: the ones the caller may reload (None:
        any); a file of another partnership is refused, one naming none is the caller's when
        they keep exactly one (`loaded_as`). Other partnerships' catalogues stay.
        """
        async with self._lock:
            if self.isolated:
                return await self._reload_isolated(fetched, partnerships)
            runtime = self.runtime
            report = await self.check(fetched)
            new = report.catalog
            if new is None:
                return ReloadOutcome(status="refused", report=report, serving=runtime.catalog)
            owner = loaded_as(new.partnership, partnerships)
            if owner is None:
                return ReloadOutcome(status="not_yours", report=report, serving=new)
            new = as_partnership(new, owner, layout=report.layout) or new
            old = runtime.catalogs.get(new.partnership)
            if old is not None and new.content_hash == old.content_hash and not runtime.is_sample:
                same = CatalogDiff(added=(), removed=(), changed=())
                return ReloadOutcome(status="same", report=report, serving=old, diff=same)
            del old  # `_install` retires it: no reference may stay here (see `_retire`)
            try:
                served, diff = await self._install(new, index=True, layout=report.layout)
            except SQLAlchemyError as error:
                _LOG.error("storing the new catalogue failed: %s", type(error).__name__)
                serving = runtime.catalogs.get(new.partnership, new)  # nothing was swapped
                return ReloadOutcome(status="store_failed", report=report, serving=serving)
            return ReloadOutcome(status="loaded", report=report, serving=served, diff=diff)

    async def load(
        self, catalog: Catalog, *, index: bool = True, layout: Layout | None = None
    ) -> tuple[Catalog, CatalogDiff]:
        """Store a checked catalogue as its partnership's and serve it (`catalog load` on the
        command line); the catalogue as served and what changed. `index=False` leaves the
        search index to be built at the first search (a process that exits never needs it);
        `layout`: the one its check made (`Report.layout`), stored as it is."""
        async with self._lock:
            return await self._install(catalog, index=index, layout=layout)

    async def _install(
        self, new: Catalog, *, index: bool, layout: Layout | None
    ) -> tuple[Catalog, CatalogDiff]:
        """The one order of a load, under the lock: merge (and index) the catalogues to serve,
        store the new one in one transaction (its notice reaches the other processes), swap
        it in, then say what changed and free the retired catalogues. A failed store raises
        and changes nothing. The catalogue is laid out once per load: by its check, whose
        `layout` is stored as it is (or here, by the store, when none is given)."""
        runtime = self.runtime
        loaded_at = datetime.now(UTC)
        new = dataclasses.replace(new, loaded_at=loaded_at)
        catalogs = runtime.with_catalog(new)
        # built now, kept with the catalogue: the merged one is what is searched
        merged = await asyncio.to_thread(_merged_and_indexed if index else _merged, catalogs)
        await asyncio.to_thread(
            runtime.database.replace_catalog, new, loaded_at=loaded_at, layout=layout
        )
        return await self._swap(new, catalogs, merged)

    async def _swap(
        self, new: Catalog, catalogs: dict[str, Catalog], merged: Catalog
    ) -> tuple[Catalog, CatalogDiff]:
        """Serve the stored catalogue (merged and indexed), then say what changed and free the
        retired catalogues piece by piece."""
        runtime = self.runtime
        # The retired catalogues travel in a list that `_retire` empties (see there): the
        # partnership's previous catalogue first, then the merged one searched until now.
        old = runtime.catalogs.get(new.partnership)
        retired = [old] if old is not None else []
        if runtime.catalog is not old:
            retired.append(runtime.catalog)
        had_previous = old is not None
        runtime.serve(catalogs, merged)
        del old  # the last references are dropped in a worker thread, piece by piece
        diff = await asyncio.to_thread(_retire, retired, new, had_previous=had_previous)
        _LOG.info(
            "catalogue of partnership %r reloaded: %d services (+%d -%d ~%d), hash %s",
            new.partnership,
            len(new.services),
            len(diff.added),
            len(diff.removed),
            len(diff.changed),
            new.content_hash[:12],
        )
        return new, diff

    async def follow(self) -> list[str]:
        """Serve what another process loaded: each partnership whose stored catalogue is not
        the one served here is read from the database, and the merged catalogue swapped as on
        a reload. Returns those partnerships (none, almost always: one cheap query)."""
        async with self._lock:
            runtime = self.runtime
            stored = await asyncio.to_thread(runtime.database.partnerships)
            if not stored:
                return []  # nothing loaded anywhere: the sample stays
            served = {} if runtime.is_sample else runtime.catalogs
            changed = sorted(
                p
                for p, hashed in stored.items()
                if served.get(p) is None or served[p].content_hash != hashed
            )
            if not changed and set(served) <= set(stored):
                return []
            loaded = await asyncio.to_thread(_load_catalogs, runtime, changed)
            catalogs = {p: c for p, c in served.items() if p in stored}
            catalogs.update({catalog.partnership: catalog for catalog in loaded})
            merged = await asyncio.to_thread(_merged_and_indexed, catalogs)
            kept = {id(catalog) for catalog in catalogs.values()}
            retired = [c for c in runtime.catalogs.values() if id(c) not in kept]
            if id(runtime.catalog) not in kept:
                retired.append(runtime.catalog)
            runtime.serve(catalogs, merged)
            await asyncio.to_thread(release, retired)
            _LOG.info(
                "catalogues loaded by another process now served: %s",
                ", ".join(repr(p) for p in changed),
            )
            return changed


def _load_catalogs(runtime: Runtime, partnerships: list[str]) -> list[Catalog]:
    loaded = (runtime.database.load_catalog(partnership) for partnership in partnerships)
    return [catalog for catalog in loaded if catalog is not None]


def _retire(retired: list[Catalog], new: Catalog, *, had_previous: bool) -> CatalogDiff:
    """What changed from the partnership's previous catalogue (the first retired one, when
    `had_previous`), then free the retired catalogues piece by piece (worker thread).

    The old catalogues travel in a list that `release` empties, never as arguments of their
    own: a worker thread keeps its call's arguments a moment after the result is handed back,
    and would then drop the last reference itself, in one long GIL-holding go.
    """
    diff = diff_catalogs(retired[0] if had_previous else None, new)
    release(retired)
    return diff


def _merged(catalogs: dict[str, Catalog]) -> Catalog:
    """The catalogue to search: the partnerships' catalogues merged."""
    return merge(list(catalogs.values()))


def _merged_and_indexed(catalogs: dict[str, Catalog]) -> Catalog:
    """The catalogue to search, with its index built (in a worker thread, before the swap).

    The merged catalogue carries its search index (`SearchIndex.of`), so the catalogue and its
    index change together (`Runtime.serve`): a search sees the old pair or the new one, never
    a mix. A search that already holds the old catalogue finishes on it.
    """
    merged = _merged(catalogs)
    SearchIndex.of(merged)
    return merged
