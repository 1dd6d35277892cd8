"""Whole conversations through `dialog.step`, asserting on what the person would see."""

from __future__ import annotations

import json

import pytest

from bot.dialog import Choice, Command, DialogState, Location, Text
from bot.i18n import t
from tests.bot.test_dialog_fakes import Conversation


def started(lang: str = "pl") -> Conversation:
    conversation = Conversation(lang=lang)
    conversation.send(Command("start"))
    return conversation


def test_start_greets_in_one_sentence_saying_it_is_anonymous_and_asks_who_needs_help() -> None:
    conversation = Conversation()

    result = conversation.send(Command("start"))

    greeting, question = result.replies
    assert "anonimowo" in greeting.text
    assert greeting.text.count(".") + greeting.text.count("!") <= 2
    assert "Kto potrzebuje pomocy?" in question.text
    assert conversation.tokens() == ["who:me", "who:child", "who:other", "skip", "restart"]


def test_number_typed_at_the_first_question_is_the_age_and_who_is_not_asked_again() -> None:
    conversation = started()

    conversation.send(Text("19"))

    assert conversation.state.age == 19
    assert conversation.state.step == "situation"
    assert "Z czym potrzebna jest pomoc?" in conversation.text()


@pytest.mark.parametrize("typed", ["0", "150", "-3"])
def test_age_out_of_range_is_asked_again_kindly_then_accepted(typed: str) -> None:
    conversation = started()
    conversation.send(Choice("who:me"))

    conversation.send(Text(typed))

    assert conversation.state.step == "age"
    assert conversation.state.age is None
    assert "Nie rozpoznaję takiego wieku" in conversation.text()
    assert "age:18-25" in conversation.tokens()
    conversation.send(Text("35"))
    assert conversation.state.age == 35
    assert conversation.state.step == "situation"


def test_age_question_is_phrased_for_the_person_who_needs_help() -> None:
    conversation = started()

    conversation.send(Choice("who:child"))

    assert "Ile lat ma Twoje dziecko?" in conversation.text()
    assert "Nie wiem" in conversation.labels()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pl", ["Miejsce: Mordy", "Dla osób w wieku 15–25 lat.", "2 miejsca mogą pomóc."]),
        ("uk", ["Місце: Mordy", "Для людей віком 15–25 років.", "2 місця можуть допомогти."]),
        ("en", ["Place: Mordy", "For people aged 15–25.", "2 places can help."]),
    ],
)
def test_whole_conversation_with_buttons_in_each_language(lang: str, expected: list[str]) -> None:
    conversation = started(lang)

    conversation.send(Choice("who:child"))
    conversation.send(Choice("age:15-17"))
    conversation.send(Choice("sit:unemployment"))
    conversation.send(Choice("sit:done"))
    conversation.send(Text("Mordy"))

    shown = conversation.text()
    for text in expected:
        assert text in shown
    assert "OHP Młodzieżowe Centrum Kariery Siedlce" in shown
    assert "Powiatowy Urząd Pracy w Siedlcach" in shown
    assert "Miejski Ośrodek" not in shown  # the town's centre does not serve Mordy
    assert "forget" in conversation.tokens()


def test_situation_buttons_toggle_and_show_what_is_chosen() -> None:
    conversation = started()
    conversation.send(Choice("who:me"))
    conversation.send(Choice("age:26-59"))

    conversation.send(Choice("sit:housing"))
    conversation.send(Choice("sit:poverty"))
    toggled = conversation.send(Choice("sit:housing"))

    assert conversation.state.situations == ("poverty",)
    assert toggled.replies[0].replace is True
    assert "Wybrane: Brak pieniędzy na życie" in conversation.text()
    assert "✓ wybrane: Brak pieniędzy na życie" in conversation.labels()


def test_situation_as_free_text_is_understood_and_the_place_is_asked_next() -> None:
    conversation = started()
    conversation.send(Text("40"))

    conversation.send(Text("szukam pracy"))

    assert conversation.state.situations == ("unemployment",)
    assert conversation.state.step == "place"
    assert conversation.last.replies[-1].location_request is True


def test_text_that_means_nothing_gets_a_kind_reask() -> None:
    conversation = started()
    conversation.send(Text("40"))

    conversation.send(Text("asdfgh"))

    assert conversation.state.step == "situation"
    assert "Nie rozumiem" in conversation.text()
    assert "sit:done" in conversation.tokens()


@pytest.mark.parametrize(
    ("answers", "step"),
    [
        ([], "who"),
        ([Choice("who:me")], "age"),
        ([Text("40")], "situation"),
        ([Text("40"), Text("szukam pracy"), Text("Siedlce")], "results"),
    ],
)
def test_not_understood_says_what_the_question_expects(
    answers: list[Text | Choice], step: str
) -> None:
    conversation = started()
    for answer in answers:
        conversation.send(answer)

    result = conversation.send(Text("qwrtz"))

    assert conversation.state.step == step
    assert result.replies[0].text == t(f"dialog.not_understood.{step}", "pl")


