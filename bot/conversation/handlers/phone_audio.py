"""Dial-in, dial-out and hang-up: the SDK's one-device-each rules, and the number rules."""
from __future__ import annotations

from bot.conversation import commands as c
from bot.conversation.effects import Audit, CountPhoneAudio, Effect, SaveSession, SendToAgent
from bot.conversation.handlers.dispatch import dispatch
from bot.conversation.handlers.replies import (
    DISCONNECT_PHONE_AUDIO,
    agent_command,
    ask_for_meeting,
    dial_in_message,
    duration,
    in_space_meeting,
    meeting_words,
    new_command_id,
    pending_words,
    remember_person,
    reply,
    text,
    unavailable,
)
from bot.conversation.phone_numbers import format_international, mask, mask_text
from bot.conversation.plain_words import state_words
from bot.conversation.session import PROVISIONED, TRANSFERRING, Session
from cards.markdown import escape
from cards.prompts import confirm_call_card, phone_prompt


@dispatch.register
def bad_number(command: c.BadNumber, session: Session) -> list[Effect]:
    shown = escape(command.shown, 40)
    return [Audit("refused", command.rule, mask_text(command.shown), meeting_words(session)),
            *text(command.origin, f"I can't call {shown}: {command.problem}. No call was placed.")]


@dispatch.register
def rate_limited_dial_out(command: c.RateLimitedDialOut, session: Session) -> list[Effect]:
    scope = "you have" if command.rule == "dialout_rate_person" else "your organisation has"
    return [Audit("refused", command.rule, mask(command.number), meeting_words(session)),
            CountPhoneAudio("dial_out", "rate_limited"),
            *text(command.origin, f"I can't place that call: {scope} reached the limit of dial-outs for now "
                                  f"(rule: {command.rule}). No call was placed; try again later.")]


@dispatch.register
@in_space_meeting
def dial_in(command: c.DialIn, session: Session) -> list[Effect]:
    origin = command.origin
    if session.meeting is None:
        return ask_for_meeting(origin, session, "dial_in", "set up dial-in")
    if session.pending_op:
        return text(origin, pending_words(session))
    if session.dial_in_active:
        return [*text(origin, "You already have a dial-in for this meeting; here it is again.", personal=True),
                *reply(origin, dial_in_message(session), personal=True)]
    if not origin.agents_available:
        return unavailable(origin, "dial_in")
    command_id = new_command_id(origin, "dial_in")
    updated = remember_person(session, origin).with_changes(
        pending_op="dial_in", pending_command_id=command_id, dial_in_card_sent=False, hangup="",
        call_id=session.call_id if session.phone_active else command_id)
    return [SaveSession(updated), agent_command(updated, command_id, None), CountPhoneAudio("dial_in", "sent")]


@dispatch.register
@in_space_meeting
def dial_out(command: c.DialOut, session: Session) -> list[Effect]:
    origin = command.origin
    if session.meeting is None:
        awaiting = f"dial_out:{command.number}" if command.number else "dial_out"
        return ask_for_meeting(origin, session, awaiting, "call your phone")
    if session.pending_op:
        return text(origin, pending_words(session))
    if session.dial_out_active:
        refused = [Audit("refused", "one_active_dial_out", mask(command.number), meeting_words(session))] \
            if command.number else []
        state, _ = state_words("dial_out", session.dial_out_status)
        return [*refused, *text(origin, f"I'm already calling {format_international(session.dial_out_number)} "
                                        f"({state}). Say `hang up` first to call another number.", personal=True)]
    if command.number is None:
        missing = f"Your Webex profile has no {command.phone_kind} number." if command.phone_kind else ""
        return reply(origin, phone_prompt(origin.person_id, session.last_number, session.meeting.describe(),
                                          command.choices, missing), personal=True)
    if not origin.agents_available:
        return [Audit("refused", "agent_unavailable", mask(command.number), meeting_words(session)),
                *unavailable(origin, "dial_out")]
    command_id = new_command_id(origin, "dial_out")
    updated = remember_person(session, origin).with_changes(
        pending_op="dial_out", pending_command_id=command_id, pending_number=command.number,
        last_number=command.number, hangup="", call_id=session.call_id if session.phone_active else command_id)
    calling = (f"Calling {format_international(command.number)} to join meeting {session.meeting.describe()}. "
               "Answer your phone when it rings.")
    return [SaveSession(updated), agent_command(updated, command_id, command.number),
            CountPhoneAudio("dial_out", "sent"), Audit("placed", "", mask(command.number), meeting_words(session)),
            *text(origin, calling, personal=True)]


@dispatch.register
def stale_dial_out(command: c.StaleDialOut, session: Session) -> list[Effect]:
    origin = command.origin
    message = confirm_call_card(origin.person_id, format_international(command.number), command.number,
                                duration(command.waited_seconds))
    return [CountPhoneAudio("dial_out", "too_late"),
            Audit("refused", "too_late", mask(command.number), meeting_words(session)),
            *reply(origin, message, personal=True)]


@dispatch.register
def hang_up(command: c.HangUp, session: Session) -> list[Effect]:
    origin = command.origin
    base = remember_person(session, origin).with_changes(hangup_to_computer=command.back_to_computer)
    if session.hangup:
        return text(origin, "I'm already hanging up your phone.")
    if session.pending_op in ("dial_in", "dial_out") or session.dial_out_status == TRANSFERRING:
        reason = ("your call is moving into the meeting" if session.dial_out_status == TRANSFERRING
                  else "your phone audio is still being set up")
        return [SaveSession(base.with_changes(hangup="deferred")),
                *text(origin, f"I'll hang up as soon as {reason}.")]
    if not any(status in PROVISIONED for status in (session.dial_in_status, session.dial_out_status)):
        words = "You're already on computer audio" if command.back_to_computer else "There's no phone to hang up"
        return text(origin, f"{words}: no phone is connected to your meeting.")
    if not origin.agents_available:
        return unavailable(origin, "hang_up")
    updated, disconnect = disconnect_phone(base, origin)
    return [SaveSession(updated), disconnect, CountPhoneAudio("hang_up", "sent")]


def disconnect_phone(session: Session, origin: c.Origin) -> tuple[Session, SendToAgent]:
    command_id = new_command_id(origin, "hang_up")
    updated = session.with_changes(pending_op="hang_up", pending_command_id=command_id, hangup="sent")
    return updated, agent_command(updated, command_id, None, DISCONNECT_PHONE_AUDIO)
