from bot.dialog import command_of
from bot.flood import FloodGuard


def test_flood_guard_lets_a_person_through_again_after_the_window() -> None:
    guard = FloodGuard(limit=2, window=10.0)

    verdicts = [guard.check(1, now=moment) for moment in (0.0, 1.0, 2.0, 3.0, 12.5)]

    assert verdicts == ["ok", "ok", "warn", "drop", "ok"]


def test_flood_guard_counts_each_chat_apart() -> None:
    guard = FloodGuard(limit=1, window=10.0)

    assert [guard.check(1, now=0.0), guard.check(2, now=0.0)] == ["ok", "ok"]


def test_commands_are_read_with_payload_and_bot_name() -> None:
    assert command_of("/start@Drogowskaz_Bot unemployment", "drogowskaz_bot") is not None
    assert command_of("/Start youth", "x") == command_of("/start youth", "x")
    assert command_of("/start@other_bot", "drogowskaz_bot") is None
