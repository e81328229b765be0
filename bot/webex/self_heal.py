"""Keeps the bot's webhooks registered and active: at start, every few minutes, and as soon
as Redis comes back after an outage (Webex disables a webhook after 100 failed deliveries
in five minutes, and during an outage every delivery got 503)."""
from __future__ import annotations

import logging
import threading
import time

import redis

from bot.webex import webhook_registration
from bot.webex.client import WebexClient

log = logging.getLogger(__name__)
CHECK_SECONDS = 1.0


class WebhookHealer:
    def __init__(self, webex: WebexClient, client: redis.Redis, public_url: str, secret: str, interval_seconds: float):
        self.webex = webex
        self.redis = client
        self.public_url = public_url
        self.secret = secret
        self.interval = interval_seconds
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> "WebhookHealer":
        self.thread = threading.Thread(target=self._run, name="webhook-healer", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.thread:
            self.thread.join(5)

    def _run(self) -> None:
        redis_was_up, last_heal = True, 0.0
        while not self.stopping.is_set():
            redis_up = self._redis_up()
            came_back = redis_up and not redis_was_up
            if came_back:
                log.warning("redis is back; checking webhooks")
            if came_back or time.monotonic() - last_heal >= self.interval or not last_heal:
                if self.heal():
                    last_heal = time.monotonic()
            redis_was_up = redis_up
            self.stopping.wait(CHECK_SECONDS)

    def heal(self) -> bool:
        try:
            changes = webhook_registration.sync(self.webex, self.public_url, self.secret)
        except Exception as exc:  # noqa: BLE001 - try again on the next round
            log.warning("webhook self-heal failed", extra={"error": type(exc).__name__})
            return False
        if changes:
            log.warning("webhooks healed", extra={"changes": changes})
        return True

    def _redis_up(self) -> bool:
        try:
            return bool(self.redis.ping())
        except redis.RedisError:
            return False
