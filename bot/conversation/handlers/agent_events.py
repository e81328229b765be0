"""What the meeting agent reports: meeting info, phone-audio updates, lobby, errors, timeouts."""
from __future__ import annotations

from bot.conversation import commands as c
from bot.conversation.effects import Audit, CountPhoneAudio, Effect, ExtendDeadline, SaveSession
from bot.conversation.handlers.dispatch import dispatch
from bot.conversation.handlers.phone_audio import disconnect_phone
from bot.conversation.handlers.replies import (
    MUTE_REMINDER,
    OPS_IN_WORDS,
    PAGE_CRASHED,
    UNMUTE_REMINDER,
    dial_in_message,
    meeting_words,
    reply,
    text,
)
from bot.conversation.phone_numbers import format_international, mask
from bot.conversation.plain_words import is_agents_words, is_normal_ending, reason_words
from bot.conversation.session import ACTIVE, CONNECTED, JOINED, LEFT, PROVISIONED, SUCCESS, TRANSFERRING, Session
from bot.webex.messages import CardMessage
from cards.markdown import escape
from cards.notice import notice_card
from cards.prompts import call_again_card


@dispatch.register
def agent_timeout(command: c.AgentTimeout, session: Session) -> list[Effect]:
    if session.pending_command_id != command.command_id:
        return []  # answered in time
    op = OPS_IN_WORDS.get(session.pending_op, "do that")
    updated = settled(session.with_changes(pending_op="", pending_command_id="", pending_number="", hangup=""))
    return [SaveSession(updated), CountPhoneAudio(session.pending_op, "timeout"),
            *text(command.origin, f"The meeting service didn't answer in time, so I couldn't {op}. "
                                  "Nothing was changed; please try again.")]


@dispatch.register
def agent_event(command: c.AgentEvent, session: Session) -> list[Effect]:
    event = command.event
    answered = bool(session.pending_command_id) and event.get("command_id") == session.pending_command_id
    kind = event.get("type")
    if kind == "meeting_info":
        return _meeting_info(command, session, event, answered)
    if kind == "phone_audio_update":
        return _phone_audio_update(command, session, event, answered)
    if kind == "lobby" and answered:
        return _lobby(command, session, event)
    if kind == "error" and answered:
        op = OPS_IN_WORDS.get(session.pending_op, "do that")
        updated = settled(session.with_changes(pending_op="", pending_command_id="", pending_number="", hangup=""))
        reason = escape(str(event.get("reason") or "the meeting refused"), 300)
        return [SaveSession(updated), CountPhoneAudio(session.pending_op, "error"),
                *text(command.origin, f"I couldn't {op}: {reason}.")]
    return []  # an answer to a command that is no longer pending


def _lobby(command: c.AgentEvent, session: Session, event: dict) -> list[Effect]:
    """Waiting for the host: in the lobby, or (`why` "not_started") for the meeting to start at all."""
    not_started = event.get("why") == "not_started"
    if not event.get("waiting"):
        return text(command.origin, "The host started the meeting; setting up your phone audio now." if not_started
                    else "The host let you in; setting up your phone audio now.")
    seconds = float(event.get("extend_seconds") or 0)
    words = str(event.get("reason") or "")  # the agent's words: "the host hasn't started the meeting yet; ..."
    said = (escape(words[:1].upper() + words[1:], 300) + ".") if not_started and words else (
        "You're waiting in the meeting's lobby. I'll carry on as soon as the host lets you in.")
    return [ExtendDeadline(session.pending_command_id, session.person_id, seconds), *text(command.origin, said)]


def _reason(reason: str) -> str:
    words = reason_words(reason)
    return escape(words, 120) if is_agents_words(reason) else words


def settled(session: Session) -> Session:
    """A call ends when no device is left and nothing is pending: its cards stop acting on it."""
    if session.phone_active or session.pending_op:
        return session
    return session.with_changes(call_id="")


def _meeting_info(command: c.AgentEvent, session: Session, event: dict, answered: bool) -> list[Effect]:
    audio = event.get("audio") if isinstance(event.get("audio"), dict) else {}
    updated = session.with_changes(
        access_code=str(audio.get("accessCode") or session.access_code),
        toll_number=str(audio.get("tollNum") or session.toll_number),
        toll_label=str(audio.get("tollCallInLabel") or session.toll_label),
        global_callin_url=str(audio.get("globalCallinNumberWebLink") or session.global_callin_url))
    effects: list[Effect] = []
    if updated.dial_in_status == JOINED and not updated.dial_in_card_sent and updated.access_code:
        updated = updated.with_changes(dial_in_card_sent=True)
        effects = reply(command.origin, dial_in_message(updated))
    return [SaveSession(updated), *effects] if updated != session else []