def test_a_place_typed_at_the_age_question_is_taken_and_the_age_asked_again_saying_so() -> None:
    conversation = started()
    conversation.send(Choice("who:me"))

    result = conversation.send(Text("Siedlce"))

    assert conversation.state.step == "age"
    assert conversation.state.place_code is not None
    assert [reply.kind for reply in result.replies] == ["noted", "question"]


@pytest.mark.parametrize(
    ("lang", "opening"),
    [
        ("pl", "mąż mnie bije, Siedlce"),
        ("uk", "чоловік б'є мене, Siedlce"),
        ("en", "my husband beats me, Siedlce"),
    ],
)
def test_opening_with_situation_and_place_asks_neither_again(lang: str, opening: str) -> None:
    conversation = Conversation(lang=lang)

    conversation.send(Text(opening))

    assert conversation.state.situations == ("domestic_violence",)
    assert conversation.state.place_code == "146401"
    assert conversation.state.step == "age"
    conversation.send(Text("38"))
    shown = conversation.text()
    assert "Przeciwdziałanie przemocy domowej" in shown
    assert "Niebieska Linia" in shown
    assert conversation.state.step == "results"


def test_deep_link_starts_with_the_situation_chosen() -> None:
    conversation = Conversation()

    conversation.send(Command("start", "domestic_violence"))

    assert "Wybrano: Przemoc w domu." in conversation.text()
    assert conversation.state.situations == ("domestic_violence",)
    conversation.send(Choice("age:26-59"))
    assert conversation.state.step == "place"


def test_deep_link_with_unknown_payload_is_an_ordinary_start() -> None:
    conversation = Conversation()

    conversation.send(Command("start", "<script>"))

    assert conversation.state.situations == ()
    assert "<script>" not in conversation.text()
    assert conversation.state.step == "who"


def test_ambiguous_place_offers_the_candidates_with_their_powiat() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:unemployment"))
    conversation.send(Choice("sit:done"))

    conversation.send(Text("Nowa Wieś"))

    assert conversation.state.step == "choose_place"
    assert "Kilka miejsc ma tę nazwę" in conversation.text()
    labels = conversation.labels()
    assert "Nowa Wieś (gmina wiejska), powiat bełchatowski, woj. łódzkie" in labels
    assert "Nowa Wieś (gmina wiejska), powiat chodzieski, woj. wielkopolskie" in labels
    conversation.send(Choice("place:1001012"))
    assert conversation.state.place_code == "100101"


def test_nothing_found_says_so_and_points_to_the_gmina_social_assistance_centre() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:housing"))
    conversation.send(Choice("sit:done"))
    conversation.send(Text("Siedlce"))

    conversation.send(Choice("place:1426102"))  # "I meant the rural gmina Siedlce"

    shown = conversation.text()
    assert "Nie ma w katalogu miejsca dokładnie do tej sprawy." in shown
    assert "Gminny Ośrodek Pomocy Społecznej Siedlce" in shown
    assert "+48 25 600 00 02" in shown


def test_nothing_found_anywhere_gives_general_advice_without_inventing_numbers() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:housing"))
    conversation.send(Choice("sit:done"))
    conversation.send(Text("Nowa Wieś"))

    conversation.send(Choice("place:3002022"))

    shown = conversation.text()
    assert "Nie ma w katalogu miejsca" in shown
    assert "ośrodku pomocy społecznej w swojej gminie" in shown
    assert "+48" not in shown


def test_misspelt_place_offers_did_you_mean_buttons_that_work() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:unemployment"))
    conversation.send(Choice("sit:done"))

    conversation.send(Text("Sedlce"))

    assert "Czy chodzi o jedno z tych?" in conversation.text()
    assert conversation.labels()[:2] == ["Siedlce", "Sedziejowice"]
    conversation.send(Choice("try:0"))
    assert conversation.state.place_code == "146401"
    assert conversation.state.step == "results"


def test_location_pin_answers_the_place_question() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:unemployment"))
    conversation.send(Choice("sit:done"))

    conversation.send(Location(52.17, 22.29))

    assert conversation.state.place_code == "146401"
    assert "Powiatowy Urząd Pracy w Siedlcach" in conversation.text()


def test_results_are_paged_and_more_shows_the_next_cards() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("skip"))  # no situation: everything for this place and age

    first = conversation.send(Text("Siedlce"))

    cards = [reply for reply in first.replies if reply.kind == "card"]
    assert len(cards) == 5
    assert "6 miejsc może pomóc." in conversation.text()
    assert "more" in conversation.tokens()
    second = conversation.send(Choice("more"))
    assert [r.text.split(".")[0] for r in second.replies if r.kind == "card"] == ["6"]
    assert "more" not in conversation.tokens()
    conversation.send(Choice("more"))
    assert "Nie mam więcej wyników." in conversation.text()


