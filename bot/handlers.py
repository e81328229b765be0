"""Handlers: plain functions of (command, session) that return effects. No I/O, no clock.

They carry the Web Meetings SDK's phone-audio rules: one dial-in and one dial-out device
per person and meeting, states from PSTN_STATUS, and a hang-up asked for during
TRANSFERRING carried out when the transfer ends.
"""
from __future__ import annotations

import hashlib
from functools import singledispatch

from bot import commands as c
from bot.card_tokens import CALL_ACTIONS
from bot.effects import Audit, CountPhoneAudio, Effect, ExtendDeadline, Reply, SaveSession, SendToAgent
from bot.phone_numbers import format_international, mask, mask_text
from bot.session import ACTIVE, CONNECTED, JOINED, LEFT, PROVISIONED, SUCCESS, TRANSFERRING, Session
from cards import CardMessage
from cards.dial_in import dial_in_card
from cards.help import help_card
from cards.markdown import escape
from cards.notice import notice_card
from cards.prompts import call_again_card, confirm_call_card, meeting_prompt, phone_prompt
from cards.status import status_card

USE_PHONE_AUDIO = "use_phone_audio"
DISCONNECT_PHONE_AUDIO = "disconnect_phone_audio"
MAX_MARKDOWN_BYTES = 7439
PAGE_CRASHED = "PAGE_CRASHED"  # the meeting agent's browser page died
MUTE_REMINDER = "Mute your Webex app, so the meeting hears you only once."
UNMUTE_REMINDER = "Unmute your Webex app to talk with computer audio."
OPS_IN_WORDS = {"dial_in": "set up dial-in", "dial_out": "call your phone", "hang_up": "hang up your phone"}


def handle(command: c.Command, session: Session) -> list[Effect]:
    """The effects of one command on one session; a late answer says it is late."""
    stale = _stale_card(command, session)
    effects = _dispatch(stale or command, session)
    late = command.origin.late_seconds
    first_reply = next((e for e in effects if isinstance(e, Reply)), None)
    if late > 0 and first_reply is not None:
        note = Reply(CardMessage(f"Sorry for the delay: you asked {_duration(late)} ago."),
                     room_id=first_reply.room_id, to_person_id=first_reply.to_person_id)
        effects.insert(effects.index(first_reply), note)
    return effects


def _stale_card(command: c.Command, session: Session) -> c.StaleCard | None:
    """A genuine press is still judged against the current state: the meeting and call it acts on."""
    claims = command.origin.card
    if claims is None or isinstance(command, (c.StaleCard, c.ForeignCard)):
        return None
    if claims.meeting and claims.meeting != session.meeting_ref:
        return c.StaleCard(origin=command.origin, reason="another meeting")
    if claims.action in CALL_ACTIONS:
        live = session.phone_active or session.pending_op in ("dial_in", "dial_out")
        if not (claims.call and claims.call == session.call_id and live):
            return c.StaleCard(origin=command.origin, reason="a call that has ended")
    return None


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} seconds"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


@singledispatch
def _dispatch(command: c.Command, session: Session) -> list[Effect]:
    raise TypeError(f"no handler for {type(command).__name__}")


# Replies ---------------------------------------------------------------------------

def reply(origin: c.Origin, message: CardMessage, personal: bool = False) -> list[Effect]:
    """Answer where the command came from; personal details go to a direct space only."""
    message = CardMessage(_fit(message.markdown), message.card)
    if not origin.room_id:
        return [Reply(message, to_person_id=origin.person_id)]
    if personal and origin.in_group:
        pointer = CardMessage(f"<@personId:{origin.person_id}|{origin.display_name or 'you'}>, "
                              "I've sent you the details in a direct message.")
        return [Reply(message, to_person_id=origin.person_id), Reply(pointer, room_id=origin.room_id)]
    return [Reply(message, room_id=origin.room_id)]


def text(origin: c.Origin, markdown: str, personal: bool = False) -> list[Effect]:
    return reply(origin, CardMessage(markdown), personal)


