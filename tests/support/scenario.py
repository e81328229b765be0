"""Scenario helpers: people who chat with the bot through the local Webex server, as a Webex
client would, and read its replies from the server's message feed."""
from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from dataclasses import dataclass, field

import redis
import requests

from bot import runtime
from bot.config import REPO_ROOT, load_settings
from bot.stores.sessions import SessionStore
from bot.web.server import ServerHandle, serve
from localwebex.server import create_app as create_webex_app
from localwebex.state import State, seed
from tests.support.waiting import wait_for

TEST_ENV = {
    "SIMULATOR_ANSWER_SECONDS": "0.3",
    "SIMULATOR_FAIL_NUMBERS": "+14085550199",
    "AGENT_COMMAND_TIMEOUT_SECONDS": "8",
    "LOG_LEVEL": "WARNING",
}
WAIT = 10.0


@dataclass
class Stack:
    redis: redis.Redis
    webex_server: ServerHandle
    webex_state: State
    world: dict
    bot: runtime.Runtime
    people: dict = field(default_factory=dict)

    @classmethod
    def start(cls, client: redis.Redis, prefix: str, workers: bool = True, configure=None, **env) -> "Stack":
        """`configure(world)` may return more settings that depend on the seeded world (org ids...)."""
        state = State()
        world = seed(state)
        webex = serve(create_webex_app(state))
        env = {**env, **(configure(world) if configure else {})}
        values = {**TEST_ENV, **{k.upper(): str(v) for k, v in env.items()},
                  "WEBEX_API_URL": f"{webex.url}/v1/", "REDIS_KEY_PREFIX": prefix}
        settings = load_settings(values)
        try:
            bot = runtime.start(settings, client=client, web_port=0, workers=workers)
        except Exception:
            webex.stop()
            raise
        return cls(redis=client, webex_server=webex, webex_state=state, world=world, bot=bot)

    def stop(self) -> None:
        self.bot.stop()
        self.webex_server.stop()

    @property
    def settings(self):
        return self.bot.settings

    def restart_workers(self) -> None:
        if self.bot.worker is not None:
            self.bot.worker.stop()
        self.bot.worker = runtime.start_worker(self.bot)

    def env(self, redis_url: str, **extra) -> dict:
        """Environment for a bot process of its own (`python -m bot worker`, `dead-letters`) on this stack."""
        values = {**os.environ, **TEST_ENV, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": self.settings.redis_key_prefix,
                  "WEBEX_API_URL": self.settings.webex_api_url, "PYTHONPATH": str(REPO_ROOT)}
        values.pop("WEBEX_ACCESS_TOKEN", None)
        return {**values, **{k.upper(): str(v) for k, v in extra.items()}}

    def fault(self, **fault) -> None:
        """Make the local Webex misbehave for the bot's token (Webex limits per token)."""
        fault.setdefault("personId", self.bot_id)
        requests.post(f"{self.webex_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.webex_url}/_sandbox/faults", timeout=5).raise_for_status()

    def all_requests(self) -> list[dict]:
        return requests.get(f"{self.webex_url}/_sandbox/requests", timeout=5).json()["items"]

    @property
    def webex_url(self) -> str:
        return self.webex_server.url

    @property
    def bot_url(self) -> str:
        return self.bot.web.url

    @property
    def bot_id(self) -> str:
        return self.world["botId"]

    def person(self, name: str) -> "Person":
        if name not in self.people:
            self.people[name] = Person(self, name)
        return self.people[name]

    def group_room(self) -> str:
        return self.world["rooms"]["Acme team"]

    # What the bot did
    def bot_requests(self) -> list[dict]:
        items = requests.get(f"{self.webex_url}/_sandbox/requests", timeout=5).json()["items"]
        return [item for item in items if item.get("actorId") == self.bot_id]

    def bot_messages(self, room_id: str | None = None) -> list[dict]:
        feed = requests.get(f"{self.webex_url}/_sandbox/feed", params={"after": 0}, timeout=5).json()["items"]
        return [m for m in feed if m.get("personId") == self.bot_id and (room_id is None or m["roomId"] == room_id)]

    def agent_commands(self) -> list[dict]:
        stream = self.settings.key("meetings", "commands")
        return [json.loads(fields["data"]) for _, fields in self.redis.xrange(stream)]

    def session(self, person: "Person") -> dict:
        return dataclasses.asdict(SessionStore(self.redis, self.settings).load(person.id))

    def wait_until(self, condition, timeout: float = WAIT, what: str = "condition"):
        return wait_for(condition, timeout, what)