def test_every_question_offers_start_again_and_it_always_works() -> None:
    conversation = started()
    for token in ("who:me", "age:18-25", "sit:poverty"):
        assert "restart" in conversation.tokens()
        conversation.send(Choice(token))

    conversation.send(Choice("restart"))

    assert conversation.state.situations == ()
    assert conversation.state.age is None
    assert conversation.state.step == "who"
    assert "anonimowo" in conversation.text()


def test_typed_start_again_and_the_start_command_restart_too() -> None:
    conversation = started()
    conversation.send(Text("40"))

    conversation.send(Text("od nowa"))
    assert conversation.state.age is None

    conversation.send(Text("40"))
    conversation.send(Command("start"))
    assert conversation.state.age is None
    assert conversation.state.step == "who"


def test_back_returns_to_the_previous_question_and_skip_leaves_it_empty() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:poverty"))
    conversation.send(Choice("sit:done"))

    conversation.send(Choice("back"))
    assert conversation.state.step == "situation"

    conversation.send(Choice("skip"))
    assert conversation.state.situations == ()
    assert conversation.state.step == "place"
    conversation.send(Choice("skip"))
    assert "Bez miejsca pokazuję tylko pomoc dla całej Polski." in conversation.text()
    assert "Powiatowy Urząd Pracy" not in conversation.text()


def test_change_place_from_the_results_asks_only_the_place_again() -> None:
    conversation = started()
    conversation.send(Text("19"))
    conversation.send(Text("szukam pracy"))
    conversation.send(Text("Siedlce"))

    conversation.send(Choice("change:place"))
    assert conversation.state.step == "place"
    conversation.send(Text("Mordy"))

    assert conversation.state.step == "results"
    assert "Miejsce: Mordy" in conversation.text()


@pytest.mark.parametrize(
    ("lang", "phrase", "age", "line", "not_line"),
    [
        ("pl", "chcę się zabić", "40", "116 123", "116 111"),
        ("uk", "хочу вбити себе", "16", "116 111", "116 123"),
        ("en", "I want to kill myself", "30", "116 123", "116 111"),
    ],
)
def test_danger_words_get_112_and_crisis_lines_first_then_the_conversation_goes_on(
    lang: str, phrase: str, age: str, line: str, not_line: str
) -> None:
    conversation = started(lang)
    conversation.send(Text(age))

    result = conversation.send(Text(phrase))

    first = result.replies[0]
    assert first.kind == "danger"
    assert "<b>112</b>" in first.text
    assert line in first.text
    assert not_line not in first.text  # only the lines that serve this age
    assert len(result.replies) > 1  # and the next question follows
    assert conversation.state.age == int(age)


def test_danger_words_at_the_place_question_keep_the_question() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:domestic_violence"))
    conversation.send(Choice("sit:done"))

    result = conversation.send(Text("on mnie bije mnie teraz"))

    assert result.replies[0].kind == "danger"
    assert "800 120 002" in result.replies[0].text
    assert conversation.state.step in ("place", "situation")


def test_language_can_be_changed_mid_conversation() -> None:
    conversation = started()
    conversation.send(Choice("who:me"))

    conversation.send(Command("jezyk"))
    assert conversation.tokens() == ["lang:pl", "lang:uk", "lang:en"]
    conversation.send(Choice("lang:uk"))

    assert conversation.state.lang == "uk"
    assert "Скільки вам років?" in conversation.text()


def test_quick_exit_forgets_everything_and_lists_the_messages_to_delete() -> None:
    conversation = started()
    conversation.send(Text("mąż mnie bije, Siedlce"))
    conversation.state = conversation.state.with_sent([11, 12, 13])

    result = conversation.send(Choice("forget"))

    assert result.forget is True
    assert result.delete_messages == (11, 12, 13)
    assert result.state == DialogState(lang="pl")
    assert "Usuń czat" in result.replies[0].text


def test_show_on_map_gives_a_venue_with_the_institutions_coordinates() -> None:
    conversation = started()

    result = conversation.send(Choice("map:mopr-przemoc"))

    (reply,) = result.replies
    assert reply.venue is not None
    assert (reply.venue.latitude, reply.venue.longitude) == (52.1676, 22.2901)
    assert reply.venue.address == "ul. Przykładowa 1, 08-110 Siedlce"