def _fit(markdown: str) -> str:
    encoded = markdown.encode()
    if len(encoded) <= MAX_MARKDOWN_BYTES:
        return markdown
    return encoded[: MAX_MARKDOWN_BYTES - 3].decode(errors="ignore") + "..."


def _command_id(origin: c.Origin, op: str) -> str:
    """The same event always yields the same command id, so a redelivery can't send two."""
    return hashlib.sha256(f"{origin.event_key}|{op}".encode()).hexdigest()[:24]


def _remember_person(session: Session, origin: c.Origin) -> Session:
    changes = {"display_name": origin.display_name or session.display_name,
               "person_email": origin.person_email or session.person_email}
    if origin.room_id:
        changes.update(room_id=origin.room_id, room_type=origin.room_type)
    return session.with_changes(**changes)


# Chat commands -----------------------------------------------------------------------

@_dispatch.register
def _(command: c.Help, session: Session) -> list[Effect]:
    return reply(command.origin, help_card(command.origin.person_id))


@_dispatch.register
def _(command: c.Unknown, session: Session) -> list[Effect]:
    said = escape(command.text, 60) or "that"
    message = notice_card(command.origin.person_id, "I didn't understand that",
                          f'I didn\'t understand "{said}". Did you mean "{command.suggestion}"?', ("help",))
    return reply(command.origin, message)


@_dispatch.register
def _(command: c.ForeignCard, session: Session) -> list[Effect]:
    return text(command.origin, "That card isn't yours, so I did nothing. Say `help` to get your own.")


@_dispatch.register
def _(command: c.BadMeeting, session: Session) -> list[Effect]:
    return text(command.origin, command.problem)


@_dispatch.register
def _(command: c.StaleCard, session: Session) -> list[Effect]:
    origin = command.origin
    fresh = status_card(origin.person_id, status_facts(session), session.phone_active, session.meeting is not None)
    return [*text(origin, f"This card is out of date (it was made for {command.reason}), so I did nothing. "
                          "Here is a fresh one."), *reply(origin, fresh, personal=True)]


@_dispatch.register
def _(command: c.NotAllowed, session: Session) -> list[Effect]:
    return text(command.origin, "Sorry, this bot is only for people in the organisations it was set up for, "
                                "so I can't help you. Nothing was stored.")


@_dispatch.register
def _(command: c.AuditQuery, session: Session) -> list[Effect]:
    origin = command.origin
    if not origin.is_admin:
        return text(origin, "Only administrators can read the audit log.")
    who = f" for {escape(command.person_email)}" if command.person_email else ""
    if not command.entries:
        return text(origin, f"No dial-out attempts in the audit log{who}.", personal=True)
    lines = "\n".join(f"- {escape(line, 300)}" for line in command.entries)
    return text(origin, f"**Dial-out audit{who}** (newest first)\n{lines}", personal=True)


@_dispatch.register
def _(command: c.BadNumber, session: Session) -> list[Effect]:
    shown = escape(command.shown, 40)
    return [Audit("refused", command.rule, mask_text(command.shown), _meeting_words(session)),
            *text(command.origin, f"I can't call {shown}: {command.problem}. No call was placed.")]


@_dispatch.register
def _(command: c.RateLimitedDialOut, session: Session) -> list[Effect]:
    scope = "you have" if command.rule == "dialout_rate_person" else "your organisation has"
    return [Audit("refused", command.rule, mask(command.number), _meeting_words(session)),
            CountPhoneAudio("dial_out", "rate_limited"),
            *text(command.origin, f"I can't place that call: {scope} reached the limit of dial-outs for now "
                                  f"(rule: {command.rule}). No call was placed; try again later.")]


def _meeting_words(session: Session) -> str:
    return session.meeting.describe() if session.meeting else ""


