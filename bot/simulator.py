"""The simulated meeting agent: the Web Meetings SDK's phone-audio behaviour, without a meeting.

It speaks the same protocol as an agent that drives the real SDK (bot/agent_protocol.py):
  - any meeting number, link or SIP address resolves; the access code is the meeting number;
  - usePhoneAudio() provisions one dial-in device: JOINED with a fresh attendee ID;
  - usePhoneAudio(number) provisions one dial-out device: JOINED, then CONNECTED after
    SIMULATOR_ANSWER_SECONDS, TRANSFERRING, SUCCESS; a number in SIMULATOR_FAIL_NUMBERS
    ends LEFT with reason FAILURE;
  - a second usePhoneAudio of the same kind provisions nothing and reports the state;
  - disconnectPhoneAudio() ends provisioned devices (LEFT); like the SDK, it does nothing
    to a dial-out that is TRANSFERRING;
  - a command past its deadline is dropped with an `error` event, never acted on late.

With SIMULATOR_ANSWER_MODE=manual (the browser sandbox) nothing answers by itself: a person's
simulated phone rings until they answer or decline it, and they can dial in with the
meeting's number, access code and attendee ID (`answer`, `decline`, `hang_up_phone`, `dial_in`).
"""
from __future__ import annotations

import hashlib
import itertools
import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import redis

from bot import agent_protocol as protocol
from bot.agents import HEARTBEAT_SECONDS, AgentRegistry
from bot.config import Settings
from bot.inbox import ensure_group, read_group
from bot.loops import start_thread
from bot.phone_numbers import mask
from bot.session import CONNECTED, JOINED, LEFT, PROVISIONED, SUCCESS, TRANSFERRING

log = logging.getLogger(__name__)
TRANSFER_SECONDS = 0.3  # CONNECTED → TRANSFERRING → SUCCESS, as a real bridge takes a moment
RING_SECONDS = 60  # a manual phone nobody answers stops ringing, as a real one does


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


