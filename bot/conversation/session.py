"""A person's phone-audio session: plain data, stored as one Redis hash per person."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace

from bot.conversation.card_tokens import meeting_ref
from bot.conversation.commands import Meeting

# Phone-audio states, as the Web Meetings SDK's PSTN_STATUS names them.
JOINED, CONNECTED, TRANSFERRING, SUCCESS, LEFT, UNKNOWN = (
    "JOINED", "CONNECTED", "TRANSFERRING", "SUCCESS", "LEFT", "UNKNOWN")
ACTIVE = frozenset({JOINED, CONNECTED, TRANSFERRING, SUCCESS})  # a device exists
PROVISIONED = frozenset({JOINED, CONNECTED, SUCCESS})  # what the SDK can disconnect


@dataclass(frozen=True)
class Session:
    person_id: str
    display_name: str = ""
    person_email: str = ""
    room_id: str = ""  # the room the person last spoke to the bot in
    room_type: str = "direct"
    meeting_kind: str = ""
    meeting_value: str = ""
    meeting_password: str = ""
    # Dial-in details, from the SDK's meetingInfo.audio
    access_code: str = ""
    toll_number: str = ""
    toll_label: str = ""
    global_callin_url: str = ""
    # One device each, as the SDK allows
    dial_in_status: str = ""
    dial_in_attendee_id: str = ""
    dial_in_card_sent: bool = False
    dial_out_status: str = ""
    dial_out_attendee_id: str = ""
    dial_out_reason: str = ""
    dial_out_number: str = ""  # E.164
    last_number: str = ""
    # A phone-audio command sent to an agent and not yet answered
    pending_op: str = ""
    pending_command_id: str = ""
    pending_number: str = ""
    hangup: str = ""  # "" | "deferred" (waits for TRANSFERRING or a pending command) | "sent"
    hangup_to_computer: bool = False
    awaiting: str = ""  # a command waiting for a meeting to be named ("dial_in", "dial_out:+1...")
    agent_seq: int = 0  # last phone_audio_update applied; older or repeated ones are ignored
    agent: str = ""  # the meeting agent holding this person's phone audio
    call_id: str = ""  # this phone-audio call, from first provisioning until every device has LEFT
    version: int = 0

    @property
    def meeting(self) -> Meeting | None:
        return Meeting(self.meeting_kind, self.meeting_value) if self.meeting_value else None

    @property
    def dial_in_active(self) -> bool:
        return self.dial_in_status in ACTIVE

    @property
    def dial_out_active(self) -> bool:
        return self.dial_out_status in ACTIVE

    @property
    def phone_active(self) -> bool:
        return self.dial_in_active or self.dial_out_active

    @property
    def meeting_ref(self) -> str:
        return meeting_ref(self.meeting_kind, self.meeting_value)

    @property
    def mode(self) -> str:
        """Where the person's audio comes from, in words."""
        if self.dial_out_status in (CONNECTED, TRANSFERRING, SUCCESS):
            return "phone (we call you)"
        if self.dial_in_status in (CONNECTED, SUCCESS):
            return "phone (you dialled in)"
        if self.phone_active or self.pending_op in ("dial_in", "dial_out"):
            return "phone audio being set up"
        return "computer audio"

    def with_changes(self, **changes) -> "Session":
        return replace(self, **changes)

    # Redis hash <-> Session. Every value is JSON, so types survive the round trip.
    def to_hash(self) -> dict[str, str]:
        return {name: json.dumps(value) for name, value in asdict(self).items()}

    @classmethod
    def from_hash(cls, person_id: str, data: dict[str, str]) -> "Session":
        known = {f.name for f in fields(cls)}
        values = {k: json.loads(v) for k, v in data.items() if k in known}
        values["person_id"] = person_id
        return cls(**values)
