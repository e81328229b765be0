"""Choosing the meeting; a command that was waiting for it carries on."""
from __future__ import annotations

from bot.conversation import commands as c
from bot.conversation.effects import Effect, SaveSession
from bot.conversation.handlers.dispatch import dispatch
from bot.conversation.handlers.replies import remember_person, text
from bot.conversation.session import Session
from cards.markdown import escape


@dispatch.register
def set_meeting(command: c.SetMeeting, session: Session) -> list[Effect]:
    origin = command.origin
    if command.password and origin.in_group:
        return text(origin, "I never take meeting passwords in a group space. Send `meeting ... password ...` "
                            "to me in a direct message. Nothing was changed.")
    if session.phone_active or session.pending_op:
        return text(origin, f"You have phone audio in meeting {session.meeting.describe()}. "
                            "Say `hang up` before you change meetings.")
    updated = remember_person(session, origin).with_changes(
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
    return [*text(origin, said), *_carry_on(dispatch(follow_up, updated), updated)]


def _carry_on(effects: list[Effect], updated: Session) -> list[Effect]:
    """The follow-up command's effects; it saves its own session, else the meeting change is saved."""
    if any(isinstance(effect, SaveSession) for effect in effects):
        return effects
    return [SaveSession(updated), *effects]
