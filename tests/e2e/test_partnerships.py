"""Several partnerships in one bot, through the local Bot API server, on SQLite and on a real
PostgreSQL: their catalogues served together, each kept by its own coordinators."""

from __future__ import annotations

import pytest

from bot.i18n import t
from bot.runtime import Runtime
from bot.settings import Settings
from tests.botapi import BotApiServer, FakeUser
from tests.e2e.conftest import Bot
from tests.postgres import postgres_server, postgres_url  # noqa: F401 - fixtures, used by name

ADMIN = FakeUser(9101, "Administratorka", "pl")
SIEDLCE_COORDINATOR = FakeUser(9102, "Koordynator Siedlce", "pl")
MORDY_COORDINATOR = FakeUser(9103, "Koordynatorka Mordy", "pl")
RESIDENT = FakeUser(9104, "Mieszkanka", "pl")
REFUSED = t("admin.refused", "pl")


def partnership_yaml(partnership: str, name: str, place: str, *, suffix: str = "") -> bytes:
    """A partnership's catalogue; both partnerships use the id `gops-zasilki`."""
    return f"""\
version: 1
name: {name}
partnership: {partnership}
institutions:
  - id: gops
    name: Ośrodek Pomocy Społecznej {place}{suffix}
    place: {place}
    phones: ["+48 25 600 00 0{len(partnership) % 10}"]
    services:
      - id: gops-zasilki
        name: Zasiłki {place}
        situations: [poverty]
""".encode()


SIEDLCE = partnership_yaml("siedlce", "Katalog Siedlce", "miasto Siedlce")
MORDY = partnership_yaml("mordy", "Katalog Mordy", "Mordy")


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """One global admin; the database on SQLite or on the session's PostgreSQL server."""
    update: dict[str, object] = {"admin_ids": frozenset({ADMIN.id})}
    if request.param == "postgresql":
        update["database_url"] = request.getfixturevalue("postgres_url")
    return settings.model_copy(update=update)


async def upload(bot: Bot, server: BotApiServer, user: FakeUser, data: bytes) -> str:
    await bot.processed(server.document(user, "katalog.yaml", data, caption="/reload"))
    return server.sent_texts(user.id)[-1]


async def two_partnerships(bot: Bot, server: BotApiServer) -> None:
    """The global admin loads both catalogues and names a coordinator for each."""
    assert "Katalog Siedlce" in await upload(bot, server, ADMIN, SIEDLCE)
    assert "Katalog Mordy" in await upload(bot, server, ADMIN, MORDY)
    await bot.say(ADMIN, f"/koordynator add siedlce {SIEDLCE_COORDINATOR.id}")
    await bot.say(ADMIN, f"/koordynator add mordy {MORDY_COORDINATOR.id}")


async def test_two_partnerships_are_searched_together_with_their_own_eligibility(
    bot: Bot, server: BotApiServer, runtime: Runtime
) -> None:
    await two_partnerships(bot, server)

    assert runtime.partnerships == ["mordy", "siedlce"]
    # the same id in both catalogues: the first partnership's keeps it, the other is qualified
    assert sorted(s.id for s in runtime.catalog.services) == [
        "gops-zasilki",
        "siedlce_gops-zasilki",
    ]
    await bot.say(RESIDENT, "/szukaj zasiłek Mordy")
    texts = server.sent_texts(RESIDENT.id)
    found = "\n".join(texts)
    assert "Ośrodek Pomocy Społecznej Mordy" in found
    assert "Ośrodek Pomocy Społecznej miasto Siedlce" not in found  # Mordy is not Siedlce
    assert t("card.origin", "pl", catalog="Katalog Mordy") in found


