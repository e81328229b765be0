"""Sessions in Redis, changed by compare-and-set so concurrent events never lose an update.

Keys (prefix from REDIS_KEY_PREFIX):
  session:{personId}   hash, one field per Session attribute (JSON values); expires when quiet
"""
from __future__ import annotations

import json
from typing import Callable

import redis

from bot.config import Settings
from bot.conversation.session import Session


class Conflict(Exception):
    """Someone else changed the session first: reload and decide again."""


class AlreadyDone(Exception):
    """This event's effects were stored before (a redelivery, or a worker that was presumed dead)."""


class SessionStore:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.redis = client
        self.settings = settings

    def key(self, person_id: str) -> str:
        return self.settings.key("session", person_id)

    def load(self, person_id: str) -> Session:
        data = self.redis.hgetall(self.key(person_id))
        return Session.from_hash(person_id, data) if data else Session(person_id=person_id)

    def commit(self, before: Session, after: Session | None, also: Callable[[redis.client.Pipeline], None] | None = None,
               done_key: str | None = None) -> None:
        """Write `after` only if the stored session is still `before`. `also` queues more writes in
        the same transaction, so a phone-audio command exists exactly when its session says so.
        `done_key` marks the event as done in that transaction; if it is marked already, nothing is written."""
        key = self.key(before.person_id)
        watched = [key, done_key] if done_key else [key]
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(*watched)
                if done_key and pipe.exists(done_key):
                    raise AlreadyDone(done_key)
                stored = pipe.hget(key, "version")
                if (json.loads(stored) if stored else 0) != before.version:
                    raise Conflict(before.person_id)
                pipe.multi()
                if done_key:
                    pipe.set(done_key, "1", ex=self.settings.dedupe_ttl_seconds)
                if after is not None:
                    saved = after.with_changes(version=before.version + 1)
                    pipe.delete(key)
                    pipe.hset(key, mapping=saved.to_hash())
                    pipe.expire(key, self.settings.session_ttl_seconds)
                if also is not None:
                    also(pipe)
                pipe.execute()
            except redis.WatchError as exc:
                raise Conflict(before.person_id) from exc
