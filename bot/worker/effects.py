"""The one effect interpreter: what each effect a handler returns does, by effect type.

`stage` runs inside the session's Redis transaction (so an event's effects are stored
exactly once); `after_commit` runs once the transaction has committed.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from functools import singledispatch

from bot.conversation import commands as c
from bot.conversation.card_tokens import sign_card
from bot.conversation.effects import (
    Audit,
    CountPhoneAudio,
    Effect,
    ExtendDeadline,
    Reply,
    SaveSession,
    SaveSpaceMeeting,
    SendToAgent,
)
from bot.conversation.phone_numbers import mask
from bot.conversation.session import Session
from bot.meeting import protocol
from bot.metrics import PHONE_AUDIO

log = logging.getLogger(__name__)
DEADLINE_GRACE_SECONDS = 1.0  # the agent reports its own expiry first, when it is alive


@dataclass
class Transaction:
    """What one command's effects are staged into: the pipeline and what they act on."""

    pipe: object
    origin: c.Origin
    session: Session  # the session after the command (or before, when it saved none)
    parts: object  # the executor's stores: streams, audit, settings, card key
    replies: list[Reply] = field(default_factory=list)


def saved_session(effects: list[Effect]) -> Session | None:
    """The session the handler asked to save (the last SaveSession wins), or None."""
    saves = [effect.session for effect in effects if isinstance(effect, SaveSession)]
    return saves[-1] if saves else None


@singledispatch
def stage(effect, tx: Transaction) -> None:
    raise TypeError(f"no interpreter for {type(effect).__name__}")


@stage.register
def _stage_session(effect: SaveSession, tx: Transaction) -> None:
    pass  # the session store writes it, compare-and-set, in the same transaction


@stage.register
def _stage_count(effect: CountPhoneAudio, tx: Transaction) -> None:
    pass  # counted after the commit


@stage.register
def _stage_agent_command(effect: SendToAgent, tx: Transaction) -> None:
    settings, streams = tx.parts.settings, tx.parts.streams
    deadline = time.time() + settings.agent_command_timeout_seconds
    message = {"id": effect.command_id, "op": effect.op, "person_id": effect.person_id,
               "display_name": f"{effect.display_name or 'Guest'} (phone)", "meeting": effect.meeting,
               "phone_number": effect.phone_number, "deadline": deadline}
    tx.pipe.xadd(streams.commands, protocol.encode(message), maxlen=100_000, approximate=True)
    due = json.dumps({"command_id": effect.command_id, "person_id": effect.person_id})
    tx.pipe.zadd(streams.deadlines, {due: deadline + DEADLINE_GRACE_SECONDS})
    log.info("phone-audio command", extra={"op": effect.op, "person_id": effect.person_id,
                                           "number": mask(effect.phone_number)})


@stage.register
def _stage_deadline(effect: ExtendDeadline, tx: Transaction) -> None:
    due = json.dumps({"command_id": effect.command_id, "person_id": effect.person_id})
    tx.pipe.zadd(tx.parts.streams.deadlines, {due: time.time() + effect.seconds}, xx=True)


@stage.register
def _stage_audit(effect: Audit, tx: Transaction) -> None:
    origin, session = tx.origin, tx.session
    tx.parts.audit.append(tx.pipe, {"person_id": session.person_id,
                                    "person_email": origin.person_email or session.person_email,
                                    "org_id": origin.org_id, "outcome": effect.outcome, "rule": effect.rule,
                                    "number": effect.number, "meeting": effect.meeting, "event": origin.event_key})


@stage.register
def _stage_space_meeting(effect: SaveSpaceMeeting, tx: Transaction) -> None:
    tx.parts.space_meetings.stage(tx.pipe, effect.room_id, effect.meeting, effect.set_by)


@stage.register
def _stage_reply(effect: Reply, tx: Transaction) -> None:
    tx.replies.append(signed(effect, tx.session, tx.parts.card_key, tx.parts.settings.card_ttl_seconds))


def signed(reply: Reply, session: Session, key: bytes, ttl_seconds: float) -> Reply:
    """Every button gets a token for what it acts on now: this meeting, this call."""
    if not reply.message.card:
        return reply
    expires = int(time.time() + ttl_seconds)
    card = sign_card(reply.message.card, key, session.person_id, session.meeting_ref, session.call_id, expires)
    return dataclasses.replace(reply, message=dataclasses.replace(reply.message, card=card))


@singledispatch
def after_commit(effect) -> None:
    pass  # most effects are done once staged


@after_commit.register
def _count_phone_audio(effect: CountPhoneAudio) -> None:
    PHONE_AUDIO.labels(effect.op, effect.outcome).inc()
