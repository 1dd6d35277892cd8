"""Coordinators through the local Bot API server: /reload (file, URL, upload), /check,
/feedback, /stats, and everyone else refused."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.i18n import t
from bot.reload import Fetched, Reloader
from bot.runtime import Runtime
from bot.settings import Settings
from bot.stats import Conversation
from catalog.assemble import document_of
from catalog.format import write_csv
from catalog.validation import Report
from tests.botapi import BotApiServer, FakeUser
from tests.builders import ZASILKI_YAML, siedlce_offices_yaml
from tests.conftest import Route, body
from tests.e2e.conftest import Bot

ADMIN = FakeUser(9001, "Koordynatorka", "pl")
STRANGER = FakeUser(9002, "Ktoś", "pl")
LIMIT = 20_000
REFUSED = t("admin.refused", "pl")


BROKEN = siedlce_offices_yaml("Zepsuty").replace(b"domestic_violence", b"przemoc")


def many_errors(count: int) -> bytes:
    services = "".join(
        f"      - id: zla-{n}\n        name: Zła {n}\n        situations: [nieznana{n}]\n"
        for n in range(count)
    )
    return siedlce_offices_yaml("Wiele błędów", extra=services)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The harness's settings plus one coordinator and a catalogue file to reload."""
    path = tmp_path / "katalog.yaml"
    path.write_bytes(siedlce_offices_yaml())
    return settings.model_copy(
        update={
            "admin_ids": frozenset({ADMIN.id}),
            "catalog": str(path),
            "max_catalog_bytes": LIMIT,
            "download_timeout_seconds": 5,
        }
    )


@pytest.fixture
def catalog_file(settings: Settings) -> Path:
    assert settings.catalog is not None
    return Path(settings.catalog)


@pytest.fixture
def web_server(file_server: Callable[[str, Route], str]) -> Callable[[str, bytes], str]:
    """Serves files at paths on 127.0.0.1; returns their URLs."""
    return lambda path, content: file_server(path, body(content, "text/plain"))


def put(path: Path, content: bytes) -> None:
    """Write the coordinator's catalogue file (a tiny file: no need for a thread)."""
    path.write_bytes(content)


async def reload_a(bot: Bot) -> None:
    """Serve catalogue A (the runtime starts on the bundled sample)."""
    replies = await bot.say(ADMIN, "/reload")
    assert "Katalog A" in replies[-1]


def documents_sent(server: BotApiServer, chat_id: int) -> list[tuple[str, bytes]]:
    sent = []
    for call in server.calls_of("sendDocument", chat_id=chat_id):
        document = call.params.get("document")
        if isinstance(document, tuple):
            sent.append((str(document[0]), bytes(document[1])))
    return sent


# ----------------------------------------------------------------------------- /reload


async def test_reload_from_the_configured_file_lists_what_changed(
    bot: Bot, catalog_file: Path, runtime: Runtime
) -> None:
    await reload_a(bot)
    put(catalog_file, siedlce_offices_yaml("Katalog B", extra=ZASILKI_YAML, suffix=" (nowe)"))

    replies = await bot.say(ADMIN, "/reload")

    assert len(replies) == 1
    assert "Katalog B" in replies[0]
    assert "mopr-zasilki" in replies[0]
    assert "mopr-przemoc, ohp-mlodziez, niebieska-linia-telefon" in replies[0]
    assert runtime.catalog.name == "Katalog B"
    stored = runtime.database.catalog_info()
    assert stored is not None
    assert stored.content_hash == runtime.catalog.content_hash
    assert stored.content_hash[:12] in replies[0]


async def test_reload_without_a_configured_source_explains_how_to_send_a_file(
    bot: Bot, settings: Settings, runtime: Runtime
) -> None:
    served = runtime.catalog
    settings.catalog = None

    replies = await bot.say(ADMIN, "/reload")

    assert replies == [t("admin.fetch.no_source", "pl")]
    assert runtime.catalog is served


