"""/_sandbox/*: unauthenticated test-control routes (tests, terminal chat, browser sandbox)."""
import copy
import time

from flask import Blueprint, jsonify, request

from .common import json_body, optional_str, required_str, runtime, state
from .errors import bad_request, not_found
from .state import add_sandbox_person, public, seed

bp = Blueprint("sandbox", __name__, url_prefix="/_sandbox")

MAX_FEED_WAIT = 30.0


@bp.post("/reset")
def reset():
    runtime().delivery.wait_idle(2.0)  # let in-flight deliveries finish before wiping
    return jsonify(seed(state()))


@bp.get("/world")
def world():
    with state().lock:
        return jsonify(copy.deepcopy(state().world))


PHONE_TYPES = ("work", "work_extension", "mobile", "fax")  # Person.phoneNumbers[].type in webex-messaging.json


@bp.post("/people")
def add_person():
    body = json_body()
    kind = optional_str(body, "type") or "person"
    if kind not in ("person", "bot"):
        raise bad_request("'type' must be 'person' or 'bot'.")
    phones = body.get("phoneNumbers", [])
    if not isinstance(phones, list) or not all(
            isinstance(p, dict) and p.get("type") in PHONE_TYPES and isinstance(p.get("value"), str) for p in phones):
        raise bad_request(f"'phoneNumbers' must be a list of {{type, value}} with type one of {', '.join(PHONE_TYPES)}.")
    entry = add_sandbox_person(state(), required_str(body, "email"),
                               required_str(body, "displayName"),
                               optional_str(body, "orgName"), kind, phones)
    return jsonify({**entry, "person": public(state().people[entry["id"]])})


@bp.post("/webhooks/<webhook_id>/status")
def set_webhook_status(webhook_id):
    status = required_str(json_body(), "status")
    if status not in ("active", "inactive"):
        raise bad_request("'status' must be 'active' or 'inactive'.")
    with state().lock:
        hook = state().webhooks.get(webhook_id)
        if hook is None:
            raise not_found("Webhook not found.")
        hook["status"] = status
        return jsonify(public(hook))


@bp.post("/faults")
def add_fault():
    body = json_body()
    status, delay = body.get("status"), body.get("delay")
    if delay is not None and (not isinstance(delay, (int, float)) or not 0 < delay <= 60):
        raise bad_request("'delay' must be a number of seconds from 0 to 60.")
    if not (status is None and delay) and (not isinstance(status, int) or not 400 <= status <= 599):
        raise bad_request("'status' must be an HTTP error status (400-599), unless only 'delay' is given.")
    count, seconds = body.get("count"), body.get("seconds")
    if count is None and seconds is None:
        count = 1
    fault = {"method": (optional_str(body, "method") or "*").upper(),
             "path": _api_relative(optional_str(body, "path") or "/"),
             "status": status, "delay": delay, "remaining": count,
             "personId": optional_str(body, "personId"),
             "until": time.monotonic() + float(seconds) if seconds is not None else None,
             "retryAfter": body.get("retry_after"),
             "message": optional_str(body, "message")}
    with state().lock:
        state().faults.append(fault)
        return jsonify({"faults": [_fault_view(f) for f in state().faults]})


@bp.delete("/faults")
def clear_faults():
    with state().lock:
        state().faults.clear()
    return "", 204


def _api_relative(path: str) -> str:
    """Fault paths are relative to /v1; accept them with the prefix too."""
    if path == "/v1" or path.startswith("/v1/"):
        return path[len("/v1"):] or "/"
    return path


def _fault_view(fault: dict) -> dict:
    return {k: v for k, v in fault.items() if k != "until"}


@bp.get("/requests")
def list_requests():
    with state().lock:
        return jsonify({"items": copy.deepcopy(state().requests)})


@bp.delete("/requests")
def clear_requests():
    with state().lock:
        state().requests.clear()
    return "", 204


@bp.get("/deliveries")
def list_deliveries():
    with state().lock:
        return jsonify({"items": copy.deepcopy(state().deliveries)})


@bp.post("/redeliver")
def redeliver():
    body = json_body()
    times = body.get("times", 1)
    if not isinstance(times, int) or not 1 <= times <= 50:
        raise bad_request("'times' must be an integer from 1 to 50.")
    records = runtime().delivery.redeliver(required_str(body, "resource"),
                                           required_str(body, "dataId"), times,
                                           bool(body.get("concurrent")))
    return jsonify({"statuses": [r["status"] for r in records], "deliveries": records})


@bp.get("/feed")
def feed():
    """Long-poll: new messages with seq > `after`, waiting up to `wait` seconds for one.

    `personId` limits it to that person's rooms; `events=all` adds edits and deletions
    (items with "event": "updated"/"deleted"), which plain message readers do not expect.
    """
    try:
        after = int(request.args.get("after", 0))
        wait = min(float(request.args.get("wait", 0)), MAX_FEED_WAIT)
    except ValueError:
        raise bad_request("'after' must be an integer and 'wait' a number.") from None
    viewer = request.args.get("personId")
    events = None if request.args.get("events") == "all" else {"created"}
    st = state()
    deadline = time.monotonic() + wait
    with st.changed:
        while True:
            items = [e for e in st.feed if e["seq"] > after
                     and (events is None or e["event"] in events)
                     and (viewer is None or st.is_member(e["roomId"], viewer))]
            remaining = deadline - time.monotonic()
            if items or remaining <= 0:
                break
            st.changed.wait(remaining)
        latest = max([after] + [e["seq"] for e in st.feed])
        return jsonify({"items": copy.deepcopy(items), "seq": latest})
