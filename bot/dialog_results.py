"""The results of a resident's conversation: the page of cards, the footer's buttons, what is
said when nothing fits or the place is outside the catalogue, and the crisis reply.

`bot.dialog` decides when to show them; this module decides what they say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.dialog_state import EMERGENCY, PAGE_SIZE, SEARCH_LIMIT, Deps, DialogState, Step, t_html
from bot.i18n import situation_label, t, tn
from bot.render import Button, Reply, numbered, service_line
from catalog.model import Service
from catalog.outcome import search_outcome
from catalog.places import Unit
from catalog.search import ADULT_AGE, Match, Query, SearchResult, for_children


def query_of(state: DialogState) -> Query:
    """What the conversation has understood, as a search."""
    return Query(
        text=state.terms,
        situations=frozenset(state.situations),
        age=state.age,
        gmina=state.place_code,
        adult=state.adult,
        main=state.situations[0] if state.situations else None,
        who=state.who,
    )


def results(state: DialogState, deps: Deps, now: datetime, lead: list[Reply]) -> Step:
    """The results step: a page of cards after `lead`, with the buttons to go on."""
    lang = state.lang
    state = replace(state, step="results")
    result = deps.search.search(query_of(state), limit=SEARCH_LIMIT)
    found = _in_showing_order(result)
    if state.page == 0 and state.place_code is not None and not result.covered:
        outside = _outside_area(state, deps, lines_below=bool(found))
        lead = [*lead, Reply(outside, kind="outside_area")]
    if not found:
        return _nothing_found(state, deps, now, lead)
    if state.page == 0 and result.fallback:
        lead = [*lead, Reply(t("dialog.results.general_office", lang), kind="general_office")]
    outcome = search_outcome(result.matches, fallback=result.fallback)
    pages = (len(found) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(state.page, pages - 1)
    if state.page >= pages:
        more = Reply(t("dialog.results.no_more", lang))
        return Step(replace(state, page=page), (*lead, more, footer(state, more=False)))
    state = replace(state, page=page)
    first = page * PAGE_SIZE
    shown = found[first : first + PAGE_SIZE]
    replies = list(lead)
    if page == 0:
        replies.append(Reply(_summary(state, len(found)), kind="results"))
    office = _office_for(shown, state, deps)
    replies.extend(numbered(shown, lang, now, first + 1, office=office))
    replies.append(footer(state, more=page + 1 < pages))
    return Step(state, tuple(replies), outcome=outcome)


def _in_showing_order(result: SearchResult) -> list[Service]:
    """Local offices first and helplines after them; but a line the ranking put in the first
    three for safety (violence, a child at risk) or for danger stays there."""
    matches = list(result.matches)
    head = matches[:3] if result.danger or _safety_line_in_top(matches) else []
    rest = matches[len(head) :]
    ordered = [match.service for match in head]
    ordered += [match.service for match in rest if not match.service.crisis]
    ordered += [match.service for match in rest if match.service.crisis]
    return ordered


def _safety_line_in_top(matches: Sequence[Match]) -> bool:
    return any(match.service.crisis for match in matches[:3]) and any(
        not match.service.crisis for match in matches[:3]
    )


def _outside_area(state: DialogState, deps: Deps, *, lines_below: bool) -> str:
    """ "Ten katalog obejmuje: …": the place is outside the catalogue's local area (and, when
    some fit, the national lines follow)."""
    names = []
    for code in deps.search.local_areas:
        unit = deps.places.unit(code)
        if unit is not None:
            names.append(area_label(unit, state.lang))
    key = "dialog.results.outside_area" if lines_below else "dialog.results.outside_area_only"
    return t_html(key, state.lang, areas=", ".join(names) or "—")


def area_label(unit: Unit, lang: str) -> str:
    """An area as people name it: "województwo mazowieckie", "powiat siedlecki", "Siedlce"."""
    if unit.level == "gmina":
        return unit.name
    return t(f"dialog.place.level.{unit.level}", lang, name=unit.name)


def _summary(state: DialogState, count: int) -> str:
    lang = state.lang
    parts = [tn("dialog.results.found", count, lang)]
    if state.place_label:
        parts.append(t_html("dialog.results.place", lang, place=state.place_label))
    else:
        parts.append(t("dialog.results.no_place", lang))
    if state.situations:
        chosen = ", ".join(situation_label(key, lang) for key in state.situations)
        parts.append(t_html("dialog.results.situations", lang, situations=chosen))
    return "\n".join(parts)


def footer(state: DialogState, *, more: bool) -> Reply:
    """The buttons under results: more, the places meant, change, restart, forget."""
    lang = state.lang
    buttons: list[tuple[Button, ...]] = []
    if more:
        buttons.append((Button(t("dialog.button.more", lang), "more"),))
    buttons.extend(
        (Button(t("dialog.place.meant", lang, place=label), f"place:{code}"),)
        for code, label in state.options
    )
    buttons.append(
        (
            Button(t("dialog.button.change_place", lang), "change:place"),
            Button(t("dialog.button.change_situation", lang), "change:situation"),
        )
    )
    buttons.append(
        (
            Button(t("dialog.button.change_age", lang), "change:age"),
            Button(t("dialog.button.restart", lang), "restart"),
        )
    )
    buttons.append((Button(t("dialog.button.forget", lang), "forget"),))
    text = t("dialog.results.more" if more else "dialog.results.end", lang)
    return Reply(text, buttons=tuple(buttons), kind="footer")


def _nothing_found(state: DialogState, deps: Deps, now: datetime, lead: list[Reply]) -> Step:
    lang = state.lang
    replies = [*lead, Reply(t("dialog.results.none", lang), kind="nothing_found")]
    contacts = _caseworkers_for(state, deps)
    if contacts:
        replies.append(Reply(t("dialog.results.caseworker", lang), kind="caseworker"))
        replies.extend(numbered(contacts, lang, now, 1))
    else:
        replies.append(Reply(t("dialog.results.no_caseworker", lang), kind="caseworker"))
    replies.append(footer(state, more=False))
    return Step(state, tuple(replies), outcome="fallback" if contacts else "none")


def _caseworkers_for(state: DialogState, deps: Deps) -> list[Service]:
    """The person's caseworkers (see `caseworkers`) among every service for their place."""
    wider = deps.search.search(
        replace(query_of(state), text="", situations=frozenset()), limit=SEARCH_LIMIT
    )
    return caseworkers([match.service for match in wider.matches], state.place_code)


