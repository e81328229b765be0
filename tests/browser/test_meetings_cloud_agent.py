"""The meeting agent with the real, unmodified SDK bundle (agent/vendor/meetings.min.js) in real
Chromium, against the local Webex meetings cloud (localwebex/meetings): every scenario through
the real Redis protocol. A test fails on any request the cloud did not expect and on any request
the page made anywhere else."""
from __future__ import annotations

import time

import pytest

from bot.config import load_settings
from bot.meeting import protocol
from bot.meeting.agents import AgentRegistry
from bot.meeting.browser_agent import BrowserAgent
from bot.meeting.identities import AgentIdentity
from localwebex.meetings import MeetingSpec, serve_cloud
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
FAST = {"notStartedRetryMs": 300, "pendingTimeoutMs": 5000, "hangUpTimeoutMs": 5000, "stepTimeoutMs": 15000}


@pytest.fixture
def cloud():
    made, handle = serve_cloud()
    yield made
    made.close()
    handle.stop()
    assert made.unexpected == [], f"the SDK asked what the cloud did not expect: {made.unexpected}"


@pytest.fixture
def alice(cloud):
    return cloud.add_person("Alice Anders")


def start_agent(redis_client, key_prefix, cloud, person, page_config=None, **env):
    settings = load_settings({"REDIS_KEY_PREFIX": key_prefix, "MEETING_BACKEND": "webex",
                              "WEBEX_AGENT_TOKEN": person.token, "WEBEX_MEETINGS_DISCOVERY_URL": cloud.base_url,
                              "AGENT_MAX_MEETINGS": "3", **env})
    return BrowserAgent(settings, redis_client, AgentIdentity(settings, redis_client),
                        page_config={**FAST, **(page_config or {})}).start()


@pytest.fixture
def agent(redis_client, key_prefix, cloud, alice):
    running = start_agent(redis_client, key_prefix, cloud, alice)
    yield running
    running.stop()
    assert running.network.stray_requests == []


def send(agent, op="use_phone_audio", phone=None, person="alice", cid=None, deadline_in=30.0, **meeting):
    command = {"id": cid or f"c-{time.monotonic_ns()}", "op": op, "person_id": person,
               "display_name": f"{person.title()} (phone)", "meeting": meeting or {"number": "2551234567"},
               "phone_number": phone, "deadline": time.time() + deadline_in}
    agent.redis.xadd(agent.streams.commands, protocol.encode(command))
    return command["id"]


def events(agent, person="alice") -> list[dict]:
    found = [protocol.decode(fields) for _, fields in agent.redis.xrange(agent.streams.events)]
    return [event for event in found if event.get("person_id") == person]


def of_type(agent, kind, person="alice") -> list[dict]:
    return [e for e in events(agent, person) if e["type"] == kind]


def statuses(agent, device, person="alice"):
    return [e["payload"][device]["status"] for e in of_type(agent, "phone_audio_update", person)
            if (e["payload"].get(device) or {}).get("status")]


def error_for(agent, cid, person="alice", timeout=20.0):
    return wait_for(lambda: next((e for e in of_type(agent, "error", person) if e["command_id"] == cid), None),
                    timeout=timeout, what=f"an error for {cid}")


def test_dial_out_rings_the_phone_and_reports_each_state(agent, cloud):
    cid = send(agent, phone="+14085550100")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["SUCCESS"], timeout=20, what="SUCCESS")
    assert statuses(agent, "dialOut") == ["JOINED", "CONNECTED", "TRANSFERRING", "SUCCESS"]
    updates = of_type(agent, "phone_audio_update")
    assert [u["seq"] for u in updates] == sorted(u["seq"] for u in updates)
    assert {u["command_id"] for u in updates} == {cid}
    info = of_type(agent, "meeting_info")[0]
    assert info["audio"] == {"accessCode": "2551234567", "tollNum": "+1-415-555-0199", "tollCallInLabel": "US Toll",
                             "globalCallinNumberWebLink": "https://local.webex.test/global-call-in-numbers"}
    assert len(cloud.phones["+14085550100"].calls) == 1
    assert [d["dialingStatus"] for d in cloud.phone_devices()] == ["SUCCESS"]


def test_dial_in_gives_the_attendee_id_and_the_phone_connects(agent, cloud):
    send(agent)
    wait_for(lambda: statuses(agent, "dialIn") == ["JOINED"], timeout=20, what="JOINED")
    kinds = [e["type"] for e in events(agent)]
    assert kinds.index("meeting_info") < kinds.index("phone_audio_update")
    assert of_type(agent, "meeting_info")[0]["agent"] == agent.name
    joined = of_type(agent, "phone_audio_update")[-1]["payload"]["dialIn"]
    assert joined["attendeeId"] == cloud.phone_devices()[0]["attendeeId"]
    cloud.dial_in(joined["attendeeId"])
    wait_for(lambda: statuses(agent, "dialIn")[-1:] == ["CONNECTED"], what="CONNECTED")


