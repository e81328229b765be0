"""Text and card presses → Commands. Pure: no I/O, no clock, no randomness."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bot.conversation import commands as c
from bot.conversation.card_tokens import claims_from
from bot.conversation.catalog import AUDIT, BY_CARD_ACTION, BY_NAME, CATALOG, DIAL_OUT, MEETING, SET_MEETING
from bot.conversation.phone_numbers import find_number, parse_number

MAX_TEXT = 1000  # longer input is not a command anyone types

# Words that carry no meaning before or after a command ("please call me at ...").
FILLER = frozenset(
    "please pls plz hey hi hello ok okay can could would will you u kindly just now thanks thank "
    "at on to my me number phone is it the a".split()
)
_LEADING_FILLER = frozenset("please pls plz hey hi hello ok okay can could would will you u kindly just".split())

# Phrase → command name, from the catalog. Matched on whole words at the start of the text.
PHRASES: dict[tuple[str, ...], str] = {tuple(phrase.split()): spec.name for spec in CATALOG for phrase in spec.phrases}
_LONGEST_PHRASE = max(len(p) for p in PHRASES)
_VOCABULARY = {" ".join(p): n for p, n in PHRASES.items() if len(" ".join(p)) > 2}
SUGGESTION = {spec.name: spec.example for spec in CATALOG}
PASSWORD_WORDS = frozenset({"password", "pw", "pwd", "passcode", "pass"})


@dataclass(frozen=True)
class ParseRules:
    default_region: str = "US"
    dialout_countries: tuple[str, ...] = ("US", "CA")


def _normal(token: str) -> str:
    return token.lower().strip(".,!?;:'\"()[]") or token


def parse_text(text: str, origin: c.Origin, rules: ParseRules) -> c.Command:
    text = " ".join((text or "")[:MAX_TEXT].split())
    tokens = text.split(" ") if text else []
    words = [_normal(t) for t in tokens]
    start = 0
    while start < len(words) and words[start] in _LEADING_FILLER and len(words) > start + 1:
        start += 1
    for length in range(min(_LONGEST_PHRASE, len(words) - start), 0, -1):
        name = PHRASES.get(tuple(words[start : start + length]))
        if not name:
            continue
        if not BY_NAME[name].takes_argument and not all(w in FILLER for w in words[start + length :]):
            return c.Unknown(origin=origin, text=text, suggestion=SUGGESTION[name])
        return _build(name, " ".join(tokens[start + length :]), origin, rules)
    return c.Unknown(origin=origin, text=text, suggestion=_closest(words[start : start + 3]))


def _build(name: str, rest: str, origin: c.Origin, rules: ParseRules) -> c.Command:
    readers = {DIAL_OUT: lambda: _dial_out(rest, origin, rules), MEETING: lambda: _meeting(rest, origin),
               AUDIT: lambda: _audit(rest, origin)}
    if name in readers:
        return readers[name]()
    spec = BY_NAME[name]
    return spec.command(origin=origin, **spec.fixed)


def _dial_out(rest: str, origin: c.Origin, rules: ParseRules) -> c.Command:
    check = find_number(rest, rules.default_region, rules.dialout_countries)
    if check is None:
        return c.DialOut(origin=origin, number=None)
    if check.problem:
        return c.BadNumber(origin=origin, shown=_meaningful(check.shown), problem=check.problem, rule=check.rule)
    return c.DialOut(origin=origin, number=check.e164)


def _audit(rest: str, origin: c.Origin) -> c.Command:
    who = rest.strip().strip("<>")
    if not who:
        return c.AuditQuery(origin=origin)
    if " " in who or "@" not in who.strip("@"):
        return c.Unknown(origin=origin, text=f"audit {rest}", suggestion="audit alice@example.com")
    return c.AuditQuery(origin=origin, person_email=who.lower())


def _meaningful(text: str) -> str:
    """The part of a phrase that someone meant as the number ("at 123 please" → "123")."""
    kept = [t for t in text.split() if _normal(t) not in FILLER]
    return " ".join(kept) or text


def _meeting(rest: str, origin: c.Origin) -> c.Command:
    tokens = rest.split()
    password = ""
    for i, token in enumerate(tokens):
        if _normal(token) in PASSWORD_WORDS:
            password = " ".join(tokens[i + 1 :])
            tokens = tokens[:i]
            break
    destination = parse_destination(" ".join(tokens))
    if isinstance(destination, str):
        return c.BadMeeting(origin=origin, problem=destination)
    return c.SetMeeting(origin=origin, meeting=destination, password=password)


def parse_destination(text: str) -> c.Meeting | str:
    """A meeting number, meeting link or SIP address; otherwise a sentence saying what's wrong."""
    text = text.strip().strip("<>")
    if not text:
        return "Tell me which meeting: its number, its link or its SIP address."
    lowered = text.lower()
    if lowered.startswith("sip:"):
        text, lowered = text[4:], lowered[4:]
    parts = urlsplit(text if "://" in text else "")
    if parts.scheme in ("http", "https") and "." in parts.netloc and " " not in text:
        return c.Meeting(kind="link", value=text)
    if "@" in text and " " not in text:
        user, _, domain = text.partition("@")
        if user and "." in domain:
            return c.Meeting(kind="sip", value=text)
        return "That SIP address isn't complete (it looks like 25512345@example.webex.com)."
    digits = "".join(ch for ch in text if ch not in " -.")
    if digits.isdigit() and digits.isascii():
        if 9 <= len(digits) <= 11:
            return c.Meeting(kind="number", value=digits)
        return f"A Webex meeting number has 9 to 11 digits; {len(digits)} is not right."
    if "." in text and "/" in text and " " not in text:
        return c.Meeting(kind="link", value="https://" + text)
    return "I can't read that as a meeting number, meeting link or SIP address."


