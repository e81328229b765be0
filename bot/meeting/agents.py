"""Which meeting agents are alive, and whose phone audio each one holds.

Keys (prefix from REDIS_KEY_PREFIX):
  agents:heartbeat:{agent}   JSON about the agent, expiring HEARTBEAT_TTL_SECONDS after its last beat
  agents:known               sorted set: every agent seen in the last FORGET_AFTER_SECONDS, by last beat
  agents:serving:{agent}     set of personIds whose phone audio that agent holds
"""
from __future__ import annotations

import json
import time

import redis

from bot.config import Settings

HEARTBEAT_SECONDS = 2
HEARTBEAT_TTL_SECONDS = 10
FORGET_AFTER_SECONDS = 3600  # a missing agent is reported for this long


class AgentRegistry:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.redis = client
        self.settings = settings
        self.known_key = settings.key("agents", "known")

    def _heartbeat_key(self, agent: str) -> str:
        return self.settings.key("agents", "heartbeat", agent)

    def _serving_key(self, agent: str) -> str:
        return self.settings.key("agents", "serving", agent)

    def beat(self, agent: str, info: dict) -> None:
        with self.redis.pipeline() as pipe:
            pipe.set(self._heartbeat_key(agent), json.dumps({**info, "agent": agent, "at": time.time()}),
                     ex=HEARTBEAT_TTL_SECONDS)
            pipe.zadd(self.known_key, {agent: time.time()})
            pipe.execute()

    def stop_beating(self, agent: str) -> None:
        self.redis.delete(self._heartbeat_key(agent))

    def status(self) -> tuple[list[dict], list[str]]:
        """(alive agents' heartbeats, known agents with no heartbeat)."""
        self.redis.zremrangebyscore(self.known_key, "-inf", time.time() - FORGET_AFTER_SECONDS)
        known = sorted(self.redis.zrange(self.known_key, 0, -1))
        beats = self.redis.mget([self._heartbeat_key(agent) for agent in known]) if known else []
        alive = [json.loads(beat) for beat in beats if beat]
        missing = [agent for agent, beat in zip(known, beats) if not beat]
        return alive, missing

    def any_alive(self) -> bool:
        return bool(self.status()[0])

    def serving(self, pipe, agent: str, person_id: str) -> None:
        """Inside a transaction: remember that `agent` holds this person's phone audio."""
        pipe.sadd(self._serving_key(agent), person_id)

    def release(self, pipe, agent: str, person_id: str) -> None:
        pipe.srem(self._serving_key(agent), person_id)

    def take_served(self, agent: str) -> list[str]:
        """Sweep a vanished agent: the people it served, each handed to one caller only."""
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.smembers(self._serving_key(agent))
            pipe.delete(self._serving_key(agent))
            people, _ = pipe.execute()
        return sorted(people)