@_dispatch.register
def _(command: c.SetMeeting, session: Session) -> list[Effect]:
    origin = command.origin
    if command.password and origin.in_group:
        return text(origin, "I never take meeting passwords in a group space. Send `meeting ... password ...` "
                            "to me in a direct message. Nothing was changed.")
    if session.phone_active or session.pending_op:
        return text(origin, f"You have phone audio in meeting {session.meeting.describe()}. "
                            "Say `hang up` before you change meetings.")
    updated = _remember_person(session, origin).with_changes(
        meeting_kind=command.meeting.kind, meeting_value=command.meeting.value, meeting_password=command.password,
        access_code="", toll_number="", toll_label="", global_callin_url="",
        dial_in_status="", dial_in_attendee_id="", dial_in_card_sent=False,
        dial_out_status="", dial_out_attendee_id="", dial_out_reason="", awaiting="")
    said = f"Meeting set to {escape(command.meeting.describe())}" + (" (with its password)" if command.password else "") + "."
    awaited = session.awaiting
    if not awaited:
        return [SaveSession(updated), *text(origin, said + " Say `dial in` or `call me at <number>`.")]
    follow_up = c.DialIn(origin=origin) if awaited == "dial_in" else c.DialOut(
        origin=origin, number=awaited.partition(":")[2] or None)
    return [*text(origin, said), *_carry_on(_dispatch(follow_up, updated), updated)]


def _carry_on(effects: list[Effect], updated: Session) -> list[Effect]:
    """The follow-up command's effects; it saves its own session, else the meeting change is saved."""
    if any(isinstance(effect, SaveSession) for effect in effects):
        return effects
    return [SaveSession(updated), *effects]


@_dispatch.register
def _(command: c.DialIn, session: Session) -> list[Effect]:
    origin = command.origin
    if session.meeting is None:
        return _ask_for_meeting(origin, session, "dial_in", "set up dial-in")
    if session.pending_op:
        return text(origin, _pending_words(session))
    if session.dial_in_active:
        return [*text(origin, "You already have a dial-in for this meeting; here it is again.", personal=True),
                *reply(origin, _dial_in_message(session), personal=True)]
    if not origin.agents_available:
        return _unavailable(origin, "dial_in")
    command_id = _command_id(origin, "dial_in")
    updated = _remember_person(session, origin).with_changes(
        pending_op="dial_in", pending_command_id=command_id, dial_in_card_sent=False, hangup="",
        call_id=session.call_id if session.phone_active else command_id)
    return [SaveSession(updated), _agent_command(updated, command_id, None), CountPhoneAudio("dial_in", "sent")]


@_dispatch.register
def _(command: c.DialOut, session: Session) -> list[Effect]:
    origin = command.origin
    if session.meeting is None:
        awaiting = f"dial_out:{command.number}" if command.number else "dial_out"
        return _ask_for_meeting(origin, session, awaiting, "call your phone")
    if session.pending_op:
        return text(origin, _pending_words(session))
    if session.dial_out_active:
        refused = [Audit("refused", "one_active_dial_out", mask(command.number), _meeting_words(session))] \
            if command.number else []
        return [*refused, *text(origin, f"I'm already calling {format_international(session.dial_out_number)} "
                                        f"({session.dial_out_status.lower()}). Say `hang up` first to call another "
                                        "number.", personal=True)]
    if command.number is None:
        return reply(origin, phone_prompt(origin.person_id, session.last_number, session.meeting.describe()),
                     personal=True)
    if not origin.agents_available:
        return [Audit("refused", "agent_unavailable", mask(command.number), _meeting_words(session)),
                *_unavailable(origin, "dial_out")]
    command_id = _command_id(origin, "dial_out")
    updated = _remember_person(session, origin).with_changes(
        pending_op="dial_out", pending_command_id=command_id, pending_number=command.number,
        last_number=command.number, hangup="", call_id=session.call_id if session.phone_active else command_id)
    calling = (f"Calling {format_international(command.number)} to join meeting {session.meeting.describe()}. "
               "Answer your phone when it rings.")
    return [SaveSession(updated), _agent_command(updated, command_id, command.number),
            CountPhoneAudio("dial_out", "sent"), Audit("placed", "", mask(command.number), _meeting_words(session)),
            *text(origin, calling, personal=True)]


