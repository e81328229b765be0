"""The meeting agent that drives the Web Meetings SDK in real headless Chromium.

Nothing here can reach Webex, so: the real SDK bundle is loaded and initialised with the
network cut off; everything else runs our page script against a fake SDK object with the
SDK's surface and payloads (agent/page/fake_webex.js), through the real Redis protocol.
"""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import sync_playwright

from bot.config import REPO_ROOT, load_settings
from bot.meeting import protocol
from bot.meeting.agents import AgentRegistry
from bot.meeting.browser_agent import CHROMIUM, CHROMIUM_ARGS, DEFAULT_SDK, PAGE_DIR, BrowserAgent
from bot.meeting.identities import AgentIdentity
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
FAKE_SDK = PAGE_DIR / "fake_webex.js"


def test_the_real_sdk_bundle_loads_and_initialises_offline():
    assert DEFAULT_SDK.exists(), "`make test` fetches the SDK bundle from the npm package"
    blocked: list[str] = []
    files = {"/agent.html": b"<!doctype html><meta charset=\"utf-8\"><title>sdk</title><script src='sdk.js'></script>",
             "/sdk.js": DEFAULT_SDK.read_bytes()}

    def serve(route):
        path = route.request.url.removeprefix("http://agent.local")
        if path in files:
            route.fulfill(status=200, body=files[path],
                          content_type="text/html; charset=utf-8" if path.endswith(".html")
                          else "application/javascript; charset=utf-8")
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", serve)
            page.goto("http://agent.local/agent.html")
            shape = page.evaluate("""() => {
                const webex = window.Webex.init({credentials: {access_token: 'offline-test-token'}});
                return {version: window.Webex.version || null,
                        register: typeof webex.meetings.register, create: typeof webex.meetings.create};
            }""")
        finally:
            browser.close()
    assert shape["register"] == "function" and shape["create"] == "function"


@pytest.fixture
def agent(redis_client, key_prefix):
    settings = load_settings({"REDIS_KEY_PREFIX": key_prefix, "MEETING_BACKEND": "webex",
                              "AGENT_SDK_SCRIPT": str(FAKE_SDK), "WEBEX_AGENT_TOKEN": "test-token",
                              "AGENT_MAX_MEETINGS": "3"})
    running = BrowserAgent(settings, redis_client, AgentIdentity(settings, redis_client)).start()
    yield running
    running.stop()


def send(agent, op="use_phone_audio", phone=None, person="alice", cid=None, deadline_in=15.0, **meeting):
    command = {"id": cid or f"c-{time.monotonic_ns()}", "op": op, "person_id": person,
               "display_name": f"{person.title()} (phone)", "meeting": meeting or {"number": "2551234567"},
               "phone_number": phone, "deadline": time.time() + deadline_in}
    agent.redis.xadd(agent.streams.commands, protocol.encode(command))
    return command["id"]


def events(agent, person="alice") -> list[dict]:
    found = [protocol.decode(fields) for _, fields in agent.redis.xrange(agent.streams.events)]
    return [event for event in found if event.get("person_id") == person]


def statuses(agent, device, person="alice"):
    return [e["payload"][device]["status"] for e in events(agent, person) if e["type"] == "phone_audio_update"
            and (e["payload"].get(device) or {}).get("status")]


def error_for(agent, cid, person="alice"):
    return wait_for(lambda: next((e for e in events(agent, person) if e["type"] == "error"
                                  and e["command_id"] == cid), None), what=f"an error for {cid}")


def test_dial_in_gives_meeting_info_then_joined(agent):
    cid = send(agent)
    wait_for(lambda: statuses(agent, "dialIn") == ["JOINED"], what="JOINED")
    kinds = [e["type"] for e in events(agent)]
    assert kinds.index("meeting_info") < kinds.index("phone_audio_update")
    info = next(e for e in events(agent) if e["type"] == "meeting_info")
    assert info["command_id"] == cid and info["audio"]["accessCode"] == "2551234567"
    assert info["audio"]["tollCallInLabel"] == "US Toll" and info["agent"] == agent.name


def test_dial_out_states_arrive_in_order_with_increasing_seq(agent):
    cid = send(agent, phone="+14085550100")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["SUCCESS"], what="SUCCESS")
    assert statuses(agent, "dialOut") == ["JOINED", "CONNECTED", "TRANSFERRING", "SUCCESS"]
    updates = [e for e in events(agent) if e["type"] == "phone_audio_update"]
    assert [u["seq"] for u in updates] == sorted(u["seq"] for u in updates)
    assert {u["command_id"] for u in updates} == {cid}


