"""Bot throughput: 1,000 simulated people talking to the real bot at once.

The bot runs as it does in production, `drogowskaz run` in its own process, polling the local
Bot API server of tests/botapi. The server and the simulated people run here, in the
benchmark's process, so the load they make is not counted as the bot's work (both processes'
CPU time is printed: on 2 cores, each has about one). The bot's data directory holds the full
gazetteer and a synthetic catalogue. Every person has a whole conversation: /start, who needs
help, age, a situation, done, then types their gmina and gets the results. They answer whatever
the bot asks, by its buttons.

python-telegram-bot's flood limiter (30 messages a second in all, as Telegram allows) is lifted:
with it, the figures would be the limiter's queue, not the bot's work. Telegram itself is the
real ceiling at ~30 messages a second, so the bot must simply never be the bottleneck.

Two runs on the same bot:
- saturation: everyone answers as soon as the bot's reply is complete; updates handled per
  second is the bot's capacity (target >= 300/s). Latency here is only queueing (1,000 people
  wait in line), so it has no target;
- paced: people take 1-5 s to answer, which offers ~300 updates/s from 1,000 people; p99 time
  from update to reply (target <= 100 ms) is what a person waits when that many use the bot.

    python -m bench.throughput [--quick] [--users 1000] [--count 10000] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.generate import REPO, catalogue_database, covered_gminas, read_gminas
from bench.report import Figure, print_figures
from tests.botapi.server import TOKEN, BotApiServer, Call, FakeUser, inline_buttons

REPLY_METHODS = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendVenue", "sendLocation"}
)
SETTLE_SECONDS = 0.03  # a reply is complete when the chat stays quiet this long
STEP_TIMEOUT_SECONDS = 60.0
MAX_STEPS = 12
THROUGHPUT_TARGET = 300.0
LATENCY_TARGET_MS = 100.0
USER_ID_BASE = 10_000_000
# `drogowskaz run` with python-telegram-bot's flood limiter (30 messages/s in total, as Telegram
# allows) lifted, so what is measured is the bot's own work, not the limiter's queue.
UNLIMITED = """
from telegram.ext import AIORateLimiter
_init = AIORateLimiter.__init__
def _unlimited(self, *args, **kwargs):
    kwargs.update(overall_max_rate=0, group_max_rate=0)
    _init(self, *args, **kwargs)
AIORateLimiter.__init__ = _unlimited
"""
# If the benchmark itself is killed, the bot stops too instead of polling a dead server forever.
WITH_PARENT = """
import os, signal, threading, time
_parent = os.getppid()
def _watch_parent():
    while os.getppid() == _parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=_watch_parent, daemon=True).start()
"""
RUN = """
import sys
from bot.cli import main
sys.exit(main(["run"]))
"""
# With --profile: the bot samples its own threads' stacks every 5 ms and, when it stops, logs
# where the busy threads were (self = innermost function, total = anywhere on the stack).
PROFILER = """
import atexit, collections, sys, threading, time
IDLE = {"select", "_worker", "wait", "_wait_for_tstate_lock", "sample", "poll", "get"}
IDLE.add("_watch_parent")
own, total, samples = collections.Counter(), collections.Counter(), [0]
def name(code):
    return code.co_filename.rsplit("/", 2)[-1] + ":" + code.co_name
def sample():
    me = threading.get_ident()
    while True:
        time.sleep(0.005)
        for ident, frame in sys._current_frames().items():
            if ident == me or frame.f_code.co_name in IDLE:
                continue
            samples[0] += 1
            own[name(frame.f_code)] += 1
            seen = set()
            while frame is not None:
                key = name(frame.f_code)
                if key not in seen:
                    seen.add(key)
                    total[key] += 1
                frame = frame.f_back
def dump():
    n = max(samples[0], 1)
    print("PROFILE busy samples:", samples[0], file=sys.stderr)
    for title, counter in (("self", own), ("total", total)):
        for key, count in counter.most_common(40):
            print(f"PROFILE {title} {100 * count / n:5.1f}% {key}", file=sys.stderr)
