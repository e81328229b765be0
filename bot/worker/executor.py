"""One command, start to end: the lookups the handler needs, the handler, one Redis step.

The handler runs against the session the runner loaded (bot/stores/event_state.py, one
round trip with the done mark and the caches); its effects are staged (bot/worker/effects.py)
and written by one script with the done mark, the inbox acknowledgement and the person's
outbox lock, compare-and-set on the session version: when someone else changed the session
first, the session is read again and the handler decides again.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass

import redis

from bot.config import Settings
from bot.conversation import commands as c
from bot.conversation.effects import Reply
from bot.conversation.handlers import handle
from bot.conversation.middleware import mark_age, mark_agents, needs_agent_status, verify_card
from bot.meeting import protocol
from bot.meeting.agents import AgentRegistry
from bot.metrics import PROCESSING_SECONDS
from bot.stores.audit import AuditLog, describe
from bot.stores.dialout_limits import DialOutLimits
from bot.stores.event_state import Conflict, EventState, Loaded
from bot.stores.space_meetings import SpaceMeetings
from bot.streams.outbox import Outbox, new_token
from bot.worker.effects import Transaction, after_commit, saved_session, stage

log = logging.getLogger(__name__)
MAX_CONFLICT_RETRIES = 50


@dataclass
class Parts:
    """The stores effects are staged into."""

    settings: Settings
    streams: protocol.Streams
    audit: AuditLog
    card_key: bytes
    space_meetings: SpaceMeetings


@dataclass
class Committed:
    person_id: str
    replies: list[Reply]
    owner: int  # 1: this worker holds the outbox and the replies are all of it; 2: older ones first; 0: another
    token: str  # the outbox lock's token when owner


class Executor:
    def __init__(self, settings: Settings, client: redis.Redis, state: EventState, card_key: bytes):
        self.settings = settings
        self.redis = client  # synchronous: only to record staged commands, and for rare lookups in a thread
        self.state = state
        self.outbox = Outbox(client, settings)
        self.agents = AgentRegistry(client, settings)
        self.dialout_limits = DialOutLimits(client, settings)
        self.parts = Parts(settings, protocol.Streams(settings), AuditLog(client, settings), card_key,
                           SpaceMeetings(client, settings))
        self.tokens: dict[str, str] = {}  # person → the lock token of a commit whose answer was lost

    async def execute(self, command: c.Command, loaded: Loaded | None = None, done_key: str = "",
                      ack: tuple[str, str, str] | None = None) -> Committed | None:
        """Run the handler until its effects commit; None when the event was done before."""
        person_id = command.origin.person_id
        if loaded is None:
            loaded = await self.state.load(person_id, done_key)
            if loaded.done:
                return None
        command = await self.prepare(command, loaded.agents_alive)
        before = loaded.session
        for _ in range(MAX_CONFLICT_RETRIES):
            effects = handle(command, before)
            after = saved_session(effects)
            pipe = self.redis.pipeline(transaction=False)  # records; never executed
            tx = self._stage(pipe, command.origin, before, after, effects)
            token = new_token()
            self.tokens[person_id] = token
            try:
                owner = await self.state.commit(before, after, [args for args, _ in pipe.command_stack],
                                                done_key=done_key, ack=ack, queued=len(tx.replies), token=token)
            except Conflict:
                before = await self.state.session(person_id)
                continue
            finally:
                pipe.reset()
            self.tokens.pop(person_id, None)
            if owner is None:
                return None
            break
        else:
            log.error("session kept changing; gave up", extra={"person_id": person_id})
            return None
        for effect in effects:
            after_commit(effect)
        if command.origin.received_at:
            PROCESSING_SECONDS.observe(max(time.time() - command.origin.received_at, 0))
        return Committed(person_id, tx.replies, owner, token)

    def _stage(self, pipe, origin: c.Origin, before, after, effects: list) -> Transaction:
        tx = Transaction(pipe=pipe, origin=origin, session=after or before, parts=self.parts)
        for effect in effects:
            stage(effect, tx)
        self.outbox.queue(pipe, before.person_id, tx.replies)
        if after is not None and after.agent:
            if after.phone_active or after.pending_op:
                self.agents.serving(pipe, after.agent, after.person_id)
            else:
                self.agents.release(pipe, after.agent, after.person_id)
        return tx

    async def prepare(self, command: c.Command, agents_alive: bool) -> c.Command:
        """The middleware chain: pure steps, and the facts they need looked up here."""
        now = time.time()
        settings = self.settings
        command = mark_age(command, now, settings.late_reply_seconds, settings.dialout_max_age_seconds)
        command = verify_card(command, self.parts.card_key, now)
        if needs_agent_status(command):
            command = mark_agents(command, agents_alive)
        if isinstance(command, c.DialOut) and command.number and command.origin.agents_available:
            command = await asyncio.to_thread(self._rate_limit, command)  # dial-outs only: rare
        if isinstance(command, c.AuditQuery) and command.origin.is_admin:
            command = await asyncio.to_thread(self._audit_entries, command)
        return command

    def _rate_limit(self, command: c.DialOut) -> c.Command:
        rule = self.dialout_limits.take(command.origin.person_id, command.origin.org_id, command.origin.event_key)
        return c.RateLimitedDialOut(origin=command.origin, number=command.number, rule=rule) if rule else command

    def _audit_entries(self, command: c.AuditQuery) -> c.Command:
        entries = self.parts.audit.read(command.person_email or None, limit=20)
        return dataclasses.replace(command, entries=tuple(describe(entry) for entry in entries))