def test_a_second_use_phone_audio_provisions_nothing(agent):
    send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), what="SUCCESS")
    send(agent, phone="+14085550100")
    wait_for(lambda: len(statuses(agent, "dialOut")) >= 5, what="the state repeated")
    calls = agent._run(agent.people["alice"].page.evaluate(
        "() => window.fakeWebexCalls.filter(c => c.method === 'dialOutPstn').length"), 10)
    assert calls == 1
    assert statuses(agent, "dialOut")[-1] == "SUCCESS"


def test_hang_up_during_transferring_waits_for_the_transfer(agent):
    send(agent, phone="+14085550100")
    wait_for(lambda: "TRANSFERRING" in statuses(agent, "dialOut"), what="TRANSFERRING")
    send(agent, op="disconnect_phone_audio")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["LEFT"], what="LEFT")
    assert statuses(agent, "dialOut")[-3:] == ["TRANSFERRING", "SUCCESS", "LEFT"]


@pytest.mark.parametrize("meeting,password,code", [
    ("404000000", None, "meeting_not_found"),
    ("423000000", None, "meeting_locked"),
    ("401000000", None, "password_required"),
    ("401000000", "wrong", "password_wrong"),
    ("402000000", "wrong", "captcha_required"),
    ("409000000", None, "meeting_not_active"),
    ("500000000", None, "provisioning_rejected"),
])
def test_each_failure_becomes_an_error_a_person_can_read(agent, meeting, password, code):
    destination = {"number": meeting, **({"password": password} if password else {})}
    cid = send(agent, phone="+14085550100", **destination)
    error = error_for(agent, cid)
    assert error["code"] == code and len(error["reason"]) > 10
    if code == "captcha_required":
        assert "app" in error["reason"].lower()


def test_the_right_password_joins(agent):
    send(agent, number="401000000", password="letmein")
    wait_for(lambda: statuses(agent, "dialIn") == ["JOINED"], what="JOINED")


def test_a_lobby_wait_is_reported_while_it_lasts(agent):
    cid = send(agent, phone="+14085550100", number="202000000")
    lobby = wait_for(lambda: [e for e in events(agent) if e["type"] == "lobby"] or None, what="lobby")
    assert lobby[0]["waiting"] is True and lobby[0]["command_id"] == cid and lobby[0]["extend_seconds"] > 0
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), what="the call after admission")
    assert [e["waiting"] for e in events(agent) if e["type"] == "lobby"] == [True, False]


def test_an_expired_token_is_reported(redis_client, key_prefix):
    settings = load_settings({"REDIS_KEY_PREFIX": key_prefix, "AGENT_SDK_SCRIPT": str(FAKE_SDK),
                              "WEBEX_AGENT_TOKEN": "expired-token"})
    running = BrowserAgent(settings, redis_client, AgentIdentity(settings, redis_client)).start()
    try:
        cid = send(running, phone="+14085550100")
        assert error_for(running, cid)["code"] == "token_expired"
    finally:
        running.stop()


def test_page_crash_drops_the_call_says_so_and_recovers(agent):
    cid = send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), what="SUCCESS")
    agent.crash_page("alice")
    dropped = wait_for(lambda: [e for e in events(agent) if e["type"] == "phone_audio_update"
                                and e["payload"]["dialOut"].get("reason") == "PAGE_CRASHED"], what="the drop")
    assert dropped[0]["payload"]["dialOut"]["status"] == "LEFT" and dropped[0]["command_id"] == cid
    wait_for(lambda: "alice" in agent.people, what="a fresh page")
    send(agent, phone="+14085550100")
    wait_for(lambda: statuses(agent, "dialOut").count("SUCCESS") == 2, what="a new call on the new page")


def test_past_deadline_commands_are_dropped_and_the_heartbeat_shows(agent):
    cid = send(agent, phone="+14085550100", deadline_in=-1)
    assert error_for(agent, cid)["code"] == "expired"
    assert statuses(agent, "dialOut") == []
    alive, _ = AgentRegistry(agent.redis, agent.settings).status()
    assert [beat["backend"] for beat in alive if beat["agent"] == agent.name] == ["webex"]


def test_each_person_has_their_own_page_and_the_limit_holds(agent):
    for person in ("alice", "bob", "carol"):
        send(agent, person=person)
    wait_for(lambda: all(statuses(agent, "dialIn", p) == ["JOINED"] for p in ("alice", "bob", "carol")),
             what="three dial-ins")
    assert len({id(page.context) for page in agent.people.values()}) == 3
    cid = send(agent, person="dave")
    assert error_for(agent, cid, person="dave")["code"] == "busy"


def test_repo_ships_the_page_and_fake():
    for name in ("agent.html", "agent.js", "fake_webex.js"):
        assert (REPO_ROOT / "agent" / "page" / name).exists()
