"""One event's Redis state in two round trips: everything it needs read in one script, every
effect written in another (compare-and-set on the session, in the same step as the done mark).

Calls of many events share a round trip (batching.py). The async worker's counterpart of sessions.py (which the one-off tools and tests use); the
keys are the same: session:{personId} (sessions.py), done:{eventKey}, person:/room: caches
(directory.py), agents:* (meeting/agents.py), outbox:* (streams/outbox.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from bot.config import Settings
from bot.conversation.session import Session
from bot.stores.batching import batcher
from bot.stores.sessions import Conflict, from_stored, to_stored

# KEYS: done, session, person cache, room cache, agents:known. ARGV: heartbeat key prefix, now.
_LOAD = """
local done = KEYS[1] ~= '' and redis.call('EXISTS', KEYS[1]) or 0
local session = redis.call('HGETALL', KEYS[2])
local person = KEYS[3] ~= '' and redis.call('GET', KEYS[3]) or false
local room = KEYS[4] ~= '' and redis.call('GET', KEYS[4]) or false
local alive = 0
for _, agent in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], ARGV[2] - 3600, '+inf')) do
  if redis.call('EXISTS', ARGV[1] .. agent) == 1 then alive = 1 break end
end
return {done, session, person, room, alive}
"""

# KEYS: done, session, outbox queue, outbox lock. ARGV: expected version, dedupe ttl, session
# fields (JSON array, '' for none), session ttl, staged commands (JSON array of arrays),
# ack (JSON [stream, group, id] or ''), replies queued, lock token, lock ms.
# Returns {'done'} | {'conflict'} | {'ok', owner}: owner 1 = this caller holds the person's
# outbox and its replies are the whole queue; 2 = holds it, older replies first; 0 = another has it.
_COMMIT = """
local function ack()
  if ARGV[6] ~= '' then local a = cjson.decode(ARGV[6]); redis.call('XACK', a[1], a[2], a[3]) end
end
if KEYS[1] ~= '' and redis.call('EXISTS', KEYS[1]) == 1 then ack() return {'done'} end
local stored = redis.call('HGET', KEYS[2], 'version')
if (stored and tonumber(stored) or 0) ~= tonumber(ARGV[1]) then return {'conflict'} end
if KEYS[1] ~= '' then redis.call('SET', KEYS[1], '1', 'EX', ARGV[2]) end
if ARGV[3] ~= '' then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], unpack(cjson.decode(ARGV[3])))
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
for _, command in ipairs(cjson.decode(ARGV[5])) do redis.call(unpack(command)) end
ack()
local queued = tonumber(ARGV[7])
if queued == 0 then return {'ok', 0} end
if not redis.call('SET', KEYS[4], ARGV[8], 'NX', 'PX', ARGV[9]) then return {'ok', 0} end
if redis.call('LLEN', KEYS[3]) == queued then return {'ok', 1} end
return {'ok', 2}
"""


@dataclass
class Loaded:
    done: bool
    session: Session
    person: dict | None
    room: dict | None
    agents_alive: bool


def encode_args(args) -> list[str]:
    """A command's arguments as redis-py would send them: bytes and str as they are, numbers in text."""
    out = []
    for value in args:
        if isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, float):
            value = repr(value)
        out.append(str(value))
    return out


class EventState:
    def __init__(self, client, settings: Settings):
        self.redis = client  # redis.asyncio.Redis
        self.settings = settings
        self._load = client.register_script(_LOAD)
        self._commit = client.register_script(_COMMIT)
        self.trips = batcher(client)

    async def load(self, person_id: str, done_key: str = "", person_key: str = "", room_key: str = "") -> Loaded:
        s = self.settings
        done, flat, person, room, alive = await self.trips.call(
            self._load, [done_key, s.key("session", person_id), person_key, room_key, s.key("agents", "known")],
            [s.key("agents", "heartbeat", ""), f"{time.time():.3f}"])
        session = from_stored(person_id, dict(zip(flat[::2], flat[1::2])))
        return Loaded(bool(done), session, json.loads(person) if person else None, json.loads(room) if room else None,
                      bool(alive))

    async def session(self, person_id: str) -> Session:
        return from_stored(person_id, await self.redis.hgetall(self.settings.key("session", person_id)))

    async def commit(self, before: Session, after: Session | None, staged: list, *, done_key: str = "",
                     ack: tuple[str, str, str] | None = None, queued: int = 0, token: str = "",
                     lock_ms: int = 60_000) -> int | None:
        """Write it all, or nothing. The outbox owner (0, 1, 2; see _COMMIT); None when the event was
        done before. Raises Conflict when the session changed since `before` was read."""
        s = self.settings
        fields = ""
        if after is not None:
            saved = to_stored(after.with_changes(version=before.version + 1))
            fields = json.dumps([item for pair in saved.items() for item in pair])
        result = await self.trips.call(
            self._commit, [done_key, s.key("session", before.person_id), s.key("outbox", before.person_id),
                           s.key("outbox", "lock", before.person_id)],
            [before.version, s.dedupe_ttl_seconds, fields, s.session_ttl_seconds,
             json.dumps([encode_args(args) for args in staged]), json.dumps(list(ack)) if ack else "",
             queued, token, lock_ms])
        if result[0] == "done":
            return None
        if result[0] == "conflict":
            raise Conflict(before.person_id)
        return int(result[1])
