"""Webex REST, through webexpythonsdk. The only module that imports the SDK.

Returns plain dicts shaped as Webex's OpenAPI spec describes, so the rest of the
bot never depends on the SDK's object model.
"""
from __future__ import annotations

import logging

from webexpythonsdk import WebexAPI
from webexpythonsdk.exceptions import ApiError, RateLimitError

from bot.config import Settings
from cards import CardMessage

log = logging.getLogger(__name__)

__all__ = ["WebexClient", "ApiError", "RateLimitError"]


class WebexClient:
    def __init__(self, settings: Settings, access_token: str):
        # The SDK must never sleep on a 429 inside a worker thread: the caller decides.
        self.api = WebexAPI(access_token=access_token, base_url=settings.webex_api_url,
                            single_request_timeout=20, wait_on_rate_limit=False)

    def me(self) -> dict:
        return self.api.people.me().to_dict()

    def person(self, person_id: str) -> dict:
        return self.api.people.get(person_id).to_dict()

    def room(self, room_id: str) -> dict:
        return self.api.rooms.get(room_id).to_dict()

    def message(self, message_id: str) -> dict:
        return self.api.messages.get(message_id).to_dict()

    def attachment_action(self, action_id: str) -> dict:
        return self.api.attachment_actions.get(action_id).to_dict()

    def post(self, message: CardMessage, room_id: str = "", to_person_id: str = "") -> dict:
        target = {"roomId": room_id} if room_id else {"toPersonId": to_person_id}
        attachments = message.attachments()
        extra = {"attachments": attachments} if attachments else {}
        return self.api.messages.create(markdown=message.markdown, **target, **extra).to_dict()

    # Webhooks
    def webhooks(self) -> list[dict]:
        return [hook.to_dict() for hook in self.api.webhooks.list()]

    def create_webhook(self, name: str, target_url: str, resource: str, event: str, secret: str) -> dict:
        return self.api.webhooks.create(name=name, targetUrl=target_url, resource=resource, event=event,
                                        secret=secret).to_dict()

    def update_webhook(self, webhook_id: str, name: str, target_url: str, secret: str, status: str = "active") -> dict:
        return self.api.webhooks.update(webhook_id, name=name, targetUrl=target_url, secret=secret,
                                        status=status).to_dict()

    def delete_webhook(self, webhook_id: str) -> None:
        self.api.webhooks.delete(webhook_id)
