"""Sessions in Redis, changed by compare-and-set so concurrent events never lose an update.

Keys (prefix from REDIS_KEY_PREFIX):
  session:{personId}   hash: "version" (the compare-and-set counter) and "data" (JSON of the
                       attributes that differ from a new session's); expires when quiet. A hash
                       with one field per attribute (JSON values, the earlier layout) is read too.
                       Small on purpose: a typical session is 600-900 bytes (MEMORY USAGE).
"""
from __future__ import annotations

import json
from dataclasses import fields
from typing import Callable

import redis

from bot.config import Settings
from bot.conversation.session import Session


def to_stored(session: Session) -> dict[str, str]:
    blank = Session(person_id=session.person_id)
    data = {f.name: getattr(session, f.name) for f in fields(Session)
            if f.name not in ("person_id", "version") and getattr(session, f.name) != getattr(blank, f.name)}
    return {"version": str(session.version), "data": json.dumps(data, separators=(",", ":"))}


def from_stored(person_id: str, stored: dict[str, str]) -> Session:
    if not stored:
        return Session(person_id=person_id)
    if "data" not in stored:
        return Session.from_hash(person_id, stored)  # one field per attribute
    known = {f.name for f in fields(Session)} - {"person_id", "version"}
    values = {k: v for k, v in json.loads(stored["data"]).items() if k in known}
    return Session(person_id=person_id, version=int(json.loads(stored.get("version") or "0")), **values)


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
        return from_stored(person_id, self.redis.hgetall(self.key(person_id)))

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
                    pipe.hset(key, mapping=to_stored(saved))
                    pipe.expire(key, self.settings.session_ttl_seconds)
                if also is not None:
                    also(pipe)
                pipe.execute()
            except redis.WatchError as exc:
                raise Conflict(before.person_id) from exc
