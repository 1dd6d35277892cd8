"""The terminal chat: piped answers, numbered options, plain text output."""

from __future__ import annotations

import io

from bot.console import plain, run
from tests.bot.test_dialog_fakes import NOW, fake_deps


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
    shown = chat("19", "szukam pracy", lang="en")

    assert "In the terminal, type the place name instead of a location." in shown


def test_plain_keeps_link_targets_and_decodes_entities() -> None:
    assert (
        plain('<b>A &amp; B</b> <a href="https://x.pl">strona</a>')
        == "A & B strona (https://x.pl)"
    )


def test_this_was_wrong_offers_the_kinds_as_numbered_options_and_prints_the_report() -> None:
    # 2: "this was wrong" on the first card; 1: phone; then the note.
    shown = chat("mąż mnie bije, Siedlce", "38", "2", "1", "numer nie odpowiada")

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
    shown = chat("mąż mnie bije, Siedlce", "38", "2", "4", "1", lang="en")

    assert (
        "(To the coordinators: Przeciwdziałanie przemocy domowej — It no longer works.)" in shown
    )
    assert "(Note:" not in shown
    assert "Thank you, the report went to the catalogue's coordinators." in shown
