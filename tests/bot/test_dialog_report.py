"""'This was wrong' on a card: what is wrong, an optional note, one report for the coordinators."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot import feedback
from bot.dialog import (
    MAX_NOTE_CHARS,
    REPORT_KINDS,
    Choice,
    Command,
    DialogState,
    Location,
    Text,
    note_of,
    pending_report,
)
from bot.i18n import t
from bot.render import MAX_TOKEN_BYTES
from tests.bot.test_dialog_fakes import Conversation, FakeCatalog

KIND_TOKENS = [f"wrong:mopr-przemoc:{kind}" for kind in REPORT_KINDS]


def at_results(lang: str = "pl") -> Conversation:
    """A person who got the cards for domestic violence in Siedlce."""
    conversation = Conversation(lang=lang)
    conversation.send(Command("start"))
    conversation.send(Text("mąż mnie bije, Siedlce"))
    conversation.send(Text("38"))
    assert conversation.state.step == "results"
    return conversation


def asked_for_note(kind: str = "phone") -> Conversation:
    conversation = at_results()
    conversation.send(Choice("wrong:mopr-przemoc"))
    conversation.send(Choice(f"wrong:mopr-przemoc:{kind}"))
    return conversation


def reports(conversation: Conversation) -> list[tuple[str, str, str]]:
    """Every report the conversation sent: (service, kind, note)."""
    return [
        (report.service_id, report.kind, report.note)
        for step in conversation.steps
        for report in step.feedback
    ]


def test_this_was_wrong_asks_what_is_wrong_with_five_kinds_and_cancel() -> None:
    conversation = at_results()

    result = conversation.send(Choice("wrong:mopr-przemoc"))

    (question,) = result.replies
    assert "Co się nie zgadza" in question.text
    assert "Przeciwdziałanie przemocy domowej" in question.text
    assert conversation.tokens() == [*KIND_TOKENS, "wrong:mopr-przemoc:cancel"]
    assert conversation.labels() == [
        "Numer telefonu",
        "Adres",
        "Godziny otwarcia",
        "Placówka już nie działa",
        "Coś innego",
        "Anuluj",
    ]
    assert all(len(token.encode()) <= MAX_TOKEN_BYTES for token in conversation.tokens())
    assert result.feedback == ()


def test_after_the_kind_the_person_is_thanked_and_invited_to_add_a_note() -> None:
    conversation = asked_for_note("hours")

    (invitation,) = conversation.last.replies
    assert invitation.text.startswith("Dziękuję!")
    assert "Godziny otwarcia" in invitation.text
    assert "do 300 znaków" in invitation.text
    assert "koordynatorzy katalogu" in invitation.text
    assert "danych osobowych" in invitation.text
    assert invitation.replace is True  # it takes the place of the question just answered
    assert conversation.tokens() == ["wrong:mopr-przemoc:send", "wrong:mopr-przemoc:cancel"]
    assert conversation.last.feedback == ()


def test_a_typed_note_sends_one_report_with_the_kind_and_the_note() -> None:
    conversation = asked_for_note("phone")

    result = conversation.send(Text("Numer nie odpowiada, nowy to 25 644 00 00"))

    (report,) = result.feedback
    assert report.service_id == "mopr-przemoc"
    assert report.kind == "phone"
    assert report.note == "Numer nie odpowiada, nowy to 25 644 00 00"
    assert report.gmina == "146401"
    assert result.replies[0].text == t("dialog.wrong.sent_with_note", "pl")
    assert conversation.state.report is None
    assert conversation.state.step == "results"  # the conversation is where it was


def test_send_without_a_note_sends_the_report_at_once() -> None:
    conversation = asked_for_note("closed")

    result = conversation.send(Choice("wrong:mopr-przemoc:send"))

    assert reports(conversation) == [("mopr-przemoc", "closed", "")]
    assert result.replies[0].text == t("dialog.wrong.sent", "pl")


@pytest.mark.parametrize("typed", ["pomiń", "skip", "пропустити"])
def test_typing_skip_at_the_note_sends_without_a_note(typed: str) -> None:
    conversation = asked_for_note("address")

    conversation.send(Text(typed))

    assert reports(conversation) == [("mopr-przemoc", "address", "")]


@pytest.mark.parametrize(
    "unrelated",
    [
        Choice("more"),
        Choice("change:place"),
        Choice("map:mopr-przemoc"),
        Command("start"),
        Command("szukaj", "praca Mordy"),
        Location(52.17, 22.29),
        Text("od nowa"),
    ],
)
def test_a_chosen_kind_is_sent_without_a_note_when_the_person_moves_on(
    unrelated: Choice | Command | Location | Text,
) -> None:
    conversation = asked_for_note("hours")

    result = conversation.send(unrelated)

    assert reports(conversation) == [("mopr-przemoc", "hours", "")]
    assert result.replies[0].kind == "report_sent"
    assert "bez uwagi" in result.replies[0].text
    assert conversation.state.report is None


def test_the_report_is_sent_once_however_often_its_buttons_are_pressed() -> None:
    conversation = asked_for_note("phone")
    conversation.send(Choice("wrong:mopr-przemoc:send"))

    again = conversation.send(Choice("wrong:mopr-przemoc:send"))
    kind_again = conversation.send(Choice("wrong:mopr-przemoc:phone"))
    conversation.send(Text("a jednak dopiszę"))

    assert reports(conversation) == [("mopr-przemoc", "phone", "")]
    assert again.replies[0].text == t("dialog.wrong.closed", "pl")
    assert kind_again.replies[0].text == t("dialog.wrong.closed", "pl")


def test_a_typed_note_closes_the_report_so_its_buttons_no_longer_send() -> None:
    conversation = asked_for_note("phone")
    conversation.send(Text("zły numer"))

    conversation.send(Choice("wrong:mopr-przemoc:send"))

    assert reports(conversation) == [("mopr-przemoc", "phone", "zły numer")]


def test_choosing_another_kind_before_the_note_changes_the_report_not_adds_one() -> None:
    conversation = asked_for_note("phone")

    conversation.send(Choice("wrong:mopr-przemoc:address"))
    conversation.send(Text("to jest ul. Inna 2"))

    assert reports(conversation) == [("mopr-przemoc", "address", "to jest ul. Inna 2")]


def test_cancel_sends_nothing_even_when_the_person_moves_on() -> None:
    conversation = asked_for_note("phone")

    cancelled = conversation.send(Choice("wrong:mopr-przemoc:cancel"))
    conversation.send(Choice("more"))

    assert reports(conversation) == []
    assert cancelled.replies[0].text == t("dialog.wrong.cancelled", "pl")


def test_without_a_kind_nothing_is_sent_when_the_person_moves_on() -> None:
    conversation = at_results()
    conversation.send(Choice("wrong:mopr-przemoc"))

    conversation.send(Choice("change:age"))

    assert reports(conversation) == []
    assert conversation.state.report is None
    assert conversation.state.step == "age"


def test_typing_instead_of_choosing_the_kind_reminds_to_use_the_buttons() -> None:
    conversation = at_results()
    conversation.send(Choice("wrong:mopr-przemoc"))

    result = conversation.send(Text("telefon nie działa"))

    assert result.replies[0].text.startswith(t("dialog.wrong.use_buttons", "pl"))
    assert conversation.tokens()[:5] == KIND_TOKENS
    assert reports(conversation) == []
    conversation.send(Choice("wrong:mopr-przemoc:phone"))
    conversation.send(Text("telefon nie działa"))
    assert reports(conversation) == [("mopr-przemoc", "phone", "telefon nie działa")]


def test_the_note_is_cleaned_of_invisible_characters_and_kept_as_written() -> None:
    conversation = asked_for_note("other")

    conversation.send(Text("  <b>Zły</b>\u200b adres\u202e & \x07godziny\n\nnieaktualne "))

    assert reports(conversation) == [
        ("mopr-przemoc", "other", "<b>Zły</b> adres & godziny nieaktualne")
    ]


def test_a_long_note_is_cut_to_the_limit_and_the_person_is_told() -> None:
    conversation = asked_for_note("other")

    result = conversation.send(Text("słowo " * 100))

    (report,) = result.feedback
    assert len(report.note) == MAX_NOTE_CHARS
    assert report.note.endswith("…")
    assert t("dialog.wrong.note_cut", "pl", limit=MAX_NOTE_CHARS) in result.replies[0].text


def test_a_note_of_only_invisible_characters_asks_for_the_note_again() -> None:
    conversation = asked_for_note("phone")

    result = conversation.send(Text("\u200b\u200b"))

    assert result.feedback == ()
    assert result.replies[0].kind == "report_note"
    assert conversation.state.report_kind == "phone"


def test_danger_typed_instead_of_a_note_gets_the_danger_reply_first_and_is_not_the_note() -> None:
    conversation = asked_for_note("phone")

    result = conversation.send(Text("on bije mnie teraz, pomocy"))

    assert result.replies[0].kind == "danger"
    assert "112" in result.replies[0].text
    assert result.replies[1].kind == "report_sent"
    assert reports(conversation) == [("mopr-przemoc", "phone", "")]


def test_a_card_of_a_service_gone_after_a_reload_gets_a_polite_answer() -> None:
    conversation = at_results()

    result = conversation.send(Choice("wrong:usunieta-usluga"))
    kind = conversation.send(Choice("wrong:usunieta-usluga:phone"))

    assert result.replies[0].text == t("dialog.wrong.gone", "pl")
    assert kind.replies[0].text == t("dialog.wrong.gone", "pl")
    assert reports(conversation) == []


def test_a_service_removed_while_the_kind_was_being_chosen_ends_the_report() -> None:
    conversation = at_results()
    conversation.send(Choice("wrong:mopr-przemoc"))
    catalog = FakeCatalog(tuple(s for s in FakeCatalog().services if s.id != "mopr-przemoc"))
    conversation.deps = replace(conversation.deps, catalog=catalog)

    result = conversation.send(Choice("wrong:mopr-przemoc:phone"))

    assert result.replies[0].text == t("dialog.wrong.gone", "pl")
    assert conversation.state.report is None


def test_this_was_wrong_on_another_card_sends_the_first_report_and_asks_about_the_second() -> None:
    conversation = asked_for_note("phone")

    result = conversation.send(Choice("wrong:blue-tel"))

    assert reports(conversation) == [("mopr-przemoc", "phone", "")]
    assert [reply.kind for reply in result.replies] == ["report_sent", "report_question"]
    assert conversation.state.report == "blue-tel"


def test_quick_exit_while_reporting_forgets_everything() -> None:
    conversation = asked_for_note("phone")

    result = conversation.send(Choice("forget"))

    assert result.forget is True
    assert result.state == DialogState(lang="pl")


def test_an_open_report_survives_a_restart_of_the_bot() -> None:
    conversation = asked_for_note("hours")

    stored = DialogState.from_dict(conversation.state.to_dict())

    assert (stored.report, stored.report_kind) == ("mopr-przemoc", "hours")
    assert DialogState.from_dict({**stored.to_dict(), "report_kind": "zzz"}).report_kind is None


def test_a_state_stored_before_reports_existed_still_loads() -> None:
    old = DialogState(step="results").to_dict()
    del old["report"], old["report_kind"]

    loaded = DialogState.from_dict(old)

    assert loaded.step == "results"
    assert loaded.report is None


def test_the_questions_are_in_the_persons_language() -> None:
    conversation = Conversation(lang="uk")
    conversation.send(Command("start"))

    conversation.send(Choice("wrong:mopr-przemoc"))
    labels = conversation.labels()
    conversation.send(Choice("wrong:mopr-przemoc:phone"))

    assert labels[0] == "Номер телефону"
    assert "координатори каталогу" in conversation.text()


def test_dialog_and_store_agree_on_kinds_and_the_note_limit() -> None:
    assert REPORT_KINDS == feedback.FEEDBACK_KINDS
    assert MAX_NOTE_CHARS == feedback.MAX_NOTE_CHARS
    for text in ("zwykła uwaga", "x" * 1000, "a\u200bb"):
        assert note_of(text)[0] == feedback.short_note(text)


# ----------------------------------------------------------------------------- deep link


def test_a_card_deep_link_opens_that_card_with_its_buttons() -> None:
    conversation = Conversation()

    result = conversation.send(Command("start", "card_mopr-przemoc"))

    card, after = result.replies
    assert "Przeciwdziałanie przemocy domowej" in card.text
    assert "wrong:mopr-przemoc" in conversation.tokens()
    assert "map:mopr-przemoc" in conversation.tokens()
    assert [b.token for row in after.buttons for b in row] == ["restart"]
    assert conversation.state.step == "start"


def test_a_report_can_be_made_from_a_deep_linked_card() -> None:
    conversation = Conversation()
    conversation.send(Command("start", "card_mopr-przemoc"))

    conversation.send(Choice("wrong:mopr-przemoc"))
    conversation.send(Choice("wrong:mopr-przemoc:phone"))
    conversation.send(Text("nie odbierają"))
    result = conversation.send(Text("szukam pracy"))

    assert reports(conversation) == [("mopr-przemoc", "phone", "nie odbierają")]
    assert result.replies[0].kind == "greeting"  # the conversation starts only now


def test_a_deep_link_to_a_service_no_longer_there_says_so_and_starts_the_conversation() -> None:
    conversation = Conversation()

    result = conversation.send(Command("start", "card_usunieta-usluga"))

    assert [reply.kind for reply in result.replies[:2]] == ["greeting", "card_gone"]
    assert conversation.state.step == "who"


@pytest.mark.parametrize("lang", ["pl", "uk", "en"])
def test_every_kind_has_a_label_for_the_person_and_for_the_coordinators(lang: str) -> None:
    for kind in REPORT_KINDS:
        for key in (f"dialog.wrong.kind.{kind}", f"admin.feedback.kind.{kind}"):
            assert t(key, lang) != key


def test_a_stored_state_tells_which_report_is_still_waiting_for_its_note() -> None:
    waiting = asked_for_note("hours").state
    choosing = at_results()
    choosing.send(Choice("wrong:mopr-przemoc"))

    report = pending_report(DialogState.from_dict(waiting.to_dict()))

    assert report is not None
    assert (report.service_id, report.kind, report.note) == ("mopr-przemoc", "hours", "")
    assert pending_report(choosing.state) is None
    assert pending_report(DialogState()) is None