def _phone_audio_update(command: c.AgentEvent, session: Session, event: dict, answered: bool) -> list[Effect]:
    seq = event.get("seq")
    if not isinstance(seq, int) or seq <= session.agent_seq:
        return []  # a repeat or an out-of-date snapshot: the person already heard about it
    payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
    dial_in = payload.get("dialIn") if isinstance(payload.get("dialIn"), dict) else {}
    dial_out = payload.get("dialOut") if isinstance(payload.get("dialOut"), dict) else {}
    updated = session.with_changes(agent_seq=seq, agent=str(event.get("agent") or session.agent))
    if answered:
        updated = updated.with_changes(pending_op="", pending_command_id="")
    messages: list[CardMessage] = []
    audits: list[Effect] = []
    owner = session.person_id

    new_in = str(dial_in.get("status") or "")
    if new_in and new_in != session.dial_in_status:
        updated = updated.with_changes(dial_in_status=new_in,
                                       dial_in_attendee_id=str(dial_in.get("attendeeId") or updated.dial_in_attendee_id))
        if new_in == JOINED and updated.access_code and not updated.dial_in_card_sent:
            updated = updated.with_changes(dial_in_card_sent=True)
            messages.append(dial_in_message(updated))
        elif new_in in (CONNECTED, SUCCESS) and session.dial_in_status not in (CONNECTED, SUCCESS):
            messages.append(notice_card(owner, "Your phone is connected", f"You dialled in. {MUTE_REMINDER}",
                                        ("hang_up", "status")))
        elif new_in == LEFT and session.dial_in_status in ACTIVE and updated.hangup != "sent":
            messages.append(notice_card(owner, "Your dial-in ended", UNMUTE_REMINDER, ("dial_in", "dial_out")))

    new_out = str(dial_out.get("status") or "")
    if new_out and new_out != session.dial_out_status:
        reason = str(dial_out.get("reason") or "")[:60] if new_out == LEFT else ""
        number = updated.pending_number or updated.dial_out_number
        updated = updated.with_changes(dial_out_status=new_out, dial_out_reason=reason, dial_out_number=number,
                                       dial_out_attendee_id=str(dial_out.get("attendeeId") or updated.dial_out_attendee_id))
        if answered:
            updated = updated.with_changes(pending_number="")
        if new_out == CONNECTED:
            audits.append(Audit("connected", "", mask(number), meeting_words(updated)))
            messages.append(notice_card(owner, "Your phone is connected",
                                        f"{format_international(number)} is joining meeting "
                                        f"{updated.meeting.describe() if updated.meeting else ''}. {MUTE_REMINDER}",
                                        ("hang_up", "computer_audio", "status")))
        elif new_out == LEFT and not is_normal_ending(reason):
            audits.append(Audit("failed", reason_words(reason), mask(number), meeting_words(updated)))
        if new_out == LEFT and reason == PAGE_CRASHED and number:
            messages.append(call_again_card(owner, "Your phone audio dropped",
                                            f"The meeting service lost your call to {format_international(number)}. "
                                            f"{UNMUTE_REMINDER}", "Reconnect my phone", number))
        elif new_out == LEFT and updated.hangup != "sent":
            words = f"The call to {format_international(number)} ended" + (
                "." if is_normal_ending(reason) else f": {_reason(reason)}.") + f" {UNMUTE_REMINDER}"
            messages.append(notice_card(owner, "Your phone call ended", words, ("dial_out", "dial_in", "status")))

    updated, agent_commands = _after_state_change(command, updated)
    if updated.hangup == "sent" and not updated.pending_op and not updated.phone_active:
        title = "You're back on computer audio" if updated.hangup_to_computer else "Your phone is disconnected"
        messages.append(notice_card(owner, title, UNMUTE_REMINDER, ("dial_in", "dial_out", "status")))
        updated = updated.with_changes(hangup="", hangup_to_computer=False)
    effects: list[Effect] = [SaveSession(settled(updated)), *agent_commands, *audits]
    for message in messages:
        effects += reply(command.origin, message)
    return effects


def _after_state_change(command: c.AgentEvent, session: Session) -> tuple[Session, list[Effect]]:
    """Carry out a deferred hang-up once nothing is in flight and the transfer has ended."""
    if session.hangup != "deferred" or session.pending_op or session.dial_out_status == TRANSFERRING:
        return session, []
    if any(status in PROVISIONED for status in (session.dial_in_status, session.dial_out_status)):
        updated, disconnect = disconnect_phone(session, command.origin)
        return updated, [disconnect]
    return session.with_changes(hangup="sent"), []


@dispatch.register
def agent_gone(command: c.AgentGone, session: Session) -> list[Effect]:
    if session.agent != command.agent or not (session.phone_active or session.pending_op):
        return []
    left = {"dial_in_status": LEFT if session.dial_in_active else session.dial_in_status,
            "dial_out_status": LEFT if session.dial_out_active else session.dial_out_status}
    updated = session.with_changes(**left, dial_out_reason="AGENT_LOST" if session.dial_out_active else "",
                                   pending_op="", pending_command_id="", pending_number="", hangup="", call_id="")
    message = notice_card(session.person_id, "Your phone audio dropped",
                          "The meeting service stopped, so your phone is no longer your meeting audio. "
                          f"{UNMUTE_REMINDER} You can reconnect your phone when you like.",
                          ("dial_out", "dial_in", "status"))
    return [SaveSession(updated), CountPhoneAudio(session.pending_op or "phone_audio", "agent_gone"),
            *reply(command.origin, message)]
