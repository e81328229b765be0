"""Dial-out rate limits, per person and per organisation, shared by every process.

Sliding windows in Redis, checked and counted in one Lua script, so concurrent requests in
many processes can never together pass a limit. A request is counted by its event key, so a
redelivered event is not counted twice.

Keys (prefix from REDIS_KEY_PREFIX):
  dialouts:person:{personId}, dialouts:org:{orgId}   sorted sets of event keys by time
"""
from __future__ import annotations

import time

import redis

from bot.config import Settings

_TAKE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
end
for i, key in ipairs(KEYS) do
  if redis.call('ZSCORE', key, ARGV[3]) then return 'ok' end
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 'dialout_rate_person' end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 'dialout_rate_org' end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('EXPIRE', key, window)
end
return 'ok'
"""


class DialOutLimits:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.settings = settings
        self._take = client.register_script(_TAKE)

    def take(self, person_id: str, org_id: str, event_key: str) -> str | None:
        """Count one dial-out; None when allowed, else the rule that refuses it."""
        keys = [self.settings.key("dialouts", "person", person_id), self.settings.key("dialouts", "org", org_id or "none")]
        verdict = self._take(keys=keys, args=[f"{time.time():.6f}", self.settings.dialout_limit_window_seconds,
                                              event_key, self.settings.dialout_limit_person,
                                              self.settings.dialout_limit_org])
        return None if verdict == "ok" else verdict
