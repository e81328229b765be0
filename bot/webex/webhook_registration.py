"""`python -m bot webhooks sync`: make the bot's Webex webhooks exactly what it needs.

Idempotent: a second run finds everything in place and changes nothing.
"""
from __future__ import annotations

import logging

from bot.webex.client import WebexClient

log = logging.getLogger(__name__)
NAME = "phone-audio-bot"
WANTED = (("messages", "created"), ("attachmentActions", "created"))


def webhook_url(public_url: str) -> str:
    return public_url.rstrip("/") + "/webhooks/webex"


def sync(webex: WebexClient, public_url: str, secret: str) -> list[str]:
    """Create missing webhooks, re-activate inactive ones, delete stale ones of ours. Returns what changed."""
    target = webhook_url(public_url)
    ours = [hook for hook in webex.webhooks() if str(hook.get("name", "")).startswith(NAME)]
    kept: set[str] = set()
    changes: list[str] = []
    for resource, event in WANTED:
        name = f"{NAME} {resource}:{event}"
        current = next((hook for hook in ours if hook.get("resource") == resource and hook.get("event") == event
                        and hook.get("targetUrl") == target and not hook.get("filter")), None)
        if current is None:
            created = webex.create_webhook(name, target, resource, event, secret)
            kept.add(created["id"])
            changes.append(f"created {resource}:{event}")
            continue
        kept.add(current["id"])
        stale_secret = "secret" in current and current["secret"] != secret
        if current.get("status") != "active" or stale_secret:
            webex.update_webhook(current["id"], name, target, secret, status="active")
            changes.append(f"re-activated {resource}:{event}" if current.get("status") != "active"
                           else f"updated secret {resource}:{event}")
    for hook in ours:
        if hook["id"] not in kept:
            webex.delete_webhook(hook["id"])
            changes.append(f"deleted stale {hook.get('resource')}:{hook.get('event')} -> {hook.get('targetUrl')}")
    for change in changes:
        log.info("webhook sync", extra={"change": change})
    return changes