@_dispatch.register
def _(command: c.StaleDialOut, session: Session) -> list[Effect]:
    origin = command.origin
    message = confirm_call_card(origin.person_id, format_international(command.number), command.number,
                                _duration(command.waited_seconds))
    return [CountPhoneAudio("dial_out", "too_late"),
            Audit("refused", "too_late", mask(command.number), _meeting_words(session)),
            *reply(origin, message, personal=True)]


def _unavailable(origin: c.Origin, op: str) -> list[Effect]:
    words = OPS_IN_WORDS.get(op, "do that")
    return [CountPhoneAudio(op, "unavailable"),
            *text(origin, f"The meeting service is unavailable right now, so I can't {words}. "
                          "Nothing was changed; please try again in a minute.")]


@_dispatch.register
def _(command: c.HangUp, session: Session) -> list[Effect]:
    origin = command.origin
    base = _remember_person(session, origin).with_changes(hangup_to_computer=command.back_to_computer)
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
        return _unavailable(origin, "hang_up")
    updated, disconnect = _disconnect(base, origin)
    return [SaveSession(updated), disconnect, CountPhoneAudio("hang_up", "sent")]


def _disconnect(session: Session, origin: c.Origin) -> tuple[Session, SendToAgent]:
    command_id = _command_id(origin, "hang_up")
    updated = session.with_changes(pending_op="hang_up", pending_command_id=command_id, hangup="sent")
    return updated, _agent_command(updated, command_id, None, DISCONNECT_PHONE_AUDIO)


@_dispatch.register
def _(command: c.Status, session: Session) -> list[Effect]:
    origin = command.origin
    message = status_card(origin.person_id, status_facts(session), session.phone_active, session.meeting is not None)
    return reply(origin, message, personal=True)


def status_facts(session: Session) -> list[tuple[str, str]]:
    facts = [("Meeting", session.meeting.describe() if session.meeting else "none yet: say `meeting <number>`"),
             ("Audio", session.mode)]
    if session.dial_in_status:
        facts.append(("Dial-in", session.dial_in_status))
    if session.dial_out_status:
        reason = f" ({escape(session.dial_out_reason)})" if session.dial_out_reason else ""
        facts.append(("Dial-out", session.dial_out_status + reason))
    number = session.dial_out_number or session.pending_number
    if number:
        facts.append(("Number", mask(number)))
    attendee = session.dial_out_attendee_id or session.dial_in_attendee_id
    if attendee:
        facts.append(("Attendee ID", attendee))
    if session.pending_op:
        facts.append(("In progress", OPS_IN_WORDS.get(session.pending_op, session.pending_op)))
    return facts


def _ask_for_meeting(origin: c.Origin, session: Session, awaiting: str, then: str) -> list[Effect]:
    updated = _remember_person(session, origin).with_changes(awaiting=awaiting)
    return [SaveSession(updated), *reply(origin, meeting_prompt(origin.person_id, then))]


def _pending_words(session: Session) -> str:
    return (f"I'm still working on it: I asked the meeting to {OPS_IN_WORDS.get(session.pending_op, 'act')}. "
            "I'll tell you as soon as it answers.")


def _agent_command(session: Session, command_id: str, number: str | None, op: str = USE_PHONE_AUDIO) -> SendToAgent:
    meeting = {session.meeting_kind: session.meeting_value}
    if session.meeting_password:
        meeting["password"] = session.meeting_password
    return SendToAgent(command_id=command_id, op=op, person_id=session.person_id,
                       display_name=session.display_name, meeting=meeting, phone_number=number)


def _dial_in_message(session: Session) -> CardMessage:
    return dial_in_card(session.person_id, session.meeting.describe() if session.meeting else "", session.toll_number,
                        session.toll_label, session.global_callin_url, session.access_code,
                        session.dial_in_attendee_id, session.last_number)


# Meeting-agent events ----------------------------------------------------------------