def test_privacy_and_help_commands_explain_and_keep_the_conversation() -> None:
    conversation = started()
    conversation.send(Text("40"))

    privacy = conversation.send(Command("prywatnosc"))
    help_ = conversation.send(Command("pomoc"))

    assert "24 h" in privacy.replies[0].text
    assert "/usun" in help_.replies[0].text
    assert "Źródło: GUS, TERYT; GeoNames, CC BY 4.0" in help_.replies[0].text  # the places' data
    assert conversation.state.step == "situation"
    assert "sit:done" in conversation.tokens()


def test_state_survives_a_json_round_trip_and_garbage_gives_a_fresh_start() -> None:
    conversation = started("uk")
    conversation.send(Text("mąż mnie bije, Nowa Wieś"))
    state = conversation.state.with_sent([5])

    stored = json.loads(json.dumps(state.to_dict()))

    assert DialogState.from_dict(stored) == state
    assert DialogState.from_dict({"v": 1, "step": 3}) == DialogState()
    assert DialogState.from_dict({"v": 99, "lang": "en"}) == DialogState(lang="en")
    assert DialogState.from_dict({"v": 1, "step": "??", "lang": "en"}).step == "who"
    assert (
        DialogState.from_dict({"v": 1, "step": "age", "lang": "pl", "options": [1]})
        == DialogState()
    )


def test_danger_in_the_very_first_message_comes_before_the_greeting() -> None:
    conversation = Conversation(lang="en")

    result = conversation.send(Text("I want to kill myself"))

    assert [reply.kind for reply in result.replies][:2] == ["danger", "greeting"]


def test_who_answered_in_words_sets_who_and_phrases_the_age_question() -> None:
    conversation = started()

    conversation.send(Text("dla syna"))

    assert conversation.state.who == "child"
    assert conversation.state.situations == ()
    assert "Ile lat ma Twoje dziecko?" in conversation.text()


def test_extra_words_at_a_question_are_kept_and_acknowledged() -> None:
    conversation = started()
    conversation.send(Text("szukam pracy"))
    assert conversation.state.step == "age"

    conversation.send(Text("nie mam mieszkania"))

    # no flat of one's own is homelessness (art. 6 of the Act on Social Assistance)
    assert conversation.state.situations == ("unemployment", "homelessness")
    assert conversation.last.replies[0].text == "Dobrze, rozumiem."
    assert conversation.state.step == "age"


def test_typed_i_dont_know_at_the_age_question_moves_on_without_an_age() -> None:
    conversation = started()
    conversation.send(Choice("who:other"))

    conversation.send(Text("nie wiem"))

    assert conversation.state.age is None
    assert conversation.state.step == "situation"


def test_a_place_outside_poland_gives_nationwide_help() -> None:
    conversation = started("en")
    conversation.send(Text("40"))
    conversation.send(Choice("sit:domestic_violence"))
    conversation.send(Choice("sit:done"))

    conversation.send(Text("Berlin"))

    shown = conversation.text()
    assert "outside Poland" in shown
    assert "Niebieska Linia" in shown
    assert "Miejski Ośrodek" not in shown


def test_back_from_the_place_candidates_asks_for_the_place_again() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:poverty"))
    conversation.send(Choice("sit:done"))
    conversation.send(Text("Nowa Wieś"))

    conversation.send(Choice("back"))

    assert conversation.state.step == "place"
    assert "Gdzie mieszka osoba, która potrzebuje pomocy?" in conversation.text()


@pytest.mark.parametrize(
    ("typed", "age"),
    [
        ("mam 19 lat i szukam pracy", 19),
        ("syn ma 16 lat, szuka pracy", 16),
        ("мені 17 років, шукаю роботу", 17),
        ("I'm 30, looking for a job", 30),
        ("mam 2 dzieci i szukam pracy", None),
    ],
)
def test_an_age_inside_a_sentence_is_understood_but_counts_are_not_ages(
    typed: str, age: int | None
) -> None:
    conversation = started()

    conversation.send(Text(typed))

    assert conversation.state.age == age
    assert conversation.state.situations == ("unemployment",)


def test_a_typed_number_picks_one_of_the_places_offered() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("sit:poverty"))
    conversation.send(Choice("sit:done"))
    conversation.send(Text("Nowa Wieś"))

    conversation.send(Text("2"))

    assert conversation.state.place_code == "300202"


def test_typed_more_shows_the_next_page() -> None:
    conversation = started()
    conversation.send(Text("40"))
    conversation.send(Choice("skip"))
    conversation.send(Text("Siedlce"))

    result = conversation.send(Text("pokaż więcej"))

    assert [r.text.split(".")[0] for r in result.replies if r.kind == "card"] == ["6"]


def test_privacy_says_what_report_notes_lose_and_how_long_they_are_kept() -> None:
    conversation = started()

    privacy = conversation.send(Command("prywatnosc")).replies[0].text

    assert "usuwam numery telefonów, adresy e-mail i imiona" in privacy
    assert "po 90 dniach" in privacy
