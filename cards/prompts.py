"""Cards that ask for something: which meeting, which number."""
from adaptivecardbuilder import AdaptiveCard, InputText, TextBlock

from bot.conversation.catalog import DIAL_OUT, SET_MEETING
from bot.webex.messages import CardMessage
from cards.render import button, command_button, to_dict

# Only a character filter for the client; the number itself is read by `phonenumbers`.
PHONE_CHARACTERS = r"^[0-9+().\-\s]{3,32}$"


def phone_input(last_number: str = "") -> InputText:
    return InputText(
        "number",
        label="Phone number to call",
        placeholder="+1 408 555 0100",
        style="tel",
        value=last_number,
        maxLength=32,
        isRequired=True,
        regex=PHONE_CHARACTERS,
        errorMessage="Enter a phone number, like +1 408 555 0100.",
    )


KIND_WORDS = {"mobile": "Mobile", "work": "Work", "last": "Last used"}


def phone_prompt(owner: str, last_number: str = "", meeting: str = "", choices: tuple[tuple[str, str], ...] = (),
                 note: str = "") -> CardMessage:
    """Which phone to call: one press for each number offered (its kind and last 4 digits), or type another."""
    card = AdaptiveCard()
    card.add(TextBlock("Which phone should I call?", size="medium", weight="bolder", wrap=True))
    if note:
        card.add(TextBlock(note, wrap=True))
    if meeting:
        card.add(TextBlock(f"It joins meeting {meeting} as your audio.", wrap=True, isSubtle=True))
    offered = list(dict.fromkeys(choices))
    if last_number and last_number not in {number for _, number in offered}:
        offered.append(("last", last_number))
    card.add(phone_input("" if offered else last_number))
    for kind, number in offered:
        # One press calls that number; it needs nothing typed, so the input is not checked for it.
        card.add(command_button(DIAL_OUT, owner, title=f"Call {phone_label(kind, number)}", needs_inputs=False,
                                number=number))
    card.add(command_button(DIAL_OUT, owner))  # the number typed in the input
    listed = "".join(f"\n- {phone_label(kind, number)}: say `call me at {number}`" for kind, number in offered)
    return CardMessage(
        markdown=(f"{note}\n" if note else "") + "Which phone should I call? Reply with `call me at <number>`, "
                 "e.g. `call me at 408 555 0100`." + listed,
        card=to_dict(card),
    )


def phone_label(kind: str, number: str) -> str:
    """"Mobile ··0100": the kind and the last 4 digits, enough to tell one's own numbers apart."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"{KIND_WORDS.get(kind, kind.title())} ··{digits[-4:]}"


def meeting_prompt(owner: str, then: str = "") -> CardMessage:
    card = AdaptiveCard()
    card.add(TextBlock("Which meeting?", size="medium", weight="bolder", wrap=True))
    card.add(TextBlock(f"I need the meeting first{', then I ' + then if then else ''}.", wrap=True, isSubtle=True))
    card.add(InputText(
        "meeting",
        label="Meeting number, link or SIP address",
        placeholder="2551 234 567",
        maxLength=300,
        isRequired=True,
        errorMessage="Enter the meeting number, link or SIP address.",
    ))
    card.add(button("Use this meeting", SET_MEETING, owner, style="positive"))
    return CardMessage(
        markdown="Which meeting? Reply with `meeting <number | link | SIP address>`, e.g. `meeting 2551 234 567`.",
        card=to_dict(card),
    )


def confirm_call_card(owner: str, shown: str, e164: str, waited: str) -> CardMessage:
    """A dial-out that waited too long is never placed; this asks whether to call now."""
    return call_again_card(owner, "Should I still call you?",
                           f"You asked me to call {shown} {waited} ago, but your request reached me late, "
                           "so I didn't call. A phone that rings long after you asked is no use.",
                           f"Call {shown} now", e164)


def call_again_card(owner: str, title: str, text: str, label: str, e164: str) -> CardMessage:
    """One press calls the number again (the number travels in the signed button)."""
    card = AdaptiveCard()
    card.add(TextBlock(title, size="medium", weight="bolder", wrap=True))
    card.add(TextBlock(text, wrap=True))
    card.add(command_button(DIAL_OUT, owner, title=label, number=e164))
    return CardMessage(markdown=f"**{title}**\n{text} Say `call me at {e164}` to call again.", card=to_dict(card))
