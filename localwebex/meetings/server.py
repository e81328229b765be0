"""HTTP and websocket routes of the local meetings cloud (see __init__.py for the list).

Every request is recorded in `cloud.requests`; one that no route expects is logged, answered 404
and kept in `cloud.unexpected`, so a test can fail on anything the SDK asked that we did not
foresee. Browsers call from the agent page's origin, so every answer carries CORS headers.
"""
from __future__ import annotations

import itertools
import json
import logging
import threading
import time
import uuid

from flask import Flask, g, jsonify, request
from flask_sock import Sock
from werkzeug.exceptions import HTTPException

from ..serving import LocalServer
from .cloud import CloudError, MeetingsCloud

log = logging.getLogger(__name__)
AUTH_TIMEOUT_SECONDS = 30.0


class MercuryConnection:
    """One open Mercury websocket: envelopes out with sequence numbers, ping/pong, acks in."""

    def __init__(self, ws):
        self.ws = ws
        self.authorised = False
        self.sequence = itertools.count(1)
        self.send_lock = threading.Lock()
        self.closed = False

    def send(self, message: dict) -> None:
        with self.send_lock:
            if self.closed:
                return
            message.setdefault("sequenceNumber", next(self.sequence))
            try:
                self.ws.send(json.dumps(message))
            except Exception:  # noqa: BLE001 - a socket closed under us
                self.closed = True

    def push(self, data: dict) -> None:
        """An event envelope, shaped as Mercury sends it (mercury.js:973 reads `data.eventType`)."""
        if not self.authorised:
            return
        self.send({"id": str(uuid.uuid4()), "data": data, "timestamp": int(time.time() * 1000),
                   "trackingId": f"LOCAL_{uuid.uuid4()}", "alertType": "none", "headers": {},
                   "filterMessage": False, "wsWriteTimestamp": int(time.time() * 1000)})


