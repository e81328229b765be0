"""Workers: read the inbox and the agents' events, run handlers, perform their effects.

Each loop runs in its own thread; any number of worker processes can share one Redis.
"""
from __future__ import annotations

import functools
import json
import logging
import threading
import time
import uuid

import redis

from bot import agent_protocol as protocol
from bot import commands as c
from bot.config import Settings
from bot.effects import Reply, SaveSession, SendToAgent
from bot.handlers import handle
from bot.inbox import Inbox, ensure_group, read_group
from bot.incoming import Incoming
from bot.loops import start_thread
from bot.session_store import Conflict, SessionStore
from bot.webex_client import ApiError, WebexClient

log = logging.getLogger(__name__)
MAX_CONFLICT_RETRIES = 50
MAX_ATTEMPTS = 3
DEADLINE_GRACE_SECONDS = 1.0  # the agent reports its own expiry first, when it is alive


class Worker:
    def __init__(self, settings: Settings, client: redis.Redis, webex: WebexClient, incoming: Incoming):
        self.settings = settings
        self.redis = client
        self.webex = webex
        self.incoming = incoming
        self.inbox = Inbox(client, settings)
        self.sessions = SessionStore(client, settings)
        self.streams = protocol.Streams(settings)
        self.name = f"worker-{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    # Lifecycle ---------------------------------------------------------------------
    def start(self, inbox_threads: int | None = None) -> "Worker":
        self.inbox.ensure_group()
        ensure_group(self.redis, self.streams.events, protocol.WORKER_GROUP)
        loops = {f"{self.name}-inbox-{i}": self._inbox_loop for i in range(inbox_threads or self.settings.worker_threads)}
        loops.update({f"{self.name}-events": self._events_loop, f"{self.name}-deadlines": self._deadlines_loop})
        for consumer, loop in loops.items():
            self.threads.append(start_thread(functools.partial(loop, consumer), self.stopping, consumer))
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout)

    # Loops -------------------------------------------------------------------------
    def _inbox_loop(self, consumer: str) -> None:
        while not self.stopping.is_set():
            for entry_id, fields in self.inbox.read(consumer, count=10, block_ms=500):
                self.process_inbox_entry(fields)
                self.inbox.ack(entry_id)

    def _events_loop(self, consumer: str) -> None:
        while not self.stopping.is_set():
            entries = read_group(self.redis, self.streams.events, protocol.WORKER_GROUP, consumer, 20, 500)
            for entry_id, fields in entries:
                self.process_agent_event(protocol.decode(fields))
                self.redis.xack(self.streams.events, protocol.WORKER_GROUP, entry_id)

    def _deadlines_loop(self, consumer: str) -> None:
        while not self.stopping.wait(0.25):
            for member in self.redis.zrangebyscore(self.streams.deadlines, "-inf", time.time(), start=0, num=50):
                if self.redis.zrem(self.streams.deadlines, member):  # only one worker wins each
                    due = json.loads(member)
                    self.execute(c.AgentTimeout(origin=c.Origin(person_id=due["person_id"]),
                                                command_id=due["command_id"]))

    # One unit of work --------------------------------------------------------------
    def process_inbox_entry(self, fields: dict) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                command = self.incoming.command(fields)
                if command is not None:
                    self.execute(command)
                return
            except ApiError as exc:
                permanent = 400 <= exc.status_code < 500 and exc.status_code != 429
                log.warning("webex call failed", extra={"event_key": fields.get("key"), "status": exc.status_code,
                                                        "attempt": attempt})
                if permanent or attempt == MAX_ATTEMPTS:
                    return
                self.stopping.wait(0.2 * 2 ** attempt)

    def process_agent_event(self, event: dict) -> None:
        person_id = event.get("person_id")
        if not isinstance(person_id, str) or not person_id:
            log.warning("agent event without a person", extra={"event_type": event.get("type")})
            return
        # Agent news goes to the person directly: it may carry personal details.
        self.execute(c.AgentEvent(origin=c.Origin(person_id=person_id, event_key=f"agent:{event.get('command_id')}"),
                                  event=event))

    def execute(self, command: c.Command) -> None:
        """Run the handler against the current session until its changes commit, then reply."""
        person_id = command.origin.person_id
        for _ in range(MAX_CONFLICT_RETRIES):
            before = self.sessions.load(person_id)
            effects = handle(command, before)
            saves = [e.session for e in effects if isinstance(e, SaveSession)]
            to_agent = [e for e in effects if isinstance(e, SendToAgent)]
            try:
                self.sessions.commit(before, saves[-1] if saves else None,
                                     also=lambda pipe: self._queue_agent_commands(pipe, to_agent))
                break
            except Conflict:
                continue
        else:
            log.error("session kept changing; gave up", extra={"person_id": person_id})
            return
        for effect in effects:
            if isinstance(effect, Reply):
                self.webex.post(effect.message, room_id=effect.room_id, to_person_id=effect.to_person_id)

    def _queue_agent_commands(self, pipe, commands: list[SendToAgent]) -> None:
        for command in commands:
            deadline = time.time() + self.settings.agent_command_timeout_seconds
            message = {"id": command.command_id, "op": command.op, "person_id": command.person_id,
                       "display_name": f"{command.display_name or 'Guest'} (phone)", "meeting": command.meeting,
                       "phone_number": command.phone_number, "deadline": deadline}
            pipe.xadd(self.streams.commands, protocol.encode(message), maxlen=100_000, approximate=True)
            due = json.dumps({"command_id": command.command_id, "person_id": command.person_id})
            pipe.zadd(self.streams.deadlines, {due: deadline + DEADLINE_GRACE_SECONDS})