class SimulatedAgent:
    def __init__(self, settings: Settings, client: redis.Redis):
        self.settings = settings
        self.redis = client
        self.streams = protocol.Streams(settings)
        self.registry = AgentRegistry(client, settings)
        self.name = f"simulator-{uuid.uuid4().hex[:8]}"
        self.participants: dict[str, Participant] = {}
        self.lock = threading.RLock()
        self.seq = itertools.count(time.time_ns())  # increases across restarts too
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> "SimulatedAgent":
        ensure_group(self.redis, self.streams.commands, protocol.AGENT_GROUP)
        for loop in (self._commands_loop, self._heartbeat_loop):
            self.threads.append(start_thread(loop, self.stopping, f"{self.name}-{loop.__name__}"))
        return self

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            for participant in self.participants.values():
                _cancel(participant)
        for thread in self.threads:
            thread.join(5)
        try:
            self.registry.stop_beating(self.name)
        except redis.RedisError:
            pass

    def _heartbeat_loop(self) -> None:
        while not self.stopping.is_set():
            self.registry.beat(self.name, {"backend": "simulator", "people": len(self.participants)})
            self.stopping.wait(HEARTBEAT_SECONDS)

    def _commands_loop(self) -> None:
        while not self.stopping.is_set():
            for entry_id, fields in read_group(self.redis, self.streams.commands, protocol.AGENT_GROUP, self.name, 10, 500):
                self.handle(protocol.decode(fields))
                self.redis.xack(self.streams.commands, protocol.AGENT_GROUP, entry_id)

    # The SDK's behaviour -------------------------------------------------------------
    def handle(self, command: dict) -> None:
        command_id, person_id = command.get("id", ""), command.get("person_id", "")
        if not command_id or not person_id:
            log.warning("malformed agent command dropped")
            return
        if not isinstance(command.get("deadline"), (int, float)) or command["deadline"] < time.time():
            self._emit(command_id, person_id, "error", reason="the request expired before the meeting could act on it",
                       code="expired")
            return
        number = meeting_number(command.get("meeting") or {})
        if number is None:
            self._emit(command_id, person_id, "error", reason="meeting not found", code="meeting_not_found")
            return
        op = command.get("op")
        with self.lock:
            participant = self.participants.get(person_id)
            if participant is None or participant.meeting_number != number:
                if participant is not None:
                    _cancel(participant)
                participant = self.participants[person_id] = Participant(meeting_number=number)
            participant.display_name = str(command.get("display_name") or participant.display_name)
            if op == protocol.OP_USE_PHONE_AUDIO:
                self._use_phone_audio(command_id, person_id, participant, command.get("phone_number"))
            elif op == protocol.OP_DISCONNECT_PHONE_AUDIO:
                self._disconnect(command_id, person_id, participant)
            else:
                self._emit(command_id, person_id, "error", reason=f"unknown operation {op!r}", code="bad_command")

    def _use_phone_audio(self, command_id: str, person_id: str, participant: Participant, phone: str | None) -> None:
        self._emit(command_id, person_id, "meeting_info", audio={
            "accessCode": participant.meeting_number,
            "tollNum": self.settings.simulator_toll_number,
            "tollCallInLabel": self.settings.simulator_toll_label,
            "globalCallinNumberWebLink": self.settings.simulator_global_callin_url,
        })
        if not phone:
            if participant.dial_in.status not in PROVISIONED:
                participant.dial_in = Device(JOINED, _attendee_id())
                participant.dial_in_command = command_id
            self._update(command_id, person_id, participant)
            return
        if participant.dial_out.status in PROVISIONED | {TRANSFERRING}:
            self._update(command_id, person_id, participant)  # one dial-out device only
            return
        participant.dial_out = Device(JOINED, _attendee_id())
        participant.dial_out_command = command_id
        participant.phone_number = phone
        log.info("simulated dial-out", extra={"number": mask(phone)})
        self._update(command_id, person_id, participant)
        if self.settings.simulator_answer_mode == "manual":
            self._later(participant, RING_SECONDS, command_id, person_id, LEFT, "NO_ANSWER")
            return  # the person answers or declines on their simulated phone
        answer = self.settings.simulator_answer_seconds
        if phone in self.settings.simulator_fail_numbers:
            self._later(participant, answer, command_id, person_id, LEFT, "FAILURE")
            return
        self._later(participant, answer, command_id, person_id, CONNECTED)
        self._later(participant, answer + TRANSFER_SECONDS, command_id, person_id, TRANSFERRING)
        self._later(participant, answer + 2 * TRANSFER_SECONDS, command_id, person_id, SUCCESS)

    def _disconnect(self, command_id: str, person_id: str, participant: Participant) -> None:
        if participant.dial_in.status in PROVISIONED:
            participant.dial_in = Device(LEFT, participant.dial_in.attendee_id)
        if participant.dial_out.status in PROVISIONED:
            _cancel(participant)
            self._set_dial_out(participant, LEFT)
        if participant.dial_in.status == LEFT:
            participant.connected_since = None
        self._update(command_id, person_id, participant)

    def _later(self, participant: Participant, delay: float, command_id: str, person_id: str, status: str,
               reason: str = "") -> None:
        def move() -> None:
            with self.lock:
                if participant.dial_out_command != command_id or participant.dial_out.status == LEFT:
                    return  # hung up, or replaced by a newer call
                self._set_dial_out(participant, status, reason)
                self._update(command_id, person_id, participant)

        timer = threading.Timer(delay, self._guarded_once, args=(move,))
        timer.daemon = True
        participant.timers.append(timer)
        timer.start()

    @staticmethod
    def _set_dial_out(participant: Participant, status: str, reason: str = "") -> None:
        participant.dial_out = Device(status, participant.dial_out.attendee_id, reason)
        if status == CONNECTED:
            participant.connected_since = time.time()
        elif status == LEFT:
            participant.phone_number, participant.connected_since = "", None

    def forget_everyone(self) -> None:
        """The sandbox's reset: every call ends, no event is sent (the bot's state is reset too)."""
        with self.lock:
            for participant in self.participants.values():
                _cancel(participant)
            self.participants.clear()
        ensure_group(self.redis, self.streams.commands, protocol.AGENT_GROUP)
        self.registry.beat(self.name, {"backend": "simulator", "people": 0})

    # The person's simulated phone (browser sandbox) -----------------------------------
    def phone_state(self, person_id: str) -> dict:
        with self.lock:
            participant = self.participants.get(person_id)
            if participant is None:
                return {"state": "idle", "number": None, "connectedSince": None, "meeting": None,
                        "participants": [], "dialIn": None}
            connected = participant.dial_out.status in (CONNECTED, TRANSFERRING, SUCCESS) or \
                participant.dial_in.status in (CONNECTED, SUCCESS)
            state = "ringing" if participant.ringing else "connected" if connected else \
                "dialling-in" if participant.dial_in.status == JOINED else "idle"
            dial_in = None
            if participant.dial_in.status in PROVISIONED:
                dial_in = {"number": self.settings.simulator_toll_number, "accessCode": participant.meeting_number,
                           "attendeeId": participant.dial_in.attendee_id}
            return {"state": state, "number": participant.phone_number or None,
                    "connectedSince": participant.connected_since, "meeting": participant.meeting_number,
                    "participants": self._phone_participants(participant.meeting_number), "dialIn": dial_in}

    def _phone_participants(self, meeting: str) -> list[dict]:
        listed = []
        for other in self.participants.values():
            if other.meeting_number != meeting:
                continue
            for device in (other.dial_out, other.dial_in):
                if device.status in (CONNECTED, TRANSFERRING, SUCCESS):
                    listed.append({"name": other.display_name or "Guest (phone)", "state": device.status})
        return listed

    def answer(self, person_id: str) -> dict:
        with self.lock:
            participant = self._ringing(person_id)
            _cancel(participant)
            command_id = participant.dial_out_command
            self._set_dial_out(participant, CONNECTED)
            self._update(command_id, person_id, participant)
            self._later(participant, TRANSFER_SECONDS, command_id, person_id, TRANSFERRING)
            self._later(participant, 2 * TRANSFER_SECONDS, command_id, person_id, SUCCESS)
        return self.phone_state(person_id)

    def decline(self, person_id: str) -> dict:
        with self.lock:
            participant = self._ringing(person_id)
            _cancel(participant)
            self._set_dial_out(participant, LEFT, "DECLINED")
            self._update(participant.dial_out_command, person_id, participant)
        return self.phone_state(person_id)

    def hang_up_phone(self, person_id: str) -> dict:
        """The person hangs up the phone itself (not through the bot)."""
        with self.lock:
            participant = self.participants.get(person_id)
            if participant is None:
                raise PhoneError("there is no call to hang up")
            _cancel(participant)
            if participant.dial_out.status in PROVISIONED | {TRANSFERRING}:
                self._set_dial_out(participant, LEFT, "NORMAL")
            if participant.dial_in.status in (CONNECTED, SUCCESS):
                participant.dial_in = Device(LEFT, participant.dial_in.attendee_id)
                participant.connected_since = None
            self._update(participant.dial_out_command or participant.dial_in_command, person_id, participant)
        return self.phone_state(person_id)

    def dial_in(self, person_id: str, number: str, digits: str) -> dict:
        """The person calls the dial-in number and keys in access code # attendee ID #."""
        with self.lock:
            participant = self.participants.get(person_id)
            if participant is None or participant.dial_in.status != JOINED:
                raise PhoneError("no dial-in is waiting for you: say `dial in` to the bot first")
            if _digits(number) != _digits(self.settings.simulator_toll_number):
                raise PhoneError("that number isn't this meeting's dial-in number")
            access_code, _, rest = digits.partition("#")
            attendee = rest.partition("#")[0]
            if _digits(access_code) != participant.meeting_number or _digits(attendee) != participant.dial_in.attendee_id:
                raise PhoneError("the meeting didn't recognise that access code and attendee ID")
            participant.dial_in = Device(CONNECTED, participant.dial_in.attendee_id)
            participant.connected_since = time.time()
            self._update(participant.dial_in_command, person_id, participant)
        return self.phone_state(person_id)

    def _ringing(self, person_id: str) -> Participant:
        participant = self.participants.get(person_id)
        if participant is None or not participant.ringing:
            raise PhoneError("your phone isn't ringing")
        return participant

    def _guarded_once(self, action) -> None:
        try:
            action()
        except Exception:  # noqa: BLE001 - a timer thread has nobody to report to
            log.exception("simulated transition failed")

    def _update(self, command_id: str, person_id: str, participant: Participant) -> None:
        payload = {"dialIn": participant.dial_in.as_payload(False),
                   "dialOut": participant.dial_out.as_payload(True)}
        self._emit(command_id, person_id, "phone_audio_update", payload=payload, seq=next(self.seq))

    def _emit(self, command_id: str, person_id: str, kind: str, **body) -> None:
        event = {"command_id": command_id, "person_id": person_id, "type": kind, "agent": self.name, **body}
        self.redis.xadd(self.streams.events, protocol.encode(event), maxlen=100_000, approximate=True)


class PhoneError(Exception):
    """Something a person did on their simulated phone that a real phone would not allow."""


def _digits(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit())


def _attendee_id() -> str:
    return str(random.randint(100_000, 999_999))


def _cancel(participant: Participant) -> None:
    for timer in participant.timers:
        timer.cancel()
    participant.timers.clear()
