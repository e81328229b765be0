"""An inbox entry → a Command: fetch the message or card press from Webex, then parse it.

Returns None for events the bot must not answer: its own messages and other bots'.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from bot.config import Settings
from bot.conversation import commands as c
from bot.conversation.access import is_admin, is_allowed
from bot.conversation.mentions import strip_mention
from bot.conversation.parse import ParseRules, parse_card, parse_text
from bot.stores.directory import Directory
from bot.stores.space_meetings import SpaceMeetings
from bot.webex.client import WebexClient

log = logging.getLogger(__name__)
BOT_EMAIL_DOMAINS = ("@webex.bot", "@sparkbot.io")


@dataclass(frozen=True)
class BotIdentity:
    person_id: str
    names: tuple[str, ...]  # how a mention of the bot reads in plain text

    @classmethod
    def from_person(cls, me: dict) -> "BotIdentity":
        display = me.get("displayName") or ""
        names = tuple(n for n in (display, me.get("nickName"), display.split(" ")[0]) if n)
        return cls(person_id=me["id"], names=names)


PROFILE_PHONE_TYPES = ("mobile", "work")  # Webex's Person.phoneNumbers types that reach a person (not fax)


def profile_phones(person: dict) -> tuple[tuple[str, str], ...]:
    """The person's mobile and work numbers from their Webex profile, as (type, number)."""
    numbers = person.get("phoneNumbers") if isinstance(person.get("phoneNumbers"), list) else []
    return tuple((str(n["type"]), str(n["value"])) for n in numbers
                 if isinstance(n, dict) and n.get("type") in PROFILE_PHONE_TYPES and n.get("value"))


def is_bot(person_id: str, email: str, bot: BotIdentity) -> bool:
    return person_id == bot.person_id or email.lower().endswith(BOT_EMAIL_DOMAINS)


class Incoming:
    def __init__(self, webex: WebexClient, directory: Directory, bot: BotIdentity, settings: Settings,
                 space_meetings: SpaceMeetings):
        self.webex = webex
        self.directory = directory
        self.space_meetings = space_meetings
        self.bot = bot
        self.settings = settings
        self.rules = ParseRules(settings.default_region, settings.dialout_countries)

    def command(self, fields: dict) -> c.Command | None:
        data = json.loads(fields.get("data") or "{}")
        resource = fields.get("resource")
        actor_id = data.get("personId", "")
        if is_bot(actor_id, data.get("personEmail", ""), self.bot):
            return None  # never answer ourselves or another bot; no Webex call needed
        if resource == "messages":
            return self._message(data, fields)
        if resource == "attachmentActions":
            return self._card_press(data, fields)
        log.warning("ignored event", extra={"event_key": fields.get("key")})
        return None

    def _origin(self, person: dict, room_id: str, room_type: str, fields: dict) -> c.Origin:
        emails = person.get("emails") or [""]
        space_meeting = self.space_meetings.get(room_id) if room_type == "group" else None
        return c.Origin(person_id=person["id"], person_email=emails[0], display_name=person.get("displayName", ""),
                        room_id=room_id, room_type=room_type, event_key=fields.get("key", ""),
                        received_at=float(fields.get("received_at") or 0), org_id=person.get("orgId", ""),
                        is_admin=is_admin(person, self.settings), profile_phones=profile_phones(person),
                        space_meeting=space_meeting)

    def _message(self, data: dict, fields: dict) -> c.Command | None:
        message = self.webex.message(data["id"])
        person = self.directory.person(message["personId"])
        if is_bot(person["id"], message.get("personEmail", ""), self.bot) or person.get("type") == "bot":
            return None
        room_type = message.get("roomType") or data.get("roomType") or "direct"
        text = message.get("text", "")
        if room_type == "group":
            text = strip_mention(text, message.get("html"), self.bot.person_id, self.bot.names)
        origin = self._origin(person, message["roomId"], room_type, fields)
        if not is_allowed(person, self.settings):
            return c.NotAllowed(origin=origin)
        return parse_text(text, origin, self.rules)

    def _card_press(self, data: dict, fields: dict) -> c.Command | None:
        action = self.webex.attachment_action(data["id"])
        person = self.directory.person(action["personId"])
        if person.get("type") == "bot":
            return None
        room = self.directory.room(action["roomId"])
        origin = self._origin(person, action["roomId"], room.get("type", "direct"), fields)
        if not is_allowed(person, self.settings):
            return c.NotAllowed(origin=origin)
        return parse_card(action.get("inputs") or {}, origin, self.rules)
