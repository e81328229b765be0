"""The simulated meeting agent speaks the protocol with the SDK's phone-audio semantics."""
import time

import pytest

from bot.config import load_settings
from bot.meeting import protocol
from bot.meeting.simulated_meeting import meeting_number
from bot.meeting.simulator import SimulatedAgent
from tests.support.waiting import wait_for


@pytest.fixture
def make_agent(redis_client, key_prefix):
    made = []

    def make(**env):
        settings = load_settings({"REDIS_KEY_PREFIX": key_prefix, "SIMULATOR_ANSWER_SECONDS": "0.2",
                                  "SIMULATOR_FAIL_NUMBERS": "+14085550199", **env})
        made.append(SimulatedAgent(settings, redis_client))
        return made[-1]

    yield make
    for simulated in made:
        simulated.stop()


@pytest.fixture
def agent(make_agent):
    return make_agent()


def events(agent):
    return [protocol.decode(fields) for _, fields in agent.redis.xrange(agent.streams.events)]


def command(op, phone=None, deadline_in=10.0, cid="c1", **meeting):
    return {"id": cid, "op": op, "person_id": "alice", "display_name": "Alice (phone)",
            "meeting": meeting or {"number": "2551234567"}, "phone_number": phone, "deadline": time.time() + deadline_in}


def statuses(agent, device):
    return [e["payload"][device]["status"] for e in events(agent) if e["type"] == "phone_audio_update"]


def test_meeting_destinations_resolve():
    assert meeting_number({"number": "2551 234 567"}) == "2551234567"
    assert meeting_number({"sip": "2551234567@acme.webex.com"}) == "2551234567"
    link = meeting_number({"link": "https://acme.webex.com/meet/alice"})
    assert link.isdigit() and link == meeting_number({"link": "https://acme.webex.com/meet/alice"})
    assert meeting_number({}) is None


def test_dial_in_gives_meeting_info_and_one_device(agent):
    agent.handle(command("use_phone_audio"))
    agent.handle(command("use_phone_audio", cid="c2"))
    info = [e for e in events(agent) if e["type"] == "meeting_info"][0]
    assert info["audio"]["accessCode"] == "2551234567" and info["audio"]["tollCallInLabel"] == "US Toll"
    updates = [e for e in events(agent) if e["type"] == "phone_audio_update"]
    assert [u["payload"]["dialIn"]["status"] for u in updates] == ["JOINED", "JOINED"]
    assert updates[0]["payload"]["dialIn"]["attendeeId"] == updates[1]["payload"]["dialIn"]["attendeeId"]
    assert updates[0]["seq"] < updates[1]["seq"]


def test_dial_out_goes_through_every_state(agent):
    agent.handle(command("use_phone_audio", phone="+14085550100"))
    wait_for(lambda: statuses(agent, "dialOut")[-1] == "SUCCESS")
    assert statuses(agent, "dialOut") == ["JOINED", "CONNECTED", "TRANSFERRING", "SUCCESS"]


def test_failing_number_ends_left_failure(agent):
    agent.handle(command("use_phone_audio", phone="+14085550199"))
    wait_for(lambda: statuses(agent, "dialOut")[-1] == "LEFT")
    last = [e for e in events(agent) if e["type"] == "phone_audio_update"][-1]
    assert last["payload"]["dialOut"]["reason"] == "FAILURE"


def test_disconnect_ends_devices_and_stops_the_call(agent):
    agent.handle(command("use_phone_audio", phone="+14085550100"))
    agent.handle(command("disconnect_phone_audio", cid="c2"))
    time.sleep(0.8)
    assert statuses(agent, "dialOut") == ["JOINED", "LEFT"]


def test_command_past_its_deadline_is_dropped_and_said(agent):
    agent.handle(command("use_phone_audio", phone="+14085550100", deadline_in=-1))
    [event] = events(agent)
    assert event["type"] == "error" and event["code"] == "expired"
    time.sleep(0.4)
    assert statuses(agent, "dialOut") == []


def test_heartbeat_and_stream_consumption(agent):
    agent.start()
    wait_for(lambda: agent.registry.any_alive())
    [beat] = agent.registry.status()[0]
    assert beat["agent"] == agent.name and beat["backend"] == "simulator"
    agent.redis.xadd(agent.streams.commands, protocol.encode(command("use_phone_audio")))
    wait_for(lambda: statuses(agent, "dialIn") == ["JOINED"])
    agent.stop()
    assert agent.registry.status() == ([], [agent.name])


@pytest.fixture
def manual_agent(make_agent):
    return make_agent(SIMULATOR_ANSWER_MODE="manual", SIMULATOR_TOLL_NUMBER="+1-415-555-0199")


def test_manual_phone_rings_until_answered(manual_agent):
    from bot.meeting.simulated_phone import PhoneError

    manual_agent.handle(command("use_phone_audio", phone="+14085550100"))
    time.sleep(0.3)
    assert statuses(manual_agent, "dialOut") == ["JOINED"]
    assert manual_agent.phone_state("alice")["state"] == "ringing"
    state = manual_agent.answer("alice")
    assert state["state"] == "connected" and state["connectedSince"]
    wait_for(lambda: statuses(manual_agent, "dialOut")[-1] == "SUCCESS")
    assert manual_agent.phone_state("alice")["participants"] == [{"name": "Alice (phone)", "state": "SUCCESS"}]
    with pytest.raises(PhoneError):
        manual_agent.answer("alice")  # not ringing any more


def test_manual_phone_declined(manual_agent):
    manual_agent.handle(command("use_phone_audio", phone="+14085550100"))
    manual_agent.decline("alice")
    last = [e for e in events(manual_agent) if e["type"] == "phone_audio_update"][-1]
    assert last["payload"]["dialOut"] == {"status": "LEFT", "attendeeId": last["payload"]["dialOut"]["attendeeId"],
                                          "reason": "DECLINED"}
    assert manual_agent.phone_state("alice")["state"] == "idle"


def test_dial_in_from_the_phone_needs_the_right_codes(manual_agent):
    from bot.meeting.simulated_phone import PhoneError

    manual_agent.handle(command("use_phone_audio"))
    details = manual_agent.phone_state("alice")["dialIn"]
    assert details["accessCode"] == "2551234567" and details["number"] == "+1-415-555-0199"
    with pytest.raises(PhoneError):
        manual_agent.dial_in("alice", details["number"], f"{details['accessCode']}#000000#")
    with pytest.raises(PhoneError):
        manual_agent.dial_in("alice", "+1 212 555 0100", f"{details['accessCode']}#{details['attendeeId']}#")
    state = manual_agent.dial_in("alice", "1 (415) 555-0199", f"{details['accessCode']}#{details['attendeeId']}#")
    assert state["state"] == "connected"
    assert statuses(manual_agent, "dialIn")[-1] == "CONNECTED"
