"""The local meetings cloud over real HTTP, as the SDK's requests reach it: encodings the SDK's
parsers rely on, CORS for the agent page's origin, and unexpected requests recorded."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from bot.config import REPO_ROOT
from localwebex.meetings import MeetingsCloud, serve_cloud


@pytest.fixture
def served():
    cloud, handle = serve_cloud()
    person = cloud.add_person("Alice Anders")
    yield cloud, handle.url, {"Authorization": f"Bearer {person.token}"}
    cloud.close()
    handle.stop()


def info(base, auth, **body):
    return requests.post(f"{base}/wbxappapi/v1/meetingInfo", json={"supportHostKey": True, **body}, headers=auth,
                         timeout=5)


def test_unexpected_requests_are_answered_404_and_recorded(served):
    cloud, base, auth = served
    assert requests.get(f"{base}/hydra/v1/people/me", headers=auth, timeout=5).status_code == 200
    assert requests.get(f"{base}/nowhere/v1/thing", headers=auth, timeout=5).status_code == 404
    assert cloud.unexpected == ["GET /nowhere/v1/thing"]
    assert [(r["path"], r["expected"]) for r in cloud.requests] == [("/hydra/v1/people/me", True),
                                                                     ("/nowhere/v1/thing", False)]


def test_cors_preflight_for_the_agent_page(served):
    _, base, _ = served
    answer = requests.options(f"{base}/wdm/api/v1/devices", timeout=5, headers={
        "Origin": "http://agent.local", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,trackingid"})
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "http://agent.local"
    assert "trackingid" in answer.headers["Access-Control-Allow-Headers"]


def test_a_refused_token_is_401_everywhere_it_is_asked(served):
    cloud, base, auth = served
    token = auth["Authorization"].split()[1]
    cloud.expire(token)
    for method, path in (("get", "/hydra/v1/people/me"), ("get", "/u2c/api/v1/catalog"), ("post", "/wdm/api/v1/devices"),
                         ("post", "/wbxappapi/v1/meetingInfo"), ("post", "/locus/api/v1/loci/call")):
        assert getattr(requests, method)(f"{base}{path}", headers=auth, json={}, timeout=5).status_code == 401


def test_the_catalog_is_a_hostmap_the_sdk_can_resolve(served):
    _, base, auth = served
    catalog = requests.get(f"{base}/u2c/api/v1/catalog", params={"format": "hostmap"}, headers=auth, timeout=5).json()
    assert catalog["format"] == "hostmap"
    assert {"wdm", "locus", "webex-appapi-service", "hydra"} <= set(catalog["serviceLinks"])
    host = base.split("://")[1]
    # hosts without the port: the SDK adds the service URL's port (webex-core service-url.js:29)
    assert {entry["host"] for entry in catalog["hostCatalog"][host]} == {"127.0.0.1"}


@pytest.mark.parametrize("body,status,code", [
    ({"meetingKey": "404000000"}, 404, 404001),
    ({"meetingKey": "401000000"}, 403, 403004),
    ({"meetingKey": "401000000", "password": "nope"}, 403, 403005),
    ({"meetingKey": "403003000"}, 403, 403003),
    ({"meetingKey": "403049000"}, 403, 403049),
])
def test_meeting_info_answers_as_wbxappapi_does(served, body, status, code):
    _, base, auth = served
    answer = info(base, auth, **body)
    assert answer.status_code == status and answer.json()["code"] == code
    if status == 403:
        # the SDK keeps body.data.meetingInfo as the partial meeting info (meeting-info-v2.ts:773)
        assert answer.json()["data"]["meetingInfo"]["meetingNumber"] == body["meetingKey"]


def test_a_captcha_answer_carries_what_the_sdk_reads(served):
    _, base, auth = served
    answer = info(base, auth, meetingKey="402000000", password="wrong")
    assert answer.status_code == 423
    assert {"captchaID", "verificationImageURL", "verificationAudioURL", "refreshURL"} <= set(answer.json())
    assert info(base, auth, meetingKey="402000000", password="letmein").status_code == 423  # still a captcha


def test_login_required_only_for_a_guest(served):
    cloud, base, auth = served
    assert info(base, auth, meetingKey="403034000").status_code == 200
    guest = cloud.add_person("Guest Gina", guest=True)
    answer = info(base, {"Authorization": f"Bearer {guest.token}"}, meetingKey="403034000")
    assert answer.status_code == 403 and answer.json()["code"] == 403034


def test_locus_sequences_grow_by_one_per_change(served):
    _, base, auth = served
    device = requests.post(f"{base}/wdm/api/v1/devices", json={}, headers=auth, timeout=5).json()
    joined = requests.post(f"{base}/locus/api/v1/loci/call", headers=auth, timeout=5, json={
        "device": {"url": device["url"], "deviceType": "WEB"}, "invitee": {"address": "wbxmn:2551234567"}}).json()
    first = joined["locus"]["sequence"]
    assert first["rangeStart"] == first["rangeEnd"] == 0 and joined["mediaConnections"] == []
    provisioned = requests.post(f"{joined['locus']['url']}/participant", headers=auth, timeout=5, json={
        "device": {"deviceType": "PROVISIONAL", "provisionalType": "DIAL_IN", "url": "dialin:///x",
                   "clientUrl": device["url"]}}).json()
    assert provisioned["locus"]["sequence"]["entries"][0] == first["entries"][0] + 1
    phone = [d for d in provisioned["locus"]["self"]["devices"] if d["deviceType"] == "PROVISIONAL"]
    assert phone[0]["state"] == "JOINED" and phone[0]["attendeeId"]


def test_the_command_line_serves_the_cloud_and_names_its_tokens():
    run = subprocess.Popen([sys.executable, "-m", "localwebex", "meetings", "--port", "0"], cwd=REPO_ROOT,
                           stdout=subprocess.PIPE, text=True)
    try:
        first = run.stdout.readline()
        tokens = json.loads(run.stdout.readline().split(":", 1)[1])
        base = first.split()[3]
        me = requests.get(f"{base}/hydra/v1/people/me", headers={"Authorization": f"Bearer {tokens['user']}"},
                          timeout=5)
        assert me.status_code == 200 and me.json()["displayName"] == "Meeting Agent"
    finally:
        run.terminate()
        run.wait(10)


def test_the_cloud_imports_nothing_from_the_bot():
    for path in (REPO_ROOT / "localwebex" / "meetings").glob("*.py"):
        assert "from bot" not in path.read_text() and "import bot" not in path.read_text(), path
    assert MeetingsCloud().meetings  # seeded scenarios


def test_mercury_authorises_answers_pings_and_numbers_its_messages(served):
    import simple_websocket

    cloud, base, auth = served
    device = requests.post(f"{base}/wdm/api/v1/devices", json={}, headers=auth, timeout=5).json()
    socket = simple_websocket.Client.connect(device["webSocketUrl"])
    try:
        socket.send(json.dumps({"id": "a1", "type": "authorization", "data": {"token": auth["Authorization"]}}))
        ready = json.loads(socket.receive(timeout=5))
        # what socket-base.js:421 waits for: no `type`, data.eventType mercury.buffer_state
        assert "type" not in ready and ready["data"]["eventType"] == "mercury.buffer_state"
        socket.send(json.dumps({"id": "p1", "type": "ping"}))
        pong = json.loads(socket.receive(timeout=5))
        assert pong["type"] == "pong" and pong["id"] == "p1"
        assert pong["sequenceNumber"] == ready["sequenceNumber"] + 1
        socket.send(json.dumps({"messageId": ready["id"], "type": "ack"}))
        assert cloud.mercury_connected(device["url"])
    finally:
        socket.close()


def test_mercury_refuses_a_bad_token(served):
    import simple_websocket

    _, base, auth = served
    device = requests.post(f"{base}/wdm/api/v1/devices", json={}, headers=auth, timeout=5).json()
    socket = simple_websocket.Client.connect(device["webSocketUrl"])
    socket.send(json.dumps({"id": "a1", "type": "authorization", "data": {"token": "Bearer nope"}}))
    with pytest.raises(simple_websocket.ConnectionClosed) as closed:
        socket.receive(timeout=5)
    assert closed.value.reason == 1008
