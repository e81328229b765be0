"""The state of the local meetings cloud: people and tokens, meetings, Locus, a phone network.

The wire formats follow what @webex/plugin-meetings 3.12.0 parses (file:line in its npm `src/`):
  - meeting info errors: meeting-info/meeting-info-v2.ts:752-790 (403 + body.code, 423 + captcha
    fields, anything else is "no meeting info");
  - Locus DTOs: locus-info/index.ts (fullState/self/participants), locus-info/selfUtils.ts:30-75
    (self.devices; PROVISIONAL devices are the phones, `dialingStatus ?? state` is their status,
    meeting/index.ts:2649-2697), lobby = self.state IDLE with device intent WAIT (selfUtils.ts:331);
  - sequence numbers: locus-info/parser.ts. Every DTO carries {entries: [n], rangeStart: 0,
    rangeEnd: 0} with n growing by one per change, which the parser takes as newer (SO002 / the
    last-entry rule for full DTOs, parser.ts:328).

Threads: Flask request threads, websocket threads and phone timers all take `self.lock`.
"""
from __future__ import annotations

import copy
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

ORG_ID = "5e0f0c2c-1f4c-4c1b-9d0a-10ca1c0c10d0"


class CloudError(Exception):
    """An HTTP error answer: status and JSON body, as the real service sends it."""

    def __init__(self, status: int, body: dict):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


@dataclass
class Person:
    id: str
    display_name: str
    email: str
    token: str
    type: str = "person"  # "appuser" for a guest (meetings/index.ts:1333 skips the site lookup)


@dataclass
class MeetingSpec:
    """One meeting and how the cloud answers about it. Every field is a scenario switch."""

    number: str
    title: str = "Local test meeting"
    password: str = ""  # required to read the meeting info when set
    captcha_after_wrong_password: bool = False  # a wrong password makes the next answer a captcha (423)
    login_required: bool = False  # 403034: the meeting needs a signed-in account
    host_started: bool = True  # False: 403003, join before host is not reached (JBH)
    policy_code: int = 0  # e.g. 403049: a policy forbids this account (MeetingInfoV2PolicyError)
    webinar_code: int = 0  # e.g. 403021: webinar registration needed
    locked: bool = False  # Locus answers 2423003 to a join
    join_error: tuple[int, int] | None = None  # (HTTP status, Locus errorCode) for any join
    lobby: bool = False  # joiners wait in the lobby until admitted
    provision_error: tuple[int, int] | None = None  # (status, Locus errorCode) for a phone device
    toll_number: str = "+1-415-555-0199"
    toll_label: str = "US Toll"
    global_callin_url: str = "https://local.webex.test/global-call-in-numbers"
    audio_in_meeting_info: bool = True  # False: the dial-in details come from Locus info only
    attendee_id_later: bool = False  # the dial-in's attendee ID arrives in a later DTO

    @property
    def sip(self) -> str:
        return f"{self.number}@local.webex.test"

    @property
    def join_url(self) -> str:
        return f"https://local.webex.test/local/j.php?MTID=m{self.number}"


@dataclass
class Phone:
    """A phone on the simulated network: rings on dial-out, answers by itself when auto_answer."""

    number: str
    auto_answer: bool = True
    answer_after: float = 0.2
    fail: bool = False  # the call fails (no answer / busy): the device ends LEFT, reason FAILURE
    calls: list = field(default_factory=list)


@dataclass
class Participant:
    id: str
    person: Person
    device_url: str
    correlation_id: str
    state: str = "JOINED"  # JOINED | IDLE (lobby) | LEFT
    lobby: bool = False
    removed: bool = False
    reason: str = ""
    devices: list = field(default_factory=list)  # provisional (phone) devices, as Locus shows them
    web_state: str = "JOINED"


@dataclass
class Locus:
    id: str
    url: str
    meeting: MeetingSpec
    created: str
    seq: int = 0
    state: str = "ACTIVE"  # ACTIVE | INACTIVE (ended)
    participants: dict = field(default_factory=dict)


