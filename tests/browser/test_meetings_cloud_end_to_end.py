"""The whole bot with MEETING_BACKEND=webex, the real SDK bundle in Chromium and the local Webex
meetings cloud (localwebex/meetings): the same end-to-end scenarios as the simulator passes."""
import pytest

from localwebex.meetings import serve_cloud
from tests.scenario.test_end_to_end import (  # noqa: F401 - collected here again, against this module's `stack`
    test_concurrent_commands_provision_one_device,
    test_connected_card_buttons_hang_up_and_computer_audio,
    test_dial_in_asks_for_the_meeting_then_carries_on,
    test_dial_in_card_buttons,
    test_dial_out_by_text_reports_each_state,
    test_failed_dial_out_says_why,
    test_group_space_personal_details_go_to_a_direct_message,
    test_hang_up_and_computer_audio_by_text,
    test_same_delivery_twice_and_twenty_at_once_is_handled_once,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def cloud():
    made, handle = serve_cloud()
    made.add_phone("+14085550199", fail=True)  # the number the simulator fails (tests/scenario.py)
    yield made
    made.close()
    handle.stop()
    assert made.unexpected == [], f"the SDK asked what the cloud did not expect: {made.unexpected}"


@pytest.fixture
def stack(stack_factory, cloud):
    agent_person = cloud.add_person("Meeting Agent")
    made = stack_factory(meeting_backend="webex", webex_agent_token=agent_person.token,
                         webex_meetings_discovery_url=cloud.base_url,
                         simulator_global_callin_url="https://local.webex.test/global-call-in-numbers")
    assert made.bot.agent.name.startswith("webex-agent-")
    made.cloud = cloud
    yield made
    assert made.bot.agent.network.stray_requests == []


def test_a_lobby_wait_is_told_then_the_call_goes_ahead(stack):
    alice = stack.person("alice")
    alice.say("meeting 202000000")
    alice.expect("Meeting set")
    alice.say("call me at 408 555 0100")
    alice.expect("waiting in the meeting's lobby")
    stack.cloud.admit("202000000")
    alice.expect("Your phone is connected")


def test_a_wrong_meeting_password_is_explained(stack):
    alice = stack.person("alice")
    alice.say("meeting 401000000 password nope")
    alice.expect("Meeting set")
    alice.say("dial in")
    refusal = alice.expect("I couldn't set up dial-in")
    assert "password" in refusal["markdown"].lower() and "nope" not in refusal["markdown"]
    assert stack.session(alice)["pending_op"] == ""


def test_the_meeting_ending_is_told(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.connect_phone()
    stack.cloud.end_meeting("2551234567")
    ended = alice.expect("Your phone call ended")
    assert "the meeting ended" in ended["markdown"]  # the agent's words, as the person reads them
    assert stack.session(alice)["dial_out_status"] == "LEFT"


def test_a_crashed_page_is_told_and_reconnects_with_one_press(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.connect_phone()
    stack.bot.agent.crash_page(alice.id)
    dropped = alice.expect("Your phone audio dropped")
    assert stack.session(alice)["dial_out_status"] == "LEFT"
    stack.wait_until(lambda: alice.id in stack.bot.agent.people, what="a fresh page")
    alice.press(dropped, "Reconnect my phone")
    alice.expect("Calling +1 408-555-0100")
    alice.expect("Your phone is connected")


def test_a_meeting_not_started_yet_is_told_and_the_call_follows_when_it_starts(stack):
    alice = stack.person("alice")
    alice.say("meeting 403003000")
    alice.expect("Meeting set")
    alice.say("call me at 408 555 0100")
    told = alice.expect("started the meeting yet")
    assert "keep trying for 10 minutes" in told["markdown"] and "lobby" not in told["markdown"]
    stack.cloud.start_meeting("403003000")
    alice.expect("The host started the meeting", timeout=30)
    alice.expect("Your phone is connected")
