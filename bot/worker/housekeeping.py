"""Periodic work: agent deadlines, vanished agents, retries that are due, entries of dead workers."""
from __future__ import annotations

import json
import logging
import time
from typing import Callable

import redis

from bot.config import Settings
from bot.conversation import commands as c
from bot.meeting import protocol
from bot.meeting.agents import AgentRegistry
from bot.streams.inbox import GROUP as INBOX_GROUP
from bot.streams.inbox import Inbox
from bot.streams.retries import Retries

log = logging.getLogger(__name__)
CLAIM_BATCH = 10


class Housekeeping:
    def __init__(self, settings: Settings, client: redis.Redis, execute: Callable[[c.Command], None],
                 process_inbox_entry: Callable[[dict], None], process_agent_event: Callable[[str, dict], None]):
        self.settings = settings
        self.redis = client
        self.execute = execute
        self.process_inbox_entry = process_inbox_entry
        self.process_agent_event = process_agent_event
        self.inbox = Inbox(client, settings)
        self.retries = Retries(client, settings)
        self.agents = AgentRegistry(client, settings)
        self.streams = protocol.Streams(settings)
        self.last_claim = 0.0

    def run_once(self, consumer: str) -> None:
        self.expire_deadlines()
        self.sweep_vanished_agents()
        self.retries.release_due()
        if time.monotonic() - self.last_claim > min(self.settings.claim_idle_seconds / 2, 5):
            self.claim_abandoned(consumer)
            self.last_claim = time.monotonic()

    def expire_deadlines(self) -> None:
        for member in self.redis.zrangebyscore(self.streams.deadlines, "-inf", time.time(), start=0, num=50):
            if self.redis.zrem(self.streams.deadlines, member):  # only one worker wins each
                due = json.loads(member)
                self.execute(c.AgentTimeout(origin=c.Origin(person_id=due["person_id"]), command_id=due["command_id"]))

    def sweep_vanished_agents(self) -> None:
        for agent in self.agents.status()[1]:
            for person_id in self.agents.take_served(agent):
                log.warning("meeting agent vanished", extra={"agent": agent, "person_id": person_id})
                self.execute(c.AgentGone(origin=c.Origin(person_id=person_id), agent=agent))

    def claim_abandoned(self, consumer: str) -> None:
        """Entries a dead worker read but never acknowledged: finish them here (XAUTOCLAIM)."""
        idle_ms = int(self.settings.claim_idle_seconds * 1000)
        for stream, group in ((self.inbox.stream, INBOX_GROUP), (self.streams.events, protocol.WORKER_GROUP)):
            _, entries, *_ = self.redis.xautoclaim(stream, group, consumer, idle_ms, "0-0", count=CLAIM_BATCH)
            for entry_id, fields in entries:
                if fields is None:
                    continue  # trimmed away meanwhile
                log.warning("claimed abandoned entry", extra={"stream": stream, "entry": entry_id})
                if stream == self.inbox.stream:
                    self.process_inbox_entry(fields)
                else:
                    self.process_agent_event(entry_id, protocol.decode(fields))
                self.redis.xack(stream, group, entry_id)
