"""'This was wrong' on a card: a short side conversation that leaves the main one where it was.

What is wrong (phone, address, hours, closed, other) -> an optional short note -> the report
goes to the coordinators (`Step.feedback`). The report is made once, when the person sends the
note or "send without a note", or else with the next unrelated input (any other button, text,
command): a chosen kind is never lost for want of a note.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from bot.dialog_state import (
    MAX_NOTE_CHARS,
    REPORT_KINDS,
    Choice,
    Deps,
    DialogState,
    Feedback,
    Input,
    Step,
    Text,
    control_word,
    t_html,
)
from bot.i18n import t
from bot.render import Button, Reply, report_token, rows, service_title
from catalog.text import clean


def is_report_button(event: Input) -> bool:
    """True for a button of a report ("wrong:<service>[:<action>]")."""
    return isinstance(event, Choice) and event.token.startswith("wrong:")


def on_report_button(state: DialogState, value: str, deps: Deps) -> Step:
    """A button of the report: on a card ('<id>'), a kind, "send without a note" or cancel."""
    lang = state.lang
    service_id, _, action = value.partition(":")
    if deps.catalog.service(service_id) is None:
        # An old card after a reload that removed the service (or forged data).
        left = _without_report(state) if state.report == service_id else state
        return Step(left, (Reply(t("dialog.wrong.gone", lang), kind="report_gone"),))
    if not action:
        sent: tuple[Feedback, ...] = ()
        notice = None
        if state.report not in (None, service_id):
            state, sent, notice = close_report(state, deps)
        asking = replace(state, report=service_id, report_kind=None)
        return with_report(Step(asking, (_report_question(asking, deps),)), sent, notice)
    if state.report != service_id:
        # A button of a report already sent or cancelled: one press, one report.
        return Step(state, (Reply(t("dialog.wrong.closed", lang), kind="report_closed"),))
    if action in REPORT_KINDS:
        chosen = replace(state, report_kind=action)
        return Step(chosen, (replace(_note_question(chosen, deps), replace=True),))
    if action == "send" and state.report_kind is not None:
        return _send_report(state, "", cut=False)
    if action == "cancel":
        reply = Reply(t("dialog.wrong.cancelled", lang), kind="report_cancelled", replace=True)
        return Step(_without_report(state), (reply,))
    return Step(state, (_report_question(state, deps),))


def report_answer(state: DialogState, event: Input, deps: Deps) -> Step | None:
    """Typed text while a report is open: the note (or a reminder to choose what is wrong).

    None when the input is something else (danger, a control word, a command, a location,
    another button): the report is then closed and the input handled as usual.
    """
    if not isinstance(event, Text) or deps.is_danger(event.text):
        return None
    word = control_word(event.text)
    if word == "skip" and state.report_kind is not None:
        return _send_report(state, "", cut=False)
    if word is not None:
        return None
    if state.report_kind is None:
        return Step(state, (_report_question(state, deps, remind=True),))
    note, cut = note_of(event.text)
    if not note:
        return Step(state, (_note_question(state, deps),))
    return _send_report(state, note, cut=cut)


def note_of(text: str) -> tuple[str, bool]:
    """The note as sent to the coordinators, and whether it was cut.

    One line, without invisible and control characters (no hidden text, no right-to-left
    tricks), at most MAX_NOTE_CHARS characters; otherwise as the person wrote it (it is
    escaped only where it is shown).
    """
    note = "".join(ch for ch in clean(text) if unicodedata.category(ch) not in ("Cc", "Cf"))
    note = note.strip()
    if len(note) <= MAX_NOTE_CHARS:
        return note, False
    return note[: MAX_NOTE_CHARS - 1].rstrip() + "…", True


def _send_report(state: DialogState, note: str, *, cut: bool) -> Step:
    lang = state.lang
    report = _report(state, note)
    text = t("dialog.wrong.sent_with_note" if note else "dialog.wrong.sent", lang)
    if cut:
        text += "\n" + t("dialog.wrong.note_cut", lang, limit=MAX_NOTE_CHARS)
    # "Send without a note" replaces the question it was pressed on; a typed note gets a reply.
    reply = Reply(text, kind="report_sent", replace=not note)
    return Step(_without_report(state), (reply,), feedback=(report,))


def pending_report(state: DialogState) -> Feedback | None:
    """The report a stored state still holds (kind chosen, note not written yet), for a job
    that deletes idle states: send it before the state goes, so it is never lost."""
    if state.report is None or state.report_kind is None:
        return None
    return _report(state, "")


def close_report(
    state: DialogState, deps: Deps
) -> tuple[DialogState, tuple[Feedback, ...], Reply | None]:
    """The open report ends: sent without a note when a kind was chosen, else dropped."""
    if state.report is None:
        return state, (), None
    left = _without_report(state)
    report = pending_report(state)
    if report is None:
        return left, (), None
    title = _report_title(report.service_id, deps)
    notice = Reply(
        t_html("dialog.wrong.sent_without_note", state.lang, service=title), kind="report_sent"
    )
    return left, (report,), notice


def with_report(result: Step, sent: tuple[Feedback, ...], notice: Reply | None) -> Step:
    """A step with a report closed on the way: the report added, the notice after any danger
    reply (which always comes first)."""
    if not sent and notice is None:
        return result
    replies = list(result.replies)
    if notice is not None:
        at = 1 if replies and replies[0].kind == "danger" else 0
        replies.insert(at, notice)
    return replace(result, replies=tuple(replies), feedback=(*sent, *result.feedback))


def _report(state: DialogState, note: str) -> Feedback:
    return Feedback(
        service_id=state.report or "",
        gmina=state.place_code,
        situations=state.situations,
        kind=state.report_kind or "other",
        note=note,
    )


def _without_report(state: DialogState) -> DialogState:
    return replace(state, report=None, report_kind=None)


def _report_question(state: DialogState, deps: Deps, *, remind: bool = False) -> Reply:
    lang = state.lang
    service_id = state.report or ""
    kinds = rows(
        *(
            Button(t(f"dialog.wrong.kind.{kind}", lang), report_token(service_id, kind))
            for kind in REPORT_KINDS
        ),
        Button(t("dialog.wrong.cancel", lang), report_token(service_id, "cancel")),
        width=2,
    )
    text = t_html("dialog.wrong.question", lang, service=_report_title(service_id, deps))
    if remind:
        text = f"{t('dialog.wrong.use_buttons', lang)}\n{text}"
    return Reply(text, buttons=kinds, kind="report_question")


def _note_question(state: DialogState, deps: Deps) -> Reply:
    lang = state.lang
    service_id = state.report or ""
    buttons = (
        (Button(t("dialog.wrong.send", lang), report_token(service_id, "send")),),
        (Button(t("dialog.wrong.cancel", lang), report_token(service_id, "cancel")),),
    )
    text = t_html(
        "dialog.wrong.note",
        lang,
        kind=t(f"dialog.wrong.kind.{state.report_kind or 'other'}", lang),
        service=_report_title(service_id, deps),
        limit=MAX_NOTE_CHARS,
    )
    return Reply(text, buttons=buttons, kind="report_note")


def _report_title(service_id: str, deps: Deps) -> str:
    """The service as the person saw it on the card (plain text)."""
    service = deps.catalog.service(service_id)
    return service_id if service is None else service_title(service)
