"""The inbox: a Redis stream of accepted webhook events, read by workers in a consumer group.

Keys (prefix from REDIS_KEY_PREFIX):
  inbox                          stream; fields resource, event, data (JSON), key, received_at
  seen:{resource}:{event}:{id}   dedupe marker with a TTL, set in the same step as the append
"""
from __future__ import annotations

import json
import time

import redis

from bot.config import Settings
from bot.streams.groups import ensure_group, read_new

GROUP = "workers"

# Dedupe and append as one atomic step: an event is either new and stored, or a repeat.
_ACCEPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
                    'resource', ARGV[3], 'event', ARGV[4], 'data', ARGV[5], 'key', ARGV[6], 'received_at', ARGV[7])
end
return false
"""


def event_key(resource: str, event: str, data_id: str) -> str:
    """Every delivery of one event has the same key (the envelope id is the webhook's, not the event's)."""
    return f"{resource}:{event}:{data_id}"


class Inbox:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.redis = client
        self.settings = settings
        self.stream = settings.key("inbox")
        self._accept = client.register_script(_ACCEPT)

    def accept(self, resource: str, event: str, data: dict) -> str | None:
        """Store a new event; None when this event was accepted before."""
        key = event_key(resource, event, str(data.get("id", "")))
        entry_id = self._accept(
            keys=[self.settings.key("seen", key), self.stream],
            args=[self.settings.dedupe_ttl_seconds, 1_000_000, resource, event, json.dumps(data), key, f"{time.time():.6f}"],
        )
        return entry_id or None

    def ensure_group(self) -> None:
        ensure_group(self.redis, self.stream, GROUP)

    def read(self, consumer: str, count: int = 10, block_ms: int = 1000) -> list[tuple[str, dict]]:
        return read_new(self.redis, self.stream, GROUP, consumer, count, block_ms)

    def ack(self, entry_id: str) -> None:
        self.redis.xack(self.stream, GROUP, entry_id)
