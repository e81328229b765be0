"""The bot end to end: real HTTP, real Redis, signed webhooks from the local Webex server,
the simulated meeting agent. Every command and every card button."""
import json

import pytest
import requests

from bot.meeting.agents import AgentRegistry
from bot.web import signature
from tests.support.openapi_check import validate_recorded_request
from tests.support.scenario import at_once

pytestmark = pytest.mark.integration
MEETING = "2551234567"


def test_help_card_and_its_buttons(stack):
    alice = stack.person("alice")
    alice.say("help")
    card = alice.expect("Phone audio for your Webex meeting")
    assert card["attachments"][0]["content"]["version"] == "1.3"
    alice.press(card, "Status")
    alice.expect("Your phone audio")
    alice.press(card, "Dial in")
    alice.expect("Which meeting?")
    alice.press(card, "Call me")
    alice.expect("Which meeting?")


def test_dial_in_asks_for_the_meeting_then_carries_on(stack):
    alice = stack.person("alice")
    alice.say("dial in")
    prompt = alice.expect("Which meeting?")
    alice.press(prompt, "Use this meeting", meeting="2551 234 567")
    card = alice.expect("Dial in to meeting 2551 234 567")
    content = json.dumps(card["attachments"][0]["content"])
    session = stack.session(alice)
    assert session["access_code"] == MEETING and MEETING in content
    assert session["dial_in_status"] == "JOINED" and session["dial_in_attendee_id"] in content
    assert "US Toll" in content and stack.settings.simulator_global_callin_url in content
    for label in ("Call me instead", "Disconnect phone", "Status"):
        assert label in content