async def test_reload_by_url_downloads_the_catalogue(
    bot: Bot, settings: Settings, runtime: Runtime, web_server: Callable[[str, bytes], str]
) -> None:
    settings.catalog = web_server(
        "/katalog.yaml", siedlce_offices_yaml("Katalog z sieci", extra=ZASILKI_YAML)
    )

    replies = await bot.say(ADMIN, "/reload")

    assert "Katalog z sieci" in replies[-1]
    assert runtime.catalog.name == "Katalog z sieci"
    assert runtime.catalog.service("mopr-zasilki") is not None


async def test_reload_of_an_uploaded_file_downloads_it_from_telegram(
    bot: Bot, server: BotApiServer, runtime: Runtime
) -> None:
    data = siedlce_offices_yaml("Katalog przesłany", extra=ZASILKI_YAML)

    await bot.processed(server.document(ADMIN, "katalog.yaml", data, caption="/reload"))

    assert len(server.calls_of("getFile")) == 1
    assert "Katalog przesłany" in server.sent_texts(ADMIN.id)[-1]
    assert runtime.catalog.name == "Katalog przesłany"


async def test_uploaded_csv_is_read_as_csv(
    bot: Bot, server: BotApiServer, runtime: Runtime
) -> None:
    await reload_a(bot)
    document = document_of(runtime.catalog).model_copy(update={"name": "Katalog CSV"})
    data = write_csv(document, delimiter=";").encode()

    await bot.processed(server.document(ADMIN, "katalog.csv", data, caption="/reload"))

    assert "Katalog CSV" in server.sent_texts(ADMIN.id)[-1]
    assert runtime.catalog.name == "Katalog CSV"
    assert [s.id for s in runtime.catalog.services] == [
        "mopr-przemoc",
        "ohp-mlodziez",
        "niebieska-linia-telefon",
    ]


async def test_a_broken_file_changes_nothing_and_lists_every_error(
    bot: Bot, catalog_file: Path, runtime: Runtime
) -> None:
    await reload_a(bot)
    served = runtime.catalog
    stored = runtime.database.catalog_info()
    before = await bot.say(STRANGER, "/szukaj przemoc Siedlce")
    put(catalog_file, BROKEN)

    replies = await bot.say(ADMIN, "/reload")

    assert replies[-1].startswith(t("admin.reload.failed", "pl", count=2, name="Katalog A"))
    assert "przemoc" in replies[-1]  # the unknown situation, with where it is
    assert runtime.catalog is served
    assert runtime.database.catalog_info() == stored
    assert await bot.say(STRANGER, "/szukaj przemoc Siedlce") == before


async def test_a_long_error_list_comes_as_a_file(
    bot: Bot, server: BotApiServer, catalog_file: Path
) -> None:
    put(catalog_file, many_errors(120))

    replies = await bot.say(ADMIN, "/reload")

    assert len(replies[-1]) < 4096
    assert t("admin.more_in_file", "pl") in replies[-1]
    [(name, content)] = documents_sent(server, ADMIN.id)
    assert name == "problems.txt"
    assert all(f"zla-{n}" in content.decode() for n in range(120))


async def test_an_oversize_upload_is_refused_before_downloading(
    bot: Bot, server: BotApiServer, runtime: Runtime
) -> None:
    served = runtime.catalog
    data = siedlce_offices_yaml() + b"#" * LIMIT

    await bot.processed(server.document(ADMIN, "katalog.yaml", data, caption="/reload"))

    assert server.calls_of("getFile") == []
    assert server.sent_texts(ADMIN.id)[-1].startswith(
        t("admin.fetch.too_large", "pl", limit=LIMIT)
    )
    assert runtime.catalog is served


async def test_an_oversize_download_is_refused(
    bot: Bot, settings: Settings, runtime: Runtime, web_server: Callable[[str, bytes], str]
) -> None:
    served = runtime.catalog
    settings.catalog = web_server("/duzy.yaml", siedlce_offices_yaml() + b"#" * LIMIT)

    replies = await bot.say(ADMIN, "/reload")

    assert replies[-1].startswith(t("admin.fetch.too_large", "pl", limit=LIMIT))
    assert runtime.catalog is served


