"""The worker process: reads the inbox and the agents' events, hands them to lanes, posts replies.

One asyncio loop in one thread, so hundreds of events are in flight at once (WORKER_CONCURRENCY)
while each person's events are handled one at a time, in the order they arrived:
  reader        one XREADGROUP over the inbox and the agents' events, blocking while idle;
                reads only as many as there is room for (bounded batches)
  lanes         per person: entry → fetch (bot/webex/async_client.py) → Command (incoming.py)
                → executor (handler, one Redis step that also acks) → sender (post the replies)
  housekeeping  agent deadlines, vanished agents, due retries and replies, entries of dead workers
  pauses        the endpoint pauses of every process, kept in memory from pub/sub

Per event, from delivery to reply posted: the read (shared by a batch), one read of the event's
state, one write of its effects, one settle of the outbox after posting.
What to do when Webex fails is failure_policy.py; what effects do is effects.py.
"""
from __future__ import annotations

import asyncio
import collections
import json
import logging
import threading
import time
import uuid

import redis
import redis.asyncio

from bot.config import Settings
from bot.conversation import commands as c
from bot.meeting import protocol
from bot.stores.endpoint_pauses import AsyncPauses
from bot.stores.event_state import EventState
from bot.stores.redis_connection import async_twin, on_redis_error
from bot.streams.groups import ensure_group
from bot.streams.inbox import GROUP, Inbox
from bot.streams.outbox import AsyncOutbox
from bot.streams.retries import Retries
from bot.webex.async_client import AsyncWebex
from bot.webex.client import WebexClient
from bot.webex.incoming import Incoming
from bot.worker import prefetch
from bot.worker.entries import Entries
from bot.worker.executor import Executor
from bot.worker.housekeeping import Housekeeping
from bot.worker.sender import Sender

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 1.0
READ_BLOCK_MS = 2000
READ_BATCH = 100
FIRST_PAUSE_SECONDS, MAX_PAUSE_SECONDS = 0.2, 5.0


