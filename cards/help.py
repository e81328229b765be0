"""The help card: every command with an example, and buttons for the common ones."""
from adaptivecardbuilder import AdaptiveCard, Column, ColumnSet, TextBlock

from bot.conversation.catalog import DIAL_IN, DIAL_OUT, HELP_ROWS, STATUS
from bot.webex.messages import CardMessage
from cards.render import command_button, to_dict

QUICK_ACTIONS = (DIAL_IN, DIAL_OUT, STATUS)


def help_card(owner: str, hello: str = "") -> CardMessage:
    card = AdaptiveCard()
    if hello:
        card.add(TextBlock(hello, wrap=True))
    card.add(TextBlock("Phone audio for your Webex meeting", size="medium", weight="bolder", wrap=True))
    card.add(TextBlock("Type a command, or press a button. In a group space, @mention me first.", wrap=True, isSubtle=True))
    for syntax, example, meaning in HELP_ROWS:
        card.add([
            ColumnSet(spacing="small"),
            Column(width="stretch"), TextBlock(f"**{syntax}**", wrap=True), TextBlock(meaning, wrap=True, isSubtle=True, spacing="none"),
            "<",
            Column(width="auto"), TextBlock(f"\"{example}\"", wrap=True, isSubtle=True),
            "^",
        ])
    card.add([command_button(action, owner) for action in QUICK_ACTIONS])
    lines = "\n".join(f"- `{syntax}`: {meaning} Example: `{example}`" for syntax, example, meaning in HELP_ROWS)
    greeting = f"{hello}\n" if hello else ""
    return CardMessage(markdown=f"{greeting}**Phone audio for your Webex meeting**\n{lines}", card=to_dict(card))
