"""The whole bot with MEETING_BACKEND=webex: the agent that drives the Web Meetings SDK in
headless Chromium, here with the SDK replaced by a fake of the same surface
(agent/page/fake_webex.js), passes the same end-to-end scenarios as the simulator."""
import pytest

from bot.config import REPO_ROOT
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
FAKE_SDK = REPO_ROOT / "agent" / "page" / "fake_webex.js"
WEBEX_BACKEND = {"meeting_backend": "webex", "agent_sdk_script": str(FAKE_SDK), "webex_agent_token": "test-token",
                 "simulator_toll_number": "+1-415-555-0199",
                 "simulator_global_callin_url": "https://sandbox.webex.local/global-call-in-numbers"}


@pytest.fixture
def stack(stack_factory):
    made = stack_factory(**WEBEX_BACKEND)
    assert made.bot.agent.name.startswith("webex-agent-")
    return made


def test_a_lobby_wait_is_told_then_the_call_goes_ahead(stack):
    alice = stack.person("alice")
    alice.say("meeting 202000000")
    alice.expect("Meeting set")
    alice.say("call me at 408 555 0100")
    alice.expect("waiting in the meeting's lobby")
    alice.expect("Your phone is connected")


def test_a_wrong_meeting_password_is_explained(stack):
    alice = stack.person("alice")
    alice.say("meeting 401000000 password nope")
    alice.expect("Meeting set")
    alice.say("dial in")
    refusal = alice.expect("I couldn't set up dial-in")
    assert "password" in refusal["markdown"].lower() and "nope" not in refusal["markdown"]
    assert stack.session(alice)["pending_op"] == ""


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