def _office_for(shown: Sequence[Service], state: DialogState, deps: Deps) -> Service | None:
    """Whom a card with no contact sends the person to: their gmina's office, with a phone."""
    if not any(s.contact.is_empty and not s.shown_address for s in shown):
        return None
    return deps.search.general_office(query_of(state))


_LOCAL = ("gmina", "powiat")  # levels of a service that counts as local to the person


def caseworkers(services: Sequence[Service], gmina: str | None) -> list[Service]:
    """Who can take up the person's case when nothing fits: their gmina's social assistance
    centre (a gmina-level service for poverty), else the nearest wider one, else a local
    general service. Never a national line of another matter (a line for parents of drinking
    children is nobody's caseworker): with none, the reply says where to ask instead."""
    general = [service for service in services if not service.crisis]
    for level in ("gmina", "powiat", "wojewodztwo", "country"):
        at_level = [
            service
            for service in general
            if _level_for(service, gmina) == level and "poverty" in service.situations
        ]
        if at_level:
            return at_level[:2]
    return [service for service in general if _level_for(service, gmina) in _LOCAL][:2]


def _level_for(service: Service, gmina: str | None) -> str:
    if gmina is None:
        return "country" if service.nationwide else "other"
    inside = [area for area in service.areas if area.contains(gmina)]
    if not inside:
        return "other"
    return max(inside, key=lambda area: len(area.code)).level


# ----------------------------------------------------------------------------- danger


def danger_reply(state: DialogState, deps: Deps) -> Reply:
    """112 first, then the crisis lines that serve this person, then how to go on."""
    lang = state.lang
    lines = [t("dialog.danger", lang)]
    phones = crisis_lines(state, deps)
    if phones:
        lines.append(t("dialog.danger.lines", lang))
        lines.extend(f"• {service_line(service, lang)}" for service in phones)
    lines.append(t("dialog.danger.after", lang))
    return Reply("\n".join(lines), kind="danger")


def crisis_lines(state: DialogState, deps: Deps) -> list[Service]:
    """The catalogue's crisis lines that serve this person (their place and age, if known)."""
    found = []
    for service in deps.catalog.services:
        if not service.crisis or not service.contact.phones:
            continue
        if all(phone.dial == EMERGENCY for phone in service.contact.phones):
            continue  # 112 is already said first
        if not service.serves_age(state.age):
            continue
        grown_up = state.adult or (state.age is not None and state.age >= ADULT_AGE)
        if grown_up and for_children(service):
            continue  # no children's line for an adult
        if not service.serves_place(state.place_code):
            continue
        found.append(service)
    return found
