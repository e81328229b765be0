"""Card buttons that cannot be forged or replayed. Pure: HMAC over what a press may do.

Every Action.Submit carries the owner, the action, what it acts on (the meeting; for buttons
that act on a call, that call, from provisioning to LEFT), an expiry, and a short HMAC of
them. No version that changes on every state change is covered: a Webex card with
attachments cannot be edited in place, so the card a person is looking at must keep working
while the call goes from ringing to connected.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from dataclasses import dataclass

from bot.conversation.catalog import CALL_ACTIONS, MEETING_ACTIONS


@dataclass(frozen=True)
class CardClaims:
    """What a pressed button says about itself (from the Action.Submit data)."""

    owner: str
    action: str
    meeting: str  # meeting reference, "" when the action acts on no meeting
    call: str  # call id, "" when the action acts on no call
    expires: int
    token: str


def signing_key(configured: str, webhook_secret: str) -> bytes:
    """CARD_SIGNING_KEY, or a key derived from the webhook secret (never the secret itself)."""
    if configured:
        return configured.encode()
    return hmac.new(webhook_secret.encode(), b"card-tokens", hashlib.sha256).digest()


def meeting_ref(kind: str, value: str) -> str:
    if not value:
        return ""
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:12]


def token(key: bytes, owner: str, action: str, meeting: str, call: str, expires: int) -> str:
    message = "\x1f".join((owner, action, meeting, call, str(expires))).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def verify(key: bytes, presser: str, claims: CardClaims, now: float) -> str | None:
    """None when the press is genuine and fresh; otherwise why not ("forged" or "expired")."""
    expected = token(key, presser, claims.action, claims.meeting, claims.call, claims.expires)
    if not claims.token or not hmac.compare_digest(expected, claims.token):
        return "forged"
    if claims.expires < now:
        return "expired"
    return None


def sign_card(card: dict, key: bytes, owner: str, meeting: str, call: str, expires: int) -> dict:
    """A copy of the card whose every Action.Submit carries its claims and token."""
    signed = copy.deepcopy(card)
    for data in _submit_data(signed):
        action = str(data.get("action", ""))
        acts_on_meeting = meeting if action in MEETING_ACTIONS else ""
        acts_on_call = call if action in CALL_ACTIONS else ""
        data.update(owner=owner, m=acts_on_meeting, c=acts_on_call, x=expires,
                    t=token(key, owner, action, acts_on_meeting, acts_on_call, expires))
    return signed


def claims_from(inputs: dict) -> CardClaims:
    def text(name: str) -> str:
        value = inputs.get(name, "")
        return value if isinstance(value, str) else ""

    try:
        expires = int(inputs.get("x") or 0)
    except (TypeError, ValueError):
        expires = 0
    return CardClaims(owner=text("owner"), action=text("action"), meeting=text("m"), call=text("c"),
                      expires=expires, token=text("t"))


def _submit_data(node):
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit" and isinstance(node.get("data"), dict):
            yield node["data"]
        for value in node.values():
            yield from _submit_data(value)
    elif isinstance(node, list):
        for value in node:
            yield from _submit_data(value)
