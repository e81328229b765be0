"""Every command a person can give, declared once. Pure data.

An entry says how people say it, what the help card shows, whether it reads an argument,
which card action and button stand for it, and whether it needs a meeting agent. The
parser's phrase table, its suggestions, the help card, the buttons, the card actions and
the phone-audio command set are all derived from here.

Adding a command: an entry here, its dataclass in `commands.py`, its handler in
`handlers/` (and, if it reads an argument, its reader in `parse.py`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.conversation import commands as c

# Action names: what a card button's data says, and what the parser maps phrases to.
HELP = "help"
MEETING = "meeting"
SET_MEETING = "set_meeting"  # the card action of the meeting prompt's form
DIAL_IN = "dial_in"
DIAL_OUT = "dial_out"
HANG_UP = "hang_up"
COMPUTER_AUDIO = "computer_audio"
STATUS = "status"
AUDIT = "audit"


@dataclass(frozen=True)
class Button:
    title: str
    style: str | None = None  # positive | destructive
    acts_on_call: bool = False  # valid only for the call the card was made for
    acts_on_meeting: bool = False  # valid only for the meeting the card was made for


@dataclass(frozen=True)
class Spec:
    name: str
    command: type[c.Command]
    syntax: str  # as the help card writes it
    example: str  # what to type; also the suggestion for a near miss
    meaning: str  # the help card's line
    phrases: tuple[str, ...]  # lowercase, whole words
    takes_argument: bool = False
    needs_agent: bool = False  # answered at once when no meeting agent is alive
    button: Button | None = None
    card_action: str = ""  # the action a card's form submits for it, when not its name
    fixed: dict = field(default_factory=dict)  # constructor arguments that come with the phrase
    in_help: bool = True


CATALOG: tuple[Spec, ...] = (
    Spec(MEETING, c.SetMeeting, "meeting <number | link | SIP>", "meeting 2551 234 567",
         "Choose the meeting (remembered for you).",
         ("meeting", "use meeting", "set meeting", "my meeting is", "meeting is", "the meeting is", "join meeting"),
         takes_argument=True, needs_agent=True, card_action=SET_MEETING),
    Spec(DIAL_IN, c.DialIn, "dial in", "dial in", "Get the number to call, the access code and your attendee ID.",
         ("dial in", "dial-in", "dialin", "call in", "call-in", "callin", "how do i dial in", "dial in number",
          "dial-in number", "call-in number", "give me the dial in", "use dial in"),
         needs_agent=True, button=Button("Dial in", acts_on_meeting=True)),
    Spec(DIAL_OUT, c.DialOut, "call me at <number>", "call me at 408 555 0100",
         "Your phone rings and becomes your meeting audio.",
         ("dial out", "dial-out", "dialout", "call me", "dial me", "ring me", "phone me", "callback", "call back",
          "call-back", "call my phone", "call", "dial", "use phone", "use my phone", "call me instead"),
         takes_argument=True, needs_agent=True, button=Button("Call me", "positive", acts_on_meeting=True)),
    Spec(HANG_UP, c.HangUp, "hang up", "hang up", "Disconnect your phone from the meeting.",
         ("hang up", "hangup", "hang-up", "disconnect", "disconnect phone", "disconnect my phone", "end call",
          "end the call", "drop call", "drop the call", "hang up phone", "hang up the phone", "stop call"),
         needs_agent=True, button=Button("Disconnect phone", "destructive", acts_on_call=True, acts_on_meeting=True)),
    Spec(COMPUTER_AUDIO, c.HangUp, "computer audio", "computer audio",
         "Hang up the phone and go back to your Webex app's audio.",
         ("computer audio", "use computer audio", "switch to computer audio", "back to computer audio",
          "go back to computer audio", "use computer", "use my computer", "computer", "app audio", "use app audio"),
         needs_agent=True, fixed={"back_to_computer": True},
         button=Button("Use computer audio", acts_on_call=True, acts_on_meeting=True)),
    Spec(STATUS, c.Status, "status", "status", "Your meeting, phone-audio state and attendee ID.",
         ("status", "state", "what's my status", "whats my status", "where am i", "show status"),
         button=Button("Status")),
    Spec(HELP, c.Help, "help", "help", "This card.",
         ("help", "?", "menu", "commands", "start", "what can you do", "how does this work"), button=Button("Help")),
    Spec(AUDIT, c.AuditQuery, "audit [email]", "audit", "Admins: the latest dial-out attempts.",
         ("audit", "audit log", "show audit"), takes_argument=True, in_help=False),
)

BY_NAME = {spec.name: spec for spec in CATALOG}
BY_CARD_ACTION = {spec.card_action or spec.name: spec for spec in CATALOG if spec.button or spec.card_action}
BUTTONS = {spec.name: spec.button for spec in CATALOG if spec.button}
CALL_ACTIONS = frozenset(name for name, button in BUTTONS.items() if button.acts_on_call)
MEETING_ACTIONS = frozenset(name for name, button in BUTTONS.items() if button.acts_on_meeting)
PHONE_AUDIO_COMMANDS = tuple(dict.fromkeys(spec.command for spec in CATALOG if spec.needs_agent))
HELP_ROWS = tuple((spec.syntax, spec.example, spec.meaning) for spec in CATALOG if spec.in_help)
