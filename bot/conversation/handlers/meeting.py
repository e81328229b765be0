"""Choosing the meeting; a command that was waiting for it carries on."""
from __future__ import annotations

from bot.conversation import commands as c
from bot.conversation.effects import Effect, SaveSession, SaveSpaceMeeting
from bot.conversation.handlers.dispatch import dispatch
from bot.conversation.handlers.replies import remember_person, saving, text
from bot.conversation.session import Session
from cards.markdown import escape


@dispatch.register
def set_meeting(command: c.SetMeeting, session: Session) -> list[Effect]:
    origin = command.origin
    if command.password and origin.in_group:
        return text(origin, "I never take meeting passwords in a group space. Send `meeting ... password ...` "
                            "to me in a direct message. Nothing was changed.")
    if command.for_space and origin.in_group:
        return _set_space_meeting(command)
    if session.phone_active or session.pending_op:
        return text(origin, f"You have phone audio in meeting {session.meeting.describe()}. "
                            "Say `hang up` before you change meetings.")
    updated = remember_person(session, origin).with_changes(
        meeting_kind=command.meeting.kind, meeting_value=command.meeting.value, meeting_password=command.password,
        access_code="", toll_number="", toll_label="", global_callin_url="",
        dial_in_status="", dial_in_attendee_id="", dial_in_card_sent=False,
        dial_out_status="", dial_out_attendee_id="", dial_out_reason="", awaiting="")
    said = f"Meeting set to {escape(command.meeting.describe())}" + (" (with its password)" if command.password else "") + "."
    if command.for_space:
        said += " This is a direct space, so it is your own meeting; say it in a group space to set the space's."
    follow_up = command.then or _awaited(session.awaiting, origin)
    if follow_up is None:
        return [SaveSession(updated), *text(origin, said + " Say `dial in` or `call me at <number>`.")]
    return [*text(origin, said), *saving(dispatch(follow_up, updated), updated)]


def _awaited(awaiting: str, origin: c.Origin) -> c.Command | None:
    """The command that asked for the meeting, from the session ("dial_in", "dial_out:+1...")."""
    if not awaiting:
        return None
    if awaiting == "dial_in":
        return c.DialIn(origin=origin)
    return c.DialOut(origin=origin, number=awaiting.partition(":")[2] or None)


def _set_space_meeting(command: c.SetMeeting) -> list[Effect]:
    origin = command.origin
    meeting = escape(command.meeting.describe())
    return [SaveSpaceMeeting(origin.room_id, command.meeting, origin.person_id),
            *text(origin, f"This space's meeting is now {meeting}. Anyone here without a meeting of their own can "
                          "say `dial in` or `call me` to join it by phone.")]
