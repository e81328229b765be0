"""The values in a message, read on their own: digit runs (phone or meeting numbers), links,
addresses (SIP or email), a password, and which of the person's phones they mean. Pure.

Numbers themselves are read by `phonenumbers` (phone_numbers.py); this module only finds the
stretches of text that hold digits, so the parser can say which is the phone and which the meeting.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.conversation.commands import Meeting
from bot.conversation.typos import is_typo_of
from bot.conversation.words import Word, tokens

NUMBER_CHARACTERS = set("0123456789+-.()/ \u00a0–")  # what a written number is made of
PASSWORD_WORDS = ("password", "passcode", "passwd", "pwd", "pw", "pass", "pin", "passwort")
PHONE_KINDS = {
    "mobile": ("mobile", "mob", "cell", "cellphone", "iphone", "android", "handy", "smartphone", "cellulaire", "portable"),
    "work": ("work", "office", "desk", "business", "landline", "bureau", "travail"),
}
TRAILING = ".,;:)]}\"'"  # not part of a password or address typed before them
SENTENCE_END = "?!"


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int

    @property
    def digits(self) -> str:
        return "".join(ch for ch in self.text if ch.isdigit())


def digit_runs(text: str) -> list[Span]:
    """Stretches made of digits and the marks numbers are written with: "(408) 555-0100"."""
    runs: list[Span] = []
    i = 0
    while i < len(text):
        if not (text[i].isdigit() or (text[i] in "+(" and i + 1 < len(text) and text[i + 1].isdigit())):
            i += 1
            continue
        j = i
        while j < len(text) and (text[j].isdigit() or text[j] in NUMBER_CHARACTERS):
            j += 1
        span = text[i:j].rstrip(" -./(–\u00a0")
        if not _inside_word(text, i, i + len(span)):
            runs.append(Span(span, i, i + len(span)))
        i = j
    return _with_extensions(text, runs)


EXTENSION_WORDS = ("ext", "ext.", "ext:", "x", "extension", "#")


def _with_extensions(text: str, runs: list[Span]) -> list[Span]:
    """"408 555 0100 ext 12" is one number with an extension (which the number rules refuse), not two numbers."""
    merged: list[Span] = []
    for run in runs:
        if merged and text[merged[-1].end:run.start].strip().lower() in EXTENSION_WORDS:
            previous = merged.pop()
            run = Span(text[previous.start:run.end], previous.start, run.end)
        merged.append(run)
    return merged


def _inside_word(text: str, start: int, end: int) -> bool:
    """Digits that are part of a word, link or address ("hunter2", "acme.webex.com/2551"), not a number."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return before.isalpha() or before in "@/:=_#" or after.isalpha() or after in "@_"


def links(text: str) -> list[Span]:
    found = []
    for start, token in tokens(text):
        token = token.strip("<>()[]").rstrip(TRAILING + SENTENCE_END)
        candidate = token if "://" in token else ("https://" + token if token.lower().startswith("www.") else "")
        parts = urlsplit(candidate) if candidate else None
        if parts and parts.scheme in ("http", "https") and "." in parts.netloc:
            found.append(Span(token if "://" in token else candidate, start, start + len(token)))
        elif "/" in token and "." in token.partition("/")[0] and "@" not in token and token[:1].isalpha():
            found.append(Span("https://" + token, start, start + len(token)))  # acme.webex.com/meet/alice
    return found


def addresses(text: str) -> list[Span]:
    """user@domain tokens: SIP addresses of meetings, or people's emails (the command decides)."""
    found = []
    for start, token in tokens(text):
        token = token.strip("<>()[]").rstrip(TRAILING + SENTENCE_END)
        if token.lower().startswith("sip:"):
            token, start = token[4:], start + 4
        user, at, domain = token.partition("@")
        if at and user and "." in domain and "://" not in token:
            found.append(Span(token, start, start + len(token)))
    return found


def password(text: str) -> tuple[str, int] | None:
    """The word after "password", "pw", "passcode" ... (and an optional "is" or ":"), as typed."""
    typed = list(tokens(text))
    for i, (start, token) in enumerate(typed):
        if token.lower().strip(":=,.-/") not in PASSWORD_WORDS:
            continue
        rest = typed[i + 1:]
        while rest and rest[0][1].lower().strip(":=,-") in ("", "is", "=", "of"):
            rest = rest[1:]
        if rest:
            value = rest[0][1].rstrip(TRAILING)
            if value:
                return value, start
    return None


