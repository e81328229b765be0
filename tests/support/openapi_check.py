"""Check Webex requests and responses against Webex's own OpenAPI specs (openapi-core).

Paths may be given with or without the `/v1` prefix (the specs have no `servers`; their
paths are relative to /v1). `/guests/...` is checked against webex-admin.json, everything
else against webex-messaging.json. Each spec is loaded once per process.

Two known defects of the published messaging spec are patched, because real Webex and
webexpythonsdk disagree with it:
  * `Attachment` describes a file ({"content": {fileId, type, contentUrl}}), but message
    attachments are adaptive cards: {"contentType": "application/vnd.microsoft.card.adaptive",
    "content": {...card...}}.
  * `POST /attachment/actions` documents only 202; webexpythonsdk requires 200, so a 200 is
    checked against the 202 schema.
"""
import copy
import json
from functools import lru_cache
from pathlib import Path

from openapi_core import Config, OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

SPEC_DIR = Path(__file__).resolve().parents[3] / "shared" / "webex-openapi"
HOST = "http://localwebex"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_ATTACHMENT_SCHEMA = {
    "type": "object",
    "required": ["contentType", "content"],
    "properties": {"contentType": {"type": "string", "enum": [CARD_TYPE]},
                   "content": {"type": "object"}},
}
STATUS_ALIASES = {("post", "/attachment/actions"): {200: 202}}


def _spec_name(api_path: str) -> str:
    return "webex-admin.json" if api_path.startswith("/guests/") else "webex-messaging.json"


@lru_cache(maxsize=None)
def spec_dict(name: str) -> dict:
    spec = json.loads((SPEC_DIR / name).read_text())
    spec["servers"] = [{"url": HOST + "/v1"}]
    if name == "webex-messaging.json":
        spec["components"]["schemas"]["Attachment"] = copy.deepcopy(CARD_ATTACHMENT_SCHEMA)
    return spec


@lru_cache(maxsize=None)
def _openapi(name: str) -> OpenAPI:
    # The published admin spec does not pass strict spec validation ('false' defaults
    # typed boolean); the specs are trusted input, so skip that check (it is also slow).
    return OpenAPI.from_dict(spec_dict(name), config=Config(spec_validator_cls=None))


def _api_path(path: str) -> str:
    path = path.split("?", 1)[0]
    if path == "/v1" or path.startswith("/v1/"):
        path = path[3:]
    return path if path.startswith("/") else "/" + path


def _mock_request(method: str, api_path: str, query: dict | None, body) -> MockRequest:
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return MockRequest(HOST, method.lower(), "/v1" + api_path, args=query or {}, data=data,
                       headers={"Authorization": "Bearer openapi-check"})


def _describe(exc: Exception) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    cause = exc.__cause__
    for err in getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None) or ():
        where = getattr(err, "json_path", "$")
        parts.append(f"  at {where}: {getattr(err, 'message', err)}")
    return "\n".join(parts)


def _operation(method: str, api_path: str) -> tuple[str, dict] | None:
    """(template, raw operation) for a concrete path; literal paths win over templates."""
    paths = spec_dict(_spec_name(api_path))["paths"]
    method = method.lower()
    if method in paths.get(api_path, {}):
        return api_path, paths[api_path][method]
    wanted = api_path.strip("/").split("/")
    for template, item in paths.items():
        parts = template.strip("/").split("/")
        if method in item and len(parts) == len(wanted) and all(
                p == w or (p.startswith("{") and p.endswith("}")) for p, w in zip(parts, wanted)):
            return template, item[method]
    return None


def validate_request(method: str, path: str, query: dict | None = None, body=None) -> None:
    """Raise AssertionError unless the request matches the spec (path, query, JSON body)."""
    api_path = _api_path(path)
    if _operation(method, api_path) is None:
        raise AssertionError(f"{method.upper()} {api_path} is not an operation in "
                             f"{_spec_name(api_path)}")
    try:
        _openapi(_spec_name(api_path)).validate_request(
            _mock_request(method, api_path, query, body))
    except OpenAPIError as exc:
        raise AssertionError(f"{method.upper()} {api_path} request does not match the Webex "
                             f"spec:\n{_describe(exc)}") from exc


def validate_recorded_request(entry: dict) -> None:
    """Validate one item of GET /_sandbox/requests."""
    validate_request(entry["method"], entry["path"], entry.get("query"), entry.get("body"))


def validate_response(method: str, path: str, status: int, body) -> None:
    """Raise AssertionError unless `status` is documented and `body` fits its schema.

    Error statuses have no schema in the spec; for them the body must be the Webex error
    shape webexpythonsdk reads: {"message": str, "trackingId": str, ...}.
    """
    api_path = _api_path(path)
    found = _operation(method, api_path)
    if found is None:
        raise AssertionError(f"{method.upper()} {api_path} is not an operation in the spec")
    template, operation = found
    status = STATUS_ALIASES.get((method.lower(), template), {}).get(status, status)
    if str(status) not in operation["responses"]:
        raise AssertionError(f"{method.upper()} {api_path}: status {status} is not documented "
                             f"(documented: {sorted(operation['responses'])})")
    if isinstance(body, (bytes, str)):
        body = json.loads(body) if body else None
    if status == 204:
        assert body is None, f"{method.upper()} {api_path}: 204 must have no body, got {body!r}"
        return
    if status >= 400:
        assert isinstance(body, dict) and isinstance(body.get("message"), str) \
            and isinstance(body.get("trackingId"), str), \
            f"{method.upper()} {api_path}: error body is not Webex-shaped: {body!r}"
        return
    response = MockResponse(json.dumps(body).encode(), status_code=status)
    try:
        _openapi(_spec_name(api_path)).validate_response(
            _mock_request(method, api_path, None, None), response)
    except OpenAPIError as exc:
        raise AssertionError(f"{method.upper()} {api_path} {status} response does not match "
                             f"the Webex spec:\n{_describe(exc)}") from exc
