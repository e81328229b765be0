"""The sandbox's phone panel on the local meetings cloud (MEETING_BACKEND=webex, no Webex account).

The same calls as the simulator's phone (bot/meeting/simulated_phone.py), so the browser
sandbox works unchanged: a person's phone is found on the cloud's phone network by the number
the bot is calling for them, or by their dial-in attendee ID, both from their session.
"""
from __future__ import annotations

import time

from bot.meeting.simulated_phone import PhoneError, digits_of
from bot.stores.sessions import SessionStore

LIVE = ("CONNECTED", "TRANSFERRING", "SUCCESS")


class CloudPhones:
    def __init__(self, cloud, sessions: SessionStore):
        self.cloud = cloud  # localwebex.meetings.MeetingsCloud, in this process
        self.sessions = sessions
        self.connected_since: dict[str, float] = {}

    def _devices(self, person_id: str) -> tuple[dict | None, dict | None, object]:
        session = self.sessions.load(person_id)
        number = session.dial_out_number or session.pending_number
        live = [d for d in self.cloud.phone_devices() if d.get("state") != "LEFT"]
        dial_out = next((d for d in live if number and d.get("dialoutAddress") == number), None)
        dial_in = next((d for d in live if session.dial_in_attendee_id
                        and d.get("attendeeId") == session.dial_in_attendee_id), None)
        return dial_out, dial_in, session

    def phone_state(self, person_id: str) -> dict:
        dial_out, dial_in, session = self._devices(person_id)
        ringing = dial_out is not None and dial_out.get("dialingStatus") == "JOINED"
        connected = (dial_out is not None and dial_out.get("dialingStatus") in LIVE) or (
            dial_in is not None and dial_in.get("state") == "CONNECTED")
        if connected:
            self.connected_since.setdefault(person_id, time.time())
        else:
            self.connected_since.pop(person_id, None)
        state = "ringing" if ringing else "connected" if connected else "dialling-in" if dial_in else "idle"
        meeting = session.meeting_value if session.meeting_kind == "number" else None
        waiting = dial_in is not None and dial_in.get("state") == "JOINED"
        return {"state": state, "number": (dial_out or {}).get("dialoutAddress"),
                "connectedSince": self.connected_since.get(person_id), "meeting": meeting,
                "participants": [], "dialIn": {"number": session.toll_number, "accessCode": session.access_code,
                                               "attendeeId": session.dial_in_attendee_id} if waiting else None}

    def answer(self, person_id: str) -> dict:
        dial_out, _, _ = self._devices(person_id)
        if dial_out is None or dial_out.get("dialingStatus") != "JOINED":
            raise PhoneError("your phone isn't ringing")
        self.cloud.answer(dial_out["dialoutAddress"])
        return self.phone_state(person_id)

    def decline(self, person_id: str) -> dict:
        dial_out, _, _ = self._devices(person_id)
        if dial_out is None or dial_out.get("dialingStatus") != "JOINED":
            raise PhoneError("your phone isn't ringing")
        self.cloud.hang_up(number=dial_out["dialoutAddress"])
        return self.phone_state(person_id)

    def hang_up_phone(self, person_id: str) -> dict:
        dial_out, dial_in, _ = self._devices(person_id)
        if dial_out is None and dial_in is None:
            raise PhoneError("there is no call to hang up")
        self.cloud.hang_up(number=(dial_out or {}).get("dialoutAddress", ""),
                           attendee_id=(dial_in or {}).get("attendeeId", ""))
        return self.phone_state(person_id)

    def dial_in(self, person_id: str, number: str, keyed: str) -> dict:
        """The person calls the dial-in number and keys in access code # attendee ID #."""
        _, dial_in, session = self._devices(person_id)
        if dial_in is None or dial_in.get("state") != "JOINED":
            raise PhoneError("no dial-in is waiting for you: say `dial in` to the bot first")
        if digits_of(number) != digits_of(session.toll_number):
            raise PhoneError("that number isn't this meeting's dial-in number")
        access_code, _, rest = keyed.partition("#")
        if digits_of(access_code) != digits_of(session.access_code) or digits_of(rest.partition("#")[0]) != dial_in.get("attendeeId"):
            raise PhoneError("the meeting didn't recognise that access code and attendee ID")
        self.cloud.dial_in(dial_in["attendeeId"])
        return self.phone_state(person_id)

    def forget_everyone(self) -> None:
        for device in self.cloud.phone_devices():
            if device.get("state") != "LEFT":
                self.cloud.hang_up(number=device.get("dialoutAddress", ""), attendee_id=device.get("attendeeId", ""))
