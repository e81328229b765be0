"""A short message with the buttons that make sense next."""
from adaptivecardbuilder import AdaptiveCard, TextBlock

from cards.render import CardMessage, button, to_dict

# Buttons a notice may offer: action → (title, style)
BUTTONS = {
    "help": ("Help", None),
    "dial_in": ("Dial in", None),
    "dial_out": ("Call me", "positive"),
    "hang_up": ("Disconnect phone", "destructive"),
    "computer_audio": ("Use computer audio", None),
    "status": ("Status", None),
}


def notice_card(owner: str, title: str, text: str, actions: tuple[str, ...]) -> CardMessage:
    card = AdaptiveCard()
    card.add(TextBlock(title, size="medium", weight="bolder", wrap=True))
    if text:
        card.add(TextBlock(text, wrap=True))
    for action in actions:
        label, style = BUTTONS[action]
        card.add(button(label, action, owner, style=style))
    return CardMessage(markdown=f"**{title}**" + (f"\n{text}" if text else ""), card=to_dict(card))
