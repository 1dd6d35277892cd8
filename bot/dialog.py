"""The conversation with a resident as pure state transitions: `step(state, input) -> Step`.

Both front ends (Telegram and the terminal chat) call `step` and show its replies; the logic is
tested once, here. The questions go: who needs help -> their age -> the situation -> the place ->
results. Any question can be skipped, changed or answered early: every message is read by
`catalog.reading` for who, an age, a situation and a place, so a person who opens with "mąż
mnie bije, Siedlce" is not asked again what they already said. Danger words are answered first
with 112 and the crisis lines, whatever the step, and then the conversation goes on.

What the results say (cards, footer, nothing found, the crisis reply) is `bot.dialog_results`;
"this was wrong" on a card is a side conversation of its own: `bot.dialog_report`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from bot.dialog_report import (
    close_report,
    is_report_button,
    note_of,
    on_report_button,
    pending_report,
    report_answer,
    with_report,
)
from bot.dialog_results import (
    area_label,
    caseworkers,
    crisis_lines,
    danger_reply,
    footer,
    results,
)
from bot.dialog_state import (
    AGE_RANGES,
    CONTROL_WORDS,
    MAX_NOTE_CHARS,
    MAX_TERMS,
    NOT_UNDERSTOOD_SAYS_WHAT,
    QUESTIONS,
    REPORT_KINDS,
    WHO,
    Choice,
    Command,
    Deps,
    DialogState,
    Feedback,
    Input,
    Location,
    Step,
    StepName,
    Text,
    command_of,
    control_word,
    t_html,
)
from bot.i18n import LANGUAGES, pick_language, situation_label, t
from bot.render import (
    Button,
    PlaceLink,
    Reply,
    place_link_of,
    rows,
    service_card,
    service_of_payload,
    unit_label,
    venue,
)
from catalog.places import PlaceAnswer
from catalog.reading import Expecting, Need, read
from catalog.search import Query
from catalog.taxonomy import SITUATIONS
from catalog.text import folded_words

# The conversation's public face: the step function and the values it takes and gives; the
# parts live in bot.dialog_state (inputs, state, Step), bot.dialog_results (what results say)
# and bot.dialog_report ("this was wrong").
__all__ = [
    "AGE_RANGES",
    "CONTROL_WORDS",
    "MAX_NOTE_CHARS",
    "QUESTIONS",
    "REPORT_KINDS",
    "WHO",
    "Choice",
    "Command",
    "Deps",
    "DialogState",
    "Feedback",
    "Input",
    "Location",
    "Step",
    "Text",
    "area_label",
    "caseworkers",
    "command_of",
    "crisis_lines",
    "note_of",
    "pending_report",
    "start",
    "step",
    "unit_label",
]

# ----------------------------------------------------------------------------- the transition


def step(state: DialogState, event: Input, deps: Deps, now: datetime) -> Step:
    """The conversation's answer to one input."""
    if state.report is not None and not is_report_button(event):
        answered = report_answer(state, event, deps)
        if answered is not None:
            return answered
        # Anything else: the report goes as it is (if a kind was chosen), then the input.
        state, sent, notice = close_report(state, deps)
        result = _step(state, event, deps, now)
        if result.forget:
            return result
        return with_report(result, sent, notice)
    return _step(state, event, deps, now)


def _step(state: DialogState, event: Input, deps: Deps, now: datetime) -> Step:
    if isinstance(event, Command):
        return _on_command(state, event, deps, now)
    if isinstance(event, Choice):
        return _on_choice(state, event.token, deps, now)
    lead: list[Reply] = []
    if state.step == "start":
        lead.append(_greeting(state.lang))
        state = replace(state, step="who")
    if isinstance(event, Location):
        answer = deps.places.locate(event.latitude, event.longitude)
        return _on_place_answer(state, answer, deps, now, lead)
    return _on_text(state, event.text, deps, now, lead)


def start(lang: str = "pl", payload: str = "") -> tuple[Command, DialogState]:
    """The first input and state of a new conversation (used by the terminal chat)."""
    return Command("start", payload), DialogState(lang=pick_language(lang))


# ----------------------------------------------------------------------------- commands


