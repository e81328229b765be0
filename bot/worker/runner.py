"""The worker process: reads the inbox and the agents' events, hands them on, acknowledges them.

Each loop runs in its own thread; any number of worker processes share one Redis.
  inbox reader    hands each entry to a lane chosen by the person, so one person's events
                  are handled one at a time, in the order they arrived
  lanes           an entry → command → executor (handler, one transaction); then the ack
  events loop     meeting-agent events, the same way
  senders         post each person's queued replies in order (sender.py)
  housekeeping    agent deadlines, vanished agents, due retries, entries of dead workers

What to do when Webex fails is failure_policy.py; what effects do is effects.py.
"""
from __future__ import annotations

import functools
import json
import logging
import queue
import threading
import time
import uuid

import redis

from bot.config import Settings
from bot.conversation import commands as c
from bot.conversation.effects import Reply
from bot.loops import start_thread
from bot.meeting import protocol
from bot.streams.groups import ensure_group, read_group
from bot.streams.inbox import Inbox
from bot.streams.outbox import Outbox
from bot.streams.retries import Retries
from bot.webex.client import WebexClient
from bot.webex.incoming import Incoming
from bot.webex.messages import CardMessage
from bot.worker.executor import Executor
from bot.worker.failure_policy import DEAD_LETTER, FAILURES, GIVE_UP, PARK, decide
from bot.worker.housekeeping import Housekeeping
from bot.worker.sender import Sender

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 0.25
LANE_DEPTH = 4
FLUSH_SECONDS = 10.0  # on stop, how long senders may keep posting what is due