async def test_a_coordinator_reloads_their_partnership_and_is_refused_on_the_other(
    bot: Bot, server: BotApiServer, runtime: Runtime
) -> None:
    await two_partnerships(bot, server)
    siedlce_before = runtime.catalogs["siedlce"]
    stored_before = runtime.database.partnerships()["siedlce"]

    refused = await upload(bot, server, SIEDLCE_COORDINATOR, MORDY)
    reloaded = await upload(
        bot, server, MORDY_COORDINATOR, partnership_yaml("mordy", "Katalog Mordy 2", "Mordy")
    )

    assert refused == t("admin.not_yours", "pl", found="mordy", yours="siedlce", first="siedlce")
    assert "Katalog Mordy 2" in reloaded
    assert runtime.catalogs["mordy"].name == "Katalog Mordy 2"
    # the other partnership's catalogue: the same object, the same stored hash
    assert runtime.catalogs["siedlce"] is siedlce_before
    assert runtime.database.partnerships()["siedlce"] == stored_before
    stored = runtime.database.load_catalog("siedlce")
    assert stored is not None
    assert [s.id for s in stored.services] == ["gops-zasilki"]


async def test_coordinators_are_managed_by_a_global_admin_only(
    bot: Bot, server: BotApiServer
) -> None:
    await two_partnerships(bot, server)

    listed = await bot.say(ADMIN, "/koordynator")
    refused = await bot.say(
        SIEDLCE_COORDINATOR, f"/koordynator add mordy {SIEDLCE_COORDINATOR.id}"
    )
    stranger = await bot.say(RESIDENT, "/reload")

    assert f"siedlce: {SIEDLCE_COORDINATOR.id}" in listed[-1]
    assert f"mordy: {MORDY_COORDINATOR.id}" in listed[-1]
    assert refused == [REFUSED]
    assert stranger == [REFUSED]
    assert bot.services.coordinators.of("mordy") == [MORDY_COORDINATOR.id]


async def test_reports_go_to_the_partnerships_coordinators_and_feedback_shows_only_theirs(
    bot: Bot, server: BotApiServer, runtime: Runtime
) -> None:
    await two_partnerships(bot, server)
    store = bot.services.feedback
    catalog = runtime.catalog

    for service_id in ("gops-zasilki", "siedlce_gops-zasilki"):
        store.add(service_id, "phone", partnership=catalog.partnership_of(service_id))
    await bot.say(ADMIN, "/stats 7")  # lets the notices go out first

    mordy = "\n".join(await bot.say(MORDY_COORDINATOR, "/feedback"))
    siedlce = "\n".join(await bot.say(SIEDLCE_COORDINATOR, "/feedback"))
    everything = "\n".join(await bot.say(ADMIN, "/feedback"))

    assert "Ośrodek Pomocy Społecznej Mordy" in mordy
    assert "miasto Siedlce" not in mordy
    assert "miasto Siedlce" in siedlce
    assert "Ośrodek Pomocy Społecznej Mordy" not in siedlce
    assert "Mordy" in everything
    assert "Siedlce" in everything
    mordy_alerts = [text for text in server.sent_texts(MORDY_COORDINATOR.id) if "Mordy" in text]
    assert mordy_alerts  # the notice of the Mordy report reached Mordy's coordinator
    assert not any("miasto Siedlce" in text for text in server.sent_texts(MORDY_COORDINATOR.id))


async def test_stats_of_a_coordinator_are_their_partnerships(
    bot: Bot, server: BotApiServer
) -> None:
    await two_partnerships(bot, server)

    mine = await bot.say(MORDY_COORDINATOR, "/stats 7")
    other = await bot.say(MORDY_COORDINATOR, "/stats 7 siedlce")

    assert t("admin.partnership", "pl", partnership="mordy") in mine[0]
    assert other == [t("admin.stats.usage", "pl")]


async def test_a_file_naming_no_partnership_is_its_only_coordinators(
    bot: Bot, server: BotApiServer, runtime: Runtime
) -> None:
    await two_partnerships(bot, server)
    unnamed = partnership_yaml("mordy", "Katalog Mordy bez id", "Mordy").replace(
        b"partnership: mordy\n", b""
    )

    reloaded = await upload(bot, server, MORDY_COORDINATOR, unnamed)

    assert "Katalog Mordy bez id" in reloaded
    assert runtime.catalogs["mordy"].name == "Katalog Mordy bez id"
    assert "" not in runtime.catalogs  # not the default partnership's
    assert runtime.catalogs["siedlce"].name == "Katalog Siedlce"
