"""Posts each person's queued replies in order, one sender per person at a time (bot/streams/outbox.py)."""
from __future__ import annotations

import logging
import threading

from bot.config import Settings
from bot.conversation.effects import Reply
from bot.metrics import DEAD_LETTERS, REPLIES
from bot.streams.outbox import Outbox
from bot.streams.retries import Retries
from bot.webex.client import WebexClient
from bot.worker.failure_policy import DEAD_LETTER, FAILURES, GIVE_UP, PARK, decide

log = logging.getLogger(__name__)


class Sender:
    def __init__(self, settings: Settings, webex: WebexClient, outbox: Outbox, retries: Retries,
                 stopping: threading.Event):
        self.settings = settings
        self.webex = webex
        self.outbox = outbox
        self.retries = retries
        self.stopping = stopping

    def send_replies(self, person_id: str) -> None:
        """Post this person's queued replies in order; stop at the first that must wait."""
        token = self.outbox.lock(person_id)
        if token is None:
            return  # another sender has this person
        try:
            while not self.stopping.is_set():
                queued = self.outbox.head(person_id)
                if queued is None:
                    if self.outbox.finish_if_empty(person_id):
                        return
                    continue
                reply, attempt = queued
                if not self._post(person_id, reply, attempt):
                    return
                self.outbox.pop(person_id)
        finally:
            self.outbox.unlock(person_id, token)

    def _post(self, person_id: str, reply: Reply, attempt: int) -> bool:
        """True when the reply is done with (posted or given up); False when the person must wait."""
        try:
            self.webex.post(reply.message, room_id=reply.room_id, to_person_id=reply.to_person_id)
            REPLIES.inc()
            return True
        except FAILURES as exc:
            decision = decide(exc, attempt, self.settings, "reply")
        if decision.step == PARK:
            self.outbox.park(person_id, decision.due)
            return False
        if decision.step in (GIVE_UP, DEAD_LETTER):
            if decision.step == GIVE_UP:
                DEAD_LETTERS.labels("reply").inc()  # refused for good: kept for an operator to look at
            log.error("reply dead-lettered", extra={"person_id": person_id, "reason": decision.reason})
            self.retries.dead_letter("reply", reply_payload(person_id, reply), decision.reason)
            return True
        self.outbox.retry_head(person_id, decision.attempt, decision.due)
        return False


def reply_payload(person_id: str, reply: Reply) -> dict:
    return {"person_id": person_id, "markdown": reply.message.markdown, "card": reply.message.card,
            "room_id": reply.room_id, "to_person_id": reply.to_person_id}