def _on_command(state: DialogState, command: Command, deps: Deps, now: datetime) -> Step:
    name = command.name.lstrip("/").lower()
    arg = command.arg.strip()
    lang = state.lang
    if name in ("start", "szukaj", "search"):
        fresh = DialogState(lang=lang, sent=state.sent, step="who")
        lead = [_greeting(lang)] if name == "start" else []
        wanted = service_of_payload(arg) if name == "start" else None
        if wanted is not None:
            return _open_card(replace(fresh, step="start"), wanted, deps, now)
        poster = place_link_of(arg, situations=SITUATIONS, languages=LANGUAGES)
        if name == "start" and poster is not None:
            return _open_place_link(fresh, poster, deps, now)
        if arg in SITUATIONS:
            fresh = replace(fresh, situations=(arg,), done=("situation",))
            lead.append(
                Reply(t_html("dialog.deep_link", lang, situation=situation_label(arg, lang)))
            )
            return _advance(fresh, deps, now, lead)
        if arg and name != "start":
            return _on_text(fresh, arg, deps, now, lead)
        return _advance(fresh, deps, now, lead)
    if name in ("jezyk", "język", "language", "lang", "mova"):
        if arg.lower() in LANGUAGES:
            return _on_choice(state, f"lang:{arg.lower()}", deps, now)
        return Step(state, (_language_question(lang),))
    if name in ("prywatnosc", "prywatność", "privacy"):
        hours, days = f"{deps.state_ttl_hours:g}", f"{deps.feedback_ttl_days:g}"
        text = t("dialog.privacy", lang, hours=hours, days=days)
        return Step(state, (Reply(text, kind="privacy"),))
    if name in ("usun", "usuń", "delete", "forget"):
        return _forget(state)
    return Step(state, (Reply(t("dialog.help", lang), kind="help"), *_ask(state)))


def _open_place_link(state: DialogState, link: PlaceLink, deps: Deps, now: datetime) -> Step:
    """A poster's deep link: its place (and situation, language) already answered."""
    lang = link.lang or state.lang
    state = replace(state, lang=lang)
    lead = [_greeting(lang)]
    answer = deps.places.find(link.teryt)
    if answer.gmina is None:  # a place no longer known: ask as usual
        return _advance(state, deps, now, lead)
    label = unit_label(answer.gmina, lang)
    state = replace(state, place_code=answer.gmina.code, place_label=label, done=("place",))
    chosen = [label]
    if link.situation is not None:
        state = replace(state, situations=(link.situation,), done=("situation", "place"))
        chosen.insert(0, situation_label(link.situation, lang))
    lead.append(Reply(t_html("dialog.deep_link", lang, situation=", ".join(chosen))))
    return _advance(state, deps, now, lead)


def _forget(state: DialogState) -> Step:
    reply = Reply(t("dialog.forget.done", state.lang), kind="forget")
    return Step(DialogState(lang=state.lang), (reply,), forget=True, delete_messages=state.sent)


# ----------------------------------------------------------------------------- buttons


def _on_choice(state: DialogState, token: str, deps: Deps, now: datetime) -> Step:
    kind, _, value = token.partition(":")
    if state.step == StepName.START and kind not in ("lang", "forget", "map", "wrong"):
        state = replace(state, step=StepName.WHO)
    pressed = _BUTTONS.get(kind)
    if pressed is None:
        return Step(state, _ask(state))
    return pressed(state, value, deps, now)


def _on_restart(state: DialogState, _value: str, deps: Deps, now: datetime) -> Step:
    return _on_command(state, Command("start"), deps, now)


def _on_forget(state: DialogState, _value: str, _deps: Deps, _now: datetime) -> Step:
    return _forget(state)


def _on_language(state: DialogState, value: str, deps: Deps, now: datetime) -> Step:
    if value not in LANGUAGES:
        return Step(state, _ask(state))
    state = replace(state, lang=value, lang_chosen=True)
    if state.step == StepName.START:
        return _on_command(state, Command("start"), deps, now)
    return Step(state, (Reply(t("dialog.language.changed", value)), *_ask(state)))


def _on_who(state: DialogState, value: str, deps: Deps, now: datetime) -> Step:
    if value not in WHO:
        return Step(state, _ask(state))
    return _advance(_answered(replace(state, who=value), "who"), deps, now, [])