atexit.register(dump)
threading.Thread(target=sample, daemon=True).start()
"""


@dataclass
class _Chat:
    """What the server saw of one chat: reply times and the bot's messages in it."""

    replies: list[float] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class TimingServer(BotApiServer):
    """The local Bot API server, also noting when the bot replied in each chat."""

    def __init__(self) -> None:
        super().__init__()
        self.chats: dict[int, _Chat] = defaultdict(_Chat)
        self.last_reply = 0.0

    async def _record(self, call: Call) -> None:
        if call.method in REPLY_METHODS and call.fault is None and call.chat_id is not None:
            now = time.perf_counter()
            chat = self.chats[int(call.chat_id)]
            chat.replies.append(now)
            chat.changed.set()
            self.last_reply = now
        # The base class keeps every call; a benchmark needs only the times above.

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        message = super()._bot_message(params)
        self.chats[int(params["chat_id"])].message_ids.append(int(message["message_id"]))
        return message

    def bot_messages(self, chat_id: int, since: int = 0) -> list[dict[str, Any]]:
        """The bot's messages in a chat from the `since`-th on (edits show in place)."""
        messages = self._state.messages
        ids = self.chats[chat_id].message_ids[since:]
        return [messages[(chat_id, i)] for i in ids if (chat_id, i) in messages]


def _tokens(message: dict[str, Any]) -> list[str]:
    return [str(button.get("callback_data", "")) for button in inline_buttons(message)]


@dataclass
class Person:
    """One simulated person and what they will answer."""

    user: FakeUser
    place: str
    situation: str
    who: str
    age: str
    think: tuple[float, float]
    rng: random.Random
    latencies: list[float] = field(default_factory=list)
    updates: int = 0
    finished: bool = False


async def _wait_reply(server: TimingServer, chat_id: int, sent_at: float) -> float:
    """Wait for the bot's first reply after `sent_at`, then until the chat is quiet."""
    chat = server.chats[chat_id]
    async with asyncio.timeout(STEP_TIMEOUT_SECONDS):
        while not chat.replies or chat.replies[-1] < sent_at:
            chat.changed.clear()
            await chat.changed.wait()
        first = next(moment for moment in chat.replies if moment >= sent_at)
        while True:
            chat.changed.clear()
            try:
                await asyncio.wait_for(chat.changed.wait(), SETTLE_SECONDS)
            except TimeoutError:
                return first - sent_at


async def converse(server: TimingServer, person: Person) -> None:
    """A whole conversation: answer what the bot asks until it shows results."""
    chat_id = person.user.id
    seen = 0
    typed_place = chose_situation = False
    action: tuple[str, Any] = ("text", "/start")
    for _ in range(MAX_STEPS):
        low, high = person.think
        if high > 0:
            await asyncio.sleep(person.rng.uniform(low, high))
        sent_at = time.perf_counter()
        kind, value = action
        if kind == "text":
            server.text(person.user, value)
        else:
            message, data = value
            server.callback(person.user, message, data)
        person.updates += 1
        person.latencies.append(await _wait_reply(server, chat_id, sent_at))
        messages = server.bot_messages(chat_id)
        fresh = messages[seen:] or messages[-1:]
        seen = len(messages)
        buttons = [(message, token) for message in fresh for token in _tokens(message)]
        tokens = {token for _, token in buttons}

        def press(token: str, buttons: list[tuple[dict[str, Any], str]] = buttons) -> Any:
            return "press", next((m, t) for m, t in buttons if t == token)

        if f"who:{person.who}" in tokens:
            action = press(f"who:{person.who}")
        elif f"age:{person.age}" in tokens:
            action = press(f"age:{person.age}")
        elif "sit:done" in tokens:
            action = press("sit:done" if chose_situation else f"sit:{person.situation}")
            chose_situation = True
        elif place_choices := [t for t in tokens if t.startswith("place:")]:
            action = press(sorted(place_choices)[0])
        elif not typed_place:
            action = ("text", person.place)
            typed_place = True
        else:
            person.finished = True
            return
    person.finished = True


