"""A short message with the buttons that make sense next."""
from adaptivecardbuilder import AdaptiveCard, TextBlock

from bot.webex.messages import CardMessage
from cards.render import command_button, to_dict


def notice_card(owner: str, title: str, text: str, actions: tuple[str, ...]) -> CardMessage:
    card = AdaptiveCard()
    card.add(TextBlock(title, size="medium", weight="bolder", wrap=True))
    if text:
        card.add(TextBlock(text, wrap=True))
    for action in actions:
        card.add(command_button(action, owner))
    return CardMessage(markdown=f"**{title}**" + (f"\n{text}" if text else ""), card=to_dict(card))
