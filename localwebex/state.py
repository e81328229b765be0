"""Thread-safe in-memory Webex world: orgs, people, tokens, rooms, messages, webhooks.

One re-entrant lock guards everything; it is cheap enough for a test server and makes
multi-step operations (find-or-create a direct room, then post) atomic.
Records keep the public Webex field names; keys starting with "_" are internal.
"""
import copy
import itertools
import threading
from datetime import datetime, timezone

from .errors import WebexError, bad_request, not_found
from .ids import make_id

BOT_TOKEN = "sandbox-bot-token"


def now_iso() -> str:
    """Webex timestamps: UTC, millisecond precision, `Z` suffix."""
    stamp = datetime.now(timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def public(record: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}


class State:
    def __init__(self):
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)  # wakes feed long-polls
        self._seq = itertools.count(1)  # never reset, so feed cursors stay valid
        self.generation = 0
        self.clear()

    def next_seq(self) -> int:
        return next(self._seq)

    def clear(self) -> None:
        with self.lock:
            self.generation += 1
            self.orgs: dict[str, dict] = {}
            self.people: dict[str, dict] = {}
            self.tokens: dict[str, str] = {}
            self.rooms: dict[str, dict] = {}
            self.memberships: dict[str, dict] = {}
            self.messages: dict[str, dict] = {}
            self.actions: dict[str, dict] = {}
            self.webhooks: dict[str, dict] = {}
            self.guests: dict[tuple[str, str], str] = {}  # (orgId, subject) -> personId
            self.requests: list[dict] = []
            self.deliveries: list[dict] = []
            self.sent_events: dict[tuple[str, str], list[dict]] = {}
            self.faults: list[dict] = []
            self.feed: list[dict] = []
            self.app_id = make_id("APPLICATION")
            self.world: dict = {}

    # --- orgs and people -------------------------------------------------

    def add_org(self, name: str) -> dict:
        with self.lock:
            for org in self.orgs.values():
                if org["displayName"] == name:
                    return org
            org = {"id": make_id("ORGANIZATION"), "displayName": name, "created": now_iso()}
            self.orgs[org["id"]] = org
            return org

    def add_person(self, email: str, display_name: str, org_id: str,
                   kind: str = "person", token: str | None = None) -> dict:
        with self.lock:
            if self.person_by_email(email):
                raise WebexError(409, f"A person with email {email} already exists.")
            person = {
                "id": make_id("PEOPLE"),
                "emails": [email],
                "phoneNumbers": [],
                "displayName": display_name,
                "orgId": org_id,
                "created": now_iso(),
                "type": kind,
            }
            self.rename_person(person, display_name)
            self.people[person["id"]] = person
            if token:
                self.tokens[token] = person["id"]
            return person

    @staticmethod
    def rename_person(person: dict, display_name: str) -> None:
        person["displayName"] = display_name
        if person["type"] == "bot":
            person["nickName"] = display_name
            return
        first, _, last = display_name.partition(" ")
        person.update(nickName=first, firstName=first)
        if last:
            person["lastName"] = last
        else:
            person.pop("lastName", None)

    def person_by_email(self, email: str) -> dict | None:
        wanted = email.strip().lower()
        with self.lock:
            for person in self.people.values():
                if wanted in (e.lower() for e in person["emails"]):
                    return person
        return None

    def person_for_token(self, token: str) -> dict | None:
        with self.lock:
            person_id = self.tokens.get(token)
            return self.people.get(person_id) if person_id else None

    def get_person(self, person_id: str) -> dict:
        with self.lock:
            person = self.people.get(person_id)
        if person is None:
            raise not_found("Person not found.")
        return person

    def resolve_person(self, kind: str, value: str) -> dict | None:
        """Look a person up by ("personId", id) or ("personEmail", email)."""
        if kind == "personId":
            return self.people.get(value)
        return self.person_by_email(value)

    # --- rooms and memberships ------------------------------------------

    def add_room(self, title: str | None, kind: str, creator_id: str, member_ids: list[str]) -> dict:
        with self.lock:
            stamp = now_iso()
            room = {"id": make_id("ROOM"), "title": title, "type": kind, "isLocked": False,
                    "lastActivity": stamp, "creatorId": creator_id, "created": stamp,
                    "ownerId": self.people[creator_id]["orgId"]}
            self.rooms[room["id"]] = room
            for person_id in member_ids:
                self.add_membership(room["id"], person_id)
            return room

    def add_membership(self, room_id: str, person_id: str, moderator: bool = False) -> dict:
        with self.lock:
            if self.membership_of(room_id, person_id):
                raise WebexError(409, "Person is already a member of the room.")
            room = self.rooms[room_id]
            person = self.people[person_id]
            membership = {
                "id": make_id("MEMBERSHIP"), "roomId": room_id, "personId": person_id,
                "personEmail": person["emails"][0], "personDisplayName": person["displayName"],
                "personOrgId": person["orgId"], "isModerator": moderator, "isMonitor": False,
                "isRoomHidden": False, "roomType": room["type"], "created": now_iso(),
            }
            self.memberships[membership["id"]] = membership
            return membership

    def membership_of(self, room_id: str, person_id: str) -> dict | None:
        with self.lock:
            for membership in self.memberships.values():
                if membership["roomId"] == room_id and membership["personId"] == person_id:
                    return membership
        return None

    def is_member(self, room_id: str, person_id: str) -> bool:
        return self.membership_of(room_id, person_id) is not None

    def member_ids(self, room_id: str) -> list[str]:
        with self.lock:
            return [m["personId"] for m in self.memberships.values() if m["roomId"] == room_id]

    def direct_room(self, a_id: str, b_id: str, create: bool = True) -> dict | None:
        """The 1:1 room between two people; Webex creates it on first message."""
        if a_id == b_id:
            raise bad_request("Cannot send a 1:1 message to yourself.")
        with self.lock:
            for room in self.rooms.values():
                if room["type"] == "direct" and set(self.member_ids(room["id"])) == {a_id, b_id}:
                    return room
            return self.add_room(None, "direct", a_id, [a_id, b_id]) if create else None

    def room_view(self, room: dict, viewer_id: str | None) -> dict:
        """A direct room's title is the other participant's name, as Webex shows it.

        Without a viewer (the sandbox feed) it names both participants.
        """
        view = public(room)
        if room["type"] == "direct":
            shown = [p for p in self.member_ids(room["id"]) if p != viewer_id]
            view["title"] = " & ".join(self.people[p]["displayName"] for p in shown)
        return view

    def room_for_member(self, room_id: str, person_id: str) -> dict:
        with self.lock:
            room = self.rooms.get(room_id)
            if room is None or not self.is_member(room_id, person_id):
                raise not_found("Could not find a room with provided ID.")
            return room

    # --- messages feed ---------------------------------------------------

    def publish(self, event: str, message: dict) -> None:
        """Append a message event to the sandbox feed and wake long-polls."""
        with self.changed:
            room = self.rooms.get(message["roomId"])
            author = self.people.get(message.get("personId", ""))
            entry = {"seq": self.next_seq(), "event": event, **public(message),
                     "roomTitle": self.room_view(room, None)["title"] if room else None,
                     "personDisplayName": author["displayName"] if author else None}
            self.feed.append(entry)
            self.changed.notify_all()


