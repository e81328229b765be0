"""Webhook delivery: real HTTP POSTs of Webex envelopes, signed like Webex signs them.

Each target URL gets its own single-worker queue, so events reach a target in creation
order while the API response that caused them is not held up.
"""
import hashlib
import hmac
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote

import requests

from .errors import bad_request, not_found
from .state import State, now_iso

SIGNATURE_HEADER = "X-Spark-Signature"


def webex_signature(secret: str, body: bytes) -> str:
    """What Webex puts in X-Spark-Signature: the hex HMAC-SHA1 of the raw body with the webhook's secret.
    Written here on its own, not imported from the bot, so a bug in the bot's check shows end to end."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


FILTER_KEYS = {
    "messages": {"roomId", "roomType", "personId", "personEmail", "mentionedPeople"},
    "attachmentActions": {"roomId", "personId", "messageId"},
}


def parse_filter(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    pairs = {}
    for part in text.split("&"):
        key, sep, value = part.partition("=")
        if not sep or not key or not value:
            raise bad_request(f"Invalid webhook filter: {text!r}")
        pairs[key] = unquote(value)
    return pairs


def check_filter(resource: str, text: str | None) -> None:
    """Reject filters Webex would not apply, so a typo does not silently match everything."""
    allowed = FILTER_KEYS.get(resource)
    for key in parse_filter(text):
        if allowed is not None and key not in allowed:
            raise bad_request(f"Unsupported filter {key!r} for resource {resource!r}")


class Delivery:
    def __init__(self, state: State, timeout: float = 5.0):
        self.state = state
        self.timeout = timeout
        self._queues: dict[str, ThreadPoolExecutor] = {}
        self._pending = 0
        self._idle = threading.Condition()

    # --- who sees what -----------------------------------------------------

    def _message_visible(self, owner: dict, message: dict, room: dict) -> bool:
        if message["personId"] == owner["id"]:
            return True  # Webex delivers your own messages too; bots must ignore them
        if not self.state.is_member(room["id"], owner["id"]):
            return False
        if owner["type"] == "bot" and room["type"] == "group":
            return owner["id"] in message.get("mentionedPeople", [])
        return True

    def _filter_ok(self, hook: dict, owner: dict, facts: dict) -> bool:
        for key, value in parse_filter(hook.get("filter")).items():
            if key == "mentionedPeople":
                wanted = owner["id"] if value == "me" else value
                if wanted not in facts.get("mentionedPeople", []):
                    return False
            elif key == "personEmail":
                if value.lower() != str(facts.get("personEmail", "")).lower():
                    return False
            elif facts.get(key) != value:
                return False
        return True

    def _hooks_for(self, resource: str):
        for hook in self.state.webhooks.values():
            if hook["resource"] == resource and hook["event"] in ("created", "all") \
                    and hook["status"] == "active":
                yield hook, self.state.people[hook["createdBy"]]

    # --- event entry points (call while holding state.lock) -------------------

    def message_created(self, message: dict) -> None:
        with self.state.lock:
            room = self.state.rooms[message["roomId"]]
            data = {"id": message["id"], "roomId": room["id"], "roomType": room["type"],
                    "personId": message["personId"], "personEmail": message["personEmail"]}
            if message.get("mentionedPeople"):
                data["mentionedPeople"] = list(message["mentionedPeople"])
            if message.get("mentionedGroups"):
                data["mentionedGroups"] = list(message["mentionedGroups"])
            data["created"] = message["created"]
            for hook, owner in self._hooks_for("messages"):
                if self._message_visible(owner, message, room) and \
                        self._filter_ok(hook, owner, data):
                    self._dispatch(hook, "messages", message["personId"], data)

    def action_created(self, action: dict, message: dict) -> None:
        with self.state.lock:
            data = {"id": action["id"], "type": action["type"], "messageId": action["messageId"],
                    "personId": action["personId"], "roomId": action["roomId"],
                    "created": action["created"]}
            for hook, owner in self._hooks_for("attachmentActions"):
                if message["personId"] == owner["id"] and self._filter_ok(hook, owner, data):
                    self._dispatch(hook, "attachmentActions", action["personId"], data)

    def _dispatch(self, hook: dict, resource: str, actor_id: str, data: dict) -> None:
        envelope = {"id": hook["id"], "name": hook["name"], "targetUrl": hook["targetUrl"],
                    "resource": resource, "event": "created"}
        if hook.get("filter"):
            envelope["filter"] = hook["filter"]
        envelope.update({"orgId": hook["orgId"], "createdBy": hook["createdBy"],
                         "appId": hook["appId"], "ownedBy": "creator", "status": hook["status"],
                         "created": hook["created"], "actorId": actor_id, "data": data})
        sent = {"webhookId": hook["id"], "targetUrl": hook["targetUrl"],
                "secret": hook.get("secret"), "resource": resource, "dataId": data["id"],
                "actorId": actor_id, "body": json.dumps(envelope).encode()}
        self.state.sent_events.setdefault((resource, data["id"]), []).append(sent)
        self._enqueue(sent, redelivery=False)

    # --- sending ------------------------------------------------------------

    def _enqueue(self, sent: dict, redelivery: bool) -> None:
        with self._idle:
            self._pending += 1
            queue = self._queues.get(sent["targetUrl"])
            if queue is None:
                queue = self._queues[sent["targetUrl"]] = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="localwebex-delivery")
        queue.submit(self._send_and_settle, sent, redelivery, self.state.generation)

    def _send_and_settle(self, sent: dict, redelivery: bool, generation: int) -> None:
        try:
            self.send(sent, redelivery, generation)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def send(self, sent: dict, redelivery: bool, generation: int | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if sent["secret"]:
            headers[SIGNATURE_HEADER] = webex_signature(sent["secret"], sent["body"])
        record = {"webhookId": sent["webhookId"], "targetUrl": sent["targetUrl"],
                  "resource": sent["resource"], "event": "created", "dataId": sent["dataId"],
                  "actorId": sent["actorId"], "signed": bool(sent["secret"]),
                  "redelivery": redelivery, "status": None, "error": None,
                  "envelope": json.loads(sent["body"])}
        try:
            response = requests.post(sent["targetUrl"], data=sent["body"], headers=headers,
                                     timeout=self.timeout)
            record["status"] = response.status_code
        except requests.RequestException as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
        record["at"] = now_iso()
        with self.state.lock:
            # Results from before a /_sandbox/reset would only confuse the next test.
            if generation is None or generation == self.state.generation:
                record["seq"] = len(self.state.deliveries) + 1
                self.state.deliveries.append(record)
        return record

    def redeliver(self, resource: str, data_id: str, times: int, concurrent: bool) -> list[dict]:
        """Send the exact envelopes already sent for an event again, `times` times each."""
        with self.state.lock:
            sent_list = list(self.state.sent_events.get((resource, data_id), []))
        if not sent_list:
            raise not_found(f"No {resource} event {data_id} was delivered to any webhook.")
        jobs = [sent for sent in sent_list for _ in range(max(0, times))]
        generation = self.state.generation
        if not concurrent:
            return [self.send(sent, True, generation) for sent in jobs]
        with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
            return list(pool.map(lambda sent: self.send(sent, True, generation), jobs))

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued delivery finished (True) or `timeout` passed (False)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True
