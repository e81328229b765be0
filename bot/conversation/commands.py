"""What the worker hands to handlers: who asked (Origin) and what they asked for (a Command).

Agent events and deadlines are commands too, so every change to a session goes
through the same handler path.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only a type here; card_tokens depends on the catalog, which depends on this module
    from bot.conversation.card_tokens import CardClaims


@dataclass(frozen=True)
class Origin:
    person_id: str
    person_email: str = ""
    display_name: str = ""
    room_id: str = ""
    room_type: str = "direct"  # "direct" | "group"
    event_key: str = ""  # resource:event:data.id, the same for every delivery of one event
    received_at: float = 0.0
    late_seconds: float = 0.0  # set by the worker when the answer is late enough to say so
    agents_available: bool = True  # set by the worker: is any meeting agent alive?
    org_id: str = ""
    is_admin: bool = False
    card: CardClaims | None = None  # the pressed button's claims, when the command came from a card
    profile_phones: tuple[tuple[str, str], ...] = ()  # (mobile | work, number as in the Webex profile)
    space_meeting: Meeting | None = None  # the group space's own meeting, when it has one

    @property
    def in_group(self) -> bool:
        return self.room_type == "group"


@dataclass(frozen=True)
class Meeting:
    kind: str  # "number" | "link" | "sip"
    value: str

    def describe(self) -> str:
        """Meeting numbers the way Webex prints them (2551 234 567); links and SIP as given."""
        if self.kind != "number":
            return self.value
        digits = self.value
        head = 3 if len(digits) == 9 else 4
        return " ".join(part for part in (digits[:head], digits[head : head + 3], digits[head + 3 :]) if part)


@dataclass(frozen=True, kw_only=True)
class Command:
    origin: Origin


@dataclass(frozen=True, kw_only=True)
class Help(Command):
    greeting: bool = False  # said as hello: the card comes with a one-line hello


@dataclass(frozen=True, kw_only=True)
class Thanks(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class Ambiguous(Command):
    """Two actions asked for at once ("hang up and call me"): asked about, never guessed."""

    choices: tuple[str, ...]  # catalog action names


@dataclass(frozen=True, kw_only=True)
class Negated(Command):
    """Something the person said not to do ("don't call me"): nothing is done."""

    intents: tuple[str, ...]  # catalog action names


@dataclass(frozen=True, kw_only=True)
class SetMeeting(Command):
    meeting: Meeting
    password: str = field(default="", repr=False)
    for_space: bool = False  # the group space's meeting, for every member
    then: Command | None = None  # asked in the same breath: "dial in to meeting 2551 234 567"


@dataclass(frozen=True, kw_only=True)
class BadMeeting(Command):
    problem: str


@dataclass(frozen=True, kw_only=True)
class DialIn(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class DialOut(Command):
    number: str | None = None  # E.164, already allowed by policy; None: ask which
    phone_kind: str = ""  # "mobile" | "work": the profile's number of that kind was meant
    choices: tuple[tuple[str, str], ...] = ()  # (kind, E.164) profile numbers the policy allows, to offer


@dataclass(frozen=True, kw_only=True)
class StaleDialOut(Command):
    """A dial-out that waited too long: never placed late; the person is asked to confirm."""

    number: str
    waited_seconds: float


@dataclass(frozen=True, kw_only=True)
class BadNumber(Command):
    shown: str
    problem: str
    rule: str = "invalid"  # which rule refused it (bot/conversation/phone_numbers.py RULE_*)


@dataclass(frozen=True, kw_only=True)
class HangUp(Command):
    back_to_computer: bool = False  # said as "computer audio"


@dataclass(frozen=True, kw_only=True)
class Status(Command):
    pass


@dataclass(frozen=True, kw_only=True)
class Unknown(Command):
    text: str
    suggestion: str = "help"  # the closest command, as its example
    action: str = "help"  # the closest command's catalog name


@dataclass(frozen=True, kw_only=True)
class ForeignCard(Command):
    """A card pressed by someone other than the person it was made for."""


@dataclass(frozen=True, kw_only=True)
class StaleCard(Command):
    """A press whose token is missing, forged or expired, or that acts on another meeting or an ended call."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class NotAllowed(Command):
    """Someone outside ALLOWED_ORG_IDS / ALLOWED_DOMAINS / ALLOWED_PEOPLE."""


@dataclass(frozen=True, kw_only=True)
class RateLimitedDialOut(Command):
    number: str
    rule: str  # dialout_rate_person | dialout_rate_org


@dataclass(frozen=True, kw_only=True)
class AuditQuery(Command):
    person_email: str = ""  # empty: everyone
    entries: tuple = ()  # filled in by the worker, for admins only


@dataclass(frozen=True, kw_only=True)
class AgentEvent(Command):
    event: dict


@dataclass(frozen=True, kw_only=True)
class AgentTimeout(Command):
    command_id: str


@dataclass(frozen=True, kw_only=True)
class AgentGone(Command):
    """The meeting agent that held this person's phone audio stopped sending heartbeats."""

    agent: str
