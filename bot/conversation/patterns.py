"""Word patterns, the way the catalog writes them, matched anywhere in a message. Pure.

A pattern is words separated by spaces; "a|b" is either word, "[a|b]" may be left out:
    "end|stop|cut [the|my] [phone] call"
matches "end call", "stop the call" and "cut my phone call". Each word also matches its
typos (typos.py); a short word only when another word of the match is spelt exactly.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.conversation.typos import allowed_edits, is_typo_of
from bot.conversation.words import Word


@dataclass(frozen=True)
class Step:
    choices: tuple[str, ...]
    optional: bool


@dataclass(frozen=True)
class Match:
    start: int  # index of the first word
    end: int  # index after the last word
    exact: int  # how many words were spelt exactly
    likeness: float = 0.0  # summed rapidfuzz ratio of each word to its pattern word (100 when exact)


_VOCABULARY: set[str] = set()  # every word of every pattern compiled so far


@functools.cache
def compile_pattern(pattern: str) -> tuple[Step, ...]:
    steps = []
    for part in pattern.split():
        optional = part.startswith("[") and part.endswith("]")
        steps.append(Step(tuple(part.strip("[]").split("|")), optional))
    if not steps or all(step.optional for step in steps):
        raise ValueError(f"pattern {pattern!r} needs at least one required word")
    words = {choice for step in steps for choice in step.choices}
    if not words <= _VOCABULARY:
        _VOCABULARY.update(words)
        _spelt.cache_clear()
    return tuple(steps)


@functools.lru_cache(maxsize=1 << 14)
def _spelt(token: str) -> frozenset[str]:
    """The pattern words this token is, or may be a typo of (as leniently as inside a phrase)."""
    return frozenset(word for word in _VOCABULARY if is_typo_of(token, word, anchored=True))


@functools.cache
def _required(pattern: str) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(step.choices) for step in compile_pattern(pattern) if not step.optional)


def reach(found: list[Word]) -> frozenset[str]:
    """Every pattern word the message's words may stand for: a pattern needing any other word cannot match."""
    return frozenset().union(*(_spelt(word.text) for word in found))


def find(pattern: str, found: list[Word], reachable: frozenset[str] | None = None) -> list[Match]:
    """Every place the pattern matches, leftmost first, longest at each place.
    `reachable`: reach(found), when the caller matches many patterns against one message."""
    steps = compile_pattern(pattern)
    reachable = reach(found) if reachable is None else reachable
    if any(reachable.isdisjoint(words) for words in _required(pattern)):
        return []  # cheap, and true of most patterns for most messages
    matches = []
    for start in range(len(found)):
        match = _match(steps, found, start)
        if match is not None:
            matches.append(match)
    return matches


class PatternSet:
    """Many patterns, matched against one message at a time: only the patterns whose first required
    word the message may spell are tried (a few of the catalog's hundred, for most messages)."""

    def __init__(self, patterns: Sequence[str]):
        self.patterns = tuple(patterns)
        self._by_word: dict[str, list[int]] = {}
        for index, pattern in enumerate(self.patterns):
            for word in _required(pattern)[0]:
                self._by_word.setdefault(word, []).append(index)

    def find(self, found: list[Word]) -> list[tuple[int, Match]]:
        """(index of the pattern, match) for every match, in pattern order."""
        reachable = reach(found)
        tried = sorted({index for word in reachable for index in self._by_word.get(word, ())})
        return [(index, match) for index in tried for match in find(self.patterns[index], found, reachable)]


def _match(steps: tuple[Step, ...], found: list[Word], start: int) -> Match | None:
    best: Match | None = None

    def walk(step: int, at: int, exact: int, likeness: float, fuzzy_short: bool) -> None:
        nonlocal best
        if step == len(steps):
            if at > start and not (fuzzy_short and exact == 0) and (best is None or (at, likeness) > (best.end, best.likeness)):
                best = Match(start, at, exact, likeness)
            return
        current = steps[step]
        if at < len(found) and not (at > start and (found[at].gap_before or found[at].clause != found[start].clause)):
            # a phrase never spans a number or a comma
            token = found[at].text
            if token in current.choices:
                walk(step + 1, at + 1, exact + 1, likeness + 100, fuzzy_short)
            else:
                typo_of = [choice for choice in current.choices if is_typo_of(token, choice, anchored=len(steps) > 1)]
                if typo_of:
                    choice = max(typo_of, key=lambda word: fuzz.ratio(token, word))
                    walk(step + 1, at + 1, exact, likeness + fuzz.ratio(token, choice),
                         fuzzy_short or allowed_edits(choice, False) == 0)
        if current.optional:
            walk(step + 1, at, exact, likeness, fuzzy_short)

    walk(0, start, 0, 0.0, False)
    return best