def test_hang_up_ends_the_call_and_leaves_the_meeting(agent, cloud):
    send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")
    send(agent, op="disconnect_phone_audio")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["LEFT"], what="LEFT")
    wait_for(lambda: not agent._run(agent.people["alice"].page.evaluate("() => phoneAgent.state().joined"), 10),
             what="the page left")
    locus = next(iter(cloud.loci.values()))
    wait_for(lambda: [p.state for p in locus.participants.values()] == ["LEFT"], what="left in Locus")


@pytest.mark.parametrize("number,password,code,words", [
    ("404000000", None, "meeting_not_found", "couldn't be found"),
    ("423000000", None, "meeting_locked", "locked"),
    ("401000000", None, "password_required", "needs a password"),
    ("401000000", "wrong", "password_wrong", "password isn't right"),
    ("402000000", "wrong", "captcha_required", "app"),
    ("403049000", None, "meeting_forbidden", "settings don't allow"),
    ("403021000", None, "webinar_registration", "register"),
    ("403026000", None, "webinar_webcast", "webcast"),
    ("403001000", None, "meeting_full", "full"),
    ("500000000", None, "number_rejected", "can't be called"),
])
def test_each_refusal_reaches_the_person_in_words(agent, cloud, number, password, code, words):
    destination = {"number": number, **({"password": password} if password else {})}
    cid = send(agent, phone="+14085550100", **destination)
    error = error_for(agent, cid)
    assert error["code"] == code and words in error["reason"]
    assert not error["reason"].endswith(".")  # the bot puts it after "I couldn't call you: " with its own stop
    if password:
        assert password not in error["reason"]


def test_the_right_password_joins(agent, cloud):
    send(agent, number="401000000", password="letmein")
    wait_for(lambda: statuses(agent, "dialIn") == ["JOINED"], timeout=20, what="JOINED")


def test_a_captcha_after_a_wrong_password_stays_a_captcha(agent, cloud):
    cid = send(agent, number="402000000", password="wrong")
    assert error_for(agent, cid)["code"] == "captcha_required"
    cid = send(agent, number="402000000", password="letmein")
    assert error_for(agent, cid)["code"] == "captcha_required"


def test_a_meeting_that_needs_a_login_says_so_not_password(redis_client, key_prefix, cloud):
    guest = cloud.add_person("Guest Gina", guest=True)
    running = start_agent(redis_client, key_prefix, cloud, guest)
    try:
        cid = send(running, number="403034000")
        error = error_for(running, cid)
        assert error["code"] == "login_required" and "signed-in" in error["reason"]
    finally:
        running.stop()


def test_a_meeting_not_started_is_retried_until_the_host_starts_it(agent, cloud):
    cid = send(agent, phone="+14085550100", number="403003000")
    waiting = wait_for(lambda: of_type(agent, "lobby"), timeout=20, what="the not-started notice")
    assert waiting[0]["command_id"] == cid and waiting[0]["why"] == "not_started"
    assert "hasn't started" in waiting[0]["reason"] and "keep trying" in waiting[0]["reason"]
    assert waiting[0]["extend_seconds"] > 0
    assert statuses(agent, "dialOut") == []
    cloud.start_meeting("403003000")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="the call once started")


def test_a_meeting_never_started_gives_up_at_the_deadline(redis_client, key_prefix, cloud, alice):
    running = start_agent(redis_client, key_prefix, cloud, alice, page_config={"notStartedTimeoutMs": 1500})
    try:
        cid = send(running, phone="+14085550100", number="403003000")
        error = error_for(running, cid)
        assert error["code"] == "meeting_not_started" and "hasn't started" in error["reason"]
        assert "+14085550100" not in cloud.phones  # never rang
    finally:
        running.stop()


def test_a_lobby_wait_is_reported_then_the_call_goes_ahead(agent, cloud):
    cid = send(agent, phone="+14085550100", number="202000000")
    lobby = wait_for(lambda: of_type(agent, "lobby"), timeout=20, what="lobby")
    assert lobby[0]["waiting"] is True and lobby[0]["command_id"] == cid and lobby[0]["extend_seconds"] > 0
    assert cloud.phone_devices() == []  # nothing is provisioned from the lobby
    cloud.admit("202000000")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="the call after admission")
    assert [e["waiting"] for e in of_type(agent, "lobby")] == [True, False]