def people(
    count: int, places: Sequence[str], *, think: tuple[float, float], first_id: int = USER_ID_BASE
) -> list[Person]:
    """Seeded people with varied answers, living in the catalogue's region; their chats are
    `first_id` onwards (a second crowd on the same bot must not continue the first's chats)."""
    rng = random.Random(count)
    situations = ("unemployment", "poverty", "family", "domestic_violence", "elderly_care")
    everyone = []
    for number in range(count):
        language = rng.choice(("pl", "pl", "pl", "uk", "en"))
        person_rng = random.Random(number)
        everyone.append(
            Person(
                user=FakeUser(first_id + number, first_name="Osoba", language_code=language),
                place=rng.choice(places),
                situation=rng.choice(situations),
                who=rng.choice(("me", "me", "child", "other")),
                age=rng.choice(("15-17", "18-25", "26-59", "26-59", "60-")),
                think=think,
                rng=person_rng,
            )
        )
    return everyone


def unique_places(count: int) -> list[str]:
    """Names of gminas in the synthetic catalogue's region that name one gmina only."""
    gminas = read_gminas()
    named = Counter(gmina.name for gmina in gminas)
    region = covered_gminas(gminas, count)
    return sorted({g.name for g in region if named[g.name] == 1})[:200] or ["Mordy"]


