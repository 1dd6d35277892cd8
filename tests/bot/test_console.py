"""The terminal chat: piped answers, numbered options, plain text output."""

from __future__ import annotations

import io
import re

import pytest

from bot.cli import main
from bot.console import plain, run
from bot.i18n import t
from tests.bot.test_dialog_fakes import NOW, fake_deps

OPTION_LINE = re.compile(r"^  \S+\) ")


def options_shown(shown: str) -> list[tuple[str, str]]:
    """Every (key, label) printed, options of one row being three or more spaces apart."""
    return [
        (key, label)
        for line in shown.splitlines()
        if OPTION_LINE.match(line)
        for key, _, label in (part.partition(") ") for part in re.split(r" {3,}", line.strip()))
    ]


def chat(*lines: str, lang: str = "pl", echo: bool = False, prompt: bool = False) -> str:
    output = io.StringIO()
    piped = io.StringIO("".join(f"{line}\n" for line in lines))

    code = run(fake_deps(), piped, output, lang=lang, clock=lambda: NOW, echo=echo, prompt=prompt)

    assert code == 0
    return output.getvalue()


def test_piped_answers_lead_to_the_labour_office_and_youth_centre() -> None:
    shown = chat("19", "szukam pracy", "Siedlce")

    assert "Powiatowy Urząd Pracy w Siedlcach" in shown
    assert "OHP Młodzieżowe Centrum Kariery Siedlce" in shown
    assert "Telefon: +48 25 600 00 03" in shown


def test_output_is_plain_text_without_html_or_prompts() -> None:
    shown = chat("19", "szukam pracy", "Siedlce")

    assert "<b>" not in shown
    assert "&amp;" not in shown
    assert "> " not in shown


def test_echo_makes_a_readable_transcript_of_piped_input() -> None:
    shown = chat("19", echo=True)

    assert "\n> 19\n" in shown


def test_typing_an_options_number_presses_that_button() -> None:
    shown = chat("40", "2", "20", "Mordy")  # 2: "Praca i bezrobocie"; 20: "Gotowe"

    assert "  2) Praca i bezrobocie" in shown
    assert "Sprawa: Praca i bezrobocie" in shown
    assert "Powiatowy Urząd Pracy w Siedlcach" in shown


def test_where_a_number_is_the_age_options_are_lettered() -> None:
    shown = chat("b", "16")  # b: "my child"; 16: the age, not an option

    assert "  a) Ja" in shown
    assert "  b) Moje dziecko" in shown
    assert "Ile lat ma Twoje dziecko?" in shown
    assert "Z czym potrzebna jest pomoc?" in shown


def test_end_of_input_ends_the_chat_cleanly_at_any_question() -> None:
    shown = chat(lang="uk")

    assert "Кому потрібна допомога?" in shown
    assert shown.endswith("\n")


def test_interactive_prompt_is_shown_before_each_answer() -> None:
    shown = chat("19", prompt=True)

    assert shown.count("> ") == 2  # before "19" and before the end of input


def test_the_place_question_says_to_type_the_place_instead_of_a_location() -> None:
    shown = chat("19", "looking for a job", lang="en")

    assert "In the terminal, type the place name instead of a location." in shown


def test_plain_keeps_link_targets_and_decodes_entities() -> None:
    assert (
        plain('<b>A &amp; B</b> <a href="https://x.pl">strona</a>')
        == "A & B strona (https://x.pl)"
    )


def test_this_was_wrong_offers_the_kinds_as_numbered_options_and_prints_the_report() -> None:
    # !1: "this was wrong" on the first card; 1: phone; then the note.
    shown = chat("mąż mnie bije, Siedlce", "38", "!1", "1", "numer nie odpowiada")

    question = shown[shown.index("Co się nie zgadza") :]
    for number, label in enumerate(
        ["Numer telefonu", "Adres", "Godziny otwarcia", "Placówka już nie działa", "Coś innego"],
        start=1,
    ):
        assert f"  {number}) {label}" in question
    assert "  6) Anuluj" in question
    assert "  1) Wyślij bez uwagi" in question
    assert "(Do koordynatorów: Przeciwdziałanie przemocy domowej — Numer telefonu.)" in shown
    assert "(Uwaga: numer nie odpowiada)" in shown


