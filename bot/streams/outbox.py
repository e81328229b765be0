"""Replies waiting to be posted, one ordered queue per person.

Replies are queued in the same Redis step that stores the session change (bot/stores/event_state.py),
so an event's effects are stored exactly once. That step also takes the person's outbox lock
when it is free: the worker that handled the event then posts the replies at once, from memory,
and the queue is only the durable record (for a retry, a pause, or a worker that died). Whoever
holds the lock posts the person's replies in order; a 429 parks the person until the pause ends.

Keys (prefix from REDIS_KEY_PREFIX):
  outbox:{personId}        list of replies (JSON), oldest first
  outbox:due               sorted set: personId scored by when their next reply may be sent
  outbox:lock:{personId}   held by the one posting that person's replies (a token, expiring)
"""
from __future__ import annotations

import json
import time
import uuid

from bot.config import Settings
from bot.conversation.effects import Reply
from bot.stores.batching import batcher
from bot.webex.messages import CardMessage

LOCK_MS = 60_000  # longer than one Webex call may take
BATCH = 20

# Take the lock, or confirm we hold it already (a step whose answer was lost with the connection).
_LOCK = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if ARGV[3] ~= '' and redis.call('GET', KEYS[1]) == ARGV[3] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 2 end
return 0
"""
# After posting: drop the replies done with, rewrite the head (its attempt count) when asked,
# park the person until a time when asked; release the lock when parked or when the queue is empty.
# KEYS: queue, due, lock. ARGV: person, token, done count, park until ('' for none), new head ('').
_SETTLE = """
if tonumber(ARGV[3]) > 0 then redis.call('LTRIM', KEYS[1], ARGV[3], -1) end
if ARGV[5] ~= '' and redis.call('LLEN', KEYS[1]) > 0 then redis.call('LSET', KEYS[1], 0, ARGV[5]) end
local left = redis.call('LLEN', KEYS[1])
if ARGV[4] == '' and left > 0 then return left end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) else redis.call('ZREM', KEYS[2], ARGV[1]) end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return -1
"""


def encode(reply: Reply, attempt: int = 0) -> str:
    return json.dumps({"markdown": reply.message.markdown, "card": reply.message.card, "room_id": reply.room_id,
                       "to_person_id": reply.to_person_id, "attempt": attempt})


def decode(raw: str) -> tuple[Reply, int]:
    item = json.loads(raw)
    reply = Reply(CardMessage(item["markdown"], item.get("card")), room_id=item.get("room_id", ""),
                  to_person_id=item.get("to_person_id", ""))
    return reply, int(item.get("attempt", 0))


def new_token() -> str:
    return uuid.uuid4().hex


class Outbox:
    """Queueing, inside a transaction or script being staged, and what operators read."""

    def __init__(self, client, settings: Settings):
        self.redis = client
        self.settings = settings
        self.due_key = settings.key("outbox", "due")

    def queue_key(self, person_id: str) -> str:
        return self.settings.key("outbox", person_id)

    def lock_key(self, person_id: str) -> str:
        return self.settings.key("outbox", "lock", person_id)

    def queue(self, pipe, person_id: str, replies: list[Reply]) -> None:
        """Staged with the rest of an event's writes: append replies; schedule the person unless scheduled
        (a sweep posts them if nobody holding the lock does)."""
        if not replies:
            return
        pipe.rpush(self.queue_key(person_id), *[encode(reply) for reply in replies])
        pipe.zadd(self.due_key, {person_id: time.time()}, nx=True)

    def people_waiting(self) -> int:
        return self.redis.zcard(self.due_key)


class AsyncOutbox(Outbox):
    """The senders' side, on redis.asyncio."""

    def __init__(self, client, settings: Settings):
        super().__init__(client, settings)
        self._lock = client.register_script(_LOCK)
        self._settle = client.register_script(_SETTLE)
        self.trips = batcher(client)

    async def due(self, limit: int = 50) -> list[str]:
        return await self.redis.zrangebyscore(self.due_key, "-inf", time.time(), start=0, num=limit)

    async def lock(self, person_id: str, held: str = "") -> str | None:
        """A token when this caller now holds the person's outbox (`held`: a token it may hold already)."""
        token = new_token()
        got = await self._lock(keys=[self.lock_key(person_id)], args=[token, LOCK_MS, held])
        return token if got == 1 else held if got == 2 else None

    async def batch(self, person_id: str) -> list[tuple[Reply, int]]:
        return [decode(raw) for raw in await self.redis.lrange(self.queue_key(person_id), 0, BATCH - 1)]

    async def settle(self, person_id: str, token: str, done: int, park_until: float | None = None,
                     head: tuple[Reply, int] | None = None) -> int:
        """Replies left to post while still holding the lock; -1 when released (queue empty or parked)."""
        return int(await self.trips.call(
            self._settle, [self.queue_key(person_id), self.due_key, self.lock_key(person_id)],
            [person_id, token, done, f"{park_until:.6f}" if park_until is not None else "", encode(*head) if head else ""]))
