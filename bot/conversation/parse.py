"""Text and card presses → Commands. Pure: no I/O, no clock, no randomness.

A message is read in three steps: its words (words.py), the values in it (slots.py: numbers,
links, addresses, a password), and what it asks for (intents.py, from the catalog's
patterns). This module puts them together into one Command.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from bot.conversation import catalog, slots
from bot.conversation import commands as c
from bot.conversation.card_tokens import claims_from
from bot.conversation.intents import FILLER, Mention, Reading, mentions, read
from bot.conversation.phone_numbers import find_number, mask_text, parse_number
from bot.conversation.typos import is_typo_of
from bot.conversation.words import Word, words

MAX_TEXT = 1000  # longer input is not a command anyone types
MIN_MEETING_DIGITS = 6  # a run this long near "meeting" is meant as one (and told when it is wrong)
MEETING_COMMAND_WORDS = frozenset("is number id link sip address please pls for this space the my to set use".split())
SUGGESTION_CUTOFF = 75  # rapidfuzz ratio below which a word suggests no command


@dataclass(frozen=True)
class ParseRules:
    default_region: str = "US"
    dialout_countries: tuple[str, ...] = ("US", "CA")


@dataclass(frozen=True)
class Values:
    """The slots of one message, each with what it is for."""

    phones: tuple[slots.Span, ...] = ()
    meeting: c.Meeting | None = None
    meeting_problem: str = ""
    password: str = ""
    email: str = ""
    for_space: bool = False


def parse_text(text: str, origin: c.Origin, rules: ParseRules) -> c.Command:
    text = " ".join((text or "")[:MAX_TEXT].split())
    found = words(text)
    if not found and text and not text.strip("?"):
        return c.Help(origin=origin)  # a lone "?" asks what the bot does
    matched = mentions(found)
    values, extra = _values(text, found, matched)
    reading = read(found, matched, extra, question="?" in text, phone_given=bool(values.phones))
    return _command(reading, values, found, text, origin, rules)


def _values(text: str, found: list[Word], matched: list[Mention]) -> tuple[Values, list[Mention]]:
    """The message's slots, and the mentions they make: a call verb before a number asks for a call;
    a meeting's number, link or address (or a message that starts with "meeting") sets the meeting."""
    typed_password = slots.password(text)
    password_at = typed_password[1] if typed_password else len(text)
    links = [s for s in slots.links(text) if s.start < password_at]
    addresses = [s for s in slots.addresses(text) if not any(s.start >= link.start and s.end <= link.end for link in links)]
    taken = [*links, *addresses]
    runs = [r for r in slots.digit_runs(text) if r.start < password_at
            and not any(r.start >= s.start and r.end <= s.end for s in taken)]
    covered = {i for m in matched if m.intent != catalog.MEETING for i in range(m.start, m.end)}
    extra: list[Mention] = []
    phones, meeting_runs = [], []
    for run in runs:
        role = slots.role_of(run, found, catalog.MEETING_CUES, covered)
        if role.role == slots.MEETING:
            if len(run.digits) >= MIN_MEETING_DIGITS:
                meeting_runs.append(run)  # shorter ones are room numbers, times, counts
            continue
        phones.append(run)
        if role.verb >= 0 and role.verb not in covered:
            extra.append(Mention(catalog.DIAL_OUT, role.verb, role.verb + 1))
    sip = [a for a in addresses if _is_meeting_address(a, text, found)]
    emails = [a for a in addresses if a not in sip]
    meeting_links = [link for link in links if _is_meeting_link(link, found)]
    destination = (meeting_links or sip or meeting_runs or [None])[0]
    meeting, problem = None, ""
    if destination is not None:
        parsed = slots.parse_destination(destination.text)
        meeting, problem = (parsed, "") if isinstance(parsed, c.Meeting) else (None, parsed)
        extra.append(Mention(catalog.MEETING, *_word_span(found, destination)))
    elif found and is_typo_of(found[0].text, "meeting") and not phones and _only_meeting_words(found[1:], text):
        problem = slots.parse_destination(" ".join(t for t in text.split()[1:] if not t.lower().startswith("pass")))
        problem = problem if isinstance(problem, str) else "Tell me which meeting: its number, its link or its SIP address."
        extra.append(Mention(catalog.MEETING, 0, 1))
    values = Values(phones=tuple(phones), meeting=meeting, meeting_problem=problem,
                    password=typed_password[0] if typed_password and (meeting or problem) else "",
                    email=emails[0].text.lower() if emails else "", for_space=_for_space(found))
    return values, extra


def _only_meeting_words(rest: list[Word], text: str) -> bool:
    """"meeting" then only what names a meeting: the command form, even when what follows can't be read."""
    return all(w.text in MEETING_COMMAND_WORDS or w.text in slots.PASSWORD_WORDS for w in rest) or text.rstrip().endswith(":")


def _is_meeting_link(link: slots.Span, found: list[Word]) -> bool:
    """A Webex link, or any link the person calls their meeting, or a link sent on its own."""
    host = urlsplit(link.text).netloc.lower()
    cued = any(is_typo_of(w.text, cue) for w in found for cue in catalog.MEETING_CUES)
    return "webex" in host or cued or all(w.text in FILLER for w in found)


def _is_meeting_address(address: slots.Span, text: str, found: list[Word]) -> bool:
    user, _, domain = address.text.partition("@")
    prefixed = text[max(address.start - 4, 0):address.start].lower() == "sip:"
    return prefixed or user.isdigit() or "webex" in domain.lower() or any(
        w.text in ("meeting", "sip", "join") for w in found if w.end <= address.start)


