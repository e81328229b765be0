"""Pauses per Webex endpoint after a 429, shared by every process through Redis.

Webex limits per token and endpoint, so a 429 on `POST messages` pauses only that
endpoint; work that needs other endpoints goes on.

A pause is a key and a message on a channel: processes that listen (the workers, through
`AsyncPauses`) keep every pause in memory and check it with no Redis call at all; a process
that does not listen (a one-off command) reads the key.

Keys (prefix from REDIS_KEY_PREFIX):
  pause:{endpoint}   the epoch time the pause ends, expiring with it
  pauses             pub/sub channel: "{until} {endpoint}" for every new pause
"""
from __future__ import annotations

import time

import redis

from bot.config import Settings

# Every endpoint the workers call; their pauses are read again whenever the listener (re)connects.
ENDPOINTS = ("GET messages", "GET attachment/actions", "GET people", "GET rooms", "POST messages")


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
        self.channel = settings.key("pauses")

    def _key(self, endpoint: str) -> str:
        return self.settings.key("pause", endpoint)

    def pause(self, endpoint: str, seconds: float) -> float:
        until = time.time() + max(seconds, 0.1)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self._key(endpoint), f"{until:.6f}", px=int(max(seconds, 0.1) * 1000) + 50)
            pipe.publish(self.channel, f"{until:.6f} {endpoint}")
            pipe.execute()
        return until

    def check(self, endpoint: str) -> None:
        """Raise Paused if the endpoint is paused now."""
        until = self.redis.get(self._key(endpoint))
        if until and float(until) > time.time():
            raise Paused(endpoint, float(until))


class AsyncPauses:
    """The same pauses for the async worker, held in memory and kept current from the channel."""

    def __init__(self, client, settings: Settings):
        self.redis = client  # redis.asyncio.Redis
        self.settings = settings
        self.channel = settings.key("pauses")
        self.until: dict[str, float] = {}
        self.listening = False  # until the listener is subscribed, check() reads Redis

    def _key(self, endpoint: str) -> str:
        return self.settings.key("pause", endpoint)

    async def check(self, endpoint: str) -> None:
        if not self.listening:
            stored = await self.redis.get(self._key(endpoint))
            if stored:
                self.until[endpoint] = max(self.until.get(endpoint, 0.0), float(stored))
        until = self.until.get(endpoint, 0.0)
        if until > time.time():
            raise Paused(endpoint, until)

    async def pause(self, endpoint: str, seconds: float) -> float:
        until = time.time() + max(seconds, 0.1)
        self.until[endpoint] = max(self.until.get(endpoint, 0.0), until)  # at once, for this process
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self._key(endpoint), f"{until:.6f}", px=int(max(seconds, 0.1) * 1000) + 50)
            pipe.publish(self.channel, f"{until:.6f} {endpoint}")
            await pipe.execute()
        return until

    async def listen(self) -> None:
        """Until cancelled: subscribe, read the pauses already set, then apply each new one."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            stored = await self.redis.mget([self._key(endpoint) for endpoint in ENDPOINTS])
            for endpoint, until in zip(ENDPOINTS, stored):
                if until:
                    self.until[endpoint] = max(self.until.get(endpoint, 0.0), float(until))
            self.listening = True
            while True:
                message = await pubsub.get_message(timeout=30.0)
                if message and message.get("type") == "message":
                    until, _, endpoint = str(message["data"]).partition(" ")
                    self.until[endpoint] = max(self.until.get(endpoint, 0.0), float(until))
        finally:
            self.listening = False
            await pubsub.aclose()