@dataclass
class BotProcess:
    """`drogowskaz run` in its own process, pointed at the local Bot API server."""

    data_dir: Path
    log: Path
    profile: bool = False
    process: subprocess.Popen[bytes] | None = None
    # settings over the defaults below, e.g. PostgreSQL and webhook mode (bench.group)
    environment: dict[str, str] = field(default_factory=dict)

    def start(self, server: BotApiServer) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "DROGOWSKAZ_TOKEN": TOKEN,
            "DROGOWSKAZ_BOT_API_URL": server.base_url,
            "DROGOWSKAZ_DATA_DIR": str(self.data_dir),
            "DROGOWSKAZ_DATABASE_URL": f"sqlite:///{self.data_dir / 'drogowskaz.sqlite'}",
            "NO_PROXY": "127.0.0.1,localhost",
        }
        for name in ("DROGOWSKAZ_CATALOG", "DROGOWSKAZ_WEBHOOK_URL", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(name, None)
        env.update(self.environment)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-c", self.command()],
                cwd=self.data_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def command(self) -> str:
        """The Python code the bot's process runs."""
        return WITH_PARENT + UNLIMITED + (PROFILER if self.profile else "") + RUN

    def cpu_seconds(self) -> float | None:
        """CPU time the bot's process has used so far (Linux /proc), None when unknown."""
        if self.process is None:
            return None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def cpu_wait_seconds(self) -> float | None:
        """Time the bot's event loop was ready to run but waited for a CPU (Linux schedstat):
        on a machine shared with other work, a part of the latency that is not the bot's."""
        if self.process is None:
            return None
        pid = self.process.pid
        try:
            waited = int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return None
        return waited / 1e9

    def stop(self) -> None:
        """SIGTERM, then wait (blocking: the bot's last getUpdates may wait for its timeout)."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    async def terminate(self) -> None:
        """SIGTERM, then wait without blocking: the server must answer the bot's last calls."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        for _ in range(150):
            if process.poll() is not None:
                return
            await asyncio.sleep(0.1)
        process.kill()
        process.wait()

    def failure(self, lines: int = 20) -> str:
        """The end of the bot's log, to show when it did not answer."""
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def deployment(root: Path, count: int) -> Path:
    """A fresh data directory: full gazetteer and a loaded catalogue of `count` services."""
    data_dir = root / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(catalogue_database(count), data_dir / "drogowskaz.sqlite")
    return data_dir


def p99(values: Sequence[float]) -> float:
    """The 99th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-99 * len(ordered) // 100) - 1))]


async def _warm_up(server: TimingServer, bot: BotProcess, places: Sequence[str]) -> None:
    """One whole conversation before measuring: start-up work (loading the vocabularies, the
    first search index) is measured by bench.startup, not here."""
    probe = people(1, places, think=(0.0, 0.0))[0]
    probe.user = FakeUser(1, first_name="Probe")
    conversation = asyncio.ensure_future(converse(server, probe))
    async with asyncio.timeout(180):
        while not conversation.done():
            if bot.process is not None and bot.process.poll() is not None:
                conversation.cancel()
                raise RuntimeError(f"the bot stopped:\n{bot.failure()}")
            await asyncio.wait([conversation], timeout=0.5)
    await conversation
    if not probe.finished:
        raise RuntimeError(f"the warm-up conversation did not finish:\n{bot.failure()}")


async def _run(
    server: TimingServer, bot: BotProcess, crowd: list[Person], label: str, *, saturation: bool
) -> list[Figure]:
    start, cpu, load_cpu = time.perf_counter(), bot.cpu_seconds(), time.process_time()
    waited = bot.cpu_wait_seconds()
    results = await asyncio.gather(
        *(converse(server, person) for person in crowd), return_exceptions=True
    )
    elapsed = max(server.last_reply, start) - start
    cpu_end, load_cpu_end, waited_end = (
        bot.cpu_seconds(),
        time.process_time(),
        bot.cpu_wait_seconds(),
    )
    failures = [result for result in results if isinstance(result, BaseException)]
    updates = sum(person.updates for person in crowd)
    latencies = [value * 1000 for person in crowd for value in person.latencies]
    finished = sum(person.finished for person in crowd)
    name = f"bot, {len(crowd)} people, {label}"
    figures = [
        Figure(name, "updates handled per second", updates / elapsed, "/s",
               THROUGHPUT_TARGET if saturation else None, at_least=True),
        Figure(name, "update->reply median", statistics.median(latencies), "ms"),
        Figure(name, "update->reply p99", p99(latencies), "ms",
               None if saturation else LATENCY_TARGET_MS),
        Figure(name, "conversations finished", 100.0 * finished / len(crowd), "%"),
    ]  # fmt: skip
    if cpu is not None and cpu_end is not None and updates:
        figures.append(Figure(name, "bot CPU per update", (cpu_end - cpu) * 1000 / updates, "ms"))
        figures.append(Figure(name, "bot process CPU", 100 * (cpu_end - cpu) / elapsed, "%"))
    if waited is not None and waited_end is not None:
        share = 100 * (waited_end - waited) / elapsed
        figures.append(Figure(name, "bot event loop waiting for a CPU", share, "%"))
    load = 100 * (load_cpu_end - load_cpu) / elapsed
    figures.append(Figure(name, "load process CPU (server + people)", load, "%"))
    if failures:
        print(f"# {len(failures)} conversations failed: {failures[0]!r}", file=sys.stderr)
    return figures


async def measure(users: int, count: int, *, profile: bool = False) -> list[Figure]:
    """One bot process, flood limit lifted: capacity (saturation), then latency (paced)."""
    places = unique_places(count)
    with tempfile.TemporaryDirectory(prefix="drogowskaz-bench-") as root:
        data_dir = deployment(Path(root), count)
        server = TimingServer()
        await server.start()
        bot = BotProcess(data_dir, Path(root) / "bot.log", profile=profile)
        try:
            bot.start(server)
            await _warm_up(server, bot, places)
            crowd = people(users, places, think=(0.0, 0.0))
            figures = await _run(server, bot, crowd, "no think time", saturation=True)
            crowd = people(users, places, think=(1.0, 5.0), first_id=USER_ID_BASE + users)
            figures += await _run(server, bot, crowd, "1-5 s think time", saturation=False)
        finally:
            await bot.terminate()
            await server.stop()
            if profile:
                profiled = [line for line in bot.failure(2000).splitlines() if "PROFILE" in line]
                print("\n".join(profiled), file=sys.stderr)
    return figures


HOW = """\
# How: `drogowskaz run` in its own process polls the local Bot API server (tests/botapi), which
# runs with the simulated people in the benchmark's process; flood limiter lifted (see --help).
# no think time = everyone answers at once (capacity); 1-5 s = ~300 updates/s offered (latency)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description="bot throughput benchmark")
    parser.add_argument("--quick", action="store_true", help="200 people")
    parser.add_argument("--users", type=int, help="simulated people (default 1000)")
    parser.add_argument("--count", type=int, default=10_000, help="services in the catalogue")
    parser.add_argument("--no-header", action="store_true", help="rows only (for bench/run)")
    parser.add_argument("--profile", action="store_true", help="print where the bot spends time")
    arguments = parser.parse_args(argv)
    users = arguments.users or (200 if arguments.quick else 1000)
    figures = asyncio.run(measure(users, arguments.count, profile=arguments.profile))
    print_figures(figures, header=not arguments.no_header)
    print(HOW)
    return 0


if __name__ == "__main__":
    sys.exit(main())
