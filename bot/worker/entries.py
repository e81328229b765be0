"""One stream entry, start to end, in its person's lane: an inbox event or an agent event.

  inbox event   Incoming (pure, with stand-ins) says what it needs from Webex; the first fetch
                runs alongside the read of the event's state (done mark, session, caches,
                agents: one round trip); the command goes to the executor, whose one write
                also acknowledges the entry; the replies are posted at once by the sender.
  agent event   the same from the executor on.
A Webex failure goes to failure_policy.py (park, retry, dead letter, give up), acknowledged
in the same round trip as its record.
"""
from __future__ import annotations

import asyncio
import json
import logging

import redis

from bot.conversation import commands as c
from bot.conversation.effects import Reply
from bot.meeting import protocol
from bot.stores.directory import CACHE_SECONDS
from bot.stores.redis_connection import on_redis_error
from bot.streams.inbox import GROUP
from bot.streams.retries import Retries
from bot.webex.messages import CardMessage
from bot.worker import prefetch
from bot.worker.executor import Committed
from bot.worker.failure_policy import DEAD_LETTER, FAILURES, GIVE_UP, PARK, decide

log = logging.getLogger(__name__)
FIRST_PAUSE_SECONDS, MAX_PAUSE_SECONDS = 0.2, 5.0


class Entries:
    def __init__(self, worker, retries: Retries):
        self.worker = worker
        self.settings = worker.settings
        self.retries = retries
        self.early: dict[str, tuple[prefetch.NeedFetch, asyncio.Task]] = {}  # entry → its first fetch, started

    def fetch_early(self, entry_id: str, fields: dict) -> None:
        """Start an entry's first Webex fetch while it waits behind its person's earlier events, so a
        person's events are fetched side by side and only handled and answered one at a time."""
        token = prefetch.begin()
        try:
            self.worker.incoming.command(fields)
        except prefetch.NeedFetch as need:
            task = asyncio.get_running_loop().create_task(self._fetch(need))
            task.add_done_callback(_retrieved)
            self.early[entry_id] = (need, task)
        except Exception:  # noqa: BLE001 - the lane meets it again, and decides
            pass
        finally:
            prefetch.end(token)

    def forget_early(self) -> None:
        for _, task in self.early.values():
            task.cancel()
        self.early.clear()

    def _first_fetch(self, entry_id: str, need: prefetch.NeedFetch):
        early = self.early.pop(entry_id, None)
        if early is not None and (early[0].name, early[0].args) == (need.name, need.args):
            return early[1]
        if early is not None:
            early[1].cancel()
        return self._fetch(need)

    async def until_redis_answers(self, job) -> None:
        """Run a lane's job; while Redis is away, run it again after a growing pause (every step
        is safe to repeat: the done mark, the compare-and-set, the outbox lock's token)."""
        pause = FIRST_PAUSE_SECONDS
        while True:
            try:
                return await job()
            except redis.ResponseError:
                raise  # Redis answered, with an error: a bug, not an outage (the entry is claimed again later)
            except redis.RedisError as exc:
                if self.worker.stopping.is_set() and pause >= MAX_PAUSE_SECONDS:
                    return  # left unacknowledged: another worker claims it
                log.warning("redis unavailable, retrying entry", extra={"error": str(exc), "pause": pause})
                await on_redis_error(self.settings, exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_SECONDS)

    def _done_key(self, event_key: str) -> str:
        return self.settings.key("done", event_key)

    async def send(self, committed: Committed | None, person_id: str = "") -> None:
        worker = self.worker
        if committed is None:
            held = worker.executor.tokens.pop(person_id, "")
            if held:  # a write whose answer was lost took the outbox: post what it queued
                await worker.sender.drain(person_id, held)
            return
        if committed.owner:
            await worker.sender.send(committed.person_id, committed.replies if committed.owner == 1 else None,
                                     committed.token)

    async def inbox_entry(self, entry_id: str, fields: dict) -> None:
        worker, settings = self.worker, self.settings
        key = fields.get("key", "")
        done_key = self._done_key(key)
        ack = (worker.inbox_stream, GROUP, entry_id)
        data = json.loads(fields.get("data") or "{}")
        person_id = str(data.get("personId", ""))
        token = prefetch.begin()
        try:
            loaded = None
            while True:
                try:
                    command = worker.incoming.command(fields)
                    break
                except prefetch.NeedFetch as need:
                    if loaded is None:  # the first fact and the event's state, at the same time
                        loaded, fact = await asyncio.gather(
                            worker.executor.state.load(person_id, done_key, settings.key("person", person_id),
                                                       settings.key("room", data["roomId"])
                                                       if data.get("roomId") and fields.get("resource") == "attachmentActions"
                                                       else ""),
                            self._first_fetch(entry_id, need), return_exceptions=True)
                        if isinstance(loaded, BaseException):
                            raise loaded
                        if loaded.done:
                            await worker.aredis.xack(*ack)
                            return await self.send(None, person_id)
                        if isinstance(fact, BaseException):
                            raise fact
                        if loaded.person:
                            prefetch.facts()[("directory.person", (person_id,))] = loaded.person
                        if loaded.room:  # card presses: the room's type
                            prefetch.facts()[("directory.room", (data["roomId"],))] = loaded.room
                    else:
                        fact = await self._fetch(need)
                    prefetch.facts()[(need.name, need.args)] = fact
        except FAILURES as exc:
            return await self._after_failure(fields, decide(exc, int(fields.get("attempt") or 0), settings, "event"),
                                             ack, person_id)
        finally:
            prefetch.end(token)
        if command is None:
            await worker.aredis.xack(*ack)  # ours, another bot's, or not for us: nothing to do
            return
        committed = await worker.executor.execute(command, loaded, done_key=done_key, ack=ack)
        await self.send(committed, command.origin.person_id)

    async def _fetch(self, need: prefetch.NeedFetch):
        worker = self.worker
        if need.name.startswith("space_meetings."):  # group spaces only: the space's own meeting
            return await asyncio.to_thread(getattr(worker.space_meetings_sync, need.name.split(".", 1)[1]), *need.args)
        if need.name.startswith("directory."):
            kind = need.name.split(".", 1)[1]
            if not hasattr(worker.webex, kind):  # a lookup the hot path does not know: the synchronous one
                return await asyncio.to_thread(getattr(worker.directory_sync, kind), *need.args)
            value = await getattr(worker.webex, kind)(*need.args)
            await worker.aredis.set(self.settings.key(kind, *need.args), json.dumps(value), ex=CACHE_SECONDS)
            return value
        method = getattr(worker.webex, need.name, None)
        if method is not None:
            return await method(*need.args)
        return await asyncio.to_thread(getattr(worker.webex_sync, need.name), *need.args)  # off the hot path

    async def _after_failure(self, fields: dict, decision, ack: tuple, person_id: str) -> None:
        key = fields.get("key")
        worker = self.worker
        queued = False
        async with worker.aredis.pipeline(transaction=True) as pipe:
            if decision.step == PARK:
                self.retries.schedule(fields, decision.due, pipe=pipe)  # parked; not an attempt
            elif decision.step == GIVE_UP:
                log.error("event given up", extra={"event_key": key, "reason": decision.reason})
                pipe.set(self._done_key(key or ""), "1", ex=self.settings.dedupe_ttl_seconds)
                if person_id:
                    worker.executor.outbox.queue(pipe, person_id, [sorry(person_id, decision.reason)])
                    queued = True
            elif decision.step == DEAD_LETTER:
                self.retries.stage_dead_letter(pipe, "event", {**fields, "attempt": 0}, decision.reason)
                log.error("event dead-lettered", extra={"event_key": key, "reason": decision.reason})
            else:
                self.retries.schedule({**fields, "attempt": decision.attempt}, decision.due, pipe=pipe)
                log.warning("event retry scheduled", extra={"event_key": key, "reason": decision.reason,
                                                            "attempt": decision.attempt})
            pipe.xack(*ack)
            await pipe.execute()
        if decision.due:  # parked or retried: released from the retry set then
            worker.wake_housekeeping_at(decision.due)
        if queued:
            await worker.sender.drain(person_id)

    async def agent_event(self, entry_id: str, event: dict) -> None:
        worker = self.worker
        ack = (worker.streams.events, protocol.WORKER_GROUP, entry_id)
        person_id = event.get("person_id")
        if not isinstance(person_id, str) or not person_id:
            log.warning("agent event without a person", extra={"event_type": event.get("type")})
            await worker.aredis.xack(*ack)
            return
        # Agent news goes to the person directly: it may carry personal details.
        origin = c.Origin(person_id=person_id, event_key=f"agent:{entry_id}")
        done_key = self._done_key(f"agent-event:{entry_id}")
        loaded = await worker.executor.state.load(person_id, done_key)
        if loaded.done:
            await worker.aredis.xack(*ack)
            return await self.send(None, person_id)
        committed = await worker.executor.execute(c.AgentEvent(origin=origin, event=event), loaded,
                                                  done_key=done_key, ack=ack)
        await self.send(committed, person_id)


def _retrieved(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()  # its lane re-raises it; this only keeps asyncio from calling it unretrieved


def sorry(person_id: str, reason: str) -> Reply:
    return Reply(CardMessage(f"Sorry, I couldn't read your last message ({reason}). Please send it again."),
                 to_person_id=person_id)
