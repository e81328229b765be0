"""Workers: read the inbox and the agents' events, run handlers, store and perform their effects.

Each loop runs in its own thread; any number of worker processes share one Redis.
  inbox reader    hands each entry to a lane chosen by the person, so one person's events
                  are handled one at a time, in the order they arrived
  lanes           an entry → command → handler → one transaction: session, agent commands,
                  replies queued, event marked done; then the entry is acknowledged
  events loop     meeting-agent events, the same way
  senders         post each person's queued replies in order (bot/outbox.py)
  housekeeping    agent deadlines, vanished agents, due retries, entries of dead workers
"""
from __future__ import annotations

import dataclasses
import functools
import json
import logging
import queue
import threading
import time
import uuid

import redis

from bot import agent_protocol as protocol
from bot import commands as c
from bot.agents import AgentRegistry
from bot.config import Settings
from bot.audit import AuditLog, describe
from bot.card_tokens import sign_card
from bot.dialout_limits import DialOutLimits
from bot.effects import Audit, CountPhoneAudio, ExtendDeadline, Reply, SaveSession, SendToAgent
from bot.handlers import handle
from bot.inbox import GROUP as INBOX_GROUP
from bot.inbox import Inbox, ensure_group, read_group
from bot.incoming import Incoming
from bot.loops import start_thread
from bot.metrics import DEAD_LETTERS, PHONE_AUDIO, PROCESSING_SECONDS, REPLIES, RETRIES
from bot.middleware import mark_age, mark_agents, needs_agent_status, verify_card
from bot.outbox import Outbox
from bot.phone_numbers import mask
from bot.endpoint_pauses import EndpointPauses
from bot.retries import Retries, backoff_seconds
from bot.session import Session
from bot.session_store import AlreadyDone, Conflict, SessionStore
from bot.webex_client import TRANSIENT_ERRORS, ApiError, Paused, WebexClient, is_permanent
from cards import CardMessage

log = logging.getLogger(__name__)
MAX_CONFLICT_RETRIES = 50
DEADLINE_GRACE_SECONDS = 1.0  # the agent reports its own expiry first, when it is alive
HOUSEKEEPING_SECONDS = 0.25
LANE_DEPTH = 4
FLUSH_SECONDS = 10.0  # on stop, how long senders may keep posting what is due


