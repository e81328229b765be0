"""The dial-in card: number to call, global call-in link, access code, attendee ID."""
from adaptivecardbuilder import ActionOpenUrl, ActionShowCard, AdaptiveCard, Fact, FactSet, TextBlock

from bot.conversation.catalog import DIAL_OUT, HANG_UP, STATUS
from bot.webex.messages import CardMessage
from cards.prompts import phone_input
from cards.render import command_button, to_dict


def dial_in_card(owner: str, meeting: str, toll_number: str, toll_label: str, global_callin_url: str,
                 access_code: str, attendee_id: str, last_number: str = "") -> CardMessage:
    card = AdaptiveCard()
    card.add(TextBlock("Dial in to your meeting", size="medium", weight="bolder", wrap=True))
    card.add(TextBlock(f"Meeting {meeting}. Call the number, then key in the access code and your attendee ID, each followed by #.", wrap=True))
    card.add([FactSet(),
              Fact(toll_label or "Call-in number", toll_number or "not provided by the meeting"),
              Fact("Access code", access_code or "not provided"),
              Fact("Attendee ID", attendee_id or "not provided"),
              "<"])
    one_tap = tel_link(toll_number, access_code, attendee_id)
    if one_tap:
        card.add(ActionOpenUrl(one_tap, title="Call now"))
    if global_callin_url:
        card.add(ActionOpenUrl(global_callin_url, title="Global call-in numbers"))
    show = ActionShowCard(title="Call me instead", card=AdaptiveCard())
    card.add(show)
    show.card.add(phone_input(last_number))
    show.card.add(command_button(DIAL_OUT, owner))
    card.back_to_top()
    card.add(command_button(HANG_UP, owner))
    card.add(command_button(STATUS, owner))
    markdown = (f"**Dial in to meeting {meeting}**\n"
                f"- {toll_label or 'Call-in number'}: {toll_number}\n"
                f"- Access code: {access_code}\n- Attendee ID: {attendee_id}\n"
                + (f"- Call now (dials the number, the access code and your attendee ID): {one_tap}\n" if one_tap else "")
                + (f"- Global call-in numbers: {global_callin_url}\n" if global_callin_url else "")
                + "Prefer a call? Say `call me at <number>`.")
    return CardMessage(markdown=markdown, card=_nested_card_dict(card))


PAUSE = ",,"  # two seconds each: the bridge answers, then asks for the next code


def tel_link(toll_number: str, access_code: str, attendee_id: str) -> str:
    """A tel: URI (RFC 3966) that dials the number, waits, keys in the access code and # , waits, then the
    attendee ID and #. "," is the dialers' pause; "#" is written %23, as a URI needs."""
    number = "".join(ch for ch in toll_number if ch.isdigit())
    code = "".join(ch for ch in access_code if ch.isdigit())
    if not number or not code:
        return ""
    plus = "+" if toll_number.strip().startswith("+") else ""
    attendee = "".join(ch for ch in attendee_id if ch.isdigit())
    return f"tel:{plus}{number}{PAUSE}{code}%23" + (f"{PAUSE}{attendee}%23" if attendee else "")


def _nested_card_dict(card: AdaptiveCard) -> dict:
    """ShowCard's inner card is an AdaptiveCard object; serialise it the same way."""
    content = to_dict(card)
    for action in content.get("actions", []):
        inner = action.get("card")
        if isinstance(inner, dict) and inner.get("type") == "AdaptiveCard":
            inner.pop("_pointer", None)
            inner.pop("schema", None)
            inner.pop("version", None)
    return content
