"""Consumer-group helpers for any Redis stream: the inbox, the agents' commands and events."""
from __future__ import annotations

import redis


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def read_new(client: redis.Redis, stream: str, group: str, consumer: str, count: int, block_ms: int) -> list[tuple[str, dict]]:
    """New entries only, for readers that hand entries on: what they read before is still in hand."""
    fresh = client.xreadgroup(group, consumer, {stream: ">"}, count=count, block=block_ms)
    return fresh[0][1] if fresh else []


def read_group(client: redis.Redis, stream: str, group: str, consumer: str, count: int, block_ms: int) -> list[tuple[str, dict]]:
    """New entries for this consumer; its own unacknowledged ones come first (after a restart)."""
    pending = client.xreadgroup(group, consumer, {stream: "0"}, count=count)
    entries = pending[0][1] if pending else []
    if entries:
        return entries
    fresh = client.xreadgroup(group, consumer, {stream: ">"}, count=count, block=block_ms)
    return fresh[0][1] if fresh else []
