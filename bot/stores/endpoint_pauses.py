"""Pauses per Webex endpoint after a 429, shared by every process through Redis.

Webex limits per token and endpoint, so a 429 on `POST messages` pauses only that
endpoint; work that needs other endpoints goes on.

Keys (prefix from REDIS_KEY_PREFIX):
  pause:{endpoint}   the epoch time the pause ends, expiring with it
"""
from __future__ import annotations

import time

import redis

from bot.config import Settings


class Paused(Exception):
    """An endpoint is paused; the work must be parked until `until`."""

    def __init__(self, endpoint: str, until: float):
        super().__init__(f"{endpoint} paused until {until:.3f}")
        self.endpoint = endpoint
        self.until = until


class EndpointPauses:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.redis = client
        self.settings = settings

    def _key(self, endpoint: str) -> str:
        return self.settings.key("pause", endpoint)

    def pause(self, endpoint: str, seconds: float) -> float:
        until = time.time() + max(seconds, 0.1)
        self.redis.set(self._key(endpoint), f"{until:.6f}", px=int(max(seconds, 0.1) * 1000) + 50)
        return until

    def check(self, endpoint: str) -> None:
        """Raise Paused if the endpoint is paused now."""
        until = self.redis.get(self._key(endpoint))
        if until and float(until) > time.time():
            raise Paused(endpoint, float(until))