class MeetingsCloud:
    """Everything the cloud knows. `base_url` is where it is served (set by serve_cloud)."""

    def __init__(self, base_url: str = "http://127.0.0.1:0"):
        self.base_url = base_url.rstrip("/")
        self.lock = threading.RLock()
        self.people: dict[str, Person] = {}  # token -> person
        self.expired_tokens: set[str] = set()
        self.meetings: dict[str, MeetingSpec] = {}
        self.loci: dict[str, Locus] = {}
        self.devices: dict[str, dict] = {}  # device id -> {url, person, sockets}
        self.sockets: dict[str, list] = {}  # device url -> open Mercury connections
        self.phones: dict[str, Phone] = {}
        self.attendee_ids = itertools.count(310001)
        self.requests: list[dict] = []  # every request: {method, path, status, expected}
        self.unexpected: list[str] = []  # requests no route expected
        self.captcha_pending: set[str] = set()
        self.calls_ended: set[str] = set()  # device urls whose call ended with the meeting or the participant
        self.timers: list[threading.Timer] = []
        self.transfer_seconds = 0.15  # CONNECTED -> TRANSFERRING -> SUCCESS, each this long
        self.default_phone = Phone("")  # how numbers not registered with add_phone behave
        self.events = threading.Condition(self.lock)
        seed(self)

    # Set-up -------------------------------------------------------------------------
    def add_person(self, name: str, token: str | None = None, guest: bool = False) -> Person:
        """A person and the token that signs them in. Tokens are `<anything>_<cluster>_<orgId>`,
        the shape the SDK reads the org from (webex-core credentials.js:200)."""
        with self.lock:
            pid = str(uuid.uuid4())
            token = token or f"{name.split()[0].lower()}-{uuid.uuid4().hex[:12]}_LOCAL_{ORG_ID}"
            person = Person(pid, name, f"{name.split()[0].lower()}@local.webex.test", token,
                            "appuser" if guest else "person")
            self.people[token] = person
            return person

    def add_meeting(self, spec: MeetingSpec) -> MeetingSpec:
        with self.lock:
            self.meetings[spec.number] = spec
            return spec

    def add_phone(self, number: str, **options) -> Phone:
        with self.lock:
            phone = Phone(number, **options)
            self.phones[number] = phone
            return phone

    def expire(self, token: str) -> None:
        with self.lock:
            self.expired_tokens.add(token)

    def close(self) -> None:
        with self.lock:
            for timer in self.timers:
                timer.cancel()
            self.timers.clear()

    # Auth ---------------------------------------------------------------------------
    def authenticate(self, header: str | None) -> Person:
        token = (header or "").removeprefix("Bearer ").strip()
        with self.lock:
            person = self.people.get(token)
            if person is None or token in self.expired_tokens:
                raise CloudError(401, {"message": "The request requires a valid access token set in the "
                                                  "Authorization request header.", "errors": [],
                                       "trackingId": _tracking()})
            return person

    def person_by_token(self, token: str) -> Person | None:
        with self.lock:
            if token in self.expired_tokens:
                return None
            return self.people.get(token)

    # Service catalog (U2C hostmap, webex-core services.js:859) ---------------------------
    def catalog(self, limited: bool) -> dict:
        base = self.base_url
        links = {"u2c": f"{base}/u2c/api/v1", "hydra": f"{base}/hydra/v1",
                 "metrics": f"{base}/metrics/api/v1", "clientLogs": f"{base}/clientlogs/api/v1"}
        if not limited:
            links.update({"wdm": f"{base}/wdm/api/v1", "locus": f"{base}/locus/api/v1",
                          "webex-appapi-service": f"{base}/wbxappapi/v1",
                          "conversation": f"{base}/conversation/api/v1",
                          "mercuryApi": f"{base}/mercury/api/v1"})
        host = base.split("://", 1)[1]
        hostname = host.rsplit(":", 1)[0]  # the SDK adds the URL's port back (service-url.js:29)
        catalog = {host: [{"host": hostname, "ttl": -1, "priority": 5, "id": f"urn:TEAM:local:{name}"}
                          for name in sorted(links)]}
        return {"serviceLinks": links, "hostCatalog": catalog, "format": "hostmap",
                "timestamp": str(int(time.time())), "orgId": ORG_ID}

    # WDM ----------------------------------------------------------------------------
    def register_device(self, person: Person, body: dict) -> dict:
        with self.lock:
            device_id = str(uuid.uuid4())
            url = f"{self.base_url}/wdm/api/v1/devices/{device_id}"
            ws = self.base_url.replace("http", "ws", 1) + f"/mercury/ws/{device_id}"
            dto = {"url": url, "deviceType": body.get("deviceType", "WEB"), "name": body.get("name", "web"),
                   "model": body.get("model", "web"), "localizedModel": "web", "systemName": "web",
                   "systemVersion": "1", "webSocketUrl": ws, "userId": person.id, "orgId": ORG_ID,
                   "creationTime": _now(), "modificationTime": _now(), "services": {}, "serviceHostMap": {},
                   "features": {"developer": [], "entitlement": [], "user": []},
                   "intranetInactivityDuration": 1800, "intranetInactivityCheckUrl": f"{self.base_url}/ping",
                   "ecmSupportedStorageProviders": [], "clientMessagingGiphy": "ALLOW",
                   "clientMessagingLinkPreview": "ALLOW", "isDeviceManaged": False}
            self.devices[device_id] = {"dto": dto, "person": person}
            return dto

    def device(self, device_id: str, person: Person) -> dict:
        with self.lock:
            found = self.devices.get(device_id)
            if found is None or found["person"] is not person:
                raise CloudError(404, {"message": "device not found", "errors": [], "trackingId": _tracking()})
            return found["dto"]

    def delete_device(self, device_id: str, person: Person) -> None:
        with self.lock:
            self.device(device_id, person)
            del self.devices[device_id]

    # Mercury ------------------------------------------------------------------------
    def socket_opened(self, device_id: str, connection) -> str | None:
        with self.lock:
            found = self.devices.get(device_id)
            if found is None:
                return None
            url = found["dto"]["url"]
            self.sockets.setdefault(url, []).append(connection)
            return url

    def socket_closed(self, device_url: str, connection) -> None:
        with self.lock:
            if connection in self.sockets.get(device_url, []):
                self.sockets[device_url].remove(connection)

    def mercury_connected(self, device_url: str) -> bool:
        with self.lock:
            return any(c.authorised for c in self.sockets.get(device_url, []))

    # Meeting info (wbxappapi) -------------------------------------------------------------
    def meeting_info(self, person: Person, body: dict) -> dict:
        with self.lock:
            spec = self._find_meeting(body)
            if spec is None:
                # anything but 403/423 is "no meeting info" (meeting-info-v2.ts:790), and with
                # failOnMissingMeetingInfo create() rejects NoMeetingInfoError (meetings/index.ts:1781)
                raise CloudError(404, {"code": 404001, "message": "Meeting not found."})
            partial = {"meetingNumber": spec.number, "meetingName": spec.title}
            if spec.login_required and person.type == "appuser":
                # 403034 is also a "password" error to the SDK (meeting-info-v2.ts:773): only the code tells
                raise CloudError(403, {"code": 403034, "message": "Meeting requires login.",
                                       "data": {"meetingInfo": partial}})
            if spec.policy_code:
                raise CloudError(403, {"code": spec.policy_code, "message": "Blocked by policy.",
                                       "data": {"meetingInfo": partial}})
            if spec.webinar_code:
                raise CloudError(403, {"code": spec.webinar_code, "message": "Webinar registration required.",
                                       "data": {"meetingInfo": partial}})
            if spec.password:
                key = f"{person.id}:{spec.number}"
                given = body.get("password")
                if key in self.captcha_pending:
                    if body.get("captchaID") and body.get("captchaVerifyCode") == "local-captcha":
                        self.captcha_pending.discard(key)
                    else:
                        raise CloudError(423, self._captcha(423005))
                if given != spec.password:
                    if given and spec.captcha_after_wrong_password:
                        self.captcha_pending.add(key)
                        raise CloudError(423, self._captcha(423005))
                    raise CloudError(403, {"code": 403004 if not given else 403005,
                                           "message": "Password required." if not given else "Wrong password.",
                                           "data": {"meetingInfo": partial}})
            if not spec.host_started:
                raise CloudError(403, {"code": 403003, "message": "Join before host is not allowed yet.",
                                       "data": {"meetingInfo": partial}})
            info = {"meetingNumber": spec.number, "meetingName": spec.title, "sipMeetingUri": spec.sip,
                    "meetingJoinUrl": spec.join_url, "webExSite": "local.webex.test", "isWebinar": False,
                    "supportVoIP": True, "hostDisplayName": "Hosting Harry", "owner": "host-id",
                    "meetingId": f"mid-{spec.number}", "confID": spec.number}
            if spec.audio_in_meeting_info:
                info["audio"] = {"accessCode": spec.number, "tollNum": spec.toll_number,
                                 "tollCallInLabel": spec.toll_label,
                                 "globalCallinNumberWebLink": spec.global_callin_url}
            return info

    def _captcha(self, code: int) -> dict:
        return {"code": code, "message": "Captcha required.", "captchaID": f"captcha-{uuid.uuid4().hex[:8]}",
                "verificationImageURL": f"{self.base_url}/wbxappapi/v1/captchas/image",
                "verificationAudioURL": f"{self.base_url}/wbxappapi/v1/captchas/audio",
                "refreshURL": f"{self.base_url}/wbxappapi/v1/captchas/refresh"}

    def _find_meeting(self, body: dict) -> MeetingSpec | None:
        key = body.get("meetingKey") or ""
        sip = (body.get("sipUrl") or "").removeprefix("sip:")
        link = body.get("meetingUrl") or ""
        address = body.get("address") or ""
        for spec in self.meetings.values():
            if key and key.replace(" ", "") == spec.number:
                return spec
            if sip and (sip == spec.sip or sip.split("@", 1)[0] == spec.number):
                return spec
            if link and (link == spec.join_url or spec.number in link):
                return spec
            if address and address in (spec.join_url, spec.sip, f"wbxmn:{spec.number}"):
                return spec
        return None

    def start_meeting(self, number: str) -> None:
        """The host starts the meeting: join before host is reached."""
        with self.lock:
            self.meetings[number].host_started = True

    # Locus --------------------------------------------------------------------------------
    def join(self, person: Person, body: dict) -> dict:
        with self.lock:
            address = (body.get("invitee") or {}).get("address", "")
            spec = self._find_meeting({"address": address, "meetingUrl": address, "sipUrl": address})
            if spec is None:
                raise CloudError(404, {"errorCode": 2404001, "message": "Meeting not found"})
            if spec.locked:
                raise CloudError(423, {"errorCode": 2423003, "message": "Meeting is locked"})
            if spec.join_error:
                status, code = spec.join_error
                raise CloudError(status, {"errorCode": code, "message": "Locus refused the join"})
            return self._join_locus(self._locus_for(spec), person, body)

    def _join_locus(self, locus: Locus, person: Person, body: dict) -> dict:
        device_url = (body.get("device") or {}).get("url", "")
        # one participant per device: the same account on two pages is two participants here
        # (Locus would show one participant with two devices; nothing the SDK reads tells)
        joiner = next((p for p in locus.participants.values() if p.person is person and p.device_url == device_url),
                      None)
        if joiner is None:
            joiner = Participant(str(uuid.uuid4()), person, device_url, body.get("correlationId", ""))
            locus.participants[joiner.id] = joiner
        joiner.device_url, joiner.correlation_id = device_url, body.get("correlationId", "")
        joiner.removed, joiner.reason = False, ""
        joiner.lobby = locus.meeting.lobby
        joiner.state = joiner.web_state = "IDLE" if joiner.lobby else "JOINED"
        self._changed(locus, "locus.participant_join", exclude=joiner)
        return {"locus": self.dto(locus, joiner), "mediaConnections": []}

    def _locus_for(self, spec: MeetingSpec) -> Locus:
        for locus in self.loci.values():
            if locus.meeting is spec and locus.state == "ACTIVE":
                return locus
        lid = str(uuid.uuid4())
        locus = Locus(lid, f"{self.base_url}/locus/api/v1/loci/{lid}", spec, _now())
        self.loci[lid] = locus
        return locus

    def _participant(self, locus_id: str, pid: str, person: Person) -> tuple[Locus, Participant]:
        locus = self.loci.get(locus_id)
        participant = locus.participants.get(pid) if locus else None
        if participant is None or participant.person is not person:
            raise CloudError(404, {"errorCode": 2404002, "message": "Participant not found"})
        return locus, participant

    def add_device(self, person: Person, locus_id: str, body: dict) -> dict:
        """POST loci/{id}/participant: a PROVISIONAL device (meeting/request.ts:332-425), or a
        join of this locus with the web device (a Meeting that knows its locusUrl, request.ts:237)."""
        with self.lock:
            locus = self.loci.get(locus_id)
            if locus is None or locus.state != "ACTIVE":
                raise CloudError(404 if locus is None else 403,
                                 {"errorCode": 2404001 if locus is None else 2403004, "message": "Locus not active"})
            if (body.get("device") or {}).get("deviceType") != "PROVISIONAL":
                if locus.meeting.locked:
                    raise CloudError(423, {"errorCode": 2423003, "message": "Meeting is locked"})
                return self._join_locus(locus, person, body)
            device = body.get("device") or {}
            participant = next((p for p in locus.participants.values()
                                if p.person is person and p.device_url == device.get("clientUrl")), None)
            if participant is None or device.get("deviceType") != "PROVISIONAL":
                raise CloudError(400, {"errorCode": 2400001, "message": "Bad request"})
            if locus.state != "ACTIVE" or participant.removed:
                raise CloudError(403, {"errorCode": 2403004, "message": "Meeting is not active"})
            if locus.meeting.provision_error:
                status, code = locus.meeting.provision_error
                raise CloudError(status, {"errorCode": code, "message": "Locus refused the device"})
            kind = device.get("provisionalType")
            number = device.get("dialoutAddress", "")
            if kind == "DIAL_OUT" and not number.startswith("+"):
                raise CloudError(400, {"errorCode": 2400011, "message": "Invalid phone number"})
            entry = {"url": device.get("url"), "deviceType": "PROVISIONAL", "provisionalType": kind,
                     "state": "JOINED", "correlationId": body.get("correlationId", "")}
            if kind == "DIAL_IN":
                attendee = str(next(self.attendee_ids))
                if locus.meeting.attendee_id_later:
                    self._after(0.3, self._set_attendee, locus, participant, entry["url"], attendee)
                else:
                    entry["attendeeId"] = attendee
            elif kind == "DIAL_OUT":
                entry["dialoutAddress"] = number
                entry["dialingStatus"] = "JOINED"
                self._ring(locus, participant, entry["url"], number)
            else:
                raise CloudError(400, {"errorCode": 2400001, "message": "Unknown provisional type"})
            participant.devices = [d for d in participant.devices if d["url"] != entry["url"]] + [entry]
            self._changed(locus, "locus.self_changed", exclude=participant)
            return {"locus": self.dto(locus, participant)}

    def leave(self, person: Person, locus_id: str, pid: str, body: dict) -> dict:
        """PUT loci/{id}/participant/{pid}/leave: the device named in the body leaves."""
        with self.lock:
            locus, participant = self._participant(locus_id, pid, person)
            device = body.get("device") or {}
            if device.get("deviceType") == "PROVISIONAL":
                self._device_left(participant, device.get("url"), "")
            else:
                # The web device leaves. The phones are other devices: they stay (a phone keeps
                # the participant in the meeting), as Locus does for provisional devices.
                participant.web_state = "LEFT"
                participant.lobby = False
                if person.type == "appuser":
                    participant.removed = True  # a guest who leaves is gone (the SDK then destroys the Meeting)
                if not any(_active(d) for d in participant.devices):
                    participant.state = "LEFT"
            self._changed(locus, "locus.self_changed", exclude=participant)
            return {"locus": self.dto(locus, participant)}

    def get_locus(self, person: Person, locus_id: str) -> dict:
        with self.lock:
            locus = self.loci.get(locus_id)
            participant = next((p for p in (locus.participants.values() if locus else [])
                                if p.person is person), None)
            if participant is None:
                raise CloudError(404, {"errorCode": 2404001, "message": "Locus not found"})
            return self.dto(locus, participant)

    def active_loci(self, person: Person) -> dict:
        with self.lock:
            found = []
            for locus in self.loci.values():
                for participant in locus.participants.values():
                    if participant.person is person and locus.state == "ACTIVE" and participant.web_state == "JOINED":
                        found.append(self.dto(locus, participant))
            return {"loci": found}

    # What the host and the phone network do -------------------------------------------------
    def admit(self, number: str) -> None:
        """The host lets everyone waiting in the lobby in."""
        with self.lock:
            for locus in self._loci_of(number):
                for participant in locus.participants.values():
                    if participant.lobby:
                        participant.lobby, participant.state, participant.web_state = False, "JOINED", "JOINED"
                self._changed(locus, "locus.self_changed")

    def deny(self, number: str) -> None:
        """The host turns away everyone waiting in the lobby."""
        with self.lock:
            for locus in self._loci_of(number):
                for participant in locus.participants.values():
                    if participant.lobby:
                        participant.lobby, participant.removed = False, True
                        participant.state = participant.web_state = "LEFT"
                        participant.reason = "FORCED"
                self._changed(locus, "locus.self_changed")

    def remove_participant(self, number: str, person: Person) -> None:
        """The host removes the person's participant. Its phones are cut off with it; Locus says
        only `self.removed` (the SDK reads nothing else: locus-info/index.ts:1386), so the devices
        keep their last status in the DTO and the page must hear it from meeting:removed."""
        with self.lock:
            for locus in self._loci_of(number):
                for participant in locus.participants.values():
                    if participant.person is person:
                        self.calls_ended.update(d["url"] for d in participant.devices if _active(d))
                        participant.removed, participant.reason = True, "FORCED"
                        participant.state = participant.web_state = "LEFT"
                self._changed(locus, "locus.participant_left")

    def end_meeting(self, number: str) -> None:
        """The host ends the meeting for everyone: fullState INACTIVE, which is all the SDK reads
        (locus-info/index.ts:1356); every phone call is cut off, the DTO's devices unchanged."""
        with self.lock:
            for locus in self._loci_of(number):
                locus.state = "INACTIVE"
                for participant in locus.participants.values():
                    self.calls_ended.update(d["url"] for d in participant.devices if _active(d))
                self._changed(locus, "locus.self_changed")

    def answer(self, number: str) -> None:
        """The far end picks up a ringing dial-out (manual answer)."""
        with self.lock:
            for locus, participant, device in self._devices():
                if device.get("dialoutAddress") == number and device.get("dialingStatus") == "JOINED":
                    self._progress(locus, participant, device["url"], "CONNECTED")

    def hang_up(self, number: str = "", attendee_id: str = "") -> None:
        """The person hangs up their phone (a dial-out to `number`, or the dial-in of `attendee_id`)."""
        with self.lock:
            for locus, participant, device in self._devices():
                if _active(device) and ((number and device.get("dialoutAddress") == number)
                                        or (attendee_id and device.get("attendeeId") == attendee_id)):
                    self._device_left(participant, device["url"], "")
                    self._changed(locus, "locus.self_changed")

    def dial_in(self, attendee_id: str) -> None:
        """The person calls the toll number and enters the access code and their attendee ID."""
        with self.lock:
            for locus, participant, device in self._devices():
                if device.get("attendeeId") == attendee_id and device["state"] == "JOINED":
                    device["state"] = "CONNECTED"
                    self._changed(locus, "locus.self_changed")

    def set_status(self, number: str, status: str) -> None:
        """Locus reports a dial-out status of its own choosing (one the SDK has no name for)."""
        with self.lock:
            for locus, participant, device in self._devices():
                if device.get("dialoutAddress") == number and _active(device):
                    device["dialingStatus"] = status
                    self._changed(locus, "locus.self_changed")

    def phone_devices(self) -> list[dict]:
        """Every phone device Locus shows, with `callEnded` when the phone network cut it off."""
        with self.lock:
            return [{**copy.deepcopy(device), "callEnded": device["url"] in self.calls_ended}
                    for _, _, device in self._devices()]

    def _devices(self):
        for locus in self.loci.values():
            for participant in locus.participants.values():
                for device in participant.devices:
                    yield locus, participant, device

    def _loci_of(self, number: str) -> list[Locus]:
        return [locus for locus in self.loci.values() if locus.meeting.number == number and locus.state == "ACTIVE"]

    def _ring(self, locus: Locus, participant: Participant, url: str, number: str) -> None:
        phone = self.phones.get(number) or Phone(number, auto_answer=self.default_phone.auto_answer,
                                                 answer_after=self.default_phone.answer_after,
                                                 fail=self.default_phone.fail)
        phone.calls.append({"at": time.time(), "meeting": locus.meeting.number})
        self.phones.setdefault(number, phone)
        if phone.fail:
            self._after(phone.answer_after, self._fail_call, locus, participant, url)
        elif phone.auto_answer:
            self._after(phone.answer_after, self._progress, locus, participant, url, "CONNECTED")

    def _fail_call(self, locus, participant, url) -> None:
        device = _device(participant, url)
        if device and _active(device):
            self._device_left(participant, url, "FAILURE")
            self._changed(locus, "locus.self_changed")

    def _progress(self, locus: Locus, participant: Participant, url: str, status: str) -> None:
        """A dial-out answered: CONNECTED, then TRANSFERRING, then SUCCESS (the call joins the meeting)."""
        device = _device(participant, url)
        if device is None or not _active(device) or locus.state != "ACTIVE":
            return
        device["dialingStatus"] = status
        device["state"] = "JOINED"
        self._changed(locus, "locus.self_changed")
        following = {"CONNECTED": "TRANSFERRING", "TRANSFERRING": "SUCCESS"}.get(status)
        if following:
            self._after(self.transfer_seconds, self._progress, locus, participant, url, following)

    def _set_attendee(self, locus, participant, url, attendee) -> None:
        device = _device(participant, url)
        if device is not None and _active(device):
            device["attendeeId"] = attendee
            self._changed(locus, "locus.self_changed")

    def _device_left(self, participant: Participant, url: str | None, reason: str) -> None:
        device = _device(participant, url)
        if device is None or not _active(device):
            return
        device["state"] = "LEFT"
        self.calls_ended.add(device["url"])
        if "dialingStatus" in device:
            device["dialingStatus"] = "LEFT"
        if reason:
            device["reason"] = reason
        if participant.web_state == "LEFT" and not any(_active(d) for d in participant.devices):
            participant.state = "LEFT"

    def _after(self, seconds: float, action, *args) -> None:
        def run():
            with self.lock:
                action(*args)

        timer = threading.Timer(seconds, run)
        timer.daemon = True
        self.timers.append(timer)
        timer.start()

    # DTOs and pushes ----------------------------------------------------------------------
    def _changed(self, locus: Locus, event_type: str, exclude: Participant | None = None) -> None:
        """A new Locus sequence; every participant's connected device hears of it over Mercury,
        except `exclude`, who gets the DTO in its HTTP answer (and then over Mercury too: Locus
        sends both, and the parser drops what is not newer)."""
        locus.seq += 1
        for participant in list(locus.participants.values()):
            dto = self.dto(locus, participant)
            envelope = {"eventType": event_type, "locusUrl": locus.url, "locus": dto}
            for connection in list(self.sockets.get(participant.device_url, [])):
                connection.push(envelope)
        self.events.notify_all()

    def dto(self, locus: Locus, viewer: Participant) -> dict:
        spec = locus.meeting
        participants = [self._participant_dto(locus, p) for p in locus.participants.values()]
        active = [p for p in locus.participants.values() if p.state == "JOINED"]
        return {
            "url": locus.url,
            "created": locus.created,
            "sequence": {"entries": [locus.seq or 1], "rangeStart": 0, "rangeEnd": 0},
            "fullState": {"active": locus.state == "ACTIVE", "count": len(active), "locked": False,
                          "state": locus.state, "type": "MEETING", "lastActive": _now()},
            "host": {"id": "host-id", "name": "Hosting Harry", "url": f"{locus.url}/participant/host"},
            "info": {"webExMeetingId": spec.number, "sipUri": spec.sip, "webExMeetingName": spec.title,
                     "callInTollNumber": spec.toll_number,
                     "callInNumbers": [{"number": spec.toll_number, "tollfree": False, "label": spec.toll_label}],
                     "isWebinar": False, "displayHints": {"joined": [], "moderator": []}},
            "controls": {"lock": {"locked": spec.locked}},
            "participants": participants,
            "self": self._participant_dto(locus, viewer),
            "mediaShares": [],
        }

    def _participant_dto(self, locus: Locus, p: Participant) -> dict:
        web = {"url": p.device_url, "deviceType": "WEB", "state": p.web_state, "correlationId": p.correlation_id,
               "mediaSessions": []}
        if p.lobby:
            web["intent"] = {"type": "WAIT", "reason": "ON_HOLD_LOBBY", "id": f"intent-{p.id}"}
        dto = {"id": p.id, "url": f"{locus.url}/participant/{p.id}", "state": p.state, "type": "USER",
               "person": {"id": p.person.id, "name": p.person.display_name, "email": p.person.email,
                          "orgId": ORG_ID, "isExternal": False},
               "devices": [web] + copy.deepcopy(p.devices), "guest": p.person.type == "appuser",
               "status": {"audioStatus": "INACTIVE", "videoStatus": "INACTIVE", "csis": []},
               "controls": {"audio": {"muted": False}, "role": {"roles": [{"type": "ATTENDEE", "hasRole": True}]}},
               "identity": p.person.id, "isCreator": False}
        if p.removed:
            dto["removed"] = True
        if p.reason:
            dto["reason"] = p.reason
        return dto


def _device(participant: Participant, url: str | None) -> dict | None:
    return next((d for d in participant.devices if d["url"] == url), None)


def _active(device: dict) -> bool:
    return device.get("state") != "LEFT"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _tracking() -> str:
    return f"LOCAL_{uuid.uuid4()}"


# Scenarios by meeting number (like the simulator's): each one a real answer of the cloud.
SCENARIOS = {
    "2551234567": {},
    "404000000": None,  # no such meeting
    "423000000": {"locked": True},
    "401000000": {"password": "letmein"},
    "402000000": {"password": "letmein", "captcha_after_wrong_password": True},
    "403034000": {"login_required": True},
    "403003000": {"host_started": False},
    "403049000": {"policy_code": 403049},
    "403021000": {"webinar_code": 403021},  # webinar registration required
    "403026000": {"webinar_code": 403026},  # webinar: join by webcast only
    "202000000": {"lobby": True},
    "500000000": {"provision_error": (400, 2400012)},
    "403001000": {"join_error": (403, 2403001)},
}


def seed(cloud: MeetingsCloud) -> None:
    for number, options in SCENARIOS.items():
        if options is not None:
            cloud.meetings[number] = MeetingSpec(number, **options)


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))
