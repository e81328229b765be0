"""A terminal chat with the sandbox bot: type as a person, see replies and cards, press buttons.

It is an ordinary Webex client of the local Webex-compatible server: it posts messages and
attachment actions with a person's token and follows the sandbox's message feed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import requests

HELP = """Type a message to the bot, or:
  /press N      press button N of the last card (asks for the card's inputs)
  /group        talk in the group space "Acme team" (the bot is @mentioned for you)
  /direct       talk in your direct space with the bot
  /as NAME      become alice, bob or carol
  /answer       answer your ringing (simulated) phone      /decline   decline it
  /phone        what your simulated phone is doing
  /help         this text        /quit   leave"""


@dataclass
class Button:
    title: str
    data: dict
    inputs: list[dict]  # Input.* elements whose values the press sends
    url: str = ""


@dataclass
class RenderedCard:
    lines: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)


def render_card(card: dict) -> RenderedCard:
    """Adaptive Card → readable lines and numbered buttons. Pure."""
    rendered = RenderedCard()
    _render_items(card.get("body", []), rendered, indent="  ")
    _render_actions(card.get("actions", []), _inputs(card.get("body", [])), rendered)
    return rendered


def _render_items(items: list, rendered: RenderedCard, indent: str) -> None:
    for item in items:
        kind = item.get("type")
        if kind == "TextBlock":
            rendered.lines.append(indent + item.get("text", "").replace("**", ""))
        elif kind == "FactSet":
            rendered.lines += [f"{indent}{fact['title']}: {fact['value']}" for fact in item.get("facts", [])]
        elif kind in ("Container", "Column"):
            _render_items(item.get("items", []), rendered, indent)
        elif kind == "ColumnSet":
            parts = []
            for column in item.get("columns", []):
                column_card = RenderedCard()
                _render_items(column.get("items", []), column_card, "")
                parts.append(" ".join(column_card.lines))
            rendered.lines.append(indent + "  |  ".join(parts))
        elif kind and kind.startswith("Input."):
            value = f" [{item['value']}]" if item.get("value") else ""
            rendered.lines.append(f"{indent}<{item.get('label') or item.get('placeholder') or item['id']}>{value}")
        elif kind == "ActionSet":
            _render_actions(item.get("actions", []), [], rendered)


def _inputs(items: list) -> list[dict]:
    found = []
    for item in items:
        if str(item.get("type", "")).startswith("Input."):
            found.append(item)
        found += _inputs(item.get("items", []))
        for column in item.get("columns", []):
            found += _inputs(column.get("items", []))
    return found


def _render_actions(actions: list, inputs: list[dict], rendered: RenderedCard) -> None:
    for action in actions:
        kind = action.get("type")
        if kind == "Action.Submit":
            rendered.buttons.append(Button(action.get("title", "?"), action.get("data") or {}, inputs))
        elif kind == "Action.OpenUrl":
            rendered.buttons.append(Button(action.get("title", "link"), {}, [], url=action.get("url", "")))
        elif kind == "Action.ShowCard":
            inner = action.get("card", {})
            inner_inputs = inputs + _inputs(inner.get("body", []))
            first = len(rendered.buttons)
            _render_actions(inner.get("actions", []), inner_inputs, rendered)
            for button in rendered.buttons[first:]:
                button.title = f"{action.get('title', '')}: {button.title}"


class Chat:
    def __init__(self, base_url: str, person: str, bot_url: str = ""):
        self.base = base_url.rstrip("/")
        self.bot_url = bot_url.rstrip("/")
        self.world = requests.get(f"{self.base}/_sandbox/world", timeout=5).json()
        self.lock = threading.Lock()
        self.buttons: list[Button] = []
        self.last_card_message = ""
        self.become(person)
        self.room = self.direct_room

    def become(self, person: str) -> None:
        me = self.world["people"][person]
        self.me, self.token = me, me["token"]
        self.direct_room = me["directRoomId"]
        self.room = self.direct_room

    def say(self, text: str) -> None:
        markdown = text
        if self.room != self.direct_room:
            bot = self.world["people"]["bot"]
            markdown = f"<@personId:{bot['id']}|{bot['displayName']}> {text}"
        self._post("messages", {"roomId": self.room, "markdown": markdown})

    def press(self, number: int, ask=input) -> None:
        with self.lock:
            if not 1 <= number <= len(self.buttons):
                print(f"There is no button {number}.")
                return
            button, message_id = self.buttons[number - 1], self.last_card_message
        if button.url:
            print(f"(a link: {button.url})")
            return
        values = {}
        for element in button.inputs:
            prompt = element.get("label") or element.get("placeholder") or element["id"]
            default = element.get("value", "")
            typed = ask(f"{prompt}{f' [{default}]' if default else ''}: ").strip()
            values[element["id"]] = typed or default
        self._post("attachment/actions", {"type": "submit", "messageId": message_id, "inputs": {**values, **button.data}})

    def phone(self, action: str = "") -> None:
        """The person's simulated phone, through the bot's sandbox API."""
        if not self.bot_url:
            print("(no simulated phone here: the bot answers calls by itself)")
            return
        url = f"{self.bot_url}/sandbox/api/phone/{self.me['id']}" + (f"/{action}" if action else "")
        response = requests.post(url, timeout=5) if action else requests.get(url, timeout=5)
        state = response.json()
        print(f"(phone: {state.get('error') or state.get('state')})")

    def _post(self, path: str, body: dict) -> None:
        response = requests.post(f"{self.base}/v1/{path}", json=body, timeout=10,
                                 headers={"Authorization": f"Bearer {self.token}"})
        if response.status_code >= 400:
            print(f"(Webex said {response.status_code}: {response.json().get('message')})")

    def follow(self, stop: threading.Event) -> None:
        after = requests.get(f"{self.base}/_sandbox/feed", params={"after": 0}, timeout=5).json()["seq"]
        while not stop.is_set():
            try:
                feed = requests.get(f"{self.base}/_sandbox/feed", timeout=35,
                                    params={"after": after, "wait": 25, "personId": self.me["id"]}).json()
            except requests.RequestException:
                stop.wait(1)
                continue
            after = feed["seq"]
            for message in feed["items"]:
                self.show(message)

    def show(self, message: dict) -> None:
        who = message.get("personDisplayName") or "?"
        where = "" if message["roomId"] == self.direct_room else f"[{message.get('roomTitle')}] "
        if message.get("personId") == self.me["id"]:
            return
        attachments = message.get("attachments") or []
        print(f"\n{where}{who}:" + ("" if attachments else f" {message.get('text') or message.get('markdown', '')}"))
        for attachment in attachments:
            rendered = render_card(attachment.get("content", {}))
            print("\n".join(rendered.lines))
            with self.lock:
                self.buttons, self.last_card_message = rendered.buttons, message["id"]
            for i, button in enumerate(rendered.buttons, 1):
                print(f"  ({i}) {button.title}")
        print("> ", end="", flush=True)


def run_chat(base_url: str, person: str = "alice", bot_url: str = "") -> int:
    chat = Chat(base_url, person, bot_url)
    stop = threading.Event()
    threading.Thread(target=chat.follow, args=(stop,), daemon=True).start()
    print(f"You are {chat.me['displayName']}, in your direct space with the bot. Try: help\n{HELP}")
    try:
        while True:
            line = input("> ").strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line == "/help":
                print(HELP)
            elif line == "/group":
                chat.room = chat.world["rooms"]["Acme team"]
                print("Now in the group space Acme team.")
            elif line == "/direct":
                chat.room = chat.direct_room
                print("Now in your direct space with the bot.")
            elif line.startswith("/as "):
                chat.become(line[4:].strip().lower())
                print(f"You are now {chat.me['displayName']}.")
            elif line in ("/answer", "/decline"):
                chat.phone(line[1:])
            elif line == "/phone":
                chat.phone()
            elif line.startswith("/press"):
                arg = line[6:].strip()
                chat.press(int(arg) if arg.isdigit() else 0)
            else:
                chat.say(line)
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        stop.set()
    return 0