async def test_searches_during_a_reload_see_one_whole_catalogue(
    bot: Bot, server: BotApiServer, catalog_file: Path
) -> None:
    await reload_a(bot)
    put(catalog_file, siedlce_offices_yaml("Katalog B", suffix=" (B)"))
    searchers = [FakeUser(9100 + n, f"P{n}", "pl") for n in range(8)]

    reload_id = server.text(ADMIN, "/reload")
    search_ids = [server.text(user, "/szukaj przemoc Siedlce") for user in searchers]
    for update_id in (reload_id, *search_ids):
        await bot.processed(update_id)

    for user in searchers:
        cards = server.sent_texts(user.id)[1:]
        assert cards
        marked = {"(B)" in card for card in cards}
        assert len(marked) == 1, cards  # all cards old, or all new


# ----------------------------------------------------------------------------- /check


async def test_check_reports_without_loading(
    bot: Bot, catalog_file: Path, runtime: Runtime
) -> None:
    served = runtime.catalog
    put(catalog_file, siedlce_offices_yaml("Katalog B", extra=ZASILKI_YAML))

    good = await bot.say(ADMIN, "/check")
    put(catalog_file, BROKEN)
    bad = await bot.say(ADMIN, "/check")

    assert good[-1].startswith(t("admin.check.ok", "pl"))
    assert "Katalog B" in good[-1]
    assert t("catalog.freshness.oldest", "pl") in good[-1]  # what to confirm first
    assert "nigdy nie był" in good[-1]  # every entry of this file lacks `checked`
    assert bad[-1].startswith(t("admin.check.failed", "pl", count=2))
    assert runtime.catalog is served


async def test_check_of_an_uploaded_file(bot: Bot, server: BotApiServer, runtime: Runtime) -> None:
    served = runtime.catalog

    await bot.processed(server.document(ADMIN, "k.yaml", BROKEN, caption="/check"))

    assert server.sent_texts(ADMIN.id)[-1].startswith(t("admin.check.failed", "pl", count=2))
    assert runtime.catalog is served