@_dispatch.register
def _(command: c.AgentTimeout, session: Session) -> list[Effect]:
    if session.pending_command_id != command.command_id:
        return []  # answered in time
    op = OPS_IN_WORDS.get(session.pending_op, "do that")
    updated = _settled(session.with_changes(pending_op="", pending_command_id="", pending_number="", hangup=""))
    return [SaveSession(updated), CountPhoneAudio(session.pending_op, "timeout"),
            *text(command.origin, f"The meeting service didn't answer in time, so I couldn't {op}. "
                                  "Nothing was changed; please try again.")]


@_dispatch.register
def _(command: c.AgentEvent, session: Session) -> list[Effect]:
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
        updated = _settled(session.with_changes(pending_op="", pending_command_id="", pending_number="", hangup=""))
        reason = escape(str(event.get("reason") or "the meeting refused"), 300)
        return [SaveSession(updated), CountPhoneAudio(session.pending_op, "error"),
                *text(command.origin, f"I couldn't {op}: {reason}.")]
    return []  # an answer to a command that is no longer pending


def _lobby(command: c.AgentEvent, session: Session, event: dict) -> list[Effect]:
    if not event.get("waiting"):
        return text(command.origin, "The host let you in; setting up your phone audio now.")
    seconds = float(event.get("extend_seconds") or 0)
    return [ExtendDeadline(session.pending_command_id, session.person_id, seconds),
            *text(command.origin, "You're waiting in the meeting's lobby. I'll carry on as soon as the host "
                                  "lets you in.")]


def _settled(session: Session) -> Session:
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
        effects = reply(command.origin, _dial_in_message(updated))
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
            messages.append(_dial_in_message(updated))
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
            audits.append(Audit("connected", "", mask(number), _meeting_words(updated)))
            messages.append(notice_card(owner, "Your phone is connected",
                                        f"{format_international(number)} is joining meeting "
                                        f"{updated.meeting.describe() if updated.meeting else ''}. {MUTE_REMINDER}",
                                        ("hang_up", "computer_audio", "status")))
        elif new_out == LEFT and reason and reason.upper() != "NORMAL":
            audits.append(Audit("failed", reason, mask(number), _meeting_words(updated)))
        if new_out == LEFT and reason == PAGE_CRASHED and number:
            messages.append(call_again_card(owner, "Your phone audio dropped",
                                            f"The meeting service lost your call to {format_international(number)}. "
                                            f"{UNMUTE_REMINDER}", "Reconnect my phone", number))
        elif new_out == LEFT and updated.hangup != "sent":
            words = f"The call to {format_international(number)} " + (
                f"failed ({escape(reason)})." if reason and reason.upper() != "NORMAL" else "ended.")
            messages.append(notice_card(owner, "Your phone call ended", words, ("dial_out", "dial_in", "status")))

    updated, agent_commands = _after_state_change(command, updated)
    if updated.hangup == "sent" and not updated.pending_op and not updated.phone_active:
        title = "You're back on computer audio" if updated.hangup_to_computer else "Your phone is disconnected"
        messages.append(notice_card(owner, title, UNMUTE_REMINDER, ("dial_in", "dial_out", "status")))
        updated = updated.with_changes(hangup="", hangup_to_computer=False)
    effects: list[Effect] = [SaveSession(_settled(updated)), *agent_commands, *audits]
    for message in messages:
        effects += reply(command.origin, message)
    return effects


def _after_state_change(command: c.AgentEvent, session: Session) -> tuple[Session, list[Effect]]:
    """Carry out a deferred hang-up once nothing is in flight and the transfer has ended."""
    if session.hangup != "deferred" or session.pending_op or session.dial_out_status == TRANSFERRING:
        return session, []
    if any(status in PROVISIONED for status in (session.dial_in_status, session.dial_out_status)):
        updated, disconnect = _disconnect(session, command.origin)
        return updated, [disconnect]
    return session.with_changes(hangup="sent"), []


@_dispatch.register
def _(command: c.AgentGone, session: Session) -> list[Effect]:
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