class Person:
    def __init__(self, stack: Stack, name: str):
        self.stack = stack
        info = stack.world["people"][name]
        self.name, self.id, self.token = name, info["id"], info["token"]
        self.display_name = info["displayName"]
        self.direct_room = info["directRoomId"]
        self.cursor = 0
        self.seen: list[dict] = []
        self.unread: list[dict] = []

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def say(self, text: str, room: str | None = None) -> dict:
        """Post a message; in a group space the bot is @mentioned, as a Webex client does."""
        room = room or self.direct_room
        markdown = text
        if room != self.direct_room:
            markdown = f"<@personId:{self.stack.bot_id}|Phone Audio> {text}"
        response = requests.post(f"{self.stack.webex_url}/v1/messages", headers=self.headers, timeout=5,
                                 json={"roomId": room, "markdown": markdown})
        assert response.status_code == 200, response.text
        return response.json()

    def press(self, message: dict, title: str, **inputs) -> dict:
        """Press a card's Action.Submit by its title, with the card's input values (plus `inputs`)."""
        card = message["attachments"][0]["content"]
        action, defaults = find_submit(card, title)
        body = {"type": "submit", "messageId": message["id"], "inputs": {**defaults, **inputs, **action.get("data", {})}}
        response = requests.post(f"{self.stack.webex_url}/v1/attachment/actions", headers=self.headers, json=body,
                                 timeout=5)
        assert response.status_code in (200, 202), response.text
        return response.json()

    def new_bot_messages(self) -> list[dict]:
        feed = requests.get(f"{self.stack.webex_url}/_sandbox/feed", timeout=5,
                            params={"after": self.cursor, "personId": self.id, "wait": 0.2}).json()
        self.cursor = feed["seq"]
        mine = [m for m in feed["items"] if m.get("personId") == self.stack.bot_id]
        self.seen += mine
        return mine

    def expect(self, contains: str, room: str | None = None, timeout: float = WAIT) -> dict:
        """The first unread bot message (in `room`, if given) whose text or card contains `contains`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.unread += self.new_bot_messages()
            for index, message in enumerate(self.unread):
                if contains in _text(message) and (room is None or message["roomId"] == room):
                    return self.unread.pop(index)
        raise AssertionError(f"{self.name} got no bot message containing {contains!r}; unread: "
                             + " | ".join(_text(m)[:160] for m in self.unread))

    def set_meeting(self, number: str = "2551 234 567", room: str | None = None) -> dict:
        self.say(f"meeting {number}", room=room)
        return self.expect("Meeting set to", room=room)

    def connect_phone(self, number: str = "408 555 0100") -> dict:
        """Dial out and wait until the call is SUCCESS; the "connected" message."""
        self.say(f"call me at {number}")
        self.expect("Calling")
        connected = self.expect("Your phone is connected")
        self.wait_for_dial_out("SUCCESS")
        return connected

    def wait_for_dial_out(self, status: str) -> None:
        """Until this person's session shows the dial-out in `status` (the SDK's PSTN_STATUS)."""
        self.stack.wait_until(lambda: self.stack.session(self).get("dial_out_status") == status, what=status)

    def quiet_for(self, seconds: float) -> list[dict]:
        """Bot messages that arrive in the next `seconds` (usually expected to be none)."""
        deadline = time.monotonic() + seconds
        arrived: list[dict] = []
        while time.monotonic() < deadline:
            arrived += self.new_bot_messages()
        self.unread += arrived
        return arrived


def at_once(action, *argument_lists) -> None:
    """Run `action` once per argument list, all at the same time, and wait for every one."""
    threads = [threading.Thread(target=action, args=args) for args in argument_lists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _text(message: dict) -> str:
    return (message.get("markdown") or message.get("text") or "") + json.dumps(message.get("attachments") or [])


def find_submit(card: dict, title: str) -> tuple[dict, dict]:
    """The Action.Submit with this title, anywhere in the card, and the default values of the
    inputs a press would send with it."""
    def walk(node, inputs):
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit" and node.get("title") == title:
                return node, inputs
            if node.get("type") == "AdaptiveCard":
                inputs = {**inputs, **_input_defaults(node.get("body", []))}
            for value in node.values():
                found = walk(value, inputs)
                if found:
                    return found
        elif isinstance(node, list):
            for value in node:
                found = walk(value, inputs)
                if found:
                    return found
        return None

    found = walk(card, {})
    assert found, f"no button {title!r} on the card"
    return found


def _input_defaults(items: list) -> dict:
    values = {}
    for item in items:
        if str(item.get("type", "")).startswith("Input.") and item.get("value"):
            values[item["id"]] = item["value"]
        values.update(_input_defaults(item.get("items", [])))
    return values
