"""A group space's own meeting, set by any member with `meeting ... for this space`.

Keys (prefix from REDIS_KEY_PREFIX):
  space_meeting:{roomId}   hash: kind, value, set_by; expires SPACE_MEETING_DAYS after it was last set
"""
from __future__ import annotations

import redis

from bot.config import Settings
from bot.conversation.commands import Meeting

SPACE_MEETING_DAYS = 90


class SpaceMeetings:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.redis = client
        self.settings = settings

    def key(self, room_id: str) -> str:
        return self.settings.key("space_meeting", room_id)

    def get(self, room_id: str) -> Meeting | None:
        stored = self.redis.hgetall(self.key(room_id))
        if not stored.get("value"):
            return None
        return Meeting(stored.get("kind", "number"), stored["value"])

    def stage(self, pipe, room_id: str, meeting: Meeting, set_by: str) -> None:
        """Queued inside the event's transaction."""
        key = self.key(room_id)
        pipe.delete(key)
        pipe.hset(key, mapping={"kind": meeting.kind, "value": meeting.value, "set_by": set_by})
        pipe.expire(key, SPACE_MEETING_DAYS * 86400)
