"""App factory: Webex routes under /v1 (bearer auth), test controls under /_sandbox."""
import time

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

from . import routes_directory, routes_messages, routes_sandbox, routes_webhooks
from .common import Runtime
from .delivery import Delivery
from .errors import WebexError, error_body, new_tracking_id
from .state import State, seed

API_PREFIX = "/v1"
_NO_TOKEN = "The request requires a valid access token set in the Authorization request header."


def create_app(state: State | None = None) -> Flask:
    if state is None:
        state = State()
        seed(state)
    app = Flask(__name__)
    app.json.sort_keys = False  # keep Webex's field order
    app.extensions["localwebex"] = Runtime(state=state, delivery=Delivery(state))
    for module in (routes_messages, routes_directory, routes_webhooks):
        app.register_blueprint(module.bp, url_prefix=API_PREFIX)
    app.register_blueprint(routes_sandbox.bp)

    @app.before_request
    def record_fault_and_authenticate():
        if not request.path.startswith(API_PREFIX + "/") or request.method == "OPTIONS":
            return None  # CORS preflights carry no token
        entry = {"method": request.method, "path": request.path, "query": _query_dict(),
                 "body": request.get_json(force=True, silent=True), "actorId": None,
                 "status": None, "at": time.time()}
        g.log_entry = entry
        with state.lock:
            state.requests.append(entry)
        person = _authenticate(state)
        g.actor = person
        entry["actorId"] = person["id"]
        fault = _take_fault(state, person["id"])
        if fault and fault.get("delay"):
            time.sleep(fault["delay"])  # a slow Webex: the request then goes on, or fails as set
        if fault and fault["status"]:
            headers = {}
            if fault["retryAfter"] is not None:
                headers["Retry-After"] = str(fault["retryAfter"])
            raise WebexError(fault["status"], fault["message"] or _fault_message(fault["status"]),
                             headers)
        return None

    @app.after_request
    def record_status(response):
        entry = g.get("log_entry")
        if entry is not None:
            entry["status"] = response.status_code
        response.headers.setdefault("TrackingID", new_tracking_id())
        # Permissive CORS so a browser sandbox served from another port can call us.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = "Link, Retry-After, TrackingID"
        return response

    @app.errorhandler(WebexError)
    def webex_error(exc: WebexError):
        return _error_response(exc.status, exc.message, exc.headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _error_response(exc.code or 500, exc.description or exc.name)

    return app


def _error_response(status: int, message: str, headers: dict | None = None):
    body = error_body(message)
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    response.headers["TrackingID"] = body["trackingId"]
    return response


def _query_dict() -> dict:
    """Single values as strings, repeated parameters as lists."""
    return {key: values[0] if len(values) == 1 else values
            for key, values in request.args.lists()}


def _authenticate(state: State) -> dict:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    person = state.person_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if person is None:
        raise WebexError(401, _NO_TOKEN)
    return person


def _take_fault(state: State, actor_id: str) -> dict | None:
    """The first configured fault matching this request (and caller, when the fault names one:
    Webex limits per token), consuming one use of it."""
    path = request.path[len(API_PREFIX):]
    now = time.monotonic()
    with state.lock:
        state.faults[:] = [f for f in state.faults
                           if f["remaining"] != 0 and (f["until"] is None or f["until"] > now)]
        for fault in state.faults:
            if (fault["method"] in ("*", request.method) and path.startswith(fault["path"])
                    and fault.get("personId") in (None, actor_id)):
                if fault["remaining"] is not None:
                    fault["remaining"] -= 1
                return fault
    return None


def _fault_message(status: int) -> str:
    if status == 429:
        return "Too many requests have been sent in a given amount of time."
    if status >= 500:
        return "The service is temporarily unavailable."
    return "The request could not be served."
