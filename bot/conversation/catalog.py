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
GREETING = "greeting"
THANKS = "thanks"


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
    offer: str = ""  # what the bot would do, as "Do you want me to ...?" says it
    phrases: tuple[str, ...] = ()  # patterns (patterns.py) that ask for it anywhere in a sentence
    solo: tuple[str, ...] = ()  # patterns that ask for it only when little else is said ("status")
    refusals: tuple[str, ...] = ()  # patterns that count only when negated ("don't call")
    soft: tuple[str, ...] = ()  # patterns that give way to another phone-audio action ("join by phone, call me")
    takes_argument: bool = False
    needs_agent: bool = False  # answered at once when no meeting agent is alive
    acts: bool = False  # it changes something; two of these in one sentence are asked about, not guessed
    button: Button | None = None
    card_action: str = ""  # the action a card's form submits for it, when not its name
    fixed: dict = field(default_factory=dict)  # constructor arguments that come with the phrase
    in_help: bool = True


CALL_VERB = "call|ring|phone|dial|buzz|cal|cll"
# Words that say a destination is the meeting's, not a phone's; and that the space's meeting is meant.
MEETING_CUES = ("meeting", "meet", "mtg", "webex", "conference", "room", "link", "sip", "pmr", "session", "join", "joins",
                "joining")
SPACE_CUES = ("space", "spaces", "room", "group", "channel", "team", "everyone", "everybody", "here", "us")
MY_PHONE = "phone|mobile|mob|cell|cellphone|iphone|android|work|office|desk|landline|number|line|cellulaire|portable|bureau"
COMPUTER = "computer|comp|pc|laptop|desktop|app|browser|headset|headphones|earbuds|mac|macbook|ordinateur"
GADGET = "[webex|bluetooth|usb|wireless]"  # what may stand before COMPUTER
MEETING_NOUN = "meeting|call|conference|session|webex"