def _on_age(state: DialogState, value: str, deps: Deps, now: datetime) -> Step:
    if value == "unknown":
        state = replace(state, age=None, age_range=None)
    elif value in AGE_RANGES:
        state = replace(state, age=AGE_RANGES[value], age_range=value)
    else:
        return Step(state, _ask(state))
    return _advance(_answered(state, "age"), deps, now, [])


def _on_place_button(state: DialogState, value: str, deps: Deps, now: datetime) -> Step:
    labels = dict(state.options)
    if value in labels and value.isdigit():
        chosen = replace(state, place_code=value[:6], place_label=labels[value], options=())
        return _advance(_answered(chosen, "place"), deps, now, [])
    return Step(state, _ask(state))


def _on_suggestion(state: DialogState, value: str, deps: Deps, now: datetime) -> Step:
    typed = dict(state.options).get(f"try:{value}")
    if typed is None:
        return Step(state, _ask(state))
    return _on_place_answer(state, deps.places.find(typed), deps, now, [])


def _on_skip(state: DialogState, _value: str, deps: Deps, now: datetime) -> Step:
    return _skip(state, deps, now)


def _on_back(state: DialogState, _value: str, _deps: Deps, _now: datetime) -> Step:
    return _back(state)


def _on_change(state: DialogState, value: str, _deps: Deps, _now: datetime) -> Step:
    if value not in QUESTIONS:
        return Step(state, _ask(state))
    changed = replace(state, step=value, done=tuple(d for d in state.done if d != value))
    return Step(changed, _ask(changed))


def _on_more(state: DialogState, _value: str, deps: Deps, now: datetime) -> Step:
    return results(replace(state, page=state.page + 1), deps, now, [])


def _on_map(state: DialogState, value: str, deps: Deps, _now: datetime) -> Step:
    return _show_on_map(state, value, deps)


def _on_wrong(state: DialogState, value: str, deps: Deps, _now: datetime) -> Step:
    return on_report_button(state, value, deps)


def _on_situation_button(state: DialogState, value: str, deps: Deps, now: datetime) -> Step:
    if value == "done":
        return _advance(_answered(state, "situation"), deps, now, [])
    if value not in SITUATIONS:
        return Step(state, _ask(state))
    chosen = tuple(key for key in state.situations if key != value)
    if value not in state.situations:
        chosen = (*state.situations, value)
    toggled = replace(state, situations=chosen, step="situation")
    return Step(toggled, (replace(_situation_question(toggled), replace=True),))


def _skip(state: DialogState, deps: Deps, now: datetime) -> Step:
    current = state.step
    if current == "choose_place":
        current = "place"
    if current not in QUESTIONS:
        return Step(state, _ask(state))
    cleared = _clear(state, current)
    return _advance(_answered(cleared, current), deps, now, [])


def _back(state: DialogState) -> Step:
    current = "results" if state.step == "choose_place" else state.step  # back to typing
    order = (*QUESTIONS, "results")
    index = order.index(current) if current in order else 0
    target = QUESTIONS[max(index - 1, 0)]
    keep = QUESTIONS[: QUESTIONS.index(target)]
    moved = replace(state, step=target, done=tuple(d for d in state.done if d in keep), page=0)
    return Step(moved, _ask(moved))


def _show_on_map(state: DialogState, service_id: str, deps: Deps) -> Step:
    service = deps.catalog.service(service_id)
    place = venue(service) if service is not None else None
    if place is None:
        return Step(state, (Reply(t("dialog.map.none", state.lang)),))
    return Step(state, (Reply("", kind="venue", venue=place),))


def _open_card(state: DialogState, service_id: str, deps: Deps, now: datetime) -> Step:
    """A deep link from a card shared elsewhere (inline mode): that card, with its buttons."""
    lang = state.lang
    service = deps.catalog.service(service_id)
    if service is None:
        gone = Reply(t("dialog.card.gone", lang), kind="card_gone")
        return _advance(replace(state, step="who"), deps, now, [_greeting(lang), gone])
    search = (Button(t("dialog.card.search", lang), "restart"),)
    after = Reply(t("dialog.card.after", lang), buttons=(search,), kind="card_after")
    return Step(state, (service_card(service, lang, now), after))


# ----------------------------------------------------------------------------- free text


