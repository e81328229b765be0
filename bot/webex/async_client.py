"""The worker's hot path to Webex, on aiohttp: GET messages/{id}, GET attachment/actions/{id},
GET people/{id}, GET rooms/{id}, POST messages. Hundreds of calls can be in flight at once
in one thread (webexpythonsdk is built on requests: one blocked thread per call in flight).

Same contract as bot/webex/client.py (which keeps everything else): plain dicts as Webex's
OpenAPI spec describes, every call counted by endpoint and status, a 429 pauses the endpoint
for every process (AsyncPauses) and raises Paused, other errors raise ApiError with the status.
"""
from __future__ import annotations

import asyncio

import aiohttp

from bot.config import Settings
from bot.metrics import WEBEX_CALLS
from bot.stores.endpoint_pauses import AsyncPauses, Paused
from bot.webex.client import ApiError
from bot.webex.messages import CardMessage

MAX_CONNECTIONS = 256
DEFAULT_RETRY_AFTER = 15  # what webexpythonsdk assumes when Webex sends none
ASYNC_TRANSIENT_ERRORS = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, asyncio.TimeoutError)


class HttpApiError(ApiError):
    """An error answer on the hot path; an ApiError like the SDK's, so one failure policy covers both."""

    def __init__(self, status_code: int, details: dict | None, endpoint: str):  # noqa: D107 - the SDK's needs a response
        self.response = self.request = None
        self.status_code, self.status, self.details = status_code, "", details
        self.message = (details or {}).get("message")
        self.tracking_id = (details or {}).get("trackingId")
        self.error_message = f"[{status_code}] {endpoint} - {self.message or 'error'}"
        Exception.__init__(self, self.error_message)


class AsyncWebex:
    def __init__(self, settings: Settings, access_token: str, pauses: AsyncPauses, timeout_seconds: float = 20):
        self.base = settings.webex_api_url
        self.headers = {"Authorization": f"Bearer {access_token}"}
        self.pauses = pauses
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.session = aiohttp.ClientSession(timeout=self.timeout, headers=self.headers,
                                             connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS))

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def _call(self, endpoint: str, method: str, path: str, body: dict | None = None) -> dict:
        await self.pauses.check(endpoint)
        try:
            async with self.session.request(method, self.base + path, json=body) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
                details = await response.json(content_type=None) if status != 204 else {}
        except ASYNC_TRANSIENT_ERRORS:
            WEBEX_CALLS.labels(endpoint, "network_error").inc()
            raise
        except ValueError:
            details = None  # not JSON: judged by its status alone
        if status == 429:
            WEBEX_CALLS.labels(endpoint, "429").inc()
            seconds = float(retry_after) if retry_after and retry_after.isdigit() else DEFAULT_RETRY_AFTER
            raise Paused(endpoint, await self.pauses.pause(endpoint, seconds))
        if status >= 400 or not isinstance(details, dict):
            WEBEX_CALLS.labels(endpoint, str(status)).inc()
            raise HttpApiError(status, details if isinstance(details, dict) else None, endpoint)
        WEBEX_CALLS.labels(endpoint, str(status)).inc()
        return details

    async def message(self, message_id: str) -> dict:
        return await self._call("GET messages", "GET", f"messages/{message_id}")

    async def attachment_action(self, action_id: str) -> dict:
        return await self._call("GET attachment/actions", "GET", f"attachment/actions/{action_id}")

    async def person(self, person_id: str) -> dict:
        return await self._call("GET people", "GET", f"people/{person_id}")

    async def room(self, room_id: str) -> dict:
        return await self._call("GET rooms", "GET", f"rooms/{room_id}")

    async def post(self, message: CardMessage, room_id: str = "", to_person_id: str = "") -> dict:
        body: dict = {"markdown": message.markdown, **({"roomId": room_id} if room_id else {"toPersonId": to_person_id})}
        attachments = message.attachments()
        if attachments:
            body["attachments"] = attachments
        return await self._call("POST messages", "POST", "messages", body)