def _closest(words: list[str]) -> str:
    for length in (3, 2, 1):
        candidate = " ".join(words[:length])
        match = difflib.get_close_matches(candidate, _VOCABULARY, n=1, cutoff=0.75)
        if match:
            return SUGGESTION[_VOCABULARY[match[0]]]
    return "help"


# Card presses ------------------------------------------------------------------------

def parse_card(inputs: dict, origin: c.Origin, rules: ParseRules) -> c.Command:
    """An Action.Submit's data merged with the card's inputs."""
    if not isinstance(inputs, dict):
        return c.Unknown(origin=origin, text="")
    owner = inputs.get("owner")
    if owner and owner != origin.person_id:
        return c.ForeignCard(origin=origin)
    origin = replace(origin, card=claims_from(inputs))
    action = inputs.get("action")
    if action not in BY_CARD_ACTION:
        return c.Unknown(origin=origin, text=str(action)[:80])
    if action == SET_MEETING:
        return _meeting(str(inputs.get("meeting", ""))[:MAX_TEXT], origin)
    if action == DIAL_OUT:
        typed = str(inputs.get("number") or inputs.get("phone") or "").strip()[:64]
        if not typed:
            return c.DialOut(origin=origin, number=None)
        check = parse_number(typed, rules.default_region, rules.dialout_countries)
        if check.problem:
            return c.BadNumber(origin=origin, shown=check.shown, problem=check.problem, rule=check.rule)
        return c.DialOut(origin=origin, number=check.e164)
    return _build(BY_CARD_ACTION[action].name, "", origin, rules)


# Mentions ----------------------------------------------------------------------------

class _MentionStripper(HTMLParser):
    """Keeps the text of a message's HTML, minus the spark-mention of one person."""

    def __init__(self, person_id: str):
        super().__init__(convert_charrefs=True)
        self.person_id = person_id
        self.depth = 0  # >0 while inside the mention being dropped
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "spark-mention" and (self.depth or dict(attrs).get("data-object-id") == self.person_id):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "spark-mention" and self.depth:
            self.depth -= 1
            self.parts.append(" ")
        elif tag in ("p", "br", "div"):
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def strip_mention(text: str, html: str | None, bot_id: str, bot_names: tuple[str, ...] = ()) -> str:
    """The command a person typed, without the @mention of the bot."""
    if html and "spark-mention" in html:
        stripper = _MentionStripper(bot_id)
        stripper.feed(html)
        stripper.close()
        return " ".join("".join(stripper.parts).split())
    text = (text or "").strip()
    for name in sorted(bot_names, key=len, reverse=True):
        if name and text.lower().startswith(name.lower()):
            return text[len(name) :].lstrip(" ,:")
    return text
