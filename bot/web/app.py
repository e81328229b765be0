"""The web tier's Flask app factory: the webhook, health, readiness and metrics."""
from __future__ import annotations

import os

import redis
from flask import Flask, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from bot.config import Settings
from bot.meeting.agents import AgentRegistry
from bot.metrics import RedisStateCollector
from bot.streams.inbox import Inbox
from bot.streams.outbox import Outbox
from bot.streams.retries import Retries
from bot.web import webhook

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings, client: redis.Redis, webhook_secret: str, extra_blueprints=()) -> Flask:
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, WEBHOOK_SECRET=webhook_secret, SETTINGS=settings)
    inbox, agents = Inbox(client, settings), AgentRegistry(client, settings)
    app.extensions["inbox"] = inbox
    app.register_blueprint(webhook.blueprint)
    for blueprint in extra_blueprints:
        app.register_blueprint(blueprint)
    state = SharedState(client, inbox, agents, Outbox(client, settings), Retries(client, settings))
    _register_collector(state)

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        """Ready means deliveries can be stored. Missing agents are reported, but the web tier
        stays ready: it can still accept events, and phone-audio commands get a clear answer."""
        try:
            client.ping()
            alive, missing = agents.status()
        except redis.RedisError as exc:
            return jsonify({"status": "unavailable", "redis": type(exc).__name__}), 503
        body = {"status": "ready", "redis": "ok", "persistence": _persistence(client),
                "agents": {"alive": alive, "missing": missing}}
        if not alive:
            body["agents"]["warning"] = "no meeting agent is alive: phone-audio commands are refused"
        return jsonify(body)

    @app.get("/metrics")
    def metrics():
        return generate_latest(_registry()), 200, {"Content-Type": CONTENT_TYPE_LATEST}

    @app.errorhandler(413)
    def too_large(_):
        webhook.DELIVERIES.labels(outcome="too_large").inc()
        return jsonify({"message": "body over 1 MiB"}), 413

    return app


class SharedState:
    """The queue and agent facts every process sees the same way, read from Redis."""

    def __init__(self, client, inbox: Inbox, agents: AgentRegistry, outbox: Outbox, retries: Retries):
        self.redis, self.inbox, self.agents, self.outbox, self.retries = client, inbox, agents, outbox, retries

    def read(self) -> dict:
        depth = pending = 0
        for group in self.redis.xinfo_groups(self.inbox.stream) if self.redis.exists(self.inbox.stream) else []:
            pending = group["pending"]
            depth = group.get("lag")
            if depth is None:  # Redis before 7: count what the group has not read yet
                depth = len(self.redis.xrange(self.inbox.stream, min="(" + group["last-delivered-id"], count=100_000))
        return {"inbox_depth": depth, "inbox_pending": pending,
                "inbox_scheduled_retries": self.redis.zcard(self.retries.schedule_key),
                "outbox_people": self.outbox.people_waiting(),
                "dead_letter_entries": self.redis.xlen(self.retries.dead_key),
                "agents_alive": len(self.agents.status()[0])}


_collector: RedisStateCollector | None = None


def _register_collector(state: SharedState) -> None:
    """One collector per process; the newest app's Redis is the one reported."""
    global _collector
    if _collector is None:
        _collector = RedisStateCollector(state.read)
        REGISTRY.register(_collector)
    else:
        _collector.read_state = state.read


def _registry():
    """This process's metrics; under gunicorn (PROMETHEUS_MULTIPROC_DIR) every worker's, summed."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    if _collector is not None:
        registry.register(_collector)
    return registry


def _persistence(client: redis.Redis) -> dict:
    try:
        config = client.config_get("append*")
    except redis.RedisError:
        return {"known": False}  # managed servers may refuse CONFIG
    return {"appendonly": config.get("appendonly"), "appendfsync": config.get("appendfsync")}
