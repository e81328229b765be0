"""Is a typed word a typo of a word the bot knows? Pure (reads a word list shipped with a package).

Edit distances come from rapidfuzz (optimal string alignment: a swap of two letters is one
edit, so "hnag" is "hang"). A real English word is never taken for a typo of another one:
"bring me" must not become "ring me". What counts as a real word comes from the English
word-frequency list that symspellpy ships (Google Books n-grams, 82,765 words).
"""
from __future__ import annotations

import functools
from importlib import resources

from rapidfuzz.distance import OSA

WORD_LIST = ("symspellpy", "frequency_dictionary_en_82_765.txt")
REAL_WORD_COUNT = 2_000_000  # below this many uses, a word in the list is as likely a typo ("meting")


@functools.cache
def _english() -> dict[str, int]:
    counts: dict[str, int] = {}
    with resources.files(WORD_LIST[0]).joinpath(WORD_LIST[1]).open(encoding="utf-8") as lines:
        for line in lines:
            word, _, count = line.partition(" ")
            counts[word] = int(count)
    return counts


# Contractions as words.py writes them (no apostrophe): real words, never typos ("im" is not "in").
CONTRACTIONS = frozenset("im id ill ive its dont cant wont isnt arent wasnt didnt doesnt whats thats theres youre "
                         "hes shes were weve theyre lets couldnt wouldnt shouldnt".split())


INFLECTIONS = ("ing", "ed")  # the list has most plurals, but not every "-ing" or "-ed" form ("dialing")


def is_real_word(token: str) -> bool:
    """In the word list often enough, a contraction, or an -ing/-ed form of such a word ("dialing", "dialled")."""
    if token in CONTRACTIONS or _common(token):
        return True
    for suffix in INFLECTIONS:
        if not token.endswith(suffix):
            continue
        stem = token[: -len(suffix)]
        forms = {stem, stem + "e"} | ({stem[:-1]} if len(stem) > 2 and stem[-1] == stem[-2] else set())
        if any(len(form) >= 4 and _common(form) for form in forms):
            return True
    return False


def _common(word: str) -> bool:
    return _english().get(word, 0) >= REAL_WORD_COUNT


def allowed_edits(word: str, anchored: bool) -> int:
    """How many edits a typo of `word` may have. Inside a phrase whose other words matched
    exactly ("hang uo"), short words get one; on its own a word needs four letters."""
    if len(word) >= 8:
        return 2
    if len(word) >= 4 or (anchored and len(word) >= 2):
        return 1
    return 0


@functools.lru_cache(maxsize=1 << 16)  # pure, and asked the same pairs for every message
def is_typo_of(token: str, word: str, anchored: bool = False) -> bool:
    if token == word:
        return True
    edits = allowed_edits(word, anchored)
    if not edits or abs(len(token) - len(word)) > edits or token[:1].isdigit():
        return False
    if OSA.distance(token, word, score_cutoff=edits) > edits:
        return False
    return not is_real_word(token)