class Worker:
    def __init__(self, settings: Settings, client: redis.Redis, webex: WebexClient, incoming: Incoming,
                 card_key: bytes, access_token: str = ""):
        self.settings = settings
        self.redis = client
        self.webex_sync = webex
        self.directory_sync = incoming.directory  # for facts the async client has no call for
        self.space_meetings_sync = incoming.space_meetings
        self.incoming = Incoming(prefetch.PrefetchedWebex(), prefetch.PrefetchedDirectory(), incoming.bot, settings,
                                 prefetch.PrefetchedSpaceMeetings())
        self.card_key = card_key
        self.access_token = access_token
        self.name = f"worker-{uuid.uuid4().hex[:8]}"
        self.streams = protocol.Streams(settings)
        self.inbox_stream = Inbox(client, settings).stream
        self.thread: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.started = threading.Event()
        self.lanes: dict[str, collections.deque] = {}
        self.in_flight = 0
        self.room = None  # asyncio.Event: set while there is room for more events

    # Lifecycle (called from other threads) ----------------------------------------------
    def ensure_groups(self) -> None:
        ensure_group(self.redis, self.inbox_stream, GROUP)
        ensure_group(self.redis, self.streams.events, protocol.WORKER_GROUP)

    def start(self) -> "Worker":
        self.ensure_groups()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), name=self.name, daemon=True)
        self.thread.start()
        self.started.wait(10)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM: take no new events, finish the ones in hand and post their replies, then exit.
        Whatever is left (a reply parked by a rate limit) stays queued for other workers."""
        if self.loop is not None and self.thread is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.stopping.set)
            self.thread.join(timeout)

    # The loop ---------------------------------------------------------------------------
    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.room = asyncio.Event()
        self.room.set()
        settings = self.settings
        self.aredis = async_twin(self.redis)
        self.reader = redis.asyncio.Redis(connection_pool=self.aredis.connection_pool, single_connection_client=True)
        self.reader_id: int | None = None
        self.pauses = AsyncPauses(self.aredis, settings)
        self.webex = AsyncWebex(settings, self.access_token or self.webex_sync.token, self.pauses)
        await self.webex.start()
        self.outbox = AsyncOutbox(self.aredis, settings)
        retries = Retries(self.redis, settings)
        self.executor = Executor(settings, self.redis, EventState(self.aredis, settings), self.card_key)
        self.sender = Sender(settings, self.webex, self.outbox, retries, self.aredis, self.wake_at)
        self.entries = Entries(self, retries)
        self.housekeeping = Housekeeping(settings, self.aredis, self.outbox, self._execute_in_lane,
                                         self._drain_in_lane, self.dispatch_entry)
        self.wake = asyncio.Event()
        intake = [asyncio.create_task(self._forever(loop, name)) for name, loop in
                  (("reader", self._read_once), ("housekeeping", self._housekeeping_once))]
        listener = asyncio.create_task(self._forever(self.pauses.listen, "pauses"))
        self.started.set()
        await self.stopping.wait()
        # The reader and housekeeping end after the step in hand; the reader's blocking read is ended by
        # CLIENT UNBLOCK (cancelling a read while Redis blocks it could leave the task hanging in redis-py).
        self.wake.set()  # housekeeping: out of its wait
        await self._unblock_reader()
        _, late = await asyncio.wait(intake, timeout=READ_BLOCK_MS / 1000 + 2)
        for task in late:
            task.cancel()
        while self.lanes:  # finish the events in hand, and post their replies
            await asyncio.sleep(0.02)
        self.entries.forget_early()
        await self._hand_back()
        listener.cancel()
        await asyncio.wait([listener], timeout=2)
        await self.webex.close()
        await self.reader.aclose()
        await self.aredis.aclose()

    async def _unblock_reader(self) -> None:
        if self.reader_id is not None:
            try:
                await self.aredis.client_unblock(self.reader_id)
            except redis.RedisError:
                pass  # the read ends by itself within READ_BLOCK_MS

    async def _hand_back(self) -> None:
        """Entries read for this worker but never handled (read as it stopped): marked
        long idle, so the next worker claims them at once rather than after claim_idle_seconds."""
        idle_ms = int(self.settings.claim_idle_seconds * 1000) + 1
        try:
            for stream, group in ((self.inbox_stream, GROUP), (self.streams.events, protocol.WORKER_GROUP)):
                pending = await self.aredis.xpending_range(stream, group, "-", "+", 1000, consumername=self.name)
                ids = [entry["message_id"] for entry in pending]
                if ids:
                    await self.aredis.xclaim(stream, group, self.name, 0, ids, idle=idle_ms, justid=True)
                    log.info("handed back unhandled entries", extra={"stream": stream, "count": len(ids)})
        except redis.RedisError as exc:  # they are claimed after claim_idle_seconds instead
            log.warning("could not hand back entries", extra={"error": str(exc)})

    async def _forever(self, once, name: str) -> None:
        """Run `once` again and again; after a failure, again after a growing pause."""
        pause = FIRST_PAUSE_SECONDS
        while not self.stopping.is_set():
            try:
                await once()
                pause = FIRST_PAUSE_SECONDS
                continue
            except asyncio.CancelledError:
                raise
            except redis.RedisError as exc:
                log.warning("redis unavailable, retrying", extra={"error": str(exc), "loop": name, "pause": pause})
                await on_redis_error(self.settings, exc)
            except Exception:  # noqa: BLE001 - a loop must outlive one bad entry
                log.exception("loop failed", extra={"loop": name})
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)

    async def _read_once(self) -> None:
        await self.room.wait()
        count = max(min(READ_BATCH, self.settings.worker_concurrency - self.in_flight), 1)
        try:
            if self.reader_id is None:  # its own connection, so a stop can unblock it
                self.reader_id = await self.reader.client_id()
            read = await self.reader.xreadgroup(GROUP, self.name, {self.inbox_stream: ">", self.streams.events: ">"},
                                                count=count, block=READ_BLOCK_MS)
        except redis.RedisError:
            self.reader_id = None  # reconnected, with another id
            raise
        if self.stopping.is_set():
            return  # read after the stop: handed back (_hand_back) for the next worker
        for stream, entries in read or []:
            for entry_id, fields in entries:
                self.dispatch_entry(stream, entry_id, fields)

    async def _housekeeping_once(self) -> None:
        try:
            await asyncio.wait_for(self.wake.wait(), HOUSEKEEPING_SECONDS)
        except asyncio.TimeoutError:
            pass
        self.wake.clear()
        if not self.stopping.is_set():
            await self.housekeeping.run_once(self.name)

    # Lanes ------------------------------------------------------------------------------
    def dispatch_entry(self, stream: str, entry_id: str, fields: dict) -> None:
        if stream == self.inbox_stream:
            person_id = _person_of(fields)
            if person_id in self.lanes:  # busy with this person's earlier events: fetch meanwhile
                self.entries.fetch_early(entry_id, fields)
            self.dispatch(person_id, lambda: self.entries.inbox_entry(entry_id, fields))
        else:
            event = protocol.decode(fields)
            self.dispatch(str(event.get("person_id") or ""), lambda: self.entries.agent_event(entry_id, event))

    def dispatch(self, person_id: str, job) -> None:
        """Queue `job` (an async callable) in the person's lane; the lane runs its jobs in order."""
        lane = self.lanes.get(person_id)
        self.in_flight += 1
        if self.in_flight >= self.settings.worker_concurrency:
            self.room.clear()
        if lane is not None:
            lane.append(job)
            return
        self.lanes[person_id] = collections.deque([job])
        asyncio.get_running_loop().create_task(self._run_lane(person_id))

    async def _run_lane(self, person_id: str) -> None:
        lane = self.lanes[person_id]
        try:
            while lane:
                job = lane.popleft()
                try:
                    if not self.stopping.is_set():  # on stop: finish the one in hand; the rest stay unacknowledged
                        await self.entries.until_redis_answers(job)
                except Exception:  # noqa: BLE001 - the entry stays unacknowledged; it is claimed again later
                    log.exception("entry failed", extra={"person_id": person_id})
                finally:
                    self.in_flight -= 1
                    if self.in_flight < self.settings.worker_concurrency:
                        self.room.set()
        finally:
            del self.lanes[person_id]

    async def _execute_in_lane(self, command: c.Command) -> None:
        async def job():
            committed = await self.executor.execute(command)
            await self.entries.send(committed)

        self.dispatch(command.origin.person_id, job)

    async def _drain_in_lane(self, person_id: str) -> None:
        if person_id not in self.sender.sending and person_id not in self.lanes:
            self.dispatch(person_id, lambda: self.sender.drain(person_id))

    def wake_at(self, person_id: str, when: float) -> None:
        """Try this person's queued replies again at `when` (their pause or backoff ends)."""
        delay = max(when - time.time(), 0) + 0.01
        self.loop.call_later(delay, lambda: self.loop.create_task(self._drain_in_lane(person_id)))

    def wake_housekeeping_at(self, when: float) -> None:
        self.loop.call_later(max(when - time.time(), 0) + 0.01, self.wake.set)


def _person_of(fields: dict) -> str:
    try:
        return str(json.loads(fields.get("data") or "{}").get("personId", ""))
    except ValueError:
        return ""
