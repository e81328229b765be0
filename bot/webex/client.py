"""Webex REST, through webexpythonsdk. The only module that imports the SDK.

Returns plain dicts shaped as Webex's OpenAPI spec describes, so the rest of the bot
never depends on the SDK's object model. Every call is counted by endpoint and status,
and a 429 pauses that endpoint for everyone (bot/stores/endpoint_pauses.py) instead of sleeping.
"""
from __future__ import annotations

import logging
from typing import Callable, TypeVar

import requests
from webexpythonsdk import WebexAPI
from webexpythonsdk.exceptions import ApiError, RateLimitError

from bot.config import Settings
from bot.metrics import WEBEX_CALLS
from bot.stores.endpoint_pauses import EndpointPauses, Paused
from bot.webex.messages import CardMessage

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["WebexClient", "ApiError", "Paused", "TRANSIENT_ERRORS", "is_permanent"]

# Failures worth another try later: the network, a timeout, or Webex itself.
TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout)


def is_permanent(error: Exception) -> bool:
    """A 4xx other than 429: asking again will not help."""
    return isinstance(error, ApiError) and 400 <= error.status_code < 500 and error.status_code != 429


class WebexClient:
    def __init__(self, settings: Settings, access_token: str, pauses: EndpointPauses | None = None,
                 timeout_seconds: int = 20):
        # The SDK must never sleep on a 429 inside a worker thread: the caller parks the work.
        self.api = WebexAPI(access_token=access_token, base_url=settings.webex_api_url,
                            single_request_timeout=timeout_seconds, wait_on_rate_limit=False)
        self.pauses = pauses
        self.token = access_token  # for the worker's async hot path (bot/webex/async_client.py)

    def _call(self, endpoint: str, call: Callable[[], T]) -> T:
        if self.pauses is not None:
            self.pauses.check(endpoint)
        try:
            result = call()
        except RateLimitError as exc:
            WEBEX_CALLS.labels(endpoint, "429").inc()
            if self.pauses is None:
                raise
            until = self.pauses.pause(endpoint, float(exc.retry_after))
            log.warning("webex rate limit", extra={"endpoint": endpoint, "retry_after": exc.retry_after})
            raise Paused(endpoint, until) from exc
        except ApiError as exc:
            WEBEX_CALLS.labels(endpoint, str(exc.status_code)).inc()
            raise
        except TRANSIENT_ERRORS:
            WEBEX_CALLS.labels(endpoint, "network_error").inc()
            raise
        WEBEX_CALLS.labels(endpoint, "200").inc()
        return result

    def me(self) -> dict:
        return self._call("GET people/me", lambda: self.api.people.me().to_dict())

    def person(self, person_id: str) -> dict:
        return self._call("GET people", lambda: self.api.people.get(person_id).to_dict())

    def room(self, room_id: str) -> dict:
        return self._call("GET rooms", lambda: self.api.rooms.get(room_id).to_dict())

    def message(self, message_id: str) -> dict:
        return self._call("GET messages", lambda: self.api.messages.get(message_id).to_dict())

    def attachment_action(self, action_id: str) -> dict:
        return self._call("GET attachment/actions", lambda: self.api.attachment_actions.get(action_id).to_dict())

    def post(self, message: CardMessage, room_id: str = "", to_person_id: str = "") -> dict:
        target = {"roomId": room_id} if room_id else {"toPersonId": to_person_id}
        attachments = message.attachments()
        extra = {"attachments": attachments} if attachments else {}
        return self._call("POST messages", lambda: self.api.messages.create(
            markdown=message.markdown, **target, **extra).to_dict())

    def mint_guest(self, subject: str, display_name: str) -> dict:
        """POST guests/token with a Service App token (scope guest-issuer:write): a guest
        identity for the meeting agent. {accessToken, expiresIn, ...} as the admin spec says."""
        return self._call("POST guests/token", lambda: self.api._session.post(
            "guests/token", json={"subject": subject, "displayName": display_name}))

    # Webhooks
    def webhooks(self) -> list[dict]:
        return self._call("GET webhooks", lambda: [hook.to_dict() for hook in self.api.webhooks.list()])

    def create_webhook(self, name: str, target_url: str, resource: str, event: str, secret: str) -> dict:
        return self._call("POST webhooks", lambda: self.api.webhooks.create(
            name=name, targetUrl=target_url, resource=resource, event=event, secret=secret).to_dict())

    def update_webhook(self, webhook_id: str, name: str, target_url: str, secret: str, status: str = "active") -> dict:
        return self._call("PUT webhooks", lambda: self.api.webhooks.update(
            webhook_id, name=name, targetUrl=target_url, secret=secret, status=status).to_dict())

    def delete_webhook(self, webhook_id: str) -> None:
        self._call("DELETE webhooks", lambda: self.api.webhooks.delete(webhook_id))
