"""Retries with backoff, and the dead-letter stream for work given up on.

Keys (prefix from REDIS_KEY_PREFIX):
  inbox:retry    sorted set of inbox entries (JSON of their fields) scored by when to try again
  deadletters    stream; fields kind ("event" | "reply"), reason, failed_at, payload (JSON)
"""
from __future__ import annotations

import json
import time

import redis

from bot.config import Settings

# Move due retries back into the inbox atomically, so none is lost or doubled between steps.
_RELEASE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  local fields = cjson.decode(member)
  local flat = {}
  for name, value in pairs(fields) do
    table.insert(flat, name)
    table.insert(flat, tostring(value))
  end
  redis.call('XADD', KEYS[2], '*', unpack(flat))
end
return #due
"""


RELEASE_SCRIPT = _RELEASE  # for the async worker's housekeeping


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff: base, 2·base, 4·base … never more than cap."""
    return min(cap, base * 2 ** max(attempt - 1, 0))


class Retries:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.redis = client
        self.settings = settings
        self.schedule_key = settings.key("inbox", "retry")
        self.dead_key = settings.key("deadletters")
        self.inbox_key = settings.key("inbox")
        self._release = client.register_script(_RELEASE)

    def schedule(self, fields: dict, due: float, pipe=None) -> None:
        """Now, or staged in `pipe` (with the entry's acknowledgement)."""
        (pipe if pipe is not None else self.redis).zadd(self.schedule_key, {json.dumps(fields, sort_keys=True): due})

    def release_due(self) -> int:
        return int(self._release(keys=[self.schedule_key, self.inbox_key], args=[f"{time.time():.6f}"]))

    def dead_letter(self, kind: str, payload: dict, reason: str) -> str:
        return self.redis.xadd(self.dead_key, self._letter(kind, payload, reason))

    def stage_dead_letter(self, pipe, kind: str, payload: dict, reason: str) -> None:
        pipe.xadd(self.dead_key, self._letter(kind, payload, reason))

    async def dead_letter_async(self, client, kind: str, payload: dict, reason: str) -> str:
        return await client.xadd(self.dead_key, self._letter(kind, payload, reason))

    @staticmethod
    def _letter(kind: str, payload: dict, reason: str) -> dict:
        return {"kind": kind, "reason": reason[:500], "failed_at": f"{time.time():.3f}", "payload": json.dumps(payload)}

    def dead_letters(self, count: int = 100) -> list[tuple[str, dict]]:
        return [(entry_id, {**fields, "payload": json.loads(fields["payload"])})
                for entry_id, fields in self.redis.xrange(self.dead_key, count=count)]

    def take_dead_letter(self, entry_id: str) -> dict | None:
        entries = self.redis.xrange(self.dead_key, min=entry_id, max=entry_id)
        if not entries or not self.redis.xdel(self.dead_key, entry_id):
            return None  # gone, or another replay took it
        fields = entries[0][1]
        return {**fields, "payload": json.loads(fields["payload"])}
