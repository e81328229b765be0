"""The whole bot with MEETING_BACKEND=webex: the agent that drives the Web Meetings SDK in
headless Chromium, here with the SDK replaced by a fake of the same surface
(agent/page/fake_webex.js), passes the same end-to-end scenarios as the simulator."""
import pytest

from bot.config import REPO_ROOT
from tests.test_end_to_end import (  # noqa: F401 - collected here again, against this module's `stack`
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
