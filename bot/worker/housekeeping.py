"""Periodic work, once a second in one round trip when there is nothing to do: agent deadlines,
retries that are due, replies that are due; every 2 s vanished agents; every few seconds
entries of dead workers (XAUTOCLAIM). Each piece of work found is handed to the person's lane (runner.py)."""
from __future__ import annotations

import json
import logging
import time
from typing import Awaitable, Callable

from bot.config import Settings
from bot.conversation import commands as c
from bot.meeting import protocol
from bot.meeting.agents import FORGET_AFTER_SECONDS
from bot.streams.inbox import GROUP as INBOX_GROUP
from bot.streams.outbox import AsyncOutbox
from bot.streams.retries import RELEASE_SCRIPT

log = logging.getLogger(__name__)
CLAIM_BATCH = 10
DUE_BATCH = 50
AGENTS_EVERY_SECONDS = 2.0  # vanished agents: their heartbeats expire after 10 s anyway
FORGET_EVERY_SECONDS = 60.0


class Housekeeping:
    def __init__(self, settings: Settings, redis, outbox: AsyncOutbox,
                 execute: Callable[[c.Command], Awaitable[None]], drain: Callable[[str], Awaitable[None]],
                 claimed: Callable[[str, str, dict], None]):
        self.settings = settings
        self.redis = redis  # redis.asyncio
        self.outbox = outbox
        self.execute = execute  # (command) → handled in the person's lane
        self.drain = drain  # (person) → their queued replies posted, in their lane
        self.claimed = claimed  # (stream, entry id, fields) → handled like a fresh entry
        self.streams = protocol.Streams(settings)
        self.inbox = settings.key("inbox")
        self.known = settings.key("agents", "known")
        self._release = redis.register_script(RELEASE_SCRIPT)
        self.last_claim = self.last_agents = self.last_forget = 0.0

    async def run_once(self, consumer: str) -> None:
        now, clock = time.time(), time.monotonic()
        agents, forget = clock - self.last_agents >= AGENTS_EVERY_SECONDS, clock - self.last_forget >= FORGET_EVERY_SECONDS
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrangebyscore(self.streams.deadlines, "-inf", now, start=0, num=50)
            await self._release(keys=[self.settings.key("inbox", "retry"), self.inbox], args=[f"{now:.6f}"], client=pipe)
            pipe.zrangebyscore(self.outbox.due_key, "-inf", now, start=0, num=DUE_BATCH)
            if forget:
                pipe.zremrangebyscore(self.known, "-inf", now - FORGET_AFTER_SECONDS)
            if agents:
                pipe.zrange(self.known, 0, -1)
            deadlines, _, due, *rest = await pipe.execute()
        known = rest[-1] if agents else []
        self.last_agents = clock if agents else self.last_agents
        self.last_forget = clock if forget else self.last_forget
        for member in deadlines:
            if await self.redis.zrem(self.streams.deadlines, member):  # only one worker wins each
                expired = json.loads(member)
                await self.execute(c.AgentTimeout(origin=c.Origin(person_id=expired["person_id"]),
                                                  command_id=expired["command_id"]))
        if known:
            await self._sweep_vanished(known)
        for person_id in due:
            await self.drain(person_id)
        if time.monotonic() - self.last_claim > min(self.settings.claim_idle_seconds / 2, 5):
            await self.claim_abandoned(consumer)
            self.last_claim = time.monotonic()

    async def _sweep_vanished(self, known: list[str]) -> None:
        beats = await self.redis.mget([self.settings.key("agents", "heartbeat", agent) for agent in known])
        for agent, beat in zip(known, beats):
            if beat:
                continue
            serving = self.settings.key("agents", "serving", agent)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.smembers(serving)
                pipe.delete(serving)
                people, _ = await pipe.execute()
            for person_id in sorted(people):
                log.warning("meeting agent vanished", extra={"agent": agent, "person_id": person_id})
                await self.execute(c.AgentGone(origin=c.Origin(person_id=person_id), agent=agent))

    async def claim_abandoned(self, consumer: str) -> None:
        """Entries a dead worker read but never acknowledged: finish them here (XAUTOCLAIM)."""
        idle_ms = int(self.settings.claim_idle_seconds * 1000)
        for stream in (self.inbox, self.streams.events):
            _, entries, *_ = await self.redis.xautoclaim(stream, INBOX_GROUP, consumer, idle_ms, "0-0",
                                                         count=CLAIM_BATCH)
            for entry_id, fields in entries:
                if fields is None:
                    continue  # trimmed away meanwhile
                log.warning("claimed abandoned entry", extra={"stream": stream, "entry": entry_id})
                self.claimed(stream, entry_id, fields)