async def test_a_failing_admin_command_apologises_and_goes_no_further(
    bot: Bot, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = runtime.catalog

    async def broken(_self: Reloader, _fetched: Fetched) -> Report:
        raise KeyError("")

    monkeypatch.setattr(Reloader, "check", broken)
    replies = await bot.say(ADMIN, "/check")

    assert replies == [t("admin.failed", "pl")]
    assert runtime.catalog is served


# ----------------------------------------------------------------------------- /feedback


async def test_feedback_reaches_the_coordinators_and_is_listed(
    bot: Bot, server: BotApiServer
) -> None:
    await reload_a(bot)

    bot.services.feedback.add("mopr-przemoc", "phone", "numer <nie> odpowiada")
    await server.wait_for("sendMessage", count=2)
    listing = await bot.say(ADMIN, "/feedback")

    alert = server.sent_texts(ADMIN.id)[-2]
    assert "<code>mopr-przemoc</code>" in alert
    assert t("admin.feedback.kind.phone", "pl") in alert
    assert "numer &lt;nie&gt; odpowiada" in alert
    title = "MOPR Siedlce — Przeciwdziałanie przemocy domowej (<code>mopr-przemoc</code>)"
    assert title in listing[-1]
    assert all(
        call.params.get("parse_mode") == "HTML"
        for call in server.calls_of("sendMessage", chat_id=ADMIN.id)[-2:]
    )


async def test_this_was_wrong_on_a_searched_card_alerts_the_coordinators(
    bot: Bot, server: BotApiServer
) -> None:
    await reload_a(bot)
    await bot.say(STRANGER, "/szukaj przemoc Siedlce")
    before = len(server.sent_texts(ADMIN.id))

    await bot.press(STRANGER, data="wrong:mopr-przemoc")
    await bot.press(STRANGER, data="wrong:mopr-przemoc:closed")
    await bot.press(STRANGER, data="wrong:mopr-przemoc:send")
    await server.wait_until(lambda: len(server.sent_texts(ADMIN.id)) > before, what="the alert")

    [alert] = server.sent_texts(ADMIN.id)[before:]
    assert "<code>mopr-przemoc</code>" in alert
    assert t("admin.feedback.kind.closed", "pl") in alert
    assert str(STRANGER.id) not in alert
    listing = await bot.say(ADMIN, "/feedback")
    assert "(<code>mopr-przemoc</code>): " + t("admin.feedback.kind.closed", "pl") in listing[-1]


async def test_a_long_feedback_list_comes_in_several_messages_without_cutting_a_report(
    bot: Bot,
) -> None:
    store = bot.services.feedback
    store.listeners.clear()  # no alerts: this is about the listing
    for n in range(20):
        store.add("mopr-przemoc", "other", f"uwaga {n:02d} " + "x" * 280)

    listing = await bot.say(ADMIN, "/feedback")

    assert len(listing) >= 2
    assert all(len(text) <= 4096 for text in listing)
    joined = "\n".join(listing)
    assert all(joined.count(f"uwaga {n:02d} ") == 1 for n in range(20))


async def test_feedback_list_when_there_is_none(bot: Bot) -> None:
    assert await bot.say(ADMIN, "/feedback") == [t("admin.feedback.empty", "pl")]


# ----------------------------------------------------------------------------- /stats


async def test_stats_show_small_counts_hidden_and_export_csv(
    bot: Bot, server: BotApiServer
) -> None:
    stats = bot.services.stats
    for _ in range(6):
        stats.record_conversation(
            Conversation(situations=frozenset({"domestic_violence"}), gmina="146401", age=30)
        )
    stats.record_conversation(Conversation(situations=frozenset({"youth"}), age=17, found=False))

    replies = await bot.say(ADMIN, "/stats 7")

    text = replies[-1]
    assert t("admin.stats.conversations", "pl", count=7) in text
    assert f"{t('situation.domestic_violence', 'pl')}: 6" in text
    assert f"{t('situation.youth', 'pl')}: <5" in text
    assert "Siedlce (146401): 6" in text
    [(name, content)] = documents_sent(server, ADMIN.id)
    assert name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    youth = [row for row in rows if row["metric"] == "situation" and row["key"] == "youth"]
    assert youth[0]["count"] == "<5"


async def test_stats_with_a_bad_number_of_days_explains_the_command(bot: Bot) -> None:
    assert await bot.say(ADMIN, "/stats wczoraj") == [t("admin.stats.usage", "pl")]


# ----------------------------------------------------------------------------- not an admin


@pytest.mark.parametrize("command", ["/reload", "/check", "/feedback", "/stats 7"])
async def test_anyone_else_is_refused_politely_and_nothing_happens(
    bot: Bot, runtime: Runtime, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    served = runtime.catalog
    caplog.set_level(logging.INFO)

    replies = await bot.say(STRANGER, f"{command} tajne-słowo")

    assert replies == [REFUSED]
    assert runtime.catalog is served
    name = command.split()[0].lstrip("/")
    assert any(f"refused /{name}" in record.getMessage() for record in caplog.records)
    assert not any("tajne" in record.getMessage() for record in caplog.records)
    assert not any(str(STRANGER.id) in record.getMessage() for record in caplog.records)


async def test_a_file_captioned_reload_from_anyone_else_is_not_downloaded(
    bot: Bot, server: BotApiServer, runtime: Runtime
) -> None:
    served = runtime.catalog

    await bot.processed(
        server.document(STRANGER, "k.yaml", siedlce_offices_yaml(), caption="/reload")
    )

    assert server.sent_texts(STRANGER.id) == [REFUSED]
    assert server.calls_of("getFile") == []
    assert runtime.catalog is served


async def test_two_reloads_sent_together_both_answer_in_turn(
    bot: Bot, server: BotApiServer, catalog_file: Path, runtime: Runtime
) -> None:
    put(catalog_file, siedlce_offices_yaml("Katalog B", extra=ZASILKI_YAML))

    first = server.text(ADMIN, "/reload")
    second = server.text(ADMIN, "/reload")
    await asyncio.gather(bot.processed(first), bot.processed(second))

    texts = server.sent_texts(ADMIN.id)
    assert len(texts) == 2
    assert sum(t("admin.reload.same", "pl") in text for text in texts) == 1
    assert runtime.catalog.name == "Katalog B"
