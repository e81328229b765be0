"""The meeting agent that runs the real Web Meetings SDK (MEETING_BACKEND=webex).

The SDK's meetings plugin works only in a browser, so this agent drives Debian's headless
Chromium through Playwright: one browser context and page per person (their own SDK
instance and identity, so two people are two participants), with our page script
(agent/page/agent.js) around the SDK. Python calls the page with `page.evaluate` and hears
from it through `page.expose_function("agentEmit")`. It speaks the same Redis protocol as the
simulator (bot/meeting/protocol.py): the bot side does not change.

Playwright's async API runs on one asyncio loop in a thread of its own; the Redis stream is
read by an ordinary thread that hands each command to that loop. A person's commands run one
at a time, in order; different people's run side by side.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

import redis

from bot.config import Settings
from bot.conversation.session import ACTIVE, LEFT
from bot.loops import start_thread
from bot.meeting import protocol
from bot.meeting.agent_page import CHROMIUM, CHROMIUM_ARGS, LOCAL_CLOUD_ARGS, PAGE_ORIGIN, PageNetwork, is_local
from bot.meeting.agents import HEARTBEAT_SECONDS, AgentRegistry
from bot.meeting.identities import AgentIdentity, IdentityError
from bot.streams.groups import ensure_group, read_new

log = logging.getLogger(__name__)
IDLE_CHECK_SECONDS = 15.0
START_TIMEOUT_MS = 60_000


@dataclass
class PersonPage:
    """One person's browser context, page and SDK instance."""

    person_id: str
    display_name: str
    context: object
    page: object
    last_payload: dict = field(default_factory=dict)
    last_command: str = ""
    last_active: float = field(default_factory=time.monotonic)

    @property
    def phone_active(self) -> bool:
        return any((self.last_payload.get(kind) or {}).get("status") in ACTIVE for kind in ("dialIn", "dialOut"))


