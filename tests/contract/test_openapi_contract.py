"""The web tier against its own contract, openapi.yaml: schemathesis drives the real Flask app
(in-process, through WSGI) on a real Redis, and every answer must be documented there.

* Unsigned traffic (whatever schemathesis generates for every operation): no 5xx, every status,
  content type, header and body as documented, and no webhook delivery is stored without a
  valid signature.
* Signed deliveries: each generated body is signed over the exact bytes sent, so the 200 and 400
  paths run; a body the document calls a valid envelope must be accepted.
* 413 (over 1 MiB) and 503 (Redis down), which generation does not reach, are produced on purpose.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_schema_validator import OAS30Validator
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from bot.config import REPO_ROOT, load_settings
from bot.meeting.agents import AgentRegistry
from bot.stores.redis_connection import connect
from bot.web.app import MAX_BODY_BYTES, create_app
from bot.web.signature import HEADER, sign

SPEC_PATH = REPO_ROOT / "openapi.yaml"
SECRET = "contract-test-secret"
PREFIX = f"test-contract-{uuid.uuid4().hex[:10]}:"  # one app for the module; keys removed at its end
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# What Flask does around the operations: 405 with `Allow` for other methods, `Allow` on OPTIONS
# listing the documented methods, a 4xx when the required signature header is left out.
HTTP_BEHAVIOUR = [unsupported_method, allow_header_conformance, missing_required_header]
DOCUMENTED = [check for check in CONFORMANCE if check is not not_a_server_error]  # for the intended 503s
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

schema = schemathesis.openapi.from_path(SPEC_PATH)
webhook_schema = schema.include(path="/webhooks/webex", method="POST")

_document = schema.raw_schema
envelope_validator = OAS30Validator({"$ref": "#/components/schemas/WebhookEnvelope",
                                     "components": _document["components"]})


def wire_bytes(body) -> bytes:
    """The request body to send (and sign): JSON as a client such as Webex would write it."""
    if isinstance(body, NotSet):
        return b""  # a case that leaves out the required body
    if isinstance(body, bytes):
        return body
    return json.dumps(body).encode()


def signed_case(envelope: dict):
    raw = json.dumps(envelope).encode()
    case = schema["/webhooks/webex"]["POST"].Case(body=envelope, media_type="application/json",
                                                   headers={HEADER: sign(SECRET, raw)})
    return case, raw


def valid_envelope(data_id: str | None = None) -> dict:
    return {"id": "webhook-1", "name": "contract", "resource": "messages", "event": "created",
            "data": {"id": data_id or uuid.uuid4().hex, "roomType": "direct"}}


@pytest.fixture(scope="module")
def web_settings():
    return load_settings({"REDIS_KEY_PREFIX": PREFIX})


@pytest.fixture(scope="module")
def web(redis_client, web_settings):
    """One app for the module (schemathesis runs many examples per test), on the real Redis."""
    yield create_app(web_settings, redis_client, SECRET)
    keys = list(redis_client.scan_iter(match=PREFIX + "*", count=1000))
    if keys:
        redis_client.delete(*keys)


def inbox_length(redis_client, web_settings) -> int:
    return redis_client.xlen(web_settings.key("inbox"))


def test_document_is_valid_openapi_3_0():
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV30SpecValidator

    validate(_document, cls=OpenAPIV30SpecValidator)  # raises on an invalid document
    assert _document["openapi"] == "3.0.3"
    assert set(_document["paths"]) == {"/webhooks/webex", "/healthz", "/readyz", "/metrics"}


@schema.parametrize()
@FUZZ
def test_unsigned_traffic_is_documented_and_stores_nothing(case, web, redis_client, web_settings):
    before = inbox_length(redis_client, web_settings)
    response = case.call_and_validate(app=web, checks=CONFORMANCE + HTTP_BEHAVIOUR)
    if case.path == "/webhooks/webex" and case.method.upper() == "POST":
        # Generated signatures are well-formed hex but never the HMAC of the body.
        assert response.status_code == 401, response.text
        assert inbox_length(redis_client, web_settings) == before


@webhook_schema.parametrize()
@FUZZ
def test_signed_deliveries_are_documented_and_valid_envelopes_accepted(case, web):
    raw = wire_bytes(case.body)
    # Sign the exact bytes the app receives: they are passed as `data`, replacing the generated
    # body, so no serializer re-encodes them after signing. The signature goes into the case
    # itself (not call(headers=...)): schemathesis then revalidates the case, so a case generated
    # to leave the header out sends it too.
    others = {name: value for name, value in (case.headers or {}).items() if name.lower() != HEADER.lower()}
    case.headers = {**others, HEADER: sign(SECRET, raw)}
    response = case.call(app=web, data=raw)
    case.validate_response(response, checks=CONFORMANCE)
    if case.method.upper() != "POST":
        return  # an unexpected-method probe: what Flask does is checked by the unsigned test
    assert response.status_code in (200, 400), response.text  # a right signature is never 401
    try:
        envelope = json.loads(raw)
    except ValueError:
        envelope = None
    if envelope is not None and envelope_validator.is_valid(envelope):
        assert response.status_code == 200, f"a documented envelope was refused: {raw[:300]!r}"


def test_a_new_event_is_accepted_and_a_repeat_is_not_stored_again(web, redis_client, web_settings):
    envelope = valid_envelope()
    before = inbox_length(redis_client, web_settings)
    answers = []
    for _ in range(2):
        case, raw = signed_case(envelope)
        response = case.call(app=web, data=raw)
        case.validate_response(response, checks=CONFORMANCE)
        answers.append((response.status_code, response.json()["message"]))
        assert re.fullmatch(r"ack;dur=\d+\.\d{3}", response.headers["server-timing"][0])
    assert answers == [(200, "accepted"), (200, "already accepted")]
    assert inbox_length(redis_client, web_settings) == before + 1


def test_a_wrong_signature_is_401_as_documented(web):
    case, raw = signed_case(valid_envelope())
    case.headers[HEADER] = sign("another secret", raw)
    response = case.call(app=web, data=raw)
    case.validate_response(response, checks=CONFORMANCE)
    assert response.status_code == 401


def test_a_body_over_1_mib_is_413_as_documented(web):
    envelope = {**valid_envelope(), "padding": "x" * MAX_BODY_BYTES}
    case, raw = signed_case(envelope)
    assert len(raw) > MAX_BODY_BYTES
    response = case.call(app=web, data=raw)
    case.validate_response(response, checks=CONFORMANCE)
    assert response.status_code == 413
    assert response.json() == {"message": "body over 1 MiB"}


def test_readyz_lists_alive_and_missing_agents_as_documented(web, redis_client, web_settings):
    agents = AgentRegistry(redis_client, web_settings)
    agents.beat("contract-alive", {"backend": "simulator", "people": 0})
    agents.beat("contract-gone", {"backend": "simulator", "people": 1})
    agents.stop_beating("contract-gone")
    case = schema["/readyz"]["GET"].Case()
    response = case.call(app=web)
    case.validate_response(response, checks=CONFORMANCE)
    body = response.json()
    assert response.status_code == 200
    assert [beat["agent"] for beat in body["agents"]["alive"]] == ["contract-alive"]
    assert body["agents"]["missing"] == ["contract-gone"]
    assert "warning" not in body["agents"]


def test_metrics_are_prometheus_text_as_documented(web):
    unsigned, raw = signed_case(valid_envelope())
    assert unsigned.call(app=web, headers={HEADER: ""}, data=raw).status_code == 401
    case = schema["/metrics"]["GET"].Case()
    response = case.call(app=web)
    case.validate_response(response, checks=CONFORMANCE)
    assert response.status_code == 200
    assert response.headers["content-type"][0].startswith("text/plain")
    assert re.search(r"^redis_up 1\.0$", response.text, re.M)
    assert re.search(r"^webhook_deliveries_total\{outcome=\"bad_signature\"\} ", response.text, re.M)


# Signed bodies that once made the webhook answer 500 (found by this fuzzing); now 400.

def test_a_lone_surrogate_in_event_is_not_a_server_error(web):
    raw = b'{"resource": "messages", "event": "\\ud800", "data": {"id": "surrogate"}}'
    case = schema["/webhooks/webex"]["POST"].Case(body=json.loads(raw), media_type="application/json",
                                                   headers={HEADER: sign(SECRET, raw)})
    response = case.call(app=web, data=raw)  # schemathesis re-raises the app's unhandled exception
    case.validate_response(response, checks=CONFORMANCE)
    assert response.status_code == 400


@pytest.mark.parametrize("resource", [{}, [], {"messages": 1}, ["messages"]])
def test_an_object_or_array_resource_is_not_a_server_error(web, resource):
    envelope = {**valid_envelope(), "resource": resource}
    case, raw = signed_case(envelope)
    response = case.call(app=web, data=raw)  # schemathesis re-raises the app's unhandled exception
    case.validate_response(response, checks=CONFORMANCE)
    assert response.status_code == 400


def test_deeply_nested_json_is_not_a_server_error(web):
    raw = b"[" * 100_000 + b"]" * 100_000
    case = schema["/webhooks/webex"]["POST"].Case(body=[], media_type="application/json",
                                                   headers={HEADER: sign(SECRET, raw)})
    response = case.call(app=web, data=raw)
    case.validate_response(response, checks=CONFORMANCE)
    assert response.status_code == 400


def test_non_standard_json_constants_are_refused(web):
    raw = b'{"resource": "messages", "event": "created", "data": {"id": "nan", "x": NaN}}'
    case = schema["/webhooks/webex"]["POST"].Case(body={}, media_type="application/json",
                                                   headers={HEADER: sign(SECRET, raw)})
    response = case.call(app=web, data=raw)
    case.validate_response(response, checks=CONFORMANCE)
    assert response.status_code == 400


def test_redis_down_gives_documented_503s(web_settings):
    """Last in the module: creating an app points the process's metrics collector at its Redis
    (later apps, in other modules, point it at theirs again)."""
    dead = connect(load_settings({"REDIS_URL": CLOSED_PORT_URL}))
    app = create_app(web_settings, dead, SECRET)
    try:
        _check_503s(app)
    finally:
        dead.close()


def _check_503s(app):
    case, raw = signed_case(valid_envelope())
    response = case.call(app=app, data=raw)
    case.validate_response(response, checks=DOCUMENTED)
    assert response.status_code == 503
    assert "again later" in response.json()["message"]

    ready = schema["/readyz"]["GET"].Case()
    response = ready.call(app=app)
    ready.validate_response(response, checks=DOCUMENTED)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "redis": "ConnectionError"}

    metrics = schema["/metrics"]["GET"].Case()
    response = metrics.call(app=app)
    metrics.validate_response(response, checks=CONFORMANCE)
    assert re.search(r"^redis_up 0\.0$", response.text, re.M)
