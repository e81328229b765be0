"""The status card."""
from __future__ import annotations

from bot.conversation import commands as c
from bot.conversation.effects import Effect
from bot.conversation.handlers.dispatch import dispatch
from bot.conversation.handlers.replies import OPS_IN_WORDS, reply
from bot.conversation.phone_numbers import mask
from bot.conversation.plain_words import describe
from bot.conversation.session import Session
from cards.status import status_card


@dispatch.register
def status(command: c.Status, session: Session) -> list[Effect]:
    origin = command.origin
    facts = status_facts(session)
    if origin.in_group and origin.space_meeting is not None:
        facts.insert(1, ("This space's meeting", origin.space_meeting.describe()))
    message = status_card(origin.person_id, facts, session.phone_active, session.meeting is not None)
    return reply(origin, message, personal=True)


def status_facts(session: Session) -> list[tuple[str, str]]:
    facts = [("Meeting", session.meeting.describe() if session.meeting else "none yet: say `meeting <number>`"),
             ("Audio", session.mode)]
    if session.dial_in_status:
        facts.append(("Dial-in", describe("dial_in", session.dial_in_status)))
    if session.dial_out_status:
        facts.append(("Call to your phone", describe("dial_out", session.dial_out_status, session.dial_out_reason)))
    number = session.dial_out_number or session.pending_number
    if number:
        facts.append(("Number", mask(number)))
    attendee = session.dial_out_attendee_id or session.dial_in_attendee_id
    if attendee:
        facts.append(("Attendee ID", attendee))
    if session.pending_op:
        facts.append(("In progress", OPS_IN_WORDS.get(session.pending_op, session.pending_op)))
    return facts
