"""Helpers shared by the route modules: the app's state, the caller, JSON bodies, paging."""
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, g, jsonify, request

from .delivery import Delivery
from .errors import bad_request
from .state import State


@dataclass
class Runtime:
    state: State
    delivery: Delivery


def runtime() -> Runtime:
    return current_app.extensions["localwebex"]


def state() -> State:
    return runtime().state


def actor() -> dict:
    """The person whose bearer token authenticated this /v1 request."""
    return g.actor


def json_body() -> dict:
    body = request.get_json(force=True, silent=True)
    if body is None and request.get_data():
        raise bad_request("The request body is not valid JSON.")
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def optional_str(body: dict, key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"'{key}' must be a string.")
    return value


def required_str(body: dict, key: str) -> str:
    value = optional_str(body, key)
    if not value:
        raise bad_request(f"'{key}' is required.")
    return value


def max_param(default: int, cap: int | None = None) -> int:
    raw = request.args.get("max")
    if raw is None:
        return default
    try:
        value = int(float(raw))
    except ValueError:
        raise bad_request("'max' must be a positive number.") from None
    if value < 1 or (cap is not None and value > cap):
        raise bad_request(f"'max' must be between 1 and {cap or 'unbounded'}.")
    return value


def paged(items: list[dict], default_max: int, cap: int | None = None):
    """{"items": [...]} with an RFC 5988 `Link: <...>; rel="next"` header when more remain.

    The cursor is its own query parameter because the SDK re-applies the caller's original
    max/before/beforeMessage values to the next URL and would overwrite them.
    """
    size = max_param(default_max, cap)
    start = 0
    cursor = request.args.get("cursor")
    if cursor:
        ids = [item.get("id") for item in items]
        start = ids.index(cursor) + 1 if cursor in ids else len(items)
    page = items[start:start + size]
    response = jsonify({"items": page})
    if start + size < len(items):
        args = request.args.to_dict(flat=True)
        args["cursor"] = page[-1]["id"]
        args["max"] = str(size)
        response.headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
    return response