def _on_text(state: DialogState, text: str, deps: Deps, now: datetime, lead: list[Reply]) -> Step:
    text = text.strip()
    if not text:
        return Step(state, (*lead, *_ask(state)))
    need = read(text, deps.places, expecting=_EXPECTING.get(state.step), served=deps.served)
    state = _in_their_language(state, need)
    if need.danger:
        known = _with_need_age(state, need)
        lead.insert(0, danger_reply(known, deps))  # before anything else, even the greeting
    word = control_word(text)
    if word == "restart":
        return _on_command(state, Command("start"), deps, now)
    if word in ("skip", "back"):
        result = _skip(state, deps, now) if word == "skip" else _back(state)
        return replace(result, replies=(*lead, *result.replies))
    if word == "unknown" and state.step == "age":
        return _on_choice(state, "age:unknown", deps, now)
    if word == "forget":
        return _forget(state)
    if word == "more" and state.step == "results":
        return _on_choice(state, "more", deps, now)

    # A typed number picks one of the places offered (for people who do not tap buttons).
    option = _OPTION_NUMBER.match(text)
    if option is not None and state.step == "choose_place":
        index = int(option.group(1)) - 1
        if 0 <= index < len(state.options):
            return _on_choice(state, f"place:{state.options[index][0]}", deps, now)
    if need.age_out_of_range:
        asked = replace(state, step="age")
        return Step(asked, (*lead, _age_out_of_range(asked)))

    understood = False
    place = need.place
    if need.age is not None:
        state = _answered(_with_need_age(state, need), "age")
        understood = True
    elif need.adult and state.age is None:
        state = replace(state, adult=True)
    if need.who is not None and state.who is None:
        state = _answered(replace(state, who=need.who), "who")
        understood = True
    # "dla mamy" answers who it is for; it says nothing yet about the situation.
    answers_who = need.who is not None and state.step == "who" and place is None and not need.named
    keys = tuple(key for key in need.keys if key in SITUATIONS)
    # Words that only the catalogue's own texts know count where a situation was asked.
    words_only = Query(text=need.text, understanding=need.understanding)
    if (
        not keys
        and not answers_who
        and state.step == "situation"
        and _has_words(need.text)
        and deps.search.search(words_only, limit=1).understood
    ):
        understood = True
        state = _answered(replace(state, terms=_terms(state, need, deps)), "situation")
    if keys and not answers_who:
        merged = tuple(dict.fromkeys((*state.situations, *keys)))
        terms = _terms(state, need, deps)
        state = _answered(replace(state, situations=merged, terms=terms), "situation")
        understood = True
    if place is not None:
        if need.place_weak and place.gmina is not None:  # a guess: asked, never used silently
            options = ((place.gmina.teryt, unit_label(place.gmina, state.lang)),)
            asking = replace(_answered(state, "who"), step="choose_place", options=options)
            return Step(asking, (*lead, *_ask(asking)))
        placed = _on_place_answer(_answered(state, "who"), place, deps, now, lead)
        return _noted_when_asked_again(state, placed, lead)
    if understood:
        advanced = _advance(_answered(state, "who"), deps, now, lead)
        return _noted_when_asked_again(state, advanced, lead)
    if state.step in ("place", "choose_place"):
        answer = deps.places.find(text, prefer=deps.served)
        return _on_place_answer(state, answer, deps, now, lead)
    key = "dialog.not_understood"
    if state.step in NOT_UNDERSTOOD_SAYS_WHAT:
        key = f"{key}.{state.step}"  # says what this question expects
    not_understood = Reply(t(key, state.lang), kind="not_understood")
    return Step(state, (*lead, not_understood, *_ask(state)))


def _noted_when_asked_again(before: DialogState, result: Step, lead: list[Reply]) -> Step:
    """An answer to another question than the one asked ("Siedlce" at the age): the same
    question comes again, so say first that the answer was taken."""
    if result.state.step != before.step:
        return result
    noted = Reply(t("dialog.noted", before.lang), kind="noted")
    return replace(result, replies=(*lead, noted, *result.replies[len(lead) :]))


