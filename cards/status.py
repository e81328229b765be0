"""The status card: meeting, phone-audio mode and states, masked number, attendee ID."""
from adaptivecardbuilder import AdaptiveCard, Fact, FactSet, TextBlock

from bot.conversation.catalog import COMPUTER_AUDIO, DIAL_IN, DIAL_OUT, HANG_UP, STATUS
from bot.webex.messages import CardMessage
from cards.render import command_button, to_dict


def status_card(owner: str, facts: list[tuple[str, str]], phone_active: bool, has_meeting: bool) -> CardMessage:
    card = AdaptiveCard()
    card.add(TextBlock("Your phone audio", size="medium", weight="bolder", wrap=True))
    card.add([FactSet()] + [Fact(title, value) for title, value in facts] + ["<"])
    if phone_active:
        card.add(command_button(HANG_UP, owner))
        card.add(command_button(COMPUTER_AUDIO, owner))
    elif has_meeting:
        card.add(command_button(DIAL_IN, owner))
        card.add(command_button(DIAL_OUT, owner))
    card.add(command_button(STATUS, owner, title="Refresh"))
    markdown = "**Your phone audio**\n" + "\n".join(f"- {title}: {value}" for title, value in facts)
    return CardMessage(markdown=markdown, card=to_dict(card))
