"""The meeting-agent protocol (DESIGN.md): JSON commands and events on two Redis streams.

Keys (prefix from REDIS_KEY_PREFIX):
  meetings:commands        stream; field data = command JSON; agents read it in group "agents"
  meetings:events          stream; field data = event JSON; workers read it in group "workers"
  agents:deadlines         sorted set of unanswered commands, scored by their deadline
Heartbeats: bot/meeting/agents.py.

Events: {"command_id", "person_id", "agent", "type", ...}:
  meeting_info        "audio": the SDK's meetingInfo.audio fields
  phone_audio_update  "payload": the SDK's meeting:self:phoneAudioUpdate payload, unchanged
                      ({"dialIn": {status, attendeeId}, "dialOut": {status, attendeeId, reason}});
                      "seq": increasing per agent, so repeats and stale snapshots can be dropped;
                      dialOut.reason is an SDK code (FAILURE) or the agent's own words ("the meeting ended")
  lobby               "waiting": true/false; "why": "lobby" or "not_started" (the host hasn't started the
                      meeting); "reason": words a person can read; "extend_seconds": how much longer to wait
  error               "reason": words a person can read; "code": a short machine name
"""
from __future__ import annotations

import json

from bot.config import Settings

AGENT_GROUP = "agents"
WORKER_GROUP = "workers"

OP_USE_PHONE_AUDIO = "use_phone_audio"
OP_DISCONNECT_PHONE_AUDIO = "disconnect_phone_audio"


class Streams:
    def __init__(self, settings: Settings):
        self.commands = settings.key("meetings", "commands")
        self.events = settings.key("meetings", "events")
        self.deadlines = settings.key("agents", "deadlines")


def encode(message: dict) -> dict[str, str]:
    return {"data": json.dumps(message, separators=(",", ":"))}


def decode(fields: dict) -> dict:
    try:
        message = json.loads(fields.get("data", ""))
    except (TypeError, ValueError):
        return {}
    return message if isinstance(message, dict) else {}
