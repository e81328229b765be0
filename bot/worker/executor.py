"""One command, start to end: the lookups the handler needs, the handler, one transaction.

The handler runs against the current session; its effects are staged in the session's
compare-and-set transaction (bot/stores/sessions.py) with the done mark, and retried from
the top when someone else changed the session first.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import redis

from bot.config import Settings
from bot.conversation import commands as c
from bot.conversation.handlers import handle
from bot.conversation.middleware import mark_age, mark_agents, needs_agent_status, verify_card
from bot.meeting import protocol
from bot.meeting.agents import AgentRegistry
from bot.metrics import PROCESSING_SECONDS
from bot.stores.audit import AuditLog, describe
from bot.stores.dialout_limits import DialOutLimits
from bot.stores.sessions import AlreadyDone, Conflict, SessionStore
from bot.stores.space_meetings import SpaceMeetings
from bot.streams.outbox import Outbox
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


class Executor:
    def __init__(self, settings: Settings, client: redis.Redis, card_key: bytes, on_replies=lambda: None):
        self.settings = settings
        self.redis = client
        self.sessions = SessionStore(client, settings)
        self.outbox = Outbox(client, settings)
        self.agents = AgentRegistry(client, settings)
        self.dialout_limits = DialOutLimits(client, settings)
        self.parts = Parts(settings, protocol.Streams(settings), AuditLog(client, settings), card_key,
                           SpaceMeetings(client, settings))
        self.on_replies = on_replies  # wakes the senders

    def execute(self, command: c.Command, done_key: str | None = None) -> None:
        """Run the handler against the current session until its effects commit in one transaction."""
        command = self.prepare(command)
        person_id = command.origin.person_id
        for _ in range(MAX_CONFLICT_RETRIES):
            before = self.sessions.load(person_id)
            effects = handle(command, before)
            after = saved_session(effects)
            staged: list[Transaction] = []
            try:
                self.sessions.commit(before, after, done_key=done_key, also=lambda pipe: staged.append(
                    self._stage(pipe, command.origin, before, after, effects)))
                break
            except Conflict:
                continue
            except AlreadyDone:
                return
        else:
            log.error("session kept changing; gave up", extra={"person_id": person_id})
            return
        for effect in effects:
            after_commit(effect)
        if staged and staged[-1].replies:
            self.on_replies()
        if command.origin.received_at:
            PROCESSING_SECONDS.observe(max(time.time() - command.origin.received_at, 0))

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

    def prepare(self, command: c.Command) -> c.Command:
        """The middleware chain: pure steps, and the facts they need looked up here."""
        now = time.time()
        settings = self.settings
        command = mark_age(command, now, settings.late_reply_seconds, settings.dialout_max_age_seconds)
        command = verify_card(command, self.parts.card_key, now)
        if needs_agent_status(command):
            command = mark_agents(command, self.agents.any_alive())
        for lookup in (self._rate_limit, self._audit_entries):
            command = lookup(command)
        return command

    def _rate_limit(self, command: c.Command) -> c.Command:
        if not (isinstance(command, c.DialOut) and command.number and command.origin.agents_available):
            return command
        rule = self.dialout_limits.take(command.origin.person_id, command.origin.org_id, command.origin.event_key)
        return c.RateLimitedDialOut(origin=command.origin, number=command.number, rule=rule) if rule else command

    def _audit_entries(self, command: c.Command) -> c.Command:
        if not (isinstance(command, c.AuditQuery) and command.origin.is_admin):
            return command
        entries = self.parts.audit.read(command.person_email or None, limit=20)
        return dataclasses.replace(command, entries=tuple(describe(entry) for entry in entries))
