"""Replies waiting to be posted, one ordered queue per person.

Replies are queued in the same Redis transaction that stores the session change, so an
event's effects are stored exactly once; senders then post each person's replies in
order, one sender per person at a time. A 429 parks the person until the pause ends.

Keys (prefix from REDIS_KEY_PREFIX):
  outbox:{personId}        list of replies (JSON), oldest first
  outbox:due               sorted set: personId scored by when their next reply may be sent
  outbox:lock:{personId}   held by the sender posting that person's replies
"""
from __future__ import annotations

import json
import threading
import time
import uuid

import redis

from bot.config import Settings
from bot.conversation.effects import Reply
from bot.webex.messages import CardMessage

LOCK_MS = 60_000  # longer than one Webex call may take

_FINISH_IF_EMPTY = """
if redis.call('LLEN', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
return 0
"""
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def encode(reply: Reply) -> str:
    return json.dumps({"markdown": reply.message.markdown, "card": reply.message.card, "room_id": reply.room_id,
                       "to_person_id": reply.to_person_id, "attempt": 0})


def decode(raw: str) -> tuple[Reply, int]:
    item = json.loads(raw)
    reply = Reply(CardMessage(item["markdown"], item.get("card")), room_id=item.get("room_id", ""),
                  to_person_id=item.get("to_person_id", ""))
    return reply, int(item.get("attempt", 0))


class Outbox:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.redis = client
        self.settings = settings
        self.due_key = settings.key("outbox", "due")
        self._finish = client.register_script(_FINISH_IF_EMPTY)
        self._unlock = client.register_script(_UNLOCK)
        # Locks this process holds. A lock whose release failed (Redis went away) is taken up
        # again by this process instead of stalling the person until the lock expires; `_active`
        # keeps two threads of this process from sending for one person at once.
        self._held: dict[str, str] = {}
        self._active: set[str] = set()
        self._mutex = threading.Lock()

    def _queue_key(self, person_id: str) -> str:
        return self.settings.key("outbox", person_id)

    def queue(self, pipe, person_id: str, replies: list[Reply]) -> None:
        """Inside a transaction: append replies; schedule the person unless already scheduled."""
        if not replies:
            return
        pipe.rpush(self._queue_key(person_id), *[encode(reply) for reply in replies])
        pipe.zadd(self.due_key, {person_id: time.time()}, nx=True)

    def due(self, limit: int = 20) -> list[str]:
        return self.redis.zrangebyscore(self.due_key, "-inf", time.time(), start=0, num=limit)

    def lock(self, person_id: str) -> str | None:
        with self._mutex:
            if person_id in self._active:
                return None
            self._active.add(person_id)
        try:
            key = self.settings.key("outbox", "lock", person_id)
            token = self._held.get(person_id) or uuid.uuid4().hex
            if self.redis.set(key, token, nx=True, px=LOCK_MS) or (
                    person_id in self._held and self.redis.get(key) == token):
                self._held[person_id] = token
                return token
        except BaseException:
            self._active.discard(person_id)
            raise
        self._active.discard(person_id)
        return None

    def unlock(self, person_id: str, token: str) -> None:
        try:
            self._unlock(keys=[self.settings.key("outbox", "lock", person_id)], args=[token])
            self._held.pop(person_id, None)
        finally:
            self._active.discard(person_id)

    def head(self, person_id: str) -> tuple[Reply, int] | None:
        raw = self.redis.lindex(self._queue_key(person_id), 0)
        return decode(raw) if raw else None

    def pop(self, person_id: str) -> None:
        self.redis.lpop(self._queue_key(person_id))

    def retry_head(self, person_id: str, attempt: int, due: float) -> None:
        raw = self.redis.lindex(self._queue_key(person_id), 0)
        if raw:
            item = {**json.loads(raw), "attempt": attempt}
            self.redis.lset(self._queue_key(person_id), 0, json.dumps(item))
        self.park(person_id, due)

    def park(self, person_id: str, due: float) -> None:
        self.redis.zadd(self.due_key, {person_id: due})

    def finish_if_empty(self, person_id: str) -> bool:
        return bool(self._finish(keys=[self._queue_key(person_id), self.due_key], args=[person_id]))

    def people_waiting(self) -> int:
        return self.redis.zcard(self.due_key)