class BrowserAgent:
    def __init__(self, settings: Settings, client: redis.Redis, identity: AgentIdentity,
                 page_config: dict | None = None):
        self.settings = settings
        self.discovery = settings.webex_meetings_discovery_url.rstrip("/")
        # window.phoneAgentConfig (agent/page/README.md); lobby and not-started waits follow AGENT_LOBBY_SECONDS
        wait_ms = int(settings.agent_lobby_seconds * 1000)
        self.page_config = {"lobbyTimeoutMs": wait_ms, "notStartedTimeoutMs": wait_ms, **(page_config or {})}
        self.network = PageNetwork(self.discovery, settings.agent_sdk_script)
        self.redis = client
        self.identity = identity
        self.streams = protocol.Streams(settings)
        self.registry = AgentRegistry(client, settings)
        self.name = f"webex-agent-{uuid.uuid4().hex[:8]}"
        self.seq = itertools.count(time.time_ns())
        self.people: dict[str, PersonPage] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.loop = asyncio.new_event_loop()
        self.playwright = self.browser = self.sweeper = None

    # Lifecycle ---------------------------------------------------------------------
    def start(self) -> "BrowserAgent":
        missing = self.network.missing_files()
        if missing:
            raise RuntimeError(f"meeting agent files missing: {missing} (`make run` fetches the SDK bundle)")
        self.threads.append(threading.Thread(target=self.loop.run_forever, name=f"{self.name}-browser", daemon=True))
        self.threads[-1].start()
        self._run(self._launch(), timeout=60)
        ensure_group(self.redis, self.streams.commands, protocol.AGENT_GROUP)
        self.threads.append(start_thread(self._commands_loop, self.stopping, f"{self.name}-commands"))
        self.threads.append(start_thread(self._heartbeat_loop, self.stopping, f"{self.name}-heartbeat"))
        self.sweeper = asyncio.run_coroutine_threadsafe(self._idle_sweep(), self.loop)
        return self

    def stop(self) -> None:
        self.stopping.set()
        try:
            self.registry.stop_beating(self.name)
        except redis.RedisError:
            pass
        try:
            self._run(self._shutdown(), timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            for thread in self.threads:
                thread.join(5)

    def _run(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _launch(self) -> None:
        from playwright.async_api import async_playwright

        self.playwright = await async_playwright().start()
        args = CHROMIUM_ARGS + (LOCAL_CLOUD_ARGS if is_local(self.discovery) else [])
        self.browser = await self.playwright.chromium.launch(executable_path=CHROMIUM, args=args)

    async def _shutdown(self) -> None:
        if self.sweeper is not None:
            self.sweeper.cancel()
        for person in list(self.people.values()):
            await self._close(person)
        if self.browser is not None:
            await self.browser.close()
        if self.playwright is not None:
            await self.playwright.stop()

    # The Redis side ----------------------------------------------------------------
    def _commands_loop(self) -> None:
        while not self.stopping.is_set():
            for entry_id, fields in read_new(self.redis, self.streams.commands, protocol.AGENT_GROUP, self.name,
                                             10, 500):
                command = protocol.decode(fields)
                future = asyncio.run_coroutine_threadsafe(self.handle(command), self.loop)
                future.add_done_callback(lambda done, entry=entry_id: self._acknowledge(entry, done))

    def _acknowledge(self, entry_id: str, done) -> None:
        if done.exception() is not None:
            log.error("agent command failed: %r", done.exception())
        try:
            self.redis.xack(self.streams.commands, protocol.AGENT_GROUP, entry_id)
        except redis.RedisError:
            log.warning("could not acknowledge an agent command")

    def _heartbeat_loop(self) -> None:
        while not self.stopping.is_set():
            self.registry.beat(self.name, {"backend": "webex", "people": len(self.people),
                                           "max": self.settings.agent_max_meetings})
            self.stopping.wait(HEARTBEAT_SECONDS)

    async def _emit(self, command_id: str, person_id: str, kind: str, **body) -> None:
        event = {"command_id": command_id, "person_id": person_id, "type": kind, "agent": self.name, **body}
        if kind == "phone_audio_update":
            event["seq"] = next(self.seq)
        await self.loop.run_in_executor(None, lambda: self.redis.xadd(
            self.streams.events, protocol.encode(event), maxlen=100_000, approximate=True))

    # Commands ----------------------------------------------------------------------
    async def handle(self, command: dict) -> None:
        command_id, person_id = command.get("id", ""), command.get("person_id", "")
        if not command_id or not person_id:
            log.warning("malformed agent command dropped")
            return
        if not isinstance(command.get("deadline"), (int, float)) or command["deadline"] < time.time():
            await self._emit(command_id, person_id, "error", code="expired",
                             reason="the request expired before the meeting could act on it")
            return
        async with self.locks.setdefault(person_id, asyncio.Lock()):
            person = self.people.get(person_id)
            if person is None:
                if len(self.people) >= self.settings.agent_max_meetings:
                    await self._emit(command_id, person_id, "error", code="busy",
                                     reason="the meeting service is at capacity; please try again in a minute")
                    return
                person = await self._open(person_id, str(command.get("display_name") or "Guest (phone)"), command_id)
                if person is None:
                    return
            person.last_command, person.last_active = command_id, time.monotonic()
            page_command = {key: command.get(key) for key in ("id", "op", "meeting", "phone_number")}
            await person.page.evaluate("command => window.phoneAgent.handle(command)", page_command)

    async def _open(self, person_id: str, display_name: str, command_id: str) -> PersonPage | None:
        """A fresh context and page for the person, signed in; None (and an error event) if that fails."""
        for attempt in (1, 2):
            try:
                token = await self.loop.run_in_executor(None, self.identity.token_for, person_id, display_name)
            except IdentityError as problem:
                await self._emit(command_id, person_id, "error", code="no_identity", reason=str(problem))
                return None
            context = await self.browser.new_context()
            await self.network.route(context)
            await context.add_init_script(f"window.phoneAgentConfig = {json.dumps(self.page_config)};")
            page = await context.new_page()
            person = PersonPage(person_id, display_name, context, page, last_command=command_id)
            await page.expose_function("agentEmit", lambda event, who=person: self._on_page_event(who, event))
            page.on("crash", lambda _page, who=person: asyncio.ensure_future(self._on_crash(who)))
            page.on("console", lambda message: log.debug("agent page console %s: %s", message.type, message.text[:500]))
            await page.goto(f"{PAGE_ORIGIN}/agent.html")
            await page.wait_for_function("() => window.phoneAgent", timeout=START_TIMEOUT_MS)
            failure = await page.evaluate(
                """async args => {
                    try { await window.phoneAgent.start(args); return null; }
                    catch (error) { return {code: error.code || "sdk_error", reason: error.message || String(error)}; }
                }""", {"token": token, "displayName": display_name, "discoveryUrl": self.discovery})
            if failure is None:
                self.people[person_id] = person
                return person
            await context.close()
            if failure["code"] == "token_expired" and attempt == 1:
                self.identity.forget(person_id)  # a fresh guest token, once
                continue
            await self._emit(command_id, person_id, "error", code=failure["code"],
                             reason=_sign_in_reason(failure["code"]))
            return None
        return None

    # Page events -------------------------------------------------------------------
    async def _on_page_event(self, person: PersonPage, event: dict) -> None:
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        command_id = str(event.get("command_id") or person.last_command)
        person.last_active = time.monotonic()
        if kind == "phone_audio_update":
            payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
            person.last_payload = payload
            await self._emit(command_id, person.person_id, kind, payload=payload)
        elif kind == "meeting_info":
            await self._emit(command_id, person.person_id, kind, audio=event.get("audio") or {})
        elif kind == "error":
            await self._emit(command_id, person.person_id, kind, code=str(event.get("code") or "sdk_error"),
                             reason=str(event.get("reason") or "the meeting refused"))
            if event.get("code") == "token_expired":
                self.identity.forget(person.person_id)
                await self._close(person)
        elif kind == "lobby":
            await self._emit(command_id, person.person_id, kind, waiting=bool(event.get("waiting")),
                             extend_seconds=self.settings.agent_lobby_seconds)
        elif kind == "waiting":
            # The host hasn't started the meeting: the page keeps trying. Said with the lobby's
            # event, which extends the command's deadline; `reason` carries the words.
            await self._emit(command_id, person.person_id, "lobby", waiting=bool(event.get("waiting")),
                             why=str(event.get("why") or ""), reason=str(event.get("reason") or ""),
                             extend_seconds=float(event.get("seconds") or self.settings.agent_lobby_seconds))
        elif kind == "left":
            log.info("left the meeting", extra={"person_id": person.person_id, "reason": event.get("reason")})

    async def _on_crash(self, person: PersonPage) -> None:
        """The page died: the phone audio it held is gone. Say so, and start a clean page."""
        log.error("agent page crashed", extra={"person_id": person.person_id})
        if self.people.get(person.person_id) is person:
            del self.people[person.person_id]
        dropped = {kind: {**device, "status": LEFT, "reason": "PAGE_CRASHED"} if device.get("status") in ACTIVE
                   else device for kind, device in person.last_payload.items() if isinstance(device, dict)}
        if person.phone_active:
            await self._emit(person.last_command, person.person_id, "phone_audio_update", payload=dropped)
        try:
            await person.context.close()
        except Exception:  # noqa: BLE001 - a crashed context may already be gone
            pass
        await self._open(person.person_id, person.display_name, person.last_command)

    async def _close(self, person: PersonPage) -> None:
        self.people.pop(person.person_id, None)
        try:
            await person.context.close()
        except Exception:  # noqa: BLE001 - closing what may already be closed
            log.debug("context already closed")

    async def _idle_sweep(self) -> None:
        """A meeting left idle is left, and its browser context closed."""
        while not self.stopping.is_set():
            await asyncio.sleep(IDLE_CHECK_SECONDS)
            for person in list(self.people.values()):
                idle = time.monotonic() - person.last_active
                if not person.phone_active and idle > self.settings.agent_idle_seconds:
                    log.info("closing an idle meeting page", extra={"person_id": person.person_id})
                    try:  # phones first, then the meeting (agent/page/agent.js leaveCurrent)
                        await asyncio.wait_for(person.page.evaluate("() => window.phoneAgent.leave()"), 30)
                    except Exception:  # noqa: BLE001 - a page that can't leave is closed anyway
                        log.warning("idle page could not leave its meeting", extra={"person_id": person.person_id})
                    await self._close(person)

    # For tests and operators -------------------------------------------------------
    def crash_page(self, person_id: str) -> None:
        """Crash a person's page the way a renderer crash does (chrome://crash)."""
        page = self.people[person_id].page

        async def crash():
            try:
                await page.goto("chrome://crash", timeout=5000)
            except Exception:  # noqa: BLE001 - navigation fails because the page crashed
                pass

        self._run(crash(), timeout=30)


def _sign_in_reason(code: str) -> str:
    if code == "token_expired":
        return "the meeting service's Webex sign-in has expired; an administrator must renew it"
    return "the meeting service could not sign in to Webex"