def phone_kind(found: list[Word]) -> str:
    """Which of the person's profile phones they mean ("my cell" → mobile), or ""."""
    for word in found:
        for kind, names in PHONE_KINDS.items():
            if any(is_typo_of(word.text, name) for name in names):
                return kind
    return ""



def parse_destination(text: str) -> Meeting | str:
    """A meeting number, meeting link or SIP address; otherwise a sentence saying what's wrong."""
    text = text.strip().strip("<>")
    if not text:
        return "Tell me which meeting: its number, its link or its SIP address."
    lowered = text.lower()
    if lowered.startswith("sip:"):
        text, lowered = text[4:], lowered[4:]
    parts = urlsplit(text if "://" in text else "")
    if parts.scheme in ("http", "https") and "." in parts.netloc and " " not in text:
        return Meeting(kind="link", value=text)
    if "@" in text and " " not in text:
        user, _, domain = text.partition("@")
        if user and "." in domain:
            return Meeting(kind="sip", value=text.lower())  # Webex meeting SIP addresses ignore case
        return "That SIP address isn't complete (it looks like 25512345@example.webex.com)."
    digits = "".join(ch for ch in text if ch not in " -.")
    if digits.isdigit() and digits.isascii():
        if 9 <= len(digits) <= 11:
            return Meeting(kind="number", value=digits)
        return f"A Webex meeting number has 9 to 11 digits; {len(digits)} is not right."
    if "." in text and "/" in text and " " not in text:
        return Meeting(kind="link", value="https://" + text)
    return "I can't read that as a meeting number, meeting link or SIP address."


# What a destination is for, judged by the words around it ------------------------------

PHONE, MEETING = "phone", "meeting"
CALL_VERBS = ("call", "ring", "dial", "phone", "buzz", "cal", "cll", "callback", "reach")
PHONE_NOUNS = ("phone", "mobile", "cell", "cellphone", "tel", "telephone", "landline", "iphone", "android")
DETERMINERS = ("the", "a", "my", "your", "this", "that", "our", "his", "her", "their")
CONTEXT_WORDS = 5  # how far from a number its cue may stand


@dataclass(frozen=True)
class Role:
    role: str  # PHONE | MEETING | ""
    verb: int = -1  # index of the call verb that asks to call it, when one does


def role_of(span: Span, found: list[Word], meeting_cues: tuple[str, ...], covered: set[int] = frozenset()) -> Role:
    """Is this number a phone to call or a meeting? A "+" makes it a phone; "call me ... at 408..."
    makes it the phone that was asked for; otherwise the nearest cue before it decides, else after it.
    Words inside another command's phrase ("add my phone to the meeting") are no cue."""
    before_far = [i for i, w in enumerate(found) if w.end <= span.start][-2 * CONTEXT_WORDS:]
    before = before_far[-CONTEXT_WORDS:]
    after = [i for i, w in enumerate(found) if w.start >= span.end][:4]
    verb = next((i for i in reversed(before_far) if _is_call_verb(found, i)), -1)
    if span.text.startswith("+") or (before and found[before[-1]].text in ("at", "on") and verb >= 0):
        return Role(PHONE, verb)
    for indexes in (list(reversed(before)), after):
        for i in indexes:
            text = found[i].text
            if i not in covered and any(is_typo_of(text, cue) for cue in meeting_cues):
                return Role(MEETING)
            if _is_call_verb(found, i):
                return Role(PHONE, i)
            if text in PHONE_NOUNS or text in CALL_VERBS:
                return Role(PHONE)
    return Role("")


def _is_call_verb(found: list[Word], i: int) -> bool:
    """"call" as a verb, not a noun ("the call", "my phone")."""
    text = found[i].text
    verb = text in CALL_VERBS or any(is_typo_of(text, v) for v in CALL_VERBS if len(v) >= 4)
    return verb and not (i > 0 and found[i - 1].text in DETERMINERS)