CATALOG: tuple[Spec, ...] = (
    Spec(MEETING, c.SetMeeting, "meeting <number | link | SIP>", "meeting 2551 234 567",
         "Choose the meeting (remembered for you). Add `for this space` in a group space.",
         offer="change your meeting",
         solo=("meeting|meting", "set|use|join|change|update [my|the] meeting [number|link|to]", "my|the meeting is|number"),
         refusals=("save|remember|store|keep|set|change|use [that|this|my|the] meeting|link|number",),
         takes_argument=True, needs_agent=True, acts=True, card_action=SET_MEETING),
    Spec(DIAL_IN, c.DialIn, "dial in", "dial in", "Get the number to call, the access code and your attendee ID.",
         offer="give you the dial-in details",
         phrases=("dial|call|phone|ring in|inn|into", "phone number [and|with] [access] code",
                  "numero|numéro [de] [téléphone|telephone] [pour|à|a] appeler|composer|rejoindre",
                  "code [d] accès|acces|conférence|conference",
                  "dial|call in|into details|info|information|number|numbers", "access|host|attendee code|id|pin",
                  "whats|what [is] [the|my] meeting code|id|pin", "toll|tollfree [free] number|numbers",
                  "[the] number to|for call|dial|calling|dialing|dialling [in]", "[the] phone number for|of [the|my] "
                  f"{MEETING_NOUN}",
                  "what|which|where [number] [do|should|can|shall] [i] call|dial|ring [to|in|into]",
                  f"number for|of [the|my] {MEETING_NOUN}",
                  "conference|bridge|webex|dial [phone|call|line|in] number|numbers|line",
                  "how [do|can|should] i dial"),
         soft=("join|connect|get|attend [in] by|via|over|from|with|using|on [the|my|a] phone|telephone|mobile|cell|landline",
               "join|get|dial [in] [to|into] [the|my] meeting by|via|over|from|with|on [the|my|a] phone|telephone"),
         needs_agent=True, acts=True, button=Button("Dial in", acts_on_meeting=True)),
    Spec(DIAL_OUT, c.DialOut, "call me at <number>", "call me at 408 555 0100",
         "Your phone rings and becomes your meeting audio. Or: `call my mobile`.", offer="call your phone",
         phrases=(f"{CALL_VERB} me", f"{CALL_VERB} [me] [on|at|to] my {MY_PHONE}", "give me a call|ring|buzz",
                  "dial out", "call|ring back [me]", "call me back", f"{CALL_VERB} out",
                  "connect|add|bring|put|patch|join my phone [in] to|into|with [the|my] meeting|call",
                  "connect|add|bring|put|patch my phone", "join|connect|add|bring me [in] by|via|over|on [the|my] phone",
                  f"use|using my [{MY_PHONE}] phone|mobile|cell|line [for|as] [audio|sound]", "phone audio",
                  f"connect|put|send|move [my] audio via|through|on|to|onto my [{MY_PHONE}] {MY_PHONE}",
                  "get|put|bring|add|patch me [in|into|to] [the|my] meeting|call by|via|over|on|through [the|my] phone",
                  f"keep|continue calling|ringing|dialing [me|my] [{MY_PHONE}]",
                  "appelle|appelez|appeler|rappelle|rappelez|téléphone|telephone moi|me",
                  f"appelle|appelez|appeler|rappelle|rappelez [moi] [sur|à|au] [mon|ma] {MY_PHONE}"),
         refusals=(CALL_VERB,),
         takes_argument=True, needs_agent=True, acts=True, button=Button("Call me", "positive", acts_on_meeting=True)),
    Spec(HANG_UP, c.HangUp, "hang up", "hang up", "Disconnect your phone from the meeting.", offer="hang up your phone",
         phrases=("hang up|off [on] [the|my|this] [phone|call|line]",
                  "disconnect [me|my|the|this] [phone|call|dial] [audio|out|in|line]",
                  "cancel [the|my|this] [phone] call|dial|dialout [out|in]",
                  "end|stop|cut|kill|terminate|finish|drop|close [the|my|this] [phone] call|line|dial|dialout [out|in]",
                  "drop|remove|kick|take|get [me|my] [phone] [off|out|from] [of] [the|my|this] meeting|call|phone|line",
                  "raccroche|raccrocher|raccrochez", "termine|terminer|terminez [l] [appel]",
                  "stop calling [me]", "end|stop|disconnect|kill [the|my] phone [audio|call]"),
         needs_agent=True, acts=True,
         button=Button("Disconnect phone", "destructive", acts_on_call=True, acts_on_meeting=True)),
    Spec(COMPUTER_AUDIO, c.HangUp, "computer audio", "computer audio",
         "Hang up the phone and go back to your Webex app's audio.", offer="switch you back to computer audio",
         phrases=(f"{GADGET} {COMPUTER} audio|sound", f"audio|sound [back] to|via|through|over [the|my] {GADGET} {COMPUTER}",
                  f"back|switch|swap|flip|go|move|return|put|get [me|us|it|my|audio] [back] [off|from] [the|my] [phone] "
                  f"[back] to|onto|over|on [using] [the|my] {GADGET} {COMPUTER}",
                  f"use|using [the|my] {GADGET} {COMPUTER} [for|as] [audio|sound] [instead]"),
         solo=("computer",), needs_agent=True, acts=True, fixed={"back_to_computer": True},
         button=Button("Use computer audio", acts_on_call=True, acts_on_meeting=True)),
    Spec(STATUS, c.Status, "status", "status", "Your meeting, phone-audio state and attendee ID.", offer="show your status",
         phrases=("status|state of|on [my|the] call|phone|meeting|audio", "my [current] status",
                  "call|phone|audio status", "whats|what [is] the status", "show|check|get|see|tell [me] [my|the] [current] status", "[am|are|is] [i|we|it] still connected",
                  "status|state of|on [my|the] dial|dialout [out|in]", "how long [have] [i] [been] [on] [the|my] call",
                  "did|have you save|saved|set|get|got|store|stored [my] meeting",
                  "where|wheres [is] [my|the] call|phone [at]", "statut|état|etat [de] [mon] [appel]",
                  "what|which audio [am|are] [i|we] [using|on]",
                  "am i [still] connected|on|in|there|live|joined|dialed|dialled",
                  "is|are my phone|call|audio [still] connected|on|in|going|ok|okay|working|ringing|live|there|active "
                  "[to|in|on] [the|my] [meeting|call]",
                  "is|are the call|phone [still] connected|on|going|ok|okay|working|ringing|live|active",
                  "did|has|have [the|my] call|phone|it [already] connect|connected|work|go|gone|join|joined|ring|rang",
                  "what|which meeting [am|did|have|do] [i|you] [in|on|set|chose|choose|pick|picked|use|using|joined|have]",
                  "what|which|whats [is] [my|the] [current] meeting", "my current meeting",
                  "whats|what going on with [my|the] call|phone|audio", "how is|s [my|the] call|phone",
                  "are you [still] calling|ringing|dialing|dialling [me|my]",
                  "is it [still] ringing|dialing|dialling|calling|connecting|connected", "where am i",
                  "is everything ok|okay|alright|fine [with] [my|the] call|phone"),
         solo=("status|state|stat|stats", "check|show|get|see [my] status"), button=Button("Status")),
    Spec(HELP, c.Help, "help", "help", "This card.",
         phrases=("what can|does|do you|this|it [bot|thing] do", "what [else] do you do", "what you [can] do",
                  "how does this|it [bot] work", "how [do|can|should|would] [i] [to] use [this|the|you|it] [bot]",
                  "what [do|can|should] i say|ask|type|tell|write", "explain how|yourself|this [bot] [works]",
                  "explain [the|your|all] options|commands|features", "[the] things [that] i can ask|say|type|do",
                  "list|show [me] [the|your|all] commands|options", "what are [the|your] commands|options",
                  "what [commands|options] [do] [you] have|support|know|understand", "what is this [bot|thing]",
                  "what|who are you", "show [me] [the] help|menu", "help me", "i need help"),
         solo=("help|halp|hlep|aide", "menu|commands|options|instructions|usage|manual", "?"), button=Button("Help")),
    Spec(AUDIT, c.AuditQuery, "audit [email]", "audit", "Admins: the latest dial-out attempts.",
         phrases=("audit log|logs|trail|history|entries|report|records", "call audit [log|logs|trail]",
                  "dial|dialout out|outs|dialouts log|logs|history|audit|report|list|records|record",
                  "list|show [me] [all] [the] [recent] [dial] outs|dialouts", "audit [the|all] [dial] outs|dialouts|calls",
                  "[all] calls made|placed by [the] bot",
                  "outbound|outgoing calls", "every|all outbound|outgoing [phone] call|calls",
                  "log|logs|list|record|records of [the] [outbound|outgoing] calls|dialouts|dial",
                  "calls [that] the bot made|placed",
                  "who [did|has|have] the bot call|called|dial|dialed|dialled|ring|rang",
                  "who [did|has|have] used|use|made|placed dial|dialout out|outs|dialouts"),
         solo=("[show|pull|get|fetch|read|view|open|see|check] [me] [the] audit [log|logs|trail|entries|history] "
               "[for|of|on]",), takes_argument=True, in_help=False),
    Spec(GREETING, c.Help, "", "hello", "", fixed={"greeting": True},
         solo=("hi|hello|hey|hiya|heya|yo|howdy|greetings|hallo|hullo|sup|hola|bonjour|ciao|salut|namaste",
               "good morning|afternoon|evening|day", "morning|afternoon|evening"), in_help=False),
    Spec(THANKS, c.Thanks, "", "thanks", "",
         phrases=("thanks|thank|thx|tnx|ty|tysm|thnx|thanx|cheers|ta|merci|gracias|danke|grazie|obrigado|arigato",
                  "appreciate [it|that|you]", "much appreciated"),
         in_help=False),
)

BY_NAME = {spec.name: spec for spec in CATALOG}
BY_CARD_ACTION = {spec.card_action or spec.name: spec for spec in CATALOG if spec.button or spec.card_action}
BUTTONS = {spec.name: spec.button for spec in CATALOG if spec.button}
CALL_ACTIONS = frozenset(name for name, button in BUTTONS.items() if button.acts_on_call)
MEETING_ACTIONS = frozenset(name for name, button in BUTTONS.items() if button.acts_on_meeting)
PHONE_AUDIO_COMMANDS = tuple(dict.fromkeys(spec.command for spec in CATALOG if spec.needs_agent))
HELP_ROWS = tuple((spec.syntax, spec.example, spec.meaning) for spec in CATALOG if spec.in_help)
ACTIONS = frozenset(spec.name for spec in CATALOG if spec.acts)