def _word_span(found: list[Word], span: slots.Span) -> tuple[int, int]:
    index = sum(1 for w in found if w.end <= span.start)
    return max(index - 1, 0), max(index, 1)


def _for_space(found: list[Word]) -> bool:
    texts = [w.text for w in found]
    for i, text in enumerate(texts):
        if is_typo_of(text, "space") or text in ("spaces", "everyone", "everybody", "channel"):
            return True
        if text in ("room", "group") and i and texts[i - 1] in ("this", "the", "our", "for"):
            return True
        if text == "group" and i + 1 < len(texts) and is_typo_of(texts[i + 1], "meeting"):
            return True  # "group meeting number = ..."
    return False


def _command(reading: Reading, values: Values, found: list[Word], text: str, origin: c.Origin,
             rules: ParseRules) -> c.Command:
    if reading.competing:
        return c.Ambiguous(origin=origin, choices=reading.competing)
    intent = reading.intent
    if intent is None:
        if reading.negated:
            return c.Negated(origin=origin, intents=reading.negated)
        action, example = suggestion(found)
        return c.Unknown(origin=origin, text=text, suggestion=example, action=action)
    command = _build(intent, values, found, origin, rules)
    if values.meeting is not None and intent in (catalog.DIAL_IN, catalog.DIAL_OUT):
        return c.SetMeeting(origin=origin, meeting=values.meeting, password=values.password,
                            for_space=values.for_space, then=command)
    return command


def _build(intent: str, values: Values, found: list[Word], origin: c.Origin, rules: ParseRules) -> c.Command:
    if intent == catalog.MEETING:
        if values.meeting is None:
            return c.BadMeeting(origin=origin, problem=values.meeting_problem)
        return c.SetMeeting(origin=origin, meeting=values.meeting, password=values.password, for_space=values.for_space)
    if intent == catalog.DIAL_OUT:
        return _dial_out(values, found, origin, rules)
    if intent == catalog.AUDIT:
        return c.AuditQuery(origin=origin, person_email=values.email)
    spec = catalog.BY_NAME[intent]
    return spec.command(origin=origin, **spec.fixed)


def _dial_out(values: Values, found: list[Word], origin: c.Origin, rules: ParseRules) -> c.Command:
    for run in values.phones:
        check = find_number(run.text, rules.default_region, rules.dialout_countries)
        if check is None:
            continue
        if check.problem:
            return c.BadNumber(origin=origin, shown=check.shown, problem=check.problem, rule=check.rule)
        return c.DialOut(origin=origin, number=check.e164)
    return _profile_dial_out(slots.phone_kind(found), origin, rules)


def _profile_dial_out(kind: str, origin: c.Origin, rules: ParseRules) -> c.Command:
    """"call my mobile": the profile's number of that kind, through the same number rules. With no kind,
    the profile's numbers the rules allow are offered."""
    allowed = []
    for phone_type, typed in origin.profile_phones:
        check = parse_number(typed, rules.default_region, rules.dialout_countries)
        if phone_type == kind:
            if check.problem:
                shown = f"your {kind} number ({mask_text(typed)})"
                return c.BadNumber(origin=origin, shown=shown, problem=check.problem, rule=check.rule)
            return c.DialOut(origin=origin, number=check.e164, phone_kind=kind)
        if check.e164:
            allowed.append((phone_type, check.e164))
    return c.DialOut(origin=origin, number=None, phone_kind=kind, choices=tuple(dict.fromkeys(allowed)))


def suggestion(found: list[Word]) -> tuple[str, str]:
    """The command whose words are closest to a word typed (its name and example), or help."""
    best = (0.0, catalog.HELP)
    for word in found:
        if len(word.text) < 3 or word.text in FILLER:
            continue
        match = process.extractOne(word.text, list(_SUGGESTION_WORDS), scorer=fuzz.ratio, score_cutoff=SUGGESTION_CUTOFF)
        if match and match[1] > best[0]:
            best = (match[1], _SUGGESTION_WORDS[match[0]])
    return best[1], catalog.BY_NAME[best[1]].example


def _vocabulary() -> dict[str, str]:
    """Each word of the help card's commands' patterns → its command (the first command that uses it)."""
    vocabulary: dict[str, str] = {}
    for spec in catalog.CATALOG:
        if not spec.in_help:
            continue
        for pattern in (*spec.phrases, *spec.solo, spec.example):
            for word in pattern.replace("[", " ").replace("]", " ").replace("|", " ").split():
                if len(word) >= 4 and word not in FILLER and not word.isdigit():
                    vocabulary.setdefault(word, spec.name)
    return vocabulary


_SUGGESTION_WORDS = _vocabulary()


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
    spec = catalog.BY_CARD_ACTION.get(action) if isinstance(action, str) else None
    if spec is None:
        return c.Unknown(origin=origin, text=str(action)[:80])
    if action == catalog.SET_MEETING:
        parsed = slots.parse_destination(str(inputs.get("meeting", ""))[:MAX_TEXT])
        if isinstance(parsed, str):
            return c.BadMeeting(origin=origin, problem=parsed)
        return c.SetMeeting(origin=origin, meeting=parsed)
    if action == catalog.DIAL_OUT:
        typed = str(inputs.get("number") or inputs.get("phone") or "").strip()[:64]
        if not typed:
            return c.DialOut(origin=origin, number=None)
        check = parse_number(typed, rules.default_region, rules.dialout_countries)
        if check.problem:
            return c.BadNumber(origin=origin, shown=check.shown, problem=check.problem, rule=check.rule)
        return c.DialOut(origin=origin, number=check.e164)
    return spec.command(origin=origin, **spec.fixed)
