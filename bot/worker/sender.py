"""Posts each person's replies in order: at once, by the worker that committed them (it holds
the person's outbox lock and knows the replies), or later from the queue (bot/streams/outbox.py)
when they had to wait (a 429 pause, a retry) or their worker died.

One sender per person at a time: the outbox lock across processes, `sending` in this one.
"""
from __future__ import annotations

import logging
import time
from typing import Callable

from bot.config import Settings
from bot.conversation.effects import Reply
from bot.metrics import DEAD_LETTERS, REPLIES
from bot.streams.outbox import AsyncOutbox
from bot.streams.retries import Retries
from bot.webex.async_client import AsyncWebex
from bot.worker.failure_policy import DEAD_LETTER, FAILURES, GIVE_UP, PARK, decide

log = logging.getLogger(__name__)


class Sender:
    def __init__(self, settings: Settings, webex: AsyncWebex, outbox: AsyncOutbox, retries: Retries, redis,
                 wake_at: Callable[[str, float], None]):
        self.settings = settings
        self.webex = webex
        self.outbox = outbox
        self.retries = retries
        self.redis = redis  # redis.asyncio, for dead letters
        self.wake_at = wake_at  # (person, when): try this person's queue again then
        self.sending: set[str] = set()

    async def drain(self, person_id: str, held: str = "") -> None:
        """Post whatever this person has queued, if nobody else is posting it."""
        if person_id in self.sending:
            return
        self.sending.add(person_id)
        try:
            token = await self.outbox.lock(person_id, held)
            if token is not None:
                await self._send(person_id, None, token)
        finally:
            self.sending.discard(person_id)

    async def send(self, person_id: str, replies: list[Reply] | None, token: str) -> None:
        """Post with the lock in hand; `replies` when they are known to be the whole queue."""
        self.sending.add(person_id)
        try:
            await self._send(person_id, [(reply, 0) for reply in replies] if replies else None, token)
        finally:
            self.sending.discard(person_id)

    async def _send(self, person_id: str, items: list[tuple[Reply, int]] | None, token: str) -> None:
        while True:
            if items is None:
                items = await self.outbox.batch(person_id)
            done = 0
            for reply, attempt in items:
                wait = await self._post(person_id, reply, attempt)
                if wait is not None:
                    park_until, head = wait
                    await self.outbox.settle(person_id, token, done, park_until=park_until, head=head)
                    self.wake_at(person_id, park_until)
                    return
                done += 1
            if await self.outbox.settle(person_id, token, done) < 0:
                return  # all posted; lock released
            items = None  # more were queued meanwhile

    async def _post(self, person_id: str, reply: Reply, attempt: int) -> tuple[float, tuple | None] | None:
        """None when the reply is done with (posted or given up); else (when to try again, the new head)."""
        try:
            await self.webex.post(reply.message, room_id=reply.room_id, to_person_id=reply.to_person_id)
            REPLIES.inc()
            return None
        except FAILURES as exc:
            decision = decide(exc, attempt, self.settings, "reply")
        if decision.step == PARK:
            return decision.due, None
        if decision.step in (GIVE_UP, DEAD_LETTER):
            if decision.step == GIVE_UP:
                DEAD_LETTERS.labels("reply").inc()  # refused for good: kept for an operator to look at
            log.error("reply dead-lettered", extra={"person_id": person_id, "reason": decision.reason})
            await self.retries.dead_letter_async(self.redis, "reply", reply_payload(person_id, reply), decision.reason)
            return None
        return max(decision.due, time.time()), (reply, decision.attempt)


def reply_payload(person_id: str, reply: Reply) -> dict:
    return {"person_id": person_id, "markdown": reply.message.markdown, "card": reply.message.card,
            "room_id": reply.room_id, "to_person_id": reply.to_person_id}