# The question a step asks, for the reader: a bare number is an age only where one is asked.
_EXPECTING: Mapping[str, Expecting] = {
    "start": "who",
    "who": "who",
    "age": "age",
    "situation": "situation",
    "place": "place",
    "choose_place": "place",
    "results": "situation",
}
_OPTION_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.!]?\s*$")


def _with_need_age(state: DialogState, need: Need) -> DialogState:
    if need.age is None:
        return replace(state, adult=state.adult or need.adult)
    return replace(state, age=need.age, age_range=None, adult=False)


def _in_their_language(state: DialogState, need: Need) -> DialogState:
    """Answer in the language the person writes in (Russian in Ukrainian), unless they chose
    one with /jezyk."""
    wanted = need.reply_language
    if state.lang_chosen or wanted is None or wanted == state.lang or wanted not in LANGUAGES:
        return state
    return replace(state, lang=wanted)


def _terms(state: DialogState, need: Need, deps: Deps) -> str:
    """The words kept for a later search: only those that mean something to it (situation
    words, the catalogue's own words), never the person's story, names or numbers."""
    known = deps.search.known_words(need.text)
    return f"{state.terms} {known}".strip()[-MAX_TERMS:]


def _has_words(text: str) -> bool:
    return any(word.isalpha() for word in folded_words(text))


# ----------------------------------------------------------------------------- places


def _on_place_answer(
    state: DialogState, answer: PlaceAnswer, deps: Deps, now: datetime, lead: list[Reply]
) -> Step:
    lang = state.lang
    if answer.gmina is not None:
        options: tuple[tuple[str, str], ...] = ()
        if answer.same_name_other is not None:
            other = answer.same_name_other
            options = ((other.teryt, unit_label(other, lang)),)
        chosen = replace(
            state,
            place_code=answer.gmina.code,
            place_label=unit_label(answer.gmina, lang),
            options=options,
        )
        return _advance(_answered(chosen, "place"), deps, now, lead)
    if answer.candidates:
        options = tuple((unit.teryt, unit_label(unit, lang)) for unit in answer.candidates)
        asking = replace(state, step="choose_place", options=options)
        return Step(asking, (*lead, *_ask(asking)))
    if answer.outside_poland:
        outside = replace(state, place_code=None, place_label=None, options=())
        lead.append(Reply(t("dialog.place.outside_poland", lang)))
        return _advance(_answered(outside, "place"), deps, now, lead)
    suggestions = tuple((f"try:{i}", name) for i, name in enumerate(answer.suggestions[:6]))
    asking = replace(state, step="place", options=suggestions)
    key = "dialog.place.did_you_mean" if suggestions else "dialog.place.not_found"
    buttons = tuple((Button(name, token),) for token, name in suggestions)
    question = _place_question(asking)
    reply = Reply(
        t(key, lang),
        buttons=buttons + question.buttons,
        kind="place_not_found",
        location_request=True,
        location_label=question.location_label,
    )
    return Step(asking, (*lead, reply))


# ----------------------------------------------------------------------------- questions


def _advance(state: DialogState, deps: Deps, now: datetime, lead: list[Reply]) -> Step:
    """Ask the first question not answered yet, or show the results."""
    done = set(state.done)
    if "who" not in done and done & {"age", "situation", "place"}:
        state = _answered(state, "who")  # they told us something already: do not ask who
        done.add("who")
    for question in QUESTIONS:
        if question not in done:
            asking = replace(state, step=question)
            return Step(asking, (*lead, *_ask(asking)))
    return results(replace(state, page=0), deps, now, lead)


def _ask(state: DialogState) -> tuple[Reply, ...]:
    """The question of the step the conversation is at (the results' footer after them)."""
    question = _QUESTIONS.get(state.step)
    if question is None:
        return (footer(state, more=False),)
    return (question(state),)


def _navigation(lang: str, *, back: bool = True) -> tuple[Button, ...]:
    buttons = [Button(t("dialog.button.skip", lang), "skip")]
    if back:
        buttons.insert(0, Button(t("dialog.button.back", lang), "back"))
    buttons.append(Button(t("dialog.button.restart", lang), "restart"))
    return tuple(buttons)


def _greeting(lang: str) -> Reply:
    return Reply(t("dialog.greeting", lang), kind="greeting")