def create_cloud_app(cloud: MeetingsCloud) -> Flask:
    app = Flask(__name__)
    app.json.sort_keys = False
    sock = Sock(app)
    app.extensions["meetings_cloud"] = cloud

    def record(expected: bool) -> None:
        entry = {"method": request.method, "path": request.path, "expected": expected, "status": None,
                 "at": time.time()}
        g.entry = entry
        with cloud.lock:
            cloud.requests.append(entry)
            if not expected:
                cloud.unexpected.append(f"{request.method} {request.path}")

    @app.before_request
    def before():
        if request.method == "OPTIONS":
            return app.make_default_options_response()  # CORS preflight
        record(request.url_rule is not None)
        return None

    @app.after_request
    def after(response):
        entry = g.get("entry")
        if entry is not None:
            entry["status"] = response.status_code
        origin = request.headers.get("Origin")
        response.headers["Access-Control-Allow-Origin"] = origin or "*"
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Authorization, Content-Type")
        response.headers["Access-Control-Expose-Headers"] = "TrackingID, ETag, Date"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers.setdefault("TrackingID", f"LOCAL_{uuid.uuid4()}")
        return response

    @app.errorhandler(CloudError)
    def cloud_error(error: CloudError):
        return jsonify(error.body), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 404 and request.url_rule is None:
            log.warning("meetings cloud: unexpected request %s %s", request.method, request.path)
        return jsonify({"message": error.description, "errors": []}), error.code

    def person():
        return cloud.authenticate(request.headers.get("Authorization"))

    def body() -> dict:
        return request.get_json(force=True, silent=True) or {}

    # Discovery -------------------------------------------------------------------------
    @app.get("/u2c/api/v1/limited/catalog")
    def limited_catalog():
        return jsonify(cloud.catalog(limited=True))

    @app.get("/u2c/api/v1/catalog")
    def catalog():
        person()
        return jsonify(cloud.catalog(limited=False))

    @app.get("/ping")
    def intranet_ping():
        return "", 200  # the device's intranetInactivityCheckUrl

    @app.get("/region")
    def region():
        return jsonify({"countryCode": "US", "regionCode": "US-WEST", "clientAddress": request.remote_addr,
                        "clientRegion": "US-WEST", "timezone": "UTC"})

    # Hydra ---------------------------------------------------------------------------------
    @app.get("/hydra/v1/people/me")
    def people_me():
        who = person()
        return jsonify({"id": who.id, "emails": [who.email], "displayName": who.display_name,
                        "nickName": who.display_name.split()[0], "orgId": cloud_org(), "type": who.type,
                        "created": "2026-01-01T00:00:00.000Z", "status": "active"})

    @app.get("/hydra/v1/meetingPreferences")
    def meeting_preferences():
        person()
        return jsonify({"sites": [{"siteUrl": "local.webex.test", "default": True}]})

    # WDM -----------------------------------------------------------------------------------
    @app.post("/wdm/api/v1/devices")
    def register_device():
        return jsonify(cloud.register_device(person(), body()))

    @app.route("/wdm/api/v1/devices/<device_id>", methods=["GET", "PUT"])
    def refresh_device(device_id):
        return jsonify(cloud.device(device_id, person()))

    @app.delete("/wdm/api/v1/devices/<device_id>")
    def delete_device(device_id):
        cloud.delete_device(device_id, person())
        return "", 204

    # Mercury -------------------------------------------------------------------------------
    @sock.route("/mercury/ws/<device_id>")
    def mercury(ws, device_id):
        connection = MercuryConnection(ws)
        device_url = cloud.socket_opened(device_id, connection)
        if device_url is None:
            ws.close(4404, "device not registered")
            return
        try:
            deadline = time.monotonic() + AUTH_TIMEOUT_SECONDS
            while True:
                raw = ws.receive(timeout=1.0)
                if raw is None:
                    if not connection.authorised and time.monotonic() > deadline:
                        ws.close(1008, "authentication did not happen within the timeout window")
                        return
                    continue
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "authorization":
                    token = str((message.get("data") or {}).get("token", "")).removeprefix("Bearer ").strip()
                    if cloud.person_by_token(token) is None:
                        ws.close(1008, "authentication failed")
                        return
                    connection.authorised = True
                    # what the SDK waits for before it says it is connected (socket-base.js:421)
                    connection.send({"id": str(uuid.uuid4()),
                                     "data": {"eventType": "mercury.buffer_state",
                                              "buffer_state": {"conversation": "UNKNOWN", "locus": "UNKNOWN"}}})
                elif kind == "ping":
                    connection.send({"id": message.get("id"), "type": "pong"})
                elif kind == "ack":
                    pass
                else:
                    log.warning("meetings cloud: unexpected mercury message %s", kind)
                    with cloud.lock:
                        cloud.unexpected.append(f"mercury {kind}")
        except Exception as problem:  # noqa: BLE001 - the socket closed
            log.debug("mercury socket closed: %r", problem)
        finally:
            connection.closed = True
            cloud.socket_closed(device_url, connection)

    # Meeting info ---------------------------------------------------------------------------
    @app.post("/wbxappapi/v1/meetingInfo")
    def meeting_info():
        return jsonify(cloud.meeting_info(person(), body()))

    # Locus ------------------------------------------------------------------------------------
    @app.post("/locus/api/v1/loci/call")
    def locus_call():
        return jsonify(cloud.join(person(), body()))

    @app.get("/locus/api/v1/loci")
    def loci():
        return jsonify(cloud.active_loci(person()))

    @app.get("/locus/api/v1/loci/<locus_id>")
    def locus(locus_id):
        return jsonify(cloud.get_locus(person(), locus_id))

    @app.post("/locus/api/v1/loci/<locus_id>/participant")
    def locus_participant(locus_id):
        return jsonify(cloud.add_device(person(), locus_id, body()))

    @app.put("/locus/api/v1/loci/<locus_id>/participant/<pid>/leave")
    def locus_leave(locus_id, pid):
        return jsonify(cloud.leave(person(), locus_id, pid, body()))

    # What the host and the phone network do, for people trying the cloud by hand -------------
    @app.post("/_cloud/<action>")
    def control(action):
        given = body()
        number = str(given.get("meeting", ""))
        actions = {
            "admit": lambda: cloud.admit(number), "deny": lambda: cloud.deny(number),
            "end": lambda: cloud.end_meeting(number), "start": lambda: cloud.start_meeting(number),
            "answer": lambda: cloud.answer(str(given.get("number", ""))),
            "hang_up": lambda: cloud.hang_up(number=str(given.get("number", "")),
                                             attendee_id=str(given.get("attendeeId", ""))),
            "dial_in": lambda: cloud.dial_in(str(given.get("attendeeId", ""))),
        }
        if action not in actions:
            return jsonify({"message": f"unknown action {action}", "actions": sorted(actions)}), 404
        actions[action]()
        return jsonify({"ok": True, "phones": cloud.phone_devices()})

    # What the SDK reports on the side ----------------------------------------------------------
    @app.post("/metrics/api/v1/<path:kind>")
    def metrics(kind):
        return "", 204

    @app.post("/clientlogs/api/v1/<path:kind>")
    def client_logs(kind):
        return jsonify({}), 200

    return app


def cloud_org() -> str:
    from .cloud import ORG_ID

    return ORG_ID


def serve_cloud(cloud: MeetingsCloud | None = None, host: str = "127.0.0.1", port: int = 0):
    """Serve a cloud over real HTTP in a background thread; returns (cloud, server handle)."""
    cloud = cloud or MeetingsCloud()
    app = create_cloud_app(cloud)
    handle = LocalServer(app, host=host, port=port)
    cloud.base_url = handle.url
    return cloud, handle
