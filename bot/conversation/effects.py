"""What handlers ask the worker to do. Plain data; the worker performs them in order:
the session and agent commands in one Redis transaction, then the replies."""
from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.commands import Meeting
from bot.conversation.session import Session
from bot.webex.messages import CardMessage


@dataclass(frozen=True)
class SaveSession:
    session: Session


@dataclass(frozen=True)
class SendToAgent:
    """A meeting-agent protocol command (DESIGN.md); the worker adds the deadline."""

    command_id: str
    op: str  # "use_phone_audio" | "disconnect_phone_audio"
    person_id: str
    display_name: str
    meeting: dict
    phone_number: str | None = None


@dataclass(frozen=True)
class Reply:
    """Post a message: into `room_id`, or directly to `to_person_id`."""

    message: CardMessage
    room_id: str = ""
    to_person_id: str = ""


@dataclass(frozen=True)
class CountPhoneAudio:
    """A phone-audio command's outcome, for the operator's metrics."""

    op: str
    outcome: str  # sent | unavailable | error | timeout | agent_gone


@dataclass(frozen=True)
class Audit:
    """One line of the dial-out audit log; the worker adds who and when."""

    outcome: str  # placed | refused | connected | failed
    rule: str
    number: str  # masked
    meeting: str


@dataclass(frozen=True)
class ExtendDeadline:
    """The meeting asked the agent to wait (a lobby): the command may take this much longer."""

    command_id: str
    person_id: str
    seconds: float


@dataclass(frozen=True)
class SaveSpaceMeeting:
    """A group space's own meeting, for every member who has none of their own."""

    room_id: str
    meeting: Meeting
    set_by: str


Effect = SaveSession | SendToAgent | Reply | CountPhoneAudio | Audit | ExtendDeadline | SaveSpaceMeeting