def test_a_lobby_denial_is_told(agent, cloud):
    cid = send(agent, phone="+14085550100", number="202000000")
    wait_for(lambda: of_type(agent, "lobby"), timeout=20, what="lobby")
    cloud.deny("202000000")
    error = error_for(agent, cid)
    assert error["code"] == "lobby_denied" and "lobby" in error["reason"]
    assert cloud.phone_devices() == []


def test_the_meeting_ending_ends_the_phone_audio(agent, cloud):
    cid = send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")
    cloud.end_meeting("2551234567")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["LEFT"], what="LEFT")
    last = of_type(agent, "phone_audio_update")[-1]
    assert last["payload"]["dialOut"]["reason"] == "the meeting ended" and last["command_id"] == cid
    assert [d["callEnded"] for d in cloud.phone_devices()] == [True]
    # the next request joins afresh
    send(agent, phone="+14085550100", number="401000000", password="letmein")
    wait_for(lambda: statuses(agent, "dialOut").count("SUCCESS") == 2, timeout=20, what="a new call")


def test_the_host_removing_the_participant_ends_the_phone_audio(agent, cloud, alice):
    send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")
    cloud.remove_participant("2551234567", alice)
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["LEFT"], what="LEFT")
    assert "removed" in of_type(agent, "phone_audio_update")[-1]["payload"]["dialOut"]["reason"]


def test_the_far_end_hanging_up_ends_the_call(agent, cloud):
    send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")
    cloud.hang_up(number="+14085550100")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["LEFT"], what="LEFT")
    wait_for(lambda: [p.web_state for p in next(iter(cloud.loci.values())).participants.values()] == ["LEFT"],
             what="the page left the meeting")


def test_a_failed_dial_out_says_why(agent, cloud):
    cloud.add_phone("+14085550199", fail=True)
    send(agent, phone="+14085550199")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["LEFT"], timeout=20, what="LEFT")
    assert of_type(agent, "phone_audio_update")[-1]["payload"]["dialOut"]["reason"] == "FAILURE"


def test_a_new_meeting_hangs_the_phone_up_before_leaving_the_old_one(agent, cloud):
    send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")
    send(agent, phone="+14085550100", number="401000000", password="letmein")
    wait_for(lambda: statuses(agent, "dialOut").count("SUCCESS") == 2, timeout=30, what="the call in the new meeting")
    first, second = cloud.loci.values()
    assert [d["state"] for p in first.participants.values() for d in p.devices] == ["LEFT"]
    assert [d["state"] for p in second.participants.values() for d in p.devices] == ["JOINED"]


def test_an_attendee_id_that_arrives_after_joined_is_still_reported(agent, cloud):
    cloud.add_meeting(MeetingSpec("2551230000", attendee_id_later=True, audio_in_meeting_info=False))
    send(agent, number="2551230000")
    wait_for(lambda: any((e["payload"]["dialIn"] or {}).get("attendeeId")
                         for e in of_type(agent, "phone_audio_update")), timeout=20, what="the attendee ID")
    assert statuses(agent, "dialIn")[0] == "JOINED"
    # dial-in details from Locus when meeting info has none
    info = of_type(agent, "meeting_info")[0]["audio"]
    assert info["tollNum"] == "+1-415-555-0199" and info["accessCode"] == "2551230000"


def test_an_expired_token_is_reported(redis_client, key_prefix, cloud, alice):
    cloud.expire(alice.token)
    running = start_agent(redis_client, key_prefix, cloud, alice)
    try:
        cid = send(running, phone="+14085550100")
        assert error_for(running, cid)["code"] == "token_expired"
    finally:
        running.stop()


def test_page_crash_drops_the_call_says_so_and_recovers(agent, cloud):
    cid = send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")
    agent.crash_page("alice")
    dropped = wait_for(lambda: [e for e in of_type(agent, "phone_audio_update")
                                if e["payload"]["dialOut"].get("reason") == "PAGE_CRASHED"], what="the drop")
    assert dropped[0]["payload"]["dialOut"]["status"] == "LEFT" and dropped[0]["command_id"] == cid
    wait_for(lambda: "alice" in agent.people, timeout=20, what="a fresh page")
    send(agent, phone="+14085550100")
    wait_for(lambda: statuses(agent, "dialOut").count("SUCCESS") == 2, timeout=20, what="a new call on the new page")


def test_a_second_call_after_hanging_up_in_the_same_meeting(agent, cloud):
    send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")
    send(agent, op="disconnect_phone_audio")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["LEFT"], what="LEFT")
    wait_for(lambda: [p.web_state for p in next(iter(cloud.loci.values())).participants.values()] == ["LEFT"],
             what="left")
    send(agent, phone="+14085550100")
    wait_for(lambda: statuses(agent, "dialOut").count("SUCCESS") == 2, timeout=20, what="the second call")


