"""The web tier's Flask app factory: the webhook, health, readiness and metrics."""
from __future__ import annotations

import redis
from flask import Flask, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import webhook
from bot.config import Settings
from bot.inbox import Inbox

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings, client: redis.Redis, webhook_secret: str) -> Flask:
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, WEBHOOK_SECRET=webhook_secret, SETTINGS=settings)
    app.extensions["redis"] = client
    app.extensions["inbox"] = Inbox(client, settings)
    app.register_blueprint(webhook.blueprint)

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @app.get("/readyz")
    def readyz():
        try:
            client.ping()
        except redis.RedisError as exc:
            return jsonify({"status": "unavailable", "redis": type(exc).__name__}), 503
        return jsonify({"status": "ready", "redis": "ok"})

    @app.get("/metrics")
    def metrics():
        return generate_latest(), 200, {"Content-Type": CONTENT_TYPE_LATEST}

    @app.errorhandler(413)
    def too_large(_):
        webhook.DELIVERIES.labels(outcome="too_large").inc()
        return jsonify({"message": "body over 1 MiB"}), 413

    return app
