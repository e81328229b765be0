"""The audit log of dial-out attempts: who, when, the masked number, the meeting, the outcome
and the rule that decided it. Never a full number.

Keys (prefix from REDIS_KEY_PREFIX):
  audit   stream; fields ts, person_id, person_email, org_id, number, meeting, outcome, rule, event;
          entries older than AUDIT_RETENTION_DAYS are trimmed as new ones arrive
"""
from __future__ import annotations

import time

import redis

from bot.config import Settings


class AuditLog:
    def __init__(self, client: redis.Redis, settings: Settings):
        self.redis = client
        self.settings = settings
        self.stream = settings.key("audit")

    def append(self, pipe, entry: dict) -> None:
        """Inside the transaction that stores the decision."""
        oldest_ms = int((time.time() - self.settings.audit_retention_days * 86400) * 1000)
        fields = {name: str(value) for name, value in {"ts": f"{time.time():.3f}", **entry}.items()}
        pipe.xadd(self.stream, fields, minid=oldest_ms, approximate=True)

    def read(self, person_email: str | None = None, limit: int = 20) -> list[dict]:
        """Newest first; only one person's when an email is given."""
        found: list[dict] = []
        last = "+"
        while len(found) < limit:
            batch = self.redis.xrevrange(self.stream, max=last, count=200)
            if not batch:
                break
            for entry_id, fields in batch:
                if person_email is None or fields.get("person_email", "").lower() == person_email.lower():
                    found.append({"id": entry_id, **fields})
            last = "(" + batch[-1][0]
        return found[:limit]


def describe(entry: dict) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(entry.get("ts") or 0)))
    return (f"{when}Z {entry.get('person_email') or entry.get('person_id')} {entry.get('number')} "
            f"meeting {entry.get('meeting') or '-'}: {entry.get('outcome')} ({entry.get('rule') or '-'})")