def test_a_second_use_phone_audio_provisions_nothing(agent, cloud):
    send(agent, phone="+14085550100")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")
    send(agent, phone="+14085550100")
    wait_for(lambda: len(statuses(agent, "dialOut")) >= 5, what="the state repeated")
    assert statuses(agent, "dialOut")[-1] == "SUCCESS"
    assert len(cloud.phone_devices()) == 1 and len(cloud.phones["+14085550100"].calls) == 1


def test_hang_up_during_transferring_waits_for_the_transfer(agent, cloud):
    cloud.transfer_seconds = 1.5  # a slow transfer, so the hang-up lands in it
    send(agent, phone="+14085550100")
    wait_for(lambda: "TRANSFERRING" in statuses(agent, "dialOut"), timeout=20, what="TRANSFERRING")
    send(agent, op="disconnect_phone_audio")
    wait_for(lambda: statuses(agent, "dialOut")[-1:] == ["LEFT"], timeout=20, what="LEFT")
    assert statuses(agent, "dialOut")[-3:] == ["TRANSFERRING", "SUCCESS", "LEFT"]


def test_past_deadline_commands_are_dropped_and_the_heartbeat_shows(agent, cloud):
    cid = send(agent, phone="+14085550100", deadline_in=-1)
    assert error_for(agent, cid)["code"] == "expired"
    assert statuses(agent, "dialOut") == [] and cloud.phones == {}
    alive, _ = AgentRegistry(agent.redis, agent.settings).status()
    assert [beat["backend"] for beat in alive if beat["agent"] == agent.name] == ["webex"]


def test_each_person_has_their_own_page_and_the_limit_holds(agent, cloud):
    for person in ("alice", "bob", "carol"):
        send(agent, person=person)
    wait_for(lambda: all(statuses(agent, "dialIn", p) == ["JOINED"] for p in ("alice", "bob", "carol")),
             timeout=30, what="three dial-ins")
    assert len({id(page.context) for page in agent.people.values()}) == 3
    assert len({d["attendeeId"] for d in cloud.phone_devices()}) == 3
    cid = send(agent, person="dave")
    assert error_for(agent, cid, person="dave")["code"] == "busy"


def test_a_sip_address_on_a_webex_site_is_resolved_too(agent, cloud):
    send(agent, phone="+14085550100", sip="2551234567@local.webex.test")
    wait_for(lambda: "SUCCESS" in statuses(agent, "dialOut"), timeout=20, what="SUCCESS")


def test_an_unknown_phone_status_counts_as_active_until_its_timeout(redis_client, key_prefix, cloud, alice):
    cloud.default_phone.auto_answer = False
    running = start_agent(redis_client, key_prefix, cloud, alice, page_config={"unknownStatusTimeoutMs": 2500})
    try:
        send(running, phone="+14085550100")
        wait_for(lambda: statuses(running, "dialOut") == ["JOINED"], timeout=20, what="JOINED")
        cloud.set_status("+14085550100", "ALERTING")
        wait_for(lambda: statuses(running, "dialOut")[-1:] == ["ALERTING"], what="the unknown status")
        page = running.people["alice"].page
        time.sleep(1.0)
        assert running._run(page.evaluate("() => phoneAgent.state().joined"), 10) is True
        wait_for(lambda: not running._run(page.evaluate("() => phoneAgent.state().joined"), 10), timeout=10,
                 what="the page to give the phone up and leave")
    finally:
        running.stop()


def test_a_token_that_expires_between_calls_is_reported_and_the_page_closed(agent, cloud, alice):
    send(agent)
    wait_for(lambda: statuses(agent, "dialIn") == ["JOINED"], timeout=20, what="JOINED")
    send(agent, op="disconnect_phone_audio")
    wait_for(lambda: statuses(agent, "dialIn")[-1:] == ["LEFT"], what="LEFT")
    cloud.expire(alice.token)
    cid = send(agent, number="401000000", password="letmein")
    assert error_for(agent, cid)["code"] == "token_expired"
    wait_for(lambda: "alice" not in agent.people, what="the page closed")


def test_a_meeting_link_is_resolved(agent, cloud):
    send(agent, link="https://local.webex.test/local/j.php?MTID=m2551234567")
    wait_for(lambda: statuses(agent, "dialIn") == ["JOINED"], timeout=20, what="JOINED")
    assert of_type(agent, "meeting_info")[0]["audio"]["accessCode"] == "2551234567"
