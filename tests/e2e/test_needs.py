"""Unmet needs end to end: residents search through the local Bot API server (a poster's deep
link, then their age), and /potrzeby shows which gminas' questions no local service answered,
small counts hidden, with the same cells as CSV."""

from __future__ import annotations

import csv
import io

import pytest

from bot.i18n import t
from bot.settings import Settings
from tests.botapi import FakeUser
from tests.e2e.conftest import Bot
from tests.e2e.test_admin import documents_sent

ADMIN = FakeUser(9101, "Koordynatorka", "pl")

# (poster payload, searches), on the bundled sample catalogue.
SEARCHES = (
    ("p1464011-domestic_violence", 6),  # Siedlce: answered locally
    ("p1464011-foreigners", 7),  # Siedlce: only national lines
    ("p1426053-domestic_violence", 5),  # Mordy: only national lines
    ("p1426053-housing", 3),  # Mordy: nothing local
    ("p1426132-poverty", 4),  # Zbuczyn: answered locally
    ("p1426132-mental_health", 2),  # Zbuczyn: only national lines
    ("p1208053-addiction", 3),  # Miechów: outside the sample's area
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"admin_ids": frozenset({ADMIN.id})})


async def search(bot: Bot, user: FakeUser, payload: str) -> None:
    await bot.say(user, f"/start {payload}")
    await bot.say(user, "30")


async def test_thirty_searches_give_the_unmet_cells_with_small_counts_hidden(bot: Bot) -> None:
    user_id = 5000
    for payload, count in SEARCHES:
        for _ in range(count):
            user_id += 1
            await search(bot, FakeUser(user_id, "Mieszkaniec", "pl"), payload)
    assert sum(count for _, count in SEARCHES) == 30
    report = bot.services.stats.report(1)
    assert report.total("conversations") == 30
    stored = report.counts["need"]  # day, gmina, situation, age band, outcome: never shown
    assert stored["146401|domestic_violence|26-39|local"] == 6
    assert stored["142605|housing|26-39|fallback"] == 3  # the gmina's office offered instead
    assert stored["120805|addiction|26-39|national"] == 3

    text = "\n".join(await bot.say(ADMIN, "/potrzeby 7"))

    shown = [line.strip() for line in text.splitlines() if line.startswith("  ")]
    assert shown == [
        f"Siedlce (146401) · {t('situation.foreigners', 'pl')}: 7",
        f"Mordy (142605) · {t('situation.domestic_violence', 'pl')}: 5",
        f"Miechów (120805) · {t('situation.addiction', 'pl')}: <5",
        f"Mordy (142605) · {t('situation.housing', 'pl')}: <5",
        f"Zbuczyn (142613) · {t('situation.mental_health', 'pl')}: <5",
    ]
    [(name, content)] = documents_sent(bot.server, ADMIN.id)
    assert name.startswith("drogowskaz-potrzeby-")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert [(r["gmina_name"], r["situation"], r["unmet_searches"]) for r in rows] == [
        ("Siedlce", "foreigners", "7"),
        ("Mordy", "domestic_violence", "5"),
        ("Miechów", "addiction", "<5"),
        ("Mordy", "housing", "<5"),
        ("Zbuczyn", "mental_health", "<5"),
    ]
    assert t("situation.poverty", "pl") not in text  # answered locally: not a need
    assert t("admin.needs.explained", "pl") in text


async def test_potrzeby_is_for_coordinators_only(bot: Bot) -> None:
    replies = await bot.say(FakeUser(5999, "Ktoś", "pl"), "/potrzeby 7")

    assert replies == [t("admin.refused", "pl")]


async def test_potrzeby_with_a_bad_period_explains_the_command(bot: Bot) -> None:
    assert await bot.say(ADMIN, "/potrzeby wczoraj") == [t("admin.needs.usage", "pl")]