def _key(email: str) -> str:
    return email.split("@")[0].replace(".", "_").replace("-", "_")


def add_sandbox_person(state: State, email: str, display_name: str, org_name: str | None = None,
                       kind: str = "person", phone_numbers: list[dict] | None = None) -> dict:
    """Create a person with a readable token and a direct room with the bot; update the world.
    `phone_numbers` are the profile's, as Webex lists them: [{"type": "mobile", "value": "+1 ..."}]."""
    with state.lock:
        bot_id = state.world.get("botId")
        if org_name:
            org_id = state.add_org(org_name)["id"]
        elif bot_id:
            org_id = state.people[bot_id]["orgId"]
        else:
            org_id = state.add_org("Acme")["id"]
        key = _key(email)
        token = f"sandbox-{key}-token"
        suffix = 2
        while token in state.tokens:
            token, suffix = f"sandbox-{key}{suffix}-token", suffix + 1
        person = state.add_person(email, display_name, org_id, kind, token)
        person["phoneNumbers"] = [dict(number) for number in phone_numbers or []]
        direct_id = None
        if bot_id and kind == "person":
            direct_id = state.direct_room(person["id"], bot_id)["id"]
        entry = {"id": person["id"], "email": email, "displayName": display_name,
                 "orgId": org_id, "type": kind, "token": token, "directRoomId": direct_id}
        people = state.world.setdefault("people", {})
        people[key if key not in people else token] = entry
        return entry


def seed(state: State) -> dict:
    """Reset `state` to the default world and return its description (the "world" dict)."""
    with state.lock:
        state.clear()
        acme = state.add_org("Acme")
        globex = state.add_org("Globex")
        bot = state.add_person("phone-audio@webex.bot", "Phone Audio", acme["id"], "bot", BOT_TOKEN)
        state.world = {"botId": bot["id"], "botToken": BOT_TOKEN, "botEmail": bot["emails"][0],
                       "appId": state.app_id,
                       "orgs": {"Acme": acme["id"], "Globex": globex["id"]},
                       "people": {"bot": {"id": bot["id"], "email": bot["emails"][0],
                                          "displayName": bot["displayName"], "orgId": acme["id"],
                                          "type": "bot", "token": BOT_TOKEN, "directRoomId": None}},
                       "rooms": {}}
        # Profile numbers from the fictional 555-01xx range; Carol's work phone is in the UK.
        alice = add_sandbox_person(state, "alice@acme.example", "Alice Anders", "Acme", phone_numbers=[
            {"type": "mobile", "value": "+1 408 555 0100", "primary": True},
            {"type": "work", "value": "+1 650 555 0123"}])
        bob = add_sandbox_person(state, "bob@acme.example", "Bob Brown", "Acme", phone_numbers=[
            {"type": "mobile", "value": "+1 415 555 0142", "primary": True}])
        carol = add_sandbox_person(state, "carol@globex.example", "Carol Chen", "Globex", phone_numbers=[
            {"type": "work", "value": "+44 20 7946 0958", "primary": True}])
        team = state.add_room("Acme team", "group", alice["id"], [alice["id"], bob["id"], bot["id"]])
        state.world["rooms"] = {
            "Acme team": team["id"],
            "alice-bot": alice["directRoomId"],
            "bob-bot": bob["directRoomId"],
            "carol-bot": carol["directRoomId"],
        }
        return copy.deepcopy(state.world)