def test_dial_in_card_buttons(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("dial in")
    card = alice.expect("Dial in to meeting")
    alice.press(card, "Status")
    status = alice.expect("Your phone audio")
    assert stack.session(alice)["dial_in_attendee_id"] in json.dumps(status["attachments"])
    alice.press(card, "Call me", number="(408) 555-0100")
    alice.expect("Calling +1 408-555-0100")
    alice.expect("Your phone is connected")
    alice.wait_for_dial_out("SUCCESS")
    alice.press(card, "Disconnect phone")
    alice.expect("Your phone is disconnected")
    session = stack.session(alice)
    assert session["dial_out_status"] == "LEFT" and session["dial_in_status"] == "LEFT"


def test_dial_out_by_text_reports_each_state(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    connected = alice.connect_phone()
    assert "Mute your Webex app" in connected["markdown"]
    session = stack.session(alice)
    assert session["dial_out_number"] == "+14085550100" and session["pending_op"] == ""
    [command] = [c for c in stack.agent_commands() if c["op"] == "use_phone_audio"]
    assert command["phone_number"] == "+14085550100" and command["display_name"] == "Alice Anders (phone)"
    assert command["meeting"] == {"number": MEETING} and command["deadline"] > 0
    alice.say("status")
    status = alice.expect("Your phone audio")
    assert "connected: your phone is your meeting audio" in status["markdown"] and "+1 ••••••••00" in status["markdown"]
    assert not set(status["markdown"].split()) & {"SUCCESS", "JOINED", "CONNECTED", "LEFT", "TRANSFERRING"}
    assert "4085550100" not in status["markdown"]


def test_connected_card_buttons_hang_up_and_computer_audio(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    connected = alice.connect_phone()
    alice.press(connected, "Use computer audio")
    done = alice.expect("You're back on computer audio")
    assert "Unmute your Webex app" in done["markdown"]
    alice.press(done, "Call me")  # this card has no number input, so the bot asks for one
    prompt = alice.expect("Which phone should I call?")
    alice.press(prompt, "Call me", number="408 555 0100")
    second = alice.expect("Your phone is connected")
    alice.wait_for_dial_out("SUCCESS")
    alice.press(second, "Disconnect phone")
    alice.expect("Your phone is disconnected")


def test_hang_up_and_computer_audio_by_text(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.connect_phone()
    alice.say("hang up")
    alice.expect("Your phone is disconnected")
    alice.say("computer audio")
    alice.expect("You're already on computer audio")
    assert len([c for c in stack.agent_commands() if c["op"] == "disconnect_phone_audio"]) == 1


def test_failed_dial_out_says_why(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("call me at 408 555 0199")
    failed = alice.expect("the call didn't go through")
    assert "+1 408-555-0199" in failed["markdown"]
    assert stack.session(alice)["dial_out_status"] == "LEFT"


def test_dial_out_without_a_number_offers_the_last_one_and_the_profile_numbers(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.connect_phone()
    alice.say("hang up")
    alice.expect("Your phone is disconnected")
    alice.say("dial out")
    prompt = alice.expect("Which phone should I call?")
    offered = {a["title"]: a["data"].get("number") for a in prompt["attachments"][0]["content"]["actions"]}
    # Alice's profile (the local server's seed) has mobile +1 408 555 0100 (also her last number) and work +1 650 555 0123
    assert offered == {"Call Mobile ··0100": "+14085550100", "Call Work ··0123": "+16505550123", "Call me": None}
    alice.press(prompt, "Call Work ··0123")
    alice.expect("Calling +1 650-555-0123")


@pytest.mark.parametrize("typed,why", [
    ("call me at 408 555 01", "too short"),
    ("call me at 911", "emergency numbers are never called"),
    ("call me at +1 900 555 0100", "premium-rate numbers are never called"),
    ("call me at +44 20 7946 0958", "United Kingdom (GB), and calls there aren't allowed"),
    ("call me at 555-0100", "isn't a valid phone number"),
])
def test_invalid_numbers_place_no_call(stack, typed, why):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say(typed)
    reply = alice.expect("No call was placed")
    assert why in reply["markdown"]
    assert stack.agent_commands() == []
    assert stack.session(alice).get("pending_op") == ""


def test_invalid_number_in_a_card_places_no_call(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("dial out")
    prompt = alice.expect("Which phone should I call?")
    alice.press(prompt, "Call me", number="12")
    alice.expect("No call was placed")
    assert stack.agent_commands() == []


def test_unknown_command_names_the_closest_and_offers_help(stack):
    alice = stack.person("alice")
    alice.say("statue of liberty")
    reply = alice.expect("I didn't understand")
    assert '"status"' in reply["markdown"]
    assert [a["title"] for a in reply["attachments"][0]["content"]["actions"]] == ["Status", "Help"]
    alice.press(reply, "Help")
    alice.expect("Phone audio for your Webex meeting")


def test_same_delivery_twice_and_twenty_at_once_is_handled_once(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    message = alice.say("call me at 408 555 0100")
    alice.expect("Calling")
    for concurrent, times in ((False, 2), (True, 20)):
        result = requests.post(f"{stack.webex_url}/_sandbox/redeliver", timeout=30, json={
            "resource": "messages", "dataId": message["id"], "times": times, "concurrent": concurrent}).json()
        assert result["statuses"] == [200] * times
    alice.expect("Your phone is connected")
    extra = alice.quiet_for(1.0)
    assert not [m for m in extra if "Calling" in m.get("markdown", "")]
    assert len([m for m in alice.seen if "Calling" in m.get("markdown", "")]) == 1
    assert len(stack.agent_commands()) == 1


def test_concurrent_commands_provision_one_device(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    at_once(alice.say, *[("call me at 408 555 0100",)] * 5)
    alice.expect("Your phone is connected")
    alice.quiet_for(1.0)
    assert len([c for c in stack.agent_commands() if c["op"] == "use_phone_audio"]) == 1
    calling = [m for m in alice.seen if "Calling" in m.get("markdown", "")]
    told_state = [m for m in alice.seen if "still working" in m.get("markdown", "") or "already calling" in m.get("markdown", "")]
    assert len(calling) == 1 and len(told_state) == 4


def test_concurrent_dial_in_presses_provision_one_device(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("help")
    card = alice.expect("Phone audio for your Webex meeting")
    at_once(alice.press, *[(card, "Dial in")] * 4)
    alice.expect("Dial in to meeting")
    alice.quiet_for(0.8)
    assert len(stack.agent_commands()) == 1


def test_stranger_pressing_someone_elses_card_changes_nothing(stack):
    alice, bob = stack.person("alice"), stack.person("bob")
    group = stack.group_room()
    alice.set_meeting()
    alice.say("help", room=group)
    card = alice.expect("Phone audio for your Webex meeting", room=group)
    before = stack.session(alice)
    bob.press(card, "Dial in")
    refusal = bob.expect("isn't yours", room=group)
    assert refusal["roomId"] == group
    bob.quiet_for(0.5)
    assert stack.session(alice) == before
    assert stack.agent_commands() == []
    assert stack.redis.exists(stack.settings.key("session", bob.id)) == 0


def test_bot_ignores_its_own_messages_and_other_bots(stack):
    alice = stack.person("alice")
    bot_headers = {"Authorization": f"Bearer {stack.world['botToken']}"}
    requests.post(f"{stack.webex_url}/v1/messages", headers=bot_headers, timeout=5,
                  json={"roomId": alice.direct_room, "markdown": "help"}).raise_for_status()
    other = requests.post(f"{stack.webex_url}/_sandbox/people", timeout=5,
                          json={"email": "echo@webex.bot", "displayName": "Echo Bot", "type": "bot"}).json()
    requests.post(f"{stack.webex_url}/v1/messages", headers={"Authorization": f"Bearer {other['token']}"}, timeout=5,
                  json={"toPersonId": stack.bot_id, "markdown": "help"}).raise_for_status()
    stack.wait_until(lambda: len([d for d in requests.get(f"{stack.webex_url}/_sandbox/deliveries").json()["items"]
                                  if d.get("status") == 200]) >= 2, what="both deliveries")
    alice.quiet_for(1.0)
    assert len(stack.bot_messages()) == 1  # only its own "help", never an answer
    assert [r for r in stack.bot_requests() if r["method"] == "POST" and r["path"].endswith("/messages")] == [
        r for r in stack.bot_requests() if r["method"] == "POST" and r["path"].endswith("/messages")][:1]


def test_group_space_personal_details_go_to_a_direct_message(stack):
    alice = stack.person("alice")
    group = stack.group_room()
    alice.say("meeting 2551 234 567", room=group)
    alice.expect("Meeting set to", room=group)
    alice.say("call me at 408 555 0100", room=group)
    pointer = alice.expect("direct message", room=group)
    assert "0100" not in json.dumps(pointer)
    calling = alice.expect("Calling +1 408-555-0100", room=alice.direct_room)
    assert calling["roomId"] == alice.direct_room
    alice.expect("Your phone is connected", room=alice.direct_room)
    alice.say("status", room=group)
    alice.expect("direct message", room=group)
    alice.expect("Your phone audio", room=alice.direct_room)
    for message in stack.bot_messages(group):
        assert "408" not in json.dumps(message) and "Attendee" not in json.dumps(message)


def test_meeting_password_only_in_a_direct_space_and_never_echoed(stack):
    alice = stack.person("alice")
    alice.say("meeting 2551234567 password Sw0rdfish", room=stack.group_room())
    alice.expect("never take meeting passwords in a group space")
    assert stack.session(alice).get("meeting_value", "") == ""
    alice.say("meeting 2551234567 password Sw0rdfish")
    alice.expect("(with its password)")
    alice.say("dial in")
    alice.expect("Dial in to meeting")
    assert stack.agent_commands()[0]["meeting"] == {"number": MEETING, "password": "Sw0rdfish"}
    assert all("Sw0rdfish" not in json.dumps(m) for m in stack.bot_messages())


def test_agent_silent_past_deadline_is_reported_and_changes_nothing(stack_factory):
    stack = stack_factory(agent_command_timeout_seconds=1)
    stack.bot.agent.stop()
    hung = AgentRegistry(stack.redis, stack.settings)
    hung.beat("hung-agent", {"backend": "test"})  # alive by heartbeat, but reading no commands
    alice = stack.person("alice")
    alice.set_meeting()
    before = stack.session(alice)
    alice.say("dial in")
    alice.expect("didn't answer in time", timeout=8)
    after = stack.session(alice)
    assert after["pending_op"] == "" and after["dial_in_status"] == before["dial_in_status"] == ""
    alice.say("dial in")  # not locked out
    alice.expect("didn't answer in time", timeout=8)


def test_bad_signature_and_malformed_bodies_change_nothing(stack):
    url = f"{stack.bot_url}/webhooks/webex"
    body = json.dumps({"id": "x", "resource": "messages", "event": "created", "data": {"id": "m1"}}).encode()
    inbox = stack.settings.key("inbox")
    length = stack.redis.xlen(inbox)
    assert requests.post(url, data=body, headers={signature.HEADER: "0" * 40}).status_code == 401
    assert requests.post(url, data=body).status_code == 401
    secret = stack.bot.webhook_secret
    for bad in (b"not json", b"[]", json.dumps({"resource": "messages"}).encode(),
                json.dumps({"resource": "messages", "event": "created", "data": {}}).encode()):
        response = requests.post(url, data=bad, headers={signature.HEADER: signature.sign(secret, bad)})
        assert response.status_code == 400, bad
    huge = b"x" * (1024 * 1024 + 1)
    assert requests.post(url, data=huge, headers={signature.HEADER: signature.sign(secret, huge)}).status_code == 413
    assert stack.redis.xlen(inbox) == length


def test_redis_down_gets_503_and_readyz_fails(stack):
    from dataclasses import replace

    from bot.stores.redis_connection import connect
    from bot.web.app import create_app
    from bot.web.server import serve

    settings = replace(stack.settings, redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    with serve(create_app(settings, connect(settings), "secret")) as web:
        body = json.dumps({"resource": "messages", "event": "created", "data": {"id": "m1"}}).encode()
        response = requests.post(f"{web.url}/webhooks/webex", data=body, timeout=5,
                                 headers={signature.HEADER: signature.sign("secret", body)})
        assert response.status_code == 503
        assert response.elapsed.total_seconds() < 2  # answered, not hung
        assert requests.get(f"{web.url}/readyz", timeout=5).status_code == 503
        assert requests.get(f"{web.url}/healthz", timeout=5).status_code == 200


def test_every_request_the_bot_makes_matches_the_webex_spec(stack):
    alice, bob = stack.person("alice"), stack.person("bob")
    alice.say("help")
    card = alice.expect("Phone audio")
    alice.set_meeting()
    alice.press(card, "Dial in")
    alice.expect("Dial in to meeting")
    alice.connect_phone()
    bob.say("status", room=stack.group_room())
    bob.expect("direct message")
    made = stack.bot_requests()
    assert {(r["method"], r["path"].split("/")[2]) for r in made} >= {
        ("GET", "people"), ("GET", "messages"), ("POST", "messages"), ("GET", "attachment"), ("GET", "webhooks"),
        ("POST", "webhooks"), ("GET", "rooms")}
    for request in made:
        validate_recorded_request(request)


def test_sessions_expire_when_quiet(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    ttl = stack.redis.ttl(stack.settings.key("session", alice.id))
    assert 0 < ttl <= stack.settings.session_ttl_seconds
