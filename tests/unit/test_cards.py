"""Every card the bot builds is valid Adaptive Card 1.3 JSON, and every button says whose card it is."""
import json

import pytest

from bot.conversation.catalog import BUTTONS
from cards.dial_in import dial_in_card
from cards.help import help_card
from cards.notice import notice_card
from cards.prompts import meeting_prompt, phone_prompt
from cards.status import status_card
from tests.support.adaptive_card_schema import assert_valid_card

OWNER = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hbGljZQ"
BUILDERS = {
    "help": lambda: help_card(OWNER),
    "meeting_prompt": lambda: meeting_prompt(OWNER, "set up dial-in"),
    "phone_prompt": lambda: phone_prompt(OWNER, "+14085550100", "2551 234 567"),
    "phone_prompt_empty": lambda: phone_prompt(OWNER),
    "dial_in": lambda: dial_in_card(OWNER, "2551 234 567", "+1-415-555-0199", "US Toll",
                                    "https://example.webex.com/global", "2551234567", "123456", "+14085550100"),
    "dial_in_sparse": lambda: dial_in_card(OWNER, "2551 234 567", "", "", "", "", "", ""),
    "status_active": lambda: status_card(OWNER, [("Meeting", "2551 234 567"), ("Audio", "phone")], True, True),
    "status_idle": lambda: status_card(OWNER, [("Meeting", "none")], False, False),
    "notice_all_buttons": lambda: notice_card(OWNER, "Title", "Text", tuple(BUTTONS)),
    "notice_plain": lambda: notice_card(OWNER, "Title", "", ()),
}


def _submits(node):
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit":
            yield node
        for value in node.values():
            yield from _submits(value)
    elif isinstance(node, list):
        for value in node:
            yield from _submits(value)


@pytest.mark.parametrize("name", BUILDERS)
def test_card_is_valid_adaptive_card_1_3(name):
    message = BUILDERS[name]()
    assert_valid_card(message.card, max_version="1.3")
    assert message.card["version"] == "1.3"
    assert message.markdown.strip()
    assert len(json.dumps(message.card)) < 20_000


@pytest.mark.parametrize("name", BUILDERS)
def test_every_button_names_its_action_and_owner(name):
    for submit in _submits(BUILDERS[name]().card):
        assert submit["data"]["owner"] == OWNER
        assert submit["data"]["action"] in {"help", "dial_in", "dial_out", "hang_up", "computer_audio", "status",
                                            "set_meeting"}


def test_dial_in_card_shows_every_detail():
    card = json.dumps(BUILDERS["dial_in"]().card)
    for detail in ("+1-415-555-0199", "US Toll", "https://example.webex.com/global", "2551234567", "123456",
                   "Call me instead", "Disconnect phone", "Status"):
        assert detail in card


def test_phone_prompt_uses_1_3_input_validation():
    body = BUILDERS["phone_prompt"]().card["body"]
    phone = next(element for element in body if element["type"] == "Input.Text")
    assert phone["isRequired"] is True and phone["label"] and phone["regex"] and phone["errorMessage"]
    assert not phone.get("value")  # the last number is a one-press button; the input is for another one


def test_phone_prompt_offers_profile_and_last_numbers_as_one_press_buttons():
    card = phone_prompt(OWNER, "+14155550123", "2551 234 567",
                        (("mobile", "+14085550100"), ("work", "+16505550199"))).card
    presses = [a for a in card["actions"] if a["data"].get("number")]
    assert [(a["title"], a["data"]["number"]) for a in presses] == [
        ("Call Mobile ··0100", "+14085550100"), ("Call Work ··0199", "+16505550199"),
        ("Call Last used ··0123", "+14155550123")]
    assert all(a["associatedInputs"] == "none" for a in presses)  # no typed number needed for these
    typed = [a for a in card["actions"] if not a["data"].get("number")]
    assert [(a["title"], a["data"]["action"]) for a in typed] == [("Call me", "dial_out")]
    assert_valid_card(card)


def test_rendering_twice_gives_the_same_card():
    assert BUILDERS["help"]().card == BUILDERS["help"]().card
