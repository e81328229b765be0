"""Who the meeting agent is in each meeting: a guest per person (preferred), or one user.

Preferred: a Service App with the guest-issuer:write scope mints a guest per person
(`POST guests/token`, subject = the personId, displayName = "<name> (phone)"), so two people
in one meeting are two participants and the name says whose phone it is. Simpler: one
configured user token (WEBEX_AGENT_TOKEN) for a single-user deployment.

Tokens are kept in Redis encrypted (Fernet, key from AGENT_TOKEN_KEY), cached until shortly
before they expire, renewed then, and never logged.

Keys (prefix from REDIS_KEY_PREFIX):
  agent:token:{personId}   encrypted JSON {token, expires_at}, expiring with the token
"""
from __future__ import annotations

import json
import logging
import time

import redis
from cryptography.fernet import Fernet, InvalidToken

from bot.config import Settings
from bot.webex.client import WebexClient

log = logging.getLogger(__name__)
RENEW_BEFORE_SECONDS = 600  # renew a guest token this long before it expires
RENEW_FRACTION = 0.1  # or within the last tenth of its life, for short-lived tokens


class IdentityError(Exception):
    """No way to get a token for the agent: the person is told, in words they can act on."""


class AgentIdentity:
    def __init__(self, settings: Settings, client: redis.Redis, issuer: WebexClient | None = None, clock=time.time):
        self.settings = settings
        self.redis = client
        self.issuer = issuer
        self.clock = clock
        key = settings.agent_token_key
        if not key:
            log.warning("AGENT_TOKEN_KEY is not set: agent tokens are encrypted with a key of this process only")
            key = Fernet.generate_key().decode()
        self.fernet = Fernet(key.encode())

    def token_for(self, person_id: str, display_name: str) -> str:
        if self.settings.webex_guest_issuer_token and self.issuer is not None:
            return self._guest_token(person_id, display_name)
        if self.settings.webex_agent_token:
            return self.settings.webex_agent_token
        raise IdentityError("the meeting agent has no Webex identity (set WEBEX_GUEST_ISSUER_TOKEN or WEBEX_AGENT_TOKEN)")

    def forget(self, person_id: str) -> None:
        """After the meeting said the token expired: the next request mints a new one."""
        self.redis.delete(self._key(person_id))

    def _key(self, person_id: str) -> str:
        return self.settings.key("agent", "token", person_id)

    def _guest_token(self, person_id: str, display_name: str) -> str:
        cached = self._cached(person_id)
        if cached:
            return cached
        minted = self.issuer.mint_guest(person_id, display_name)
        lifetime = float(minted.get("expiresIn") or 3600)
        token = minted["accessToken"]
        expires_at = self.clock() + lifetime
        renew_at = expires_at - min(RENEW_BEFORE_SECONDS, lifetime * RENEW_FRACTION)
        sealed = self.fernet.encrypt(json.dumps({"token": token, "renew_at": renew_at}).encode()).decode()
        self.redis.set(self._key(person_id), sealed, ex=max(int(lifetime), 1))
        log.info("guest token minted", extra={"person_id": person_id, "expires_in": lifetime})
        return token

    def _cached(self, person_id: str) -> str | None:
        sealed = self.redis.get(self._key(person_id))
        if not sealed:
            return None
        try:
            kept = json.loads(self.fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            return None  # sealed with another key: mint again
        return kept["token"] if kept.get("renew_at", 0) > self.clock() else None
