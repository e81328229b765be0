"""Handlers: plain functions of (command, session) that return effects. No I/O, no clock.

They carry the Web Meetings SDK's phone-audio rules: one dial-in and one dial-out device
per person and meeting, states from PSTN_STATUS, and a hang-up asked for during
TRANSFERRING carried out when the transfer ends. One topic per module; each registers its
handlers with `dispatch`.
"""
from __future__ import annotations

from bot.conversation import commands as c
from bot.conversation.catalog import CALL_ACTIONS
from bot.conversation.effects import Effect, Reply
from bot.conversation.handlers import agent_events, chat, meeting, phone_audio, status  # noqa: F401 - they register
from bot.conversation.handlers.dispatch import dispatch
from bot.conversation.handlers.replies import duration
from bot.conversation.session import Session
from bot.webex.messages import CardMessage


def handle(command: c.Command, session: Session) -> list[Effect]:
    """The effects of one command on one session; a late answer says it is late."""
    stale = _stale_card(command, session)
    effects = dispatch(stale or command, session)
    late = command.origin.late_seconds
    first_reply = next((e for e in effects if isinstance(e, Reply)), None)
    if late > 0 and first_reply is not None:
        note = Reply(CardMessage(f"Sorry for the delay: you asked {duration(late)} ago."),
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
