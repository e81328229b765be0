"""The help card: every command with an example, and buttons for the common ones."""
from adaptivecardbuilder import AdaptiveCard, Column, ColumnSet, TextBlock

from cards.render import CardMessage, button, to_dict

COMMANDS = (
    ("meeting <number | link | SIP>", "meeting 2551 234 567", "Choose the meeting (remembered for you)."),
    ("dial in", "dial in", "Get the number to call, the access code and your attendee ID."),
    ("call me at <number>", "call me at 408 555 0100", "Your phone rings and becomes your meeting audio."),
    ("hang up", "hang up", "Disconnect your phone from the meeting."),
    ("computer audio", "computer audio", "Hang up the phone and go back to your Webex app's audio."),
    ("status", "status", "Your meeting, phone-audio state and attendee ID."),
    ("help", "help", "This card."),
)


def help_card(owner: str) -> CardMessage:
    card = AdaptiveCard()
    card.add(TextBlock("Phone audio for your Webex meeting", size="medium", weight="bolder", wrap=True))
    card.add(TextBlock("Type a command, or press a button. In a group space, @mention me first.", wrap=True, isSubtle=True))
    for syntax, example, meaning in COMMANDS:
        card.add([
            ColumnSet(spacing="small"),
            Column(width="stretch"), TextBlock(f"**{syntax}**", wrap=True), TextBlock(meaning, wrap=True, isSubtle=True, spacing="none"),
            "<",
            Column(width="auto"), TextBlock(f"\"{example}\"", wrap=True, isSubtle=True),
            "^",
        ])
    card.add([
        button("Dial in", "dial_in", owner),
        button("Call me", "dial_out", owner),
        button("Status", "status", owner),
    ])
    lines = "\n".join(f"- `{syntax}`: {meaning} Example: `{example}`" for syntax, example, meaning in COMMANDS)
    return CardMessage(markdown=f"**Phone audio for your Webex meeting**\n{lines}", card=to_dict(card))
