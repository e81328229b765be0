"""The status card: meeting, phone-audio mode and states, masked number, attendee ID."""
from adaptivecardbuilder import AdaptiveCard, Fact, FactSet, TextBlock

from cards.render import CardMessage, button, to_dict


def status_card(owner: str, facts: list[tuple[str, str]], phone_active: bool, has_meeting: bool) -> CardMessage:
    card = AdaptiveCard()
    card.add(TextBlock("Your phone audio", size="medium", weight="bolder", wrap=True))
    card.add([FactSet()] + [Fact(title, value) for title, value in facts] + ["<"])
    if phone_active:
        card.add(button("Disconnect phone", "hang_up", owner, style="destructive"))
        card.add(button("Use computer audio", "computer_audio", owner))
    elif has_meeting:
        card.add(button("Dial in", "dial_in", owner))
        card.add(button("Call me", "dial_out", owner, style="positive"))
    card.add(button("Refresh", "status", owner))
    markdown = "**Your phone audio**\n" + "\n".join(f"- {title}: {value}" for title, value in facts)
    return CardMessage(markdown=markdown, card=to_dict(card))