def _who_question(lang: str) -> Reply:
    choices = rows(*(Button(t(f"dialog.who.{who}", lang), f"who:{who}") for who in WHO))
    return Reply(
        t("dialog.who.question", lang),
        buttons=(*choices, _navigation(lang, back=False)),
        kind="question",
        numbers_are_answers=True,
    )


def _age_question(state: DialogState) -> Reply:
    lang = state.lang
    who = state.who or "other"
    ranges = rows(
        *(Button(t(f"dialog.age.range.{token}", lang), f"age:{token}") for token in AGE_RANGES),
        width=3,
    )
    unknown = (Button(t("dialog.age.unknown", lang), "age:unknown"),)
    return Reply(
        t(f"dialog.age.question.{who}", lang),
        buttons=(*ranges, unknown, _navigation(lang)),
        kind="question",
        numbers_are_answers=True,
    )


def _age_out_of_range(state: DialogState) -> Reply:
    question = _age_question(state)
    text = t("dialog.age.out_of_range", state.lang)
    return replace(question, text=f"{text}\n{question.text}", kind="age_out_of_range")


def _situation_question(state: DialogState) -> Reply:
    lang = state.lang
    buttons = []
    for key in SITUATIONS:
        label = situation_label(key, lang)
        if key in state.situations:
            label = t("dialog.situation.chosen_mark", lang, label=label)
        buttons.append(Button(label, f"sit:{key}"))
    text = t("dialog.situation.question", lang)
    if state.situations:
        chosen = ", ".join(situation_label(key, lang) for key in state.situations)
        text += "\n" + t_html("dialog.situation.chosen", lang, situations=chosen)
    done = (Button(t("dialog.button.done", lang), "sit:done"),)
    return Reply(
        text,
        buttons=(*rows(*buttons, width=1), done, _navigation(lang)),
        kind="question",
    )


def _place_question(state: DialogState) -> Reply:
    lang = state.lang
    return Reply(
        t(f"dialog.place.question.{state.who or 'other'}", lang),
        buttons=(_navigation(lang),),
        kind="question",
        location_request=True,
        location_label=t("dialog.place.send_location", lang),
    )


def _choose_place_question(state: DialogState) -> Reply:
    lang = state.lang
    choices = tuple((Button(label, f"place:{code}"),) for code, label in state.options)
    return Reply(
        t("dialog.place.ambiguous", lang),
        buttons=(*choices, _navigation(lang)),
        kind="choose_place",
    )


def _language_question(lang: str) -> Reply:
    buttons = rows(
        *(Button(t(f"dialog.language.{code}", lang), f"lang:{code}") for code in LANGUAGES),
        width=3,
    )
    return Reply(t("dialog.language.question", lang), buttons=buttons, kind="question")


# ----------------------------------------------------------------------------- small pieces


def _answered(state: DialogState, *questions: str) -> DialogState:
    done = tuple(dict.fromkeys((*state.done, *questions)))
    return replace(state, done=done)


def _clear(state: DialogState, question: str) -> DialogState:
    if question == "who":
        return replace(state, who=None)
    if question == "age":
        return replace(state, age=None, age_range=None)
    if question == "situation":
        return replace(state, situations=(), terms="")
    return replace(state, place_code=None, place_label=None, options=())


# ----------------------------------------------------------------------------- dispatch tables

_Pressed = Callable[[DialogState, str, Deps, datetime], Step]
# A button's token is "<kind>[:<value>]": the kind says what was pressed.
_BUTTONS: Mapping[str, _Pressed] = {
    "restart": _on_restart,
    "forget": _on_forget,
    "lang": _on_language,
    "who": _on_who,
    "age": _on_age,
    "sit": _on_situation_button,
    "place": _on_place_button,
    "try": _on_suggestion,
    "skip": _on_skip,
    "back": _on_back,
    "change": _on_change,
    "more": _on_more,
    "map": _on_map,
    "wrong": _on_wrong,
}
# The question each step asks.
_QUESTIONS: Mapping[str, Callable[[DialogState], Reply]] = {
    StepName.START: lambda state: _who_question(state.lang),
    StepName.WHO: lambda state: _who_question(state.lang),
    StepName.AGE: _age_question,
    StepName.SITUATION: _situation_question,
    StepName.PLACE: _place_question,
    StepName.CHOOSE_PLACE: _choose_place_question,
}