class Worker:
    def __init__(self, settings: Settings, client: redis.Redis, webex: WebexClient, incoming: Incoming,
                 card_key: bytes):
        self.settings = settings
        self.redis = client
        self.incoming = incoming
        self.inbox = Inbox(client, settings)
        self.outbox = Outbox(client, settings)
        self.retries = Retries(client, settings)
        self.streams = protocol.Streams(settings)
        self.name = f"worker-{uuid.uuid4().hex[:8]}"
        self.intake_stopping = threading.Event()  # no new events; finish the one in hand
        self.stopping = threading.Event()  # senders too: every queued reply has been tried
        self.replies_waiting = threading.Event()  # wakes the senders as soon as replies are queued
        self.executor = Executor(settings, client, card_key, on_replies=self.replies_waiting.set)
        self.sender = Sender(settings, webex, self.outbox, self.retries, self.stopping)
        self.housekeeping = Housekeeping(settings, client, self.executor.execute, self.process_inbox_entry,
                                         self.process_agent_event)
        self.lanes = [queue.Queue(maxsize=LANE_DEPTH) for _ in range(max(settings.worker_threads, 1))]
        self.intake_threads: list[threading.Thread] = []
        self.sender_threads: list[threading.Thread] = []

    # Lifecycle ---------------------------------------------------------------------
    def ensure_groups(self) -> None:
        self.inbox.ensure_group()
        ensure_group(self.redis, self.streams.events, protocol.WORKER_GROUP)

    def start(self) -> "Worker":
        self.ensure_groups()
        intake = {f"{self.name}-lane-{i}": functools.partial(self._lane_loop, lane) for i, lane in enumerate(self.lanes)}
        intake.update({f"{self.name}-inbox": self._inbox_loop, f"{self.name}-events": self._events_loop,
                       f"{self.name}-housekeeping": self._housekeeping_loop})
        for consumer, loop in intake.items():
            self.intake_threads.append(start_thread(functools.partial(loop, consumer), self.intake_stopping, consumer))
        for i in range(self.settings.sender_threads):
            consumer = f"{self.name}-sender-{i}"
            self.sender_threads.append(start_thread(self._sender_loop, self.stopping, consumer))
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM: take no new events, finish the ones in hand, post the replies that are due,
        then exit. Whatever is left (a reply parked by a rate limit) stays queued for other workers."""
        deadline = time.monotonic() + timeout
        self.intake_stopping.set()
        for thread in self.intake_threads:
            thread.join(max(deadline - time.monotonic(), 0.1))
        flush_until = min(deadline, time.monotonic() + FLUSH_SECONDS)
        while time.monotonic() < flush_until and self._replies_due():
            self.replies_waiting.set()
            time.sleep(0.05)
        self.stopping.set()
        self.replies_waiting.set()
        for thread in self.sender_threads:
            thread.join(max(deadline - time.monotonic(), 0.1))

    def _replies_due(self) -> bool:
        try:
            return bool(self.outbox.due(limit=1))
        except redis.RedisError:
            return False

    # Loops -------------------------------------------------------------------------
    def _inbox_loop(self, consumer: str) -> None:
        while not self.intake_stopping.is_set():
            for entry in self.inbox.read(consumer, count=len(self.lanes), block_ms=500):
                lane = self.lanes[hash(_person_of(entry[1])) % len(self.lanes)]
                lane.put(entry)  # waits while that lane is full: little is held that has not started

    def _lane_loop(self, lane: queue.Queue, consumer: str) -> None:
        # On stop, the lane finishes what the reader already handed it.
        while not (self.intake_stopping.is_set() and lane.empty()):
            try:
                entry_id, fields = lane.get(timeout=0.2)
            except queue.Empty:
                continue
            self.process_inbox_entry(fields)
            self.inbox.ack(entry_id)

    def _events_loop(self, consumer: str) -> None:
        while not self.intake_stopping.is_set():
            for entry_id, fields in read_group(self.redis, self.streams.events, protocol.WORKER_GROUP, consumer, 20, 500):
                self.process_agent_event(entry_id, protocol.decode(fields))
                self.redis.xack(self.streams.events, protocol.WORKER_GROUP, entry_id)

    def _sender_loop(self) -> None:
        while not self.stopping.is_set():
            people = self.outbox.due()
            if not people:
                self.replies_waiting.wait(0.2)
                self.replies_waiting.clear()
                continue
            for person_id in people:
                self.sender.send_replies(person_id)

    def _housekeeping_loop(self, consumer: str) -> None:
        while not self.intake_stopping.wait(HOUSEKEEPING_SECONDS):
            self.housekeeping.run_once(consumer)

    # One entry ---------------------------------------------------------------------
    def process_inbox_entry(self, fields: dict) -> None:
        key = fields.get("key", "")
        if self.redis.exists(self._done_key(key)):
            return  # a redelivery of finished work
        try:
            command = self.incoming.command(fields)
            if command is None:
                self.redis.set(self._done_key(key), "1", ex=self.settings.dedupe_ttl_seconds)
                return
            self.executor.execute(command, done_key=self._done_key(key))
        except FAILURES as exc:
            self._after_failure(fields, decide(exc, int(fields.get("attempt") or 0), self.settings, "event"))

    def _after_failure(self, fields: dict, decision) -> None:
        key = fields.get("key")
        if decision.step == PARK:
            self.retries.schedule(fields, decision.due)  # parked; not an attempt
        elif decision.step == GIVE_UP:
            self._give_up(fields, decision.reason)
        elif decision.step == DEAD_LETTER:
            self.retries.dead_letter("event", {**fields, "attempt": 0}, decision.reason)
            log.error("event dead-lettered", extra={"event_key": key, "reason": decision.reason})
        else:
            self.retries.schedule({**fields, "attempt": decision.attempt}, decision.due)
            log.warning("event retry scheduled", extra={"event_key": key, "reason": decision.reason,
                                                        "attempt": decision.attempt})

    def _give_up(self, fields: dict, reason: str) -> None:
        """A permanent failure: log it, and tell the person when we know who they are."""
        log.error("event given up", extra={"event_key": fields.get("key"), "reason": reason})
        person_id = json.loads(fields.get("data") or "{}").get("personId")
        self.redis.set(self._done_key(fields.get("key", "")), "1", ex=self.settings.dedupe_ttl_seconds)
        if person_id:
            sorry = Reply(CardMessage(f"Sorry, I couldn't read your last message ({reason}). Please send it again."),
                          to_person_id=person_id)
            with self.redis.pipeline(transaction=True) as pipe:
                self.outbox.queue(pipe, person_id, [sorry])
                pipe.execute()
            self.replies_waiting.set()

    def _done_key(self, event_key: str) -> str:
        return self.settings.key("done", event_key)

    def process_agent_event(self, entry_id: str, event: dict) -> None:
        person_id = event.get("person_id")
        if not isinstance(person_id, str) or not person_id:
            log.warning("agent event without a person", extra={"event_type": event.get("type")})
            return
        # Agent news goes to the person directly: it may carry personal details.
        origin = c.Origin(person_id=person_id, event_key=f"agent:{entry_id}")
        self.executor.execute(c.AgentEvent(origin=origin, event=event), done_key=self._done_key(f"agent-event:{entry_id}"))


def _person_of(fields: dict) -> str:
    try:
        return str(json.loads(fields.get("data") or "{}").get("personId", ""))
    except ValueError:
        return ""
