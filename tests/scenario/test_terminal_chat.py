"""The terminal chat draws every card readably and offers every button."""
from bot.sandbox.terminal_chat import render_card
from cards.dial_in import dial_in_card
from cards.help import help_card


def test_dial_in_card_renders_facts_and_buttons():
    card = dial_in_card("p", "2551 234 567", "+1-415-555-0199", "US Toll", "https://x", "2551234567", "123456").card
    rendered = render_card(card)
    text = "\n".join(rendered.lines)
    assert "US Toll: +1-415-555-0199" in text and "Attendee ID: 123456" in text
    titles = [b.title for b in rendered.buttons]
    assert rendered.buttons[0].url == "tel:+14155550199,,2551234567%23,,123456%23"  # one tap: number and codes
    assert titles == ["Call now", "Global call-in numbers", "Call me instead: Call me", "Disconnect phone", "Status"]
    call_me = rendered.buttons[2]
    assert [i["id"] for i in call_me.inputs] == ["number"] and call_me.data["action"] == "dial_out"


def test_help_card_lists_commands():
    rendered = render_card(help_card("p").card)
    assert any("call me at" in line for line in rendered.lines)
    assert [b.title for b in rendered.buttons] == ["Dial in", "Call me", "Status"]
