"""Turning a message into words the intent patterns can match. Pure.

Case, apostrophes, hyphens and punctuation don't matter: "Dial-in?" and "dial in" are the
same words, "don't" is "dont". Digits, links and addresses are not words (slots.py reads
them); their places are kept, so a pattern knows what stands between two words.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.conversation.typos import is_real_word, is_typo_of

APOSTROPHES = "'’‘`´"
HYPHENS = "-‐‑‒–—"

# Chat shorthand, as the words it stands for ("r u calling me").
SHORTHAND = {"u": ("you",), "r": ("are",), "ur": ("your",), "mtg": ("meeting",), "mtng": ("meeting",),
             "pls": ("please",), "plz": ("please",), "ph": ("phone",), "tel": ("phone",), "msg": ("message",),
             "ya": ("you",), "yr": ("your",)}

# Written together, meant apart.
COMPOUNDS = {
    "dialin": ("dial", "in"), "dialout": ("dial", "out"), "callin": ("call", "in"), "callme": ("call", "me"),
    "hangup": ("hang", "up"), "callback": ("call", "back"), "ringme": ("ring", "me"), "dialme": ("dial", "me"),
    "thankyou": ("thank", "you"), "thanku": ("thank", "u"), "statuscheck": ("status", "check"),
    "cellphone": ("cell", "phone"), "smartphone": ("cell", "phone"), "accesscode": ("access", "code"),
}


@dataclass(frozen=True)
class Word:
    text: str  # lowercase, without apostrophes
    start: int  # where it stands in the message (characters)
    end: int
    gap_before: bool = False  # a digit run, link, address or sentence break stands between it and the word before
    sentence: int = 0  # which sentence of the message it is in
    clause: int = 0  # which clause (commas too): a phrase never spans two, a solo pattern stands alone in one


def is_slot_token(token: str) -> bool:
    """Digits, links, addresses: read by slots.py, never matched as words."""
    return any(ch.isdigit() for ch in token) or "@" in token or "://" in token or token.startswith("www.")


def words(text: str) -> list[Word]:
    """The message's words, in order. A run of letters (with inner apostrophes) is a word."""
    found: list[Word] = []
    gap, sentence, clause = False, 0, 0
    for start, token in tokens(text):
        if is_slot_token(token):
            gap = True
            continue
        if token == "#":  # "what's the call in #"
            token = "number"
        for piece_start, piece in _letter_runs(token, start):
            for part in _parts(piece.lower()):
                found.append(Word(part, piece_start, piece_start + len(piece), gap, sentence, clause))
                gap = False
        if token[-1:] in ".!?;" and found:
            gap, sentence = True, sentence + 1  # a sentence ends here
        if token[-1:] in ".!?;,:" and found:
            clause += 1
    return found


def _parts(word: str) -> tuple[str, ...]:
    """A compound ("hangup", or its typo "hangu") as its words."""
    if word in COMPOUNDS:
        return COMPOUNDS[word]
    if word in SHORTHAND:
        return SHORTHAND[word]
    if len(word) >= 5 and not is_real_word(word):
        for compound, parts in COMPOUNDS.items():
            if is_typo_of(word, compound):
                return parts
    return (word,)


def tokens(text: str):
    """Whitespace-separated tokens with their offsets."""
    start = None
    for i, ch in enumerate(text + " "):
        if ch.isspace():
            if start is not None:
                yield start, text[start:i]
                start = None
        elif start is None:
            start = i


def _letter_runs(token: str, offset: int):
    """Letters joined by inner apostrophes ("don't" → "dont"); hyphens and other marks split."""
    run, run_start = [], None
    for i, ch in enumerate(token + " "):
        letter = ch.isalpha() and unicodedata.category(ch).startswith("L")
        if letter:
            if run_start is None:
                run_start = i
            run.append(ch)
        elif ch in APOSTROPHES and run and token[i + 1:i + 2].lower() == "s" and not token[i + 2:i + 3].isalpha():
            yield offset + run_start, "".join(run)  # 's is dropped: "meeting's" is "meeting", "what's" is "what"
            run, run_start = [], None
            break
        elif ch in APOSTROPHES and run and i + 1 < len(token) and token[i + 1].isalpha():
            continue  # an inner apostrophe joins: don't, I'm, can't
        else:
            if run:
                yield offset + run_start, "".join(run)
            run, run_start = [], None
