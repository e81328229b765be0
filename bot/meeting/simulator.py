"""The simulated meeting agent: the Web Meetings SDK's phone-audio behaviour, without a meeting.

It speaks the same protocol as an agent that drives the real SDK (bot/meeting/protocol.py):
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

import itertools
import logging
import threading
import time
import uuid

import redis

from bot.config import Settings
from bot.conversation.phone_numbers import mask
from bot.conversation.session import CONNECTED, JOINED, LEFT, PROVISIONED, SUCCESS, TRANSFERRING
from bot.loops import start_thread
from bot.meeting import protocol
from bot.meeting.agents import HEARTBEAT_SECONDS, AgentRegistry
from bot.meeting.simulated_meeting import Device, Participant, attendee_id, cancel_timers, meeting_number
from bot.meeting.simulated_phone import TRANSFER_SECONDS, SimulatedPhones
from bot.streams.groups import ensure_group, read_group

log = logging.getLogger(__name__)
RING_SECONDS = 60  # a manual phone nobody answers stops ringing, as a real one does


class SimulatedAgent(SimulatedPhones):
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
                cancel_timers(participant)
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
                    cancel_timers(participant)
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
                participant.dial_in = Device(JOINED, attendee_id())
                participant.dial_in_command = command_id
            self._update(command_id, person_id, participant)
            return
        if participant.dial_out.status in PROVISIONED | {TRANSFERRING}:
            self._update(command_id, person_id, participant)  # one dial-out device only
            return
        participant.dial_out = Device(JOINED, attendee_id())
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
            cancel_timers(participant)
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
                cancel_timers(participant)
            self.participants.clear()
        ensure_group(self.redis, self.streams.commands, protocol.AGENT_GROUP)
        self.registry.beat(self.name, {"backend": "simulator", "people": 0})

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
