"""Replies and the pieces every handler shares: where an answer goes, command ids, words."""
from __future__ import annotations

import functools
import hashlib

from bot.conversation import commands as c
from bot.conversation.effects import CountPhoneAudio, Effect, Reply, SaveSession, SendToAgent
from bot.conversation.session import Session
from bot.webex.messages import MAX_MARKDOWN_BYTES, CardMessage
from cards.dial_in import dial_in_card
from cards.markdown import escape
from cards.prompts import meeting_prompt

USE_PHONE_AUDIO = "use_phone_audio"
DISCONNECT_PHONE_AUDIO = "disconnect_phone_audio"
PAGE_CRASHED = "PAGE_CRASHED"  # the meeting agent's browser page died
MUTE_REMINDER = "Mute your Webex app, so the meeting hears you only once."
UNMUTE_REMINDER = "Unmute your Webex app to talk with computer audio."
OPS_IN_WORDS = {"dial_in": "set up dial-in", "dial_out": "call your phone", "hang_up": "hang up your phone"}


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{int(seconds)} seconds"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


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


def new_command_id(origin: c.Origin, op: str) -> str:
    """The same event always yields the same command id, so a redelivery can't send two."""
    return hashlib.sha256(f"{origin.event_key}|{op}".encode()).hexdigest()[:24]


def remember_person(session: Session, origin: c.Origin) -> Session:
    changes = {"display_name": origin.display_name or session.display_name,
               "person_email": origin.person_email or session.person_email}
    if origin.room_id:
        changes.update(room_id=origin.room_id, room_type=origin.room_type)
    return session.with_changes(**changes)


def in_space_meeting(handler):
    """A member with no meeting of their own, in a space that has one, uses the space's (and is told so)."""
    @functools.wraps(handler)
    def with_the_space_meeting(command: c.Command, session: Session) -> list[Effect]:
        origin = command.origin
        if session.meeting is not None or origin.space_meeting is None or not origin.in_group:
            return handler(command, session)
        meeting = origin.space_meeting
        adopted = session.with_changes(meeting_kind=meeting.kind, meeting_value=meeting.value, meeting_password="")
        return [*text(origin, f"Using this space's meeting {escape(meeting.describe())}."),
                *saving(handler(command, adopted), adopted)]
    return with_the_space_meeting


def saving(effects: list[Effect], session: Session) -> list[Effect]:
    """These effects, saving `session` first when they save none of their own."""
    if any(isinstance(effect, SaveSession) for effect in effects):
        return effects
    return [SaveSession(session), *effects]


def first_name(origin: c.Origin, session: Session) -> str:
    name = origin.display_name or session.display_name
    return name.split(" ")[0] if name else "there"


def meeting_words(session: Session) -> str:
    return session.meeting.describe() if session.meeting else ""


def unavailable(origin: c.Origin, op: str) -> list[Effect]:
    words = OPS_IN_WORDS.get(op, "do that")
    return [CountPhoneAudio(op, "unavailable"),
            *text(origin, f"The meeting service is unavailable right now, so I can't {words}. "
                          "Nothing was changed; please try again in a minute.")]


def ask_for_meeting(origin: c.Origin, session: Session, awaiting: str, then: str) -> list[Effect]:
    updated = remember_person(session, origin).with_changes(awaiting=awaiting)
    return [SaveSession(updated), *reply(origin, meeting_prompt(origin.person_id, then))]


def pending_words(session: Session) -> str:
    return (f"I'm still working on it: I asked the meeting to {OPS_IN_WORDS.get(session.pending_op, 'act')}. "
            "I'll tell you as soon as it answers.")


def agent_command(session: Session, command_id: str, number: str | None, op: str = USE_PHONE_AUDIO) -> SendToAgent:
    meeting = {session.meeting_kind: session.meeting_value}
    if session.meeting_password:
        meeting["password"] = session.meeting_password
    return SendToAgent(command_id=command_id, op=op, person_id=session.person_id,
                       display_name=session.display_name, meeting=meeting, phone_number=number)


def dial_in_message(session: Session) -> CardMessage:
    return dial_in_card(session.person_id, session.meeting.describe() if session.meeting else "", session.toll_number,
                        session.toll_label, session.global_callin_url, session.access_code,
                        session.dial_in_attendee_id, session.last_number)
