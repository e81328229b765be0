"""The simulator's model of a meeting's phone devices, as the SDK keeps them: plain data."""
from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field

from bot.conversation.session import JOINED


@dataclass
class Device:
    status: str = ""
    attendee_id: str = ""
    reason: str = ""

    def as_payload(self, with_reason: bool) -> dict:
        payload = {"status": self.status, "attendeeId": self.attendee_id}
        if with_reason:
            payload["reason"] = self.reason
        return payload


@dataclass
class Participant:
    """One person's phone-audio devices in one meeting, as the SDK keeps them."""

    meeting_number: str
    display_name: str = ""
    dial_in: Device = field(default_factory=Device)
    dial_out: Device = field(default_factory=Device)
    dial_in_command: str = ""
    dial_out_command: str = ""
    phone_number: str = ""  # the number being called out to
    connected_since: float | None = None  # when the phone itself became meeting audio
    timers: list[threading.Timer] = field(default_factory=list)

    @property
    def ringing(self) -> bool:
        return self.dial_out.status == JOINED and bool(self.phone_number)


def meeting_number(meeting: dict) -> str | None:
    """What `webex.meetings.create(destination)` would resolve: here, every destination exists."""
    if meeting.get("number"):
        digits = "".join(ch for ch in str(meeting["number"]) if ch.isdigit())
        return digits or None
    destination = meeting.get("link") or meeting.get("sip")
    if not destination:
        return None
    user = str(destination).partition("@")[0]
    if "@" in str(destination) and user.isdigit():
        return user
    return str(int(hashlib.sha256(str(destination).encode()).hexdigest(), 16))[:10]


def attendee_id() -> str:
    return str(random.randint(100_000, 999_999))


def cancel_timers(participant: Participant) -> None:
    for timer in participant.timers:
        timer.cancel()
    participant.timers.clear()