class Worker:
    def __init__(self, settings: Settings, client: redis.Redis, webex: WebexClient, incoming: Incoming,
                 card_key: bytes):
        self.settings = settings
        self.card_key = card_key
        self.audit = AuditLog(client, settings)
        self.dialout_limits = DialOutLimits(client, settings)
        self.redis = client
        self.webex = webex
        self.incoming = incoming
        self.inbox = Inbox(client, settings)
        self.sessions = SessionStore(client, settings)
        self.outbox = Outbox(client, settings)
        self.retries = Retries(client, settings)
        self.agents = AgentRegistry(client, settings)
        self.pauses = EndpointPauses(client, settings)
        self.streams = protocol.Streams(settings)
        self.name = f"worker-{uuid.uuid4().hex[:8]}"
        self.intake_stopping = threading.Event()  # no new events; finish the one in hand
        self.stopping = threading.Event()  # senders too: every queued reply has been tried
        self.replies_waiting = threading.Event()  # wakes the senders as soon as replies are queued
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
            self.sender_threads.append(start_thread(functools.partial(self._sender_loop, consumer), self.stopping, consumer))
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

    def _sender_loop(self, consumer: str) -> None:
        while not self.stopping.is_set():
            people = self.outbox.due()
            if not people:
                self.replies_waiting.wait(0.2)
                self.replies_waiting.clear()
                continue
            for person_id in people:
                self.send_replies(person_id)

    def _housekeeping_loop(self, consumer: str) -> None:
        last_claim = 0.0
        while not self.intake_stopping.wait(HOUSEKEEPING_SECONDS):
            self._expire_deadlines()
            self._sweep_vanished_agents()
            self.retries.release_due()
            if time.monotonic() - last_claim > min(self.settings.claim_idle_seconds / 2, 5):
                self._claim_abandoned(consumer)
                last_claim = time.monotonic()

    # Inbox -------------------------------------------------------------------------
    def process_inbox_entry(self, fields: dict) -> None:
        key = fields.get("key", "")
        attempt = int(fields.get("attempt") or 0)
        if self.redis.exists(self._done_key(key)):
            return  # a redelivery of finished work
        try:
            command = self.incoming.command(fields)
            if command is None:
                self.redis.set(self._done_key(key), "1", ex=self.settings.dedupe_ttl_seconds)
                return
            self.execute(command, done_key=self._done_key(key))
        except Paused as paused:
            RETRIES.labels("rate_limited").inc()
            self.retries.schedule(fields, paused.until)  # parked; not an attempt
        except ApiError as exc:
            if is_permanent(exc):
                self._give_up(fields, f"Webex answered {exc.status_code}")
            else:
                self._retry_later(fields, attempt, f"Webex answered {exc.status_code}")
        except TRANSIENT_ERRORS as exc:
            self._retry_later(fields, attempt, type(exc).__name__)

    def _retry_later(self, fields: dict, attempt: int, reason: str) -> None:
        attempt += 1
        if attempt >= self.settings.max_attempts:
            DEAD_LETTERS.labels("event").inc()
            self.retries.dead_letter("event", {**fields, "attempt": 0}, reason)
            log.error("event dead-lettered", extra={"event_key": fields.get("key"), "reason": reason})
            return
        RETRIES.labels("transient").inc()
        delay = backoff_seconds(attempt, self.settings.retry_base_seconds, self.settings.retry_cap_seconds)
        self.retries.schedule({**fields, "attempt": attempt}, time.time() + delay)
        log.warning("event retry scheduled", extra={"event_key": fields.get("key"), "reason": reason,
                                                    "attempt": attempt, "delay": delay})

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

    # Agent events and housekeeping -------------------------------------------------
    def process_agent_event(self, entry_id: str, event: dict) -> None:
        person_id = event.get("person_id")
        if not isinstance(person_id, str) or not person_id:
            log.warning("agent event without a person", extra={"event_type": event.get("type")})
            return
        # Agent news goes to the person directly: it may carry personal details.
        origin = c.Origin(person_id=person_id, event_key=f"agent:{entry_id}")
        self.execute(c.AgentEvent(origin=origin, event=event), done_key=self._done_key(f"agent-event:{entry_id}"))

    def _expire_deadlines(self) -> None:
        for member in self.redis.zrangebyscore(self.streams.deadlines, "-inf", time.time(), start=0, num=50):
            if self.redis.zrem(self.streams.deadlines, member):  # only one worker wins each
                due = json.loads(member)
                self.execute(c.AgentTimeout(origin=c.Origin(person_id=due["person_id"]), command_id=due["command_id"]))

    def _sweep_vanished_agents(self) -> None:
        for agent in self.agents.status()[1]:
            for person_id in self.agents.take_served(agent):
                log.warning("meeting agent vanished", extra={"agent": agent, "person_id": person_id})
                self.execute(c.AgentGone(origin=c.Origin(person_id=person_id), agent=agent))

    def _claim_abandoned(self, consumer: str) -> None:
        """Entries a dead worker read but never acknowledged: finish them here (XAUTOCLAIM)."""
        idle_ms = int(self.settings.claim_idle_seconds * 1000)
        for stream, group in ((self.inbox.stream, INBOX_GROUP), (self.streams.events, protocol.WORKER_GROUP)):
            _, entries, *_ = self.redis.xautoclaim(stream, group, consumer, idle_ms, "0-0", count=10)
            for entry_id, fields in entries:
                if fields is None:
                    continue  # trimmed away meanwhile
                log.warning("claimed abandoned entry", extra={"stream": stream, "entry": entry_id})
                if stream == self.inbox.stream:
                    self.process_inbox_entry(fields)
                else:
                    self.process_agent_event(entry_id, protocol.decode(fields))
                self.redis.xack(stream, group, entry_id)

    # One command -------------------------------------------------------------------
    def execute(self, command: c.Command, done_key: str | None = None) -> None:
        """Run the handler against the current session until its effects commit in one transaction."""
        command = self.prepare(command)
        person_id = command.origin.person_id
        for _ in range(MAX_CONFLICT_RETRIES):
            before = self.sessions.load(person_id)
            effects = handle(command, before)
            saves = [e.session for e in effects if isinstance(e, SaveSession)]
            after = saves[-1] if saves else None
            try:
                self.sessions.commit(before, after,
                                     also=functools.partial(self._store_effects, command.origin, before, after, effects),
                                     done_key=done_key)
                break
            except Conflict:
                continue
            except AlreadyDone:
                return
        else:
            log.error("session kept changing; gave up", extra={"person_id": person_id})
            return
        self._count(effects, command)
        if any(isinstance(effect, Reply) for effect in effects):
            self.replies_waiting.set()

    def prepare(self, command: c.Command) -> c.Command:
        """The middleware chain: facts the pure handler needs, looked up here."""
        now = time.time()
        command = mark_age(command, now, self.settings.late_reply_seconds, self.settings.dialout_max_age_seconds)
        command = verify_card(command, self.card_key, now)
        if needs_agent_status(command):
            command = mark_agents(command, self.agents.any_alive())
        if isinstance(command, c.DialOut) and command.number and command.origin.agents_available:
            rule = self.dialout_limits.take(command.origin.person_id, command.origin.org_id, command.origin.event_key)
            if rule:
                command = c.RateLimitedDialOut(origin=command.origin, number=command.number, rule=rule)
        if isinstance(command, c.AuditQuery) and command.origin.is_admin:
            entries = self.audit.read(command.person_email or None, limit=20)
            command = dataclasses.replace(command, entries=tuple(describe(entry) for entry in entries))
        return command

    def _store_effects(self, origin: c.Origin, before: Session, after: Session | None, effects: list, pipe) -> None:
        """Queued inside the session's transaction."""
        current = after or before
        for effect in effects:
            if isinstance(effect, SendToAgent):
                self._queue_agent_command(pipe, effect)
            elif isinstance(effect, ExtendDeadline):
                due = json.dumps({"command_id": effect.command_id, "person_id": effect.person_id})
                pipe.zadd(self.streams.deadlines, {due: time.time() + effect.seconds}, xx=True)
            elif isinstance(effect, Audit):
                self.audit.append(pipe, {"person_id": current.person_id,
                                         "person_email": origin.person_email or current.person_email,
                                         "org_id": origin.org_id, "outcome": effect.outcome, "rule": effect.rule,
                                         "number": effect.number, "meeting": effect.meeting,
                                         "event": origin.event_key})
        replies = [self._signed(effect, current) for effect in effects if isinstance(effect, Reply)]
        self.outbox.queue(pipe, before.person_id, replies)
        if after is not None and after.agent:
            if after.phone_active or after.pending_op:
                self.agents.serving(pipe, after.agent, after.person_id)
            else:
                self.agents.release(pipe, after.agent, after.person_id)

    def _signed(self, reply: Reply, session: Session) -> Reply:
        """Every button gets a token for what it acts on now: this meeting, this call."""
        if not reply.message.card:
            return reply
        expires = int(time.time() + self.settings.card_ttl_seconds)
        card = sign_card(reply.message.card, self.card_key, session.person_id, session.meeting_ref, session.call_id,
                         expires)
        return dataclasses.replace(reply, message=dataclasses.replace(reply.message, card=card))

    def _queue_agent_command(self, pipe, command: SendToAgent) -> None:
        deadline = time.time() + self.settings.agent_command_timeout_seconds
        message = {"id": command.command_id, "op": command.op, "person_id": command.person_id,
                   "display_name": f"{command.display_name or 'Guest'} (phone)", "meeting": command.meeting,
                   "phone_number": command.phone_number, "deadline": deadline}
        pipe.xadd(self.streams.commands, protocol.encode(message), maxlen=100_000, approximate=True)
        due = json.dumps({"command_id": command.command_id, "person_id": command.person_id})
        pipe.zadd(self.streams.deadlines, {due: deadline + DEADLINE_GRACE_SECONDS})
        log.info("phone-audio command", extra={"op": command.op, "person_id": command.person_id,
                                               "number": mask(command.phone_number)})

    def _count(self, effects: list, command: c.Command) -> None:
        for effect in effects:
            if isinstance(effect, CountPhoneAudio):
                PHONE_AUDIO.labels(effect.op, effect.outcome).inc()
        if command.origin.received_at:
            PROCESSING_SECONDS.observe(max(time.time() - command.origin.received_at, 0))

    # Replies -----------------------------------------------------------------------
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
        except Paused as paused:
            RETRIES.labels("rate_limited").inc()
            self.outbox.park(person_id, paused.until)
            return False
        except ApiError as exc:
            if is_permanent(exc):
                log.error("reply refused by Webex", extra={"person_id": person_id, "status": exc.status_code})
                DEAD_LETTERS.labels("reply").inc()
                self.retries.dead_letter("reply", _reply_payload(person_id, reply), f"Webex answered {exc.status_code}")
                return True
            reason = f"Webex answered {exc.status_code}"
        except TRANSIENT_ERRORS as exc:
            reason = type(exc).__name__
        attempt += 1
        if attempt >= self.settings.max_attempts:
            DEAD_LETTERS.labels("reply").inc()
            self.retries.dead_letter("reply", _reply_payload(person_id, reply), reason)
            log.error("reply dead-lettered", extra={"person_id": person_id, "reason": reason})
            return True
        RETRIES.labels("transient").inc()
        delay = backoff_seconds(attempt, self.settings.retry_base_seconds, self.settings.retry_cap_seconds)
        self.outbox.retry_head(person_id, attempt, time.time() + delay)
        return False


def _person_of(fields: dict) -> str:
    try:
        return str(json.loads(fields.get("data") or "{}").get("personId", ""))
    except ValueError:
        return ""


def _reply_payload(person_id: str, reply: Reply) -> dict:
    return {"person_id": person_id, "markdown": reply.message.markdown, "card": reply.message.card,
            "room_id": reply.room_id, "to_person_id": reply.to_person_id}
