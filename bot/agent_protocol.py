"""The meeting-agent protocol (DESIGN.md): JSON commands and events on two Redis streams.

Keys (prefix from REDIS_KEY_PREFIX):
  meetings:commands        stream; field data = command JSON; agents read it in group "agents"
  meetings:events          stream; field data = event JSON; workers read it in group "workers"
  agents:heartbeat:{id}    one key per live agent, with a short expiry
  agents:deadlines         sorted set of unanswered commands, scored by their deadline
"""
from __future__ import annotations

import json

from bot.config import Settings

AGENT_GROUP = "agents"
WORKER_GROUP = "workers"
HEARTBEAT_SECONDS = 2
HEARTBEAT_TTL_SECONDS = 10

# PSTN_STATUS, as the SDK names the states
OP_USE_PHONE_AUDIO = "use_phone_audio"
OP_DISCONNECT_PHONE_AUDIO = "disconnect_phone_audio"


class Streams:
    def __init__(self, settings: Settings):
        self.commands = settings.key("meetings", "commands")
        self.events = settings.key("meetings", "events")
        self.deadlines = settings.key("agents", "deadlines")
        self._settings = settings

    def heartbeat(self, agent_id: str) -> str:
        return self._settings.key("agents", "heartbeat", agent_id)

    def heartbeat_pattern(self) -> str:
        return self._settings.key("agents", "heartbeat", "*")


def encode(message: dict) -> dict[str, str]:
    return {"data": json.dumps(message, separators=(",", ":"))}


def decode(fields: dict) -> dict:
    try:
        message = json.loads(fields.get("data", ""))
    except (TypeError, ValueError):
        return {}
    return message if isinstance(message, dict) else {}
