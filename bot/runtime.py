"""Assembles the parts of one process: Redis, the Webex client, the web tier, workers, the agent.

In sandbox mode (no WEBEX_ACCESS_TOKEN) it also starts the project's local Webex-compatible
server and points the bot at it.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace

import redis

from bot.config import Settings
from bot.conversation.card_tokens import signing_key
from bot.meeting.simulator import SimulatedAgent
from bot.sandbox import web_routes as sandbox_web
from bot.stores.directory import Directory
from bot.stores.endpoint_pauses import EndpointPauses
from bot.stores.redis_connection import connect
from bot.stores.space_meetings import SpaceMeetings
from bot.web.app import create_app
from bot.web.server import ServerHandle, serve
from bot.webex import webhook_registration
from bot.webex.client import WebexClient
from bot.webex.incoming import BotIdentity, Incoming
from bot.webex.self_heal import WebhookHealer
from bot.worker.runner import Worker

log = logging.getLogger(__name__)
SANDBOX_BOT_TOKEN = "sandbox-bot-token"


@dataclass
class Runtime:
    settings: Settings
    redis: redis.Redis
    webhook_secret: str
    webex: WebexClient | None = None
    bot: BotIdentity | None = None
    worker: Worker | None = None
    healer: WebhookHealer | None = None
    agent: object = None  # SimulatedAgent or BrowserAgent
    web: ServerHandle | None = None
    sandbox: ServerHandle | None = None
    sandbox_state: object = None
    meetings_cloud: object = None  # the local meetings cloud, in a sandbox on the real SDK
    meetings_server: object = None

    def stop(self) -> None:
        # Web first: stop taking deliveries; then finish in-flight work; the agent last.
        for part in (self.web, self.healer, self.worker, self.agent, self.sandbox, self.meetings_server):
            if part is not None:
                part.stop()


def start_sandbox_webex(settings: Settings, port: int | None = None) -> tuple[Settings, ServerHandle, object]:
    """The local Webex-compatible server, seeded with people and spaces, and settings that use it."""
    from localwebex.server import create_app as create_webex_app
    from localwebex.state import State, seed

    state = State()
    seed(state)
    handle = serve(create_webex_app(state), port=settings.effective_sandbox_port if port is None else port)
    return replace(settings, webex_api_url=f"{handle.url}/v1/"), handle, state


def start_sandbox_meetings(settings: Settings):
    """A sandbox on the real Web Meetings SDK: the local meetings cloud, and settings that point the
    agent's SDK at it with a token it accepts. Phones ring until answered in the browser (manual mode)."""
    from localwebex.meetings import MeetingsCloud, serve_cloud
    from localwebex.meetings.cloud import ORG_ID

    cloud = MeetingsCloud()
    agent = cloud.add_person("Meeting Agent", token=f"local-agent_LOCAL_{ORG_ID}")
    cloud.default_phone.auto_answer = settings.simulator_answer_mode != "manual"
    try:
        cloud, handle = serve_cloud(cloud, port=settings.effective_sandbox_port + 1)  # PORT+2 by default
    except OSError:
        cloud, handle = serve_cloud(cloud)  # that port is taken: any free one
    return replace(settings, webex_meetings_discovery_url=cloud.base_url, webex_agent_token=agent.token), cloud, handle


def webhook_secret_for(settings: Settings) -> str:
    if settings.webex_webhook_secret:
        return settings.webex_webhook_secret
    if not settings.sandbox:
        raise SystemExit("Refusing to start: WEBEX_ACCESS_TOKEN is set but WEBEX_WEBHOOK_SECRET is not. "
                         "Without a secret anyone could post forged events to the bot and make it place calls. "
                         "Set WEBEX_WEBHOOK_SECRET to a long random string, then run `python -m bot webhooks sync`.")
    return secrets.token_urlsafe(24)  # sandbox only: a fresh secret each run


def webex_for(settings: Settings, client: redis.Redis | None = None) -> WebexClient:
    pauses = EndpointPauses(client, settings) if client is not None else None
    return WebexClient(settings, settings.webex_access_token or SANDBOX_BOT_TOKEN, pauses)


def start_agent(settings: Settings, client: redis.Redis):
    """The meeting agent MEETING_BACKEND names: the simulator, or the one that runs the real SDK."""
    if settings.meeting_backend == "simulator":
        return SimulatedAgent(settings, client).start()
    if settings.meeting_backend == "webex":
        from bot.meeting.browser_agent import BrowserAgent
        from bot.meeting.identities import AgentIdentity

        issuer = WebexClient(settings, settings.webex_guest_issuer_token) if settings.webex_guest_issuer_token else None
        return BrowserAgent(settings, client, AgentIdentity(settings, client, issuer)).start()
    raise SystemExit(f"MEETING_BACKEND must be simulator or webex, not {settings.meeting_backend!r}")


def start_worker(runtime: Runtime) -> Worker:
    settings = runtime.settings
    directory = Directory(runtime.redis, settings, runtime.webex.person, runtime.webex.room)
    incoming = Incoming(runtime.webex, directory, runtime.bot, settings, SpaceMeetings(runtime.redis, settings))
    card_key = signing_key(settings.card_signing_key, runtime.webhook_secret)
    return Worker(settings, runtime.redis, runtime.webex, incoming, card_key).start()


def start(settings: Settings, *, web: bool = True, workers: bool = True, agent: bool = True,
          client: redis.Redis | None = None, web_port: int | None = None) -> Runtime:
    sandbox = sandbox_state = None
    if settings.sandbox and settings.webex_api_url == Settings.webex_api_url and (web or workers):
        settings, sandbox, sandbox_state = start_sandbox_webex(settings)
        if web and not settings.simulator_answer_mode:
            settings = replace(settings, simulator_answer_mode="manual")  # people answer in the browser
    cloud = cloud_server = None
    if sandbox is not None and agent and settings.meeting_backend == "webex" and not settings.webex_meetings_discovery_url:
        settings, cloud, cloud_server = start_sandbox_meetings(settings)
    runtime = Runtime(settings=settings, redis=client or connect(settings), webhook_secret=webhook_secret_for(settings),
                      sandbox=sandbox, sandbox_state=sandbox_state, meetings_cloud=cloud, meetings_server=cloud_server)
    try:
        if agent:
            runtime.agent = start_agent(settings, runtime.redis)
        if workers or web:
            runtime.webex = webex_for(settings, runtime.redis)
            runtime.bot = BotIdentity.from_person(runtime.webex.me())
        if workers:
            runtime.worker = start_worker(runtime)
        public_url = settings.public_url
        if web:
            pages = [sandbox_web.create_blueprint(runtime)] if sandbox is not None else []
            app = create_app(settings, runtime.redis, runtime.webhook_secret, extra_blueprints=pages)
            # The sandbox hands out people's tokens to its page: it listens on this machine only.
            host = "127.0.0.1" if settings.sandbox or web_port is not None else "0.0.0.0"
            runtime.web = serve(app, host=host, port=settings.port if web_port is None else web_port)
            if settings.sandbox:
                public_url = public_url or f"http://127.0.0.1:{runtime.web.port}"
                webhook_registration.sync(runtime.webex, public_url, runtime.webhook_secret)
        if workers and public_url:
            runtime.healer = WebhookHealer(runtime.webex, runtime.redis, public_url, runtime.webhook_secret,
                                           settings.webhook_heal_seconds).start()
        elif workers:
            log.warning("PUBLIC_URL is not set: webhooks are not checked or re-activated")
    except Exception:
        runtime.stop()
        raise
    return runtime
