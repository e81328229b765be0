"""People and rooms, looked up through Webex and cached in Redis for a while.

Keys (prefix from REDIS_KEY_PREFIX):
  person:{personId}, room:{roomId}   JSON of the Webex object, expiring after CACHE_SECONDS
"""
from __future__ import annotations

import json
from typing import Callable

import redis

from bot.config import Settings

CACHE_SECONDS = 3600


class Directory:
    def __init__(self, client: redis.Redis, settings: Settings, fetch_person: Callable[[str], dict],
                 fetch_room: Callable[[str], dict]):
        self.redis = client
        self.settings = settings
        self._fetch = {"person": fetch_person, "room": fetch_room}

    def person(self, person_id: str) -> dict:
        return self._cached("person", person_id)

    def room(self, room_id: str) -> dict:
        return self._cached("room", room_id)

    def _cached(self, kind: str, object_id: str) -> dict:
        key = self.settings.key(kind, object_id)
        stored = self.redis.get(key)
        if stored:
            return json.loads(stored)
        value = self._fetch[kind](object_id)
        self.redis.set(key, json.dumps(value), ex=CACHE_SECONDS)
        return value
