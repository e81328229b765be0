"""What a person asks for, found anywhere in what they wrote. Pure.

Every catalog pattern is looked for in the message's words. A `phrase` counts anywhere
("hey bot, could you call me at ..."); a `solo` pattern only when nothing else is said
("status", not "the status report is due"). Then:
  - a mention right after "don't", "never", "no need to" is a negation, never acted on;
  - a statement about the past ("the dial-in was wrong last week") asks for nothing;
  - two different actions in one message ("hang up and call me") are asked about;
  - an action beats a question (status, help), which beats small talk (thanks, hello).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from bot.conversation import catalog
from bot.conversation.patterns import PatternSet
from bot.conversation.words import Word

FILLER = frozenset((
    "please pls plz kindly hey hi hello ok okay so um uh umm hmm well now just can could would will you u me my "
    "the a an is it its this that what whats show tell give get see check i im id need want like to for of bot "
    "there again asap quickly right away thanks thank mate sir buddy guys dear yes yeah yep sure also too really "
    "exactly quick real am are do does be let lets go ahead dont not never no with about").split())
NEGATIONS = (("dont",), ("do", "not"), ("never",), ("no", "need", "to"), ("not",), ("doesnt",), ("stop", "trying", "to"),
             ("cant",), ("cannot",), ("can", "not"), ("unable", "to"))
# Words that may stand between a negation and what it negates: "don't want you to call me".
NEGATION_BRIDGE = frozenset("you to want please pls ever even just need bother try go me i the a really send give show "
                            "get do make tell put".split())
NOT_NEGATING_BEFORE = frozenset({"why", "cant", "wont", "couldnt", "wouldnt"})  # "why don't you call me"
NOT_NEGATING_AFTER = frozenset({"forget", "hesitate", "worry", "wait", "mind"})  # "don't forget to call me"
QUESTION_SUBJECTS = frozenset({"you", "u"})  # "can't you just call me", "don't you want to call me"
# Statements about another time ask for nothing now: "the dial-in was wrong last week", "I'll dial in tomorrow".
ANOTHER_TIME = frozenset("was were yesterday earlier ago had last tomorrow tonight later ill gonna already sent said "
                         "told gave went changed dropped".split())
REQUEST = frozenset("please pls plz can could would will want need like lets let now asap what whats how where which "
                    "why give send tell show".split())
IMPERATIVE_LEAD = frozenset("please pls plz kindly hey hi hello ok okay so now just bot yes yeah um".split())
DETERMINERS = frozenset("the those these a an some his her our their new old".split())
CALL_NOUNS = frozenset("phone call line meeting device audio connection".split())
# What a dial-in's details may be for: "the access code for the meeting", not "... for the wifi".
MEETING_THINGS = frozenset("meeting call webex session conference today tomorrow me us standup".split())
PRONOUNS = frozenset("it this that".split())
CALL_VERBS = frozenset("call ring phone dial buzz".split())
CODES = frozenset("code id pin".split())
OTHER_SUBJECTS = frozenset("they he she we people everyone anyone someone somebody nobody who i".split())
ASKED_ABOUT_THE_PAST = frozenset("did didnt had".split())
MODALS = frozenset("will would can could should might may always never usually keeps often".split())
OTHER_STATUSES = frozenset("report reports update updates quo page bar symbol code light meeting".split())
ABOUT = frozenset("for of on in at".split())
SOLO_PRIORITY = (catalog.AUDIT, catalog.STATUS, catalog.HELP, catalog.THANKS, catalog.GREETING)
SMALL_TALK = frozenset({catalog.THANKS, catalog.GREETING})
INTERCHANGEABLE = {frozenset({catalog.HANG_UP, catalog.COMPUTER_AUDIO}): catalog.COMPUTER_AUDIO}


@dataclass(frozen=True)
class Mention:
    intent: str
    start: int  # word index
    end: int
    solo: bool = False
    soft: bool = False  # from a spec's `soft` patterns


@dataclass(frozen=True)
class Reading:
    intent: str | None = None  # what to do; None when nothing was asked for
    competing: tuple[str, ...] = ()  # two or more actions at once: ask which
    negated: tuple[str, ...] = ()  # what the person said not to do
    mentions: tuple[Mention, ...] = ()


def mentions(found: list[Word]) -> list[Mention]:
    """Every catalog pattern's matches; where two overlap, a phrase beats a solo pattern, then the
    longer stays, then the better spelt ("helo" is hello, not help), then the earlier catalog entry."""
    candidates = []
    kinds, patterns = _catalog_patterns()
    for index, match in patterns.find(found):
        order, name, solo, soft = kinds[index]
        if _stands(name, match.start, match.end, found):
            candidates.append((not solo, match.end - match.start, match.likeness, -order,
                               Mention(name, match.start, match.end, solo, soft)))
    kept: list[Mention] = []
    taken: set[int] = set()
    for *_, mention in sorted(candidates, key=lambda item: item[:4], reverse=True):
        span = set(range(mention.start, mention.end))
        if not span & taken:
            kept.append(mention)
            taken |= span
    return sorted(kept, key=lambda m: m.start)


def read(found: list[Word], matched: list[Mention] | None = None, extra: list[Mention] = (), question: bool = False,
         phone_given: bool = False) -> Reading:
    """Decide what the message asks for. `extra` are mentions found from slots (a dial verb before a number)."""
    matched = mentions(found) if matched is None else matched  # the catalog's patterns, matched once per message
    found_mentions = [*matched, *(m for m in extra if _stands(m.intent, m.start, m.end, found))]
    covered = {i for m in found_mentions for i in range(m.start, m.end)}
    unexplained = {w.clause for i, w in enumerate(found) if i not in covered and w.text not in FILLER}
    positive, negated = [], []
    found_mentions = _soft_yields(found_mentions, phone_given)
    for mention in found_mentions:
        if mention.solo and found[mention.start].clause in unexplained:
            continue  # a solo pattern with other words in its clause: "the status report is due"
        (negated if _negated(mention, found) else positive).append(mention)
    if _narrative(found, positive, question):  # a meeting named is still the meeting to use
        positive = [m for m in positive if m.intent not in catalog.ACTIONS or m.intent == catalog.MEETING]
    actions = sorted({m.intent for m in positive if m.intent in catalog.ACTIONS} - {catalog.MEETING})
    meeting = any(m.intent == catalog.MEETING for m in positive)
    negated += [m for m in _refusals(found, covered) if _negated(m, found)]
    denied = tuple(dict.fromkeys(m.intent for m in negated))
    everything = tuple(found_mentions)
    first = min((m for m in positive if m.intent not in SMALL_TALK), key=lambda m: m.start, default=None)
    if question and first and first.intent == catalog.STATUS and all(w.text in FILLER for w in found[:first.start]):
        return Reading(catalog.STATUS, negated=denied, mentions=everything)  # "am I on the phone or computer audio?"
    if len(actions) > 1:
        settled = INTERCHANGEABLE.get(frozenset(actions))
        if settled and not any(w.text == "or" for w in found):
            return Reading(settled, negated=denied, mentions=everything)
        return Reading(None, competing=tuple(actions), negated=denied, mentions=everything)
    if actions and _or_between(positive, actions[0], catalog.STATUS, found):  # "hang up or show me status?"
        return Reading(None, competing=tuple(sorted((actions[0], catalog.STATUS))), negated=denied, mentions=everything)
    if actions or meeting:
        return Reading(actions[0] if actions else catalog.MEETING, negated=denied, mentions=everything)
    if denied and any(intent in catalog.ACTIONS for intent in denied):
        return Reading(None, negated=denied, mentions=everything)
    present = {m.intent for m in positive}
    for intent in SOLO_PRIORITY:
        if intent in present:
            return Reading(intent, negated=denied, mentions=everything)
    return Reading(None, negated=denied, mentions=everything)


def _or_between(positive: list[Mention], one: str, other: str, found: list[Word]) -> bool:
    """The two are offered as alternatives: "X or Y"."""
    first = next((m for m in positive if m.intent == one), None)
    second = next((m for m in positive if m.intent == other), None)
    if first is None or second is None:
        return False
    low, high = sorted((first, second), key=lambda m: m.start)
    return any(w.text == "or" for w in found[low.end:high.start])


def _soft_yields(found_mentions: list[Mention], phone_given: bool) -> list[Mention]:
    """"Join by phone" is dial-in on its own, but gives way to a call asked for in the same message
    ("join by phone, call me"), and becomes one when a phone number is given ("... my number is 613...")."""
    soft = [m for m in found_mentions if m.soft]
    if not soft:
        return found_mentions
    calls = any(m.intent == catalog.DIAL_OUT for m in found_mentions)
    if not (calls or phone_given):
        return found_mentions
    firm = [m for m in found_mentions if not m.soft]
    return firm if calls else firm + [Mention(catalog.DIAL_OUT, m.start, m.end) for m in soft]


def _refusals(found: list[Word], covered: set[int]) -> list[Mention]:
    """Words that ask for nothing on their own but say what not to do after a negation: "don't call"."""
    names, refusals = _catalog_refusals()
    return [Mention(names[index], match.start, match.end) for index, match in refusals.find(found)
            if match.start not in covered]


@functools.cache
def _catalog_patterns() -> tuple[list[tuple[int, str, bool, bool]], PatternSet]:
    """Every catalog pattern that asks for something, in catalog order, with (order, intent, solo, soft)."""
    _catalog_refusals()  # all of the catalog's words known before any message is matched
    kinds, patterns = [], []
    for order, spec in enumerate(catalog.CATALOG):
        for solo, soft, written in ((False, False, spec.phrases), (True, False, spec.solo), (False, True, spec.soft)):
            kinds += [(order, spec.name, solo, soft)] * len(written)
            patterns += written
    return kinds, PatternSet(patterns)


@functools.cache
def _catalog_refusals() -> tuple[list[str], PatternSet]:
    names = [spec.name for spec in catalog.CATALOG for _ in spec.refusals]
    return names, PatternSet([pattern for spec in catalog.CATALOG for pattern in spec.refusals])


def _stands(intent: str, start: int, end: int, found: list[Word]) -> bool:
    """Drop a match whose words mean something else here."""
    after = [w.text for w in found[end:end + 4]]
    texts = [w.text for w in found[start:end]]
    if intent == catalog.HANG_UP and "up" in texts:  # "hang up the new posters"
        rest = [w.text for w in found[start + texts.index("up") + 1:][:3]]
        if rest and rest[0] in DETERMINERS and not set(rest[1:]) & CALL_NOUNS:
            return False
    # "the call in ...", "the phone in room 12" (but "the dial-in" is what dial_in gives)
    bare_verb = intent == catalog.DIAL_OUT or (intent == catalog.DIAL_IN and end - start == 2 and
                                              found[start].text != "dial")
    if bare_verb and found[start].text in CALL_VERBS and start and found[start - 1].text in DETERMINERS:
        return False  # "stop the call on my cell", "the phone in room 12": a noun, not a request
    before = [w.text for w in found[max(start - 2, 0):start]]
    if intent == catalog.DIAL_OUT and before and (before[-1] in OTHER_SUBJECTS or (len(before) == 2 and (
            (before[0] in ASKED_ABOUT_THE_PAST and before[1] == "you")
            or (before[1] in MODALS and before[0] not in ("you", "please"))))):
        return False  # "they call me Bob", "did anyone call me?", "why did you call me"
    if intent == catalog.DIAL_IN and CODES & set(texts) and not _about_the_meeting(after):
        return False  # "the access code for the wifi"
    if intent == catalog.STATUS and texts[-1] == "status" and after and (
            after[0] in OTHER_STATUSES or not _about_the_meeting(after)):
        return False  # "the status report", "the status of my IT ticket"
    return True


def _about_the_meeting(after: list[str]) -> bool:
    """What follows a noun ("... for the meeting", "... of my IT ticket") is about a call, or about nothing."""
    if not after or after[0] not in ABOUT:
        return True
    rest = [word for word in after[1:] if word not in DETERMINERS and word not in ("my", "your")]
    if rest and rest[0] in PRONOUNS:
        return len(rest) == 1  # "for it", but not "of my IT ticket"
    return not rest or rest[0] in MEETING_THINGS or rest[0] in CALL_NOUNS or rest[0] in ("dial", "dialout")


def _negated(mention: Mention, found: list[Word]) -> bool:
    for cue in NEGATIONS:
        for start in range(max(mention.start - 6, 0), mention.start):
            end = start + len(cue)
            if end > mention.start or tuple(w.text for w in found[start:end]) != cue:
                continue
            if start and found[start - 1].text in NOT_NEGATING_BEFORE:
                continue
            between = found[end:mention.start]
            if between and between[0].text in QUESTION_SUBJECTS:
                continue
            if cue == ("not",) and len(between) > 1:
                continue  # "not" negates the next word or two only
            if found[mention.start].sentence != found[start].sentence:
                continue  # another sentence
            if all(w.text in NEGATION_BRIDGE for w in between) and not any(w.text in NOT_NEGATING_AFTER
                                                                            for w in between):
                return True
    return False


def _narrative(found: list[Word], positive: list[Mention], question: bool) -> bool:
    """A statement about another time, with no request in it, asks for nothing now."""
    texts = {w.text for w in found}
    if not texts & ANOTHER_TIME or texts & REQUEST or question:
        return False
    for mention in positive:  # an action said as an order at the start of a clause is a request
        if mention.intent in catalog.ACTIONS:
            clause = found[mention.start].clause
            lead = [w for w in found[:mention.start] if w.clause == clause]
            if all(w.text in IMPERATIVE_LEAD for w in lead):
                return False
    return True
