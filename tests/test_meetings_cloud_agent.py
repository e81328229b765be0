"""The meeting agent with the real, unmodified SDK bundle (agent/vendor/meetings.min.js) in real
Chromium, against the local Webex meetings cloud (localwebex/meetings): every scenario through
the real Redis protocol. A test fails on any request the cloud did not expect and on any request
the page made anywhere else."""
from __future__ import annotations

import time

import pytest

from bot import agent_protocol as protocol
from bot.agent_identity import AgentIdentity
from bot.config import load_settings
from bot.webex_agent import BrowserAgent
from localwebex.meetings import MeetingSpec, serve_cloud
from tests.waiting import wait_for

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
    assert running.stray_requests == []


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
    joined = of_type(agent, "phone_audio_update")[-1]["payload"]["dialIn"]
    assert joined["attendeeId"] == cloud.phone_devices()[0]["attendeeId"]
    cloud.dial_in(joined["attendeeId"])
    wait_for(lambda: statuses(agent, "dialIn")[-1:] == ["CONNECTED"], what="CONNECTED")
