"""The person's simulated phone, for the browser sandbox: it rings, is answered or declined, hangs up,
and dials in with the meeting's number, access code and attendee ID."""
from __future__ import annotations

import time

from bot.conversation.session import CONNECTED, JOINED, LEFT, PROVISIONED, SUCCESS, TRANSFERRING
from bot.meeting.simulated_meeting import Device, Participant, cancel_timers

TRANSFER_SECONDS = 0.3  # CONNECTED → TRANSFERRING → SUCCESS, as a real bridge takes a moment


class PhoneError(Exception):
    """Something a person did on their simulated phone that a real phone would not allow."""


def digits_of(text: str) -> str:
    return "".join(ch for ch in str(text) if ch.isdigit())


class SimulatedPhones:
    """The phone side of SimulatedAgent (a mixin): it shares the agent's lock and participants."""

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
            cancel_timers(participant)
            command_id = participant.dial_out_command
            self._set_dial_out(participant, CONNECTED)
            self._update(command_id, person_id, participant)
            self._later(participant, TRANSFER_SECONDS, command_id, person_id, TRANSFERRING)
            self._later(participant, 2 * TRANSFER_SECONDS, command_id, person_id, SUCCESS)
        return self.phone_state(person_id)

    def decline(self, person_id: str) -> dict:
        with self.lock:
            participant = self._ringing(person_id)
            cancel_timers(participant)
            self._set_dial_out(participant, LEFT, "DECLINED")
            self._update(participant.dial_out_command, person_id, participant)
        return self.phone_state(person_id)

    def hang_up_phone(self, person_id: str) -> dict:
        """The person hangs up the phone itself (not through the bot)."""
        with self.lock:
            participant = self.participants.get(person_id)
            if participant is None:
                raise PhoneError("there is no call to hang up")
            cancel_timers(participant)
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
            if digits_of(number) != digits_of(self.settings.simulator_toll_number):
                raise PhoneError("that number isn't this meeting's dial-in number")
            access_code, _, rest = digits.partition("#")
            attendee = rest.partition("#")[0]
            if digits_of(access_code) != participant.meeting_number or digits_of(attendee) != participant.dial_in.attendee_id:
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