def test_the_report_can_be_sent_without_a_note_from_the_terminal() -> None:
    shown = chat("my husband beats me, Siedlce", "38", "!1", "4", "1", lang="en")

    assert (
        "(To the coordinators: Przeciwdziałanie przemocy domowej — It no longer works.)" in shown
    )
    assert "(Note:" not in shown
    assert "Thank you, the report went to the catalogue's coordinators." in shown


@pytest.mark.parametrize(
    ("command", "key"),
    [
        ("/pomoc", "dialog.help"),
        ("/prywatnosc", "dialog.privacy"),
        ("/jezyk", "dialog.language.question"),
        ("/start", "dialog.greeting"),
        ("/usun", "console.deleted"),
    ],
)
def test_every_telegram_command_works_in_the_terminal(command: str, key: str) -> None:
    shown = chat("40", command, echo=True)

    answer = shown[shown.index(f"> {command}\n") :]
    assert t(key, "pl", hours="24", days="90").split("\n")[0] in answer
    assert "Nie rozumiem" not in answer


def test_a_language_chosen_by_its_number_after_the_language_command_is_used() -> None:
    shown = chat("/jezyk", "3", echo=True)

    assert t("dialog.language.changed", "en") in shown[shown.index("> 3") :]


@pytest.mark.parametrize(
    ("lang", "button_words"),
    [("pl", ["przycisk", "naciśnij"]), ("en", ["button", "press "]), ("uk", ["кнопк", "натисн"])],
)
def test_the_terminal_never_speaks_of_buttons(lang: str, button_words: list[str]) -> None:
    shown = chat(
        "qwrtz", "40", "qwrtz", "2", "20", "Siedlce", "qwrtz", "!1", "qwrtz", "6",
        "/pomoc", "/prywatnosc", "/start", "x",
        lang=lang,
    )  # fmt: skip

    assert [word for word in button_words if word in shown.casefold()] == []


def test_the_same_action_has_the_same_key_on_every_screen() -> None:
    shown = chat("b", "16", "2", "20", "Siedlce", "m", "<", "<", "<")

    keys_of: dict[str, set[str]] = {}
    for key, label in options_shown(shown):
        keys_of.setdefault(label, set()).add(key)
    for action in ("back", "skip", "restart", "change_place", "change_situation", "forget"):
        label = t(f"dialog.button.{action}", "pl")
        assert len(keys_of[label]) == 1, (label, keys_of[label])
    assert shown.count(f"<) {t('dialog.button.back', 'pl')}") >= 4


def test_a_number_typed_after_the_cards_never_opens_a_report() -> None:
    shown = chat("40", "szukam pracy", "Siedlce", "1", "2", "3")

    assert "  !1) To się nie zgadza" in shown
    assert "Co się nie zgadza" not in shown
    assert "(Do koordynatorów" not in shown


def test_quick_exit_works_at_a_question_that_does_not_show_it() -> None:
    shown = chat("b", "x", echo=True)

    assert "x) " not in shown[shown.index("> b") : shown.index("> x")]
    assert t("console.deleted", "pl") in shown


def test_not_understood_says_what_is_expected_and_how_to_type_it() -> None:
    shown = chat("b", "Siedlce", "kot", echo=True)

    after = shown[shown.index("> kot") :]
    assert t("dialog.not_understood.age", "pl") in after
    assert t("console.choose_letter", "pl") in after
    noted = shown[shown.index("> Siedlce") : shown.index("> kot")]
    assert t("dialog.noted", "pl") in noted


def test_chat_help_shows_a_command_that_works_when_pasted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["chat", "--help"])

    shown = " ".join(capsys.readouterr().out.split())
    assert "printf '%s\\n'" in shown
    assert "%%" not in shown
