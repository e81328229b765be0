"""POST /webhooks/webex: verify, dedupe, store in the inbox, answer. No Webex calls, no parsing."""
from __future__ import annotations

import json
import logging
import time

import redis
from flask import Blueprint, current_app, jsonify, request

from bot.metrics import ACK_SECONDS, DELIVERIES
from bot.streams.inbox import Inbox
from bot.web import signature

log = logging.getLogger(__name__)
blueprint = Blueprint("webhook", __name__)
RESOURCES = frozenset({"messages", "attachmentActions", "meetings", "rooms", "memberships"})


def _answer(status: int, outcome: str, message: str):
    DELIVERIES.labels(outcome=outcome).inc()
    return jsonify({"message": message}), status


@blueprint.before_app_request
def _start_clock():
    request.environ["bot.received"] = time.perf_counter()


@blueprint.after_app_request
def _observe_ack(response):
    if request.endpoint == "webhook.receive":
        seconds = time.perf_counter() - request.environ.get("bot.received", time.perf_counter())
        ACK_SECONDS.observe(seconds)
        response.headers["Server-Timing"] = f"ack;dur={seconds * 1000:.3f}"
    return response


@blueprint.post("/webhooks/webex")
def receive():
    raw = request.get_data(cache=False)  # the signature covers these exact bytes
    if not signature.is_valid(current_app.config["WEBHOOK_SECRET"], raw, request.headers.get(signature.HEADER)):
        return _answer(401, "bad_signature", "signature missing or wrong")
    envelope = _envelope(raw)
    if envelope is None:
        return _answer(400, "malformed", "not a Webex webhook envelope")
    inbox: Inbox = current_app.extensions["inbox"]
    try:
        entry = inbox.accept(envelope["resource"], envelope["event"], envelope["data"])
    except redis.RedisError as exc:
        log.error("delivery not stored", extra={"error": type(exc).__name__})
        return _answer(503, "unavailable", "cannot store the event now; deliver again later")
    if entry is None:
        return _answer(200, "duplicate", "already accepted")
    return _answer(200, "accepted", "accepted")


def _envelope(raw: bytes) -> dict | None:
    """The envelope, or None when the body is not one Webex would send."""
    try:
        envelope = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        return None
    if not isinstance(envelope, dict):
        return None
    resource, event, data = envelope.get("resource"), envelope.get("event"), envelope.get("data")
    if not (isinstance(resource, str) and resource in RESOURCES and isinstance(event, str)
            and isinstance(data, dict) and isinstance(data.get("id"), str) and data["id"]):
        return None
    if not all(_encodable(text) for text in (event, data["id"])):
        return None  # a lone surrogate: valid JSON, but not text Redis can store
    return envelope


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON a webhook sends")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
