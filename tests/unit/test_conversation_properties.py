"""Properties of reading a message (hypothesis): what surrounds a command never changes what it asks
for, and nothing a person types makes the parser raise."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import commands as c
from bot.conversation.intents import mentions
from bot.conversation.parse import parse_text
from bot.conversation.words import words
from tests.unit.test_phrasings import ORIGIN, ROWS, RULES, understood

PREFIXES = ["", "please ", "pls ", "ok ", "so ", "um, ", "hey bot, ", "ok so ", "  ", "hi, "]
SUFFIXES = ["", ".", "!", "!!", " please", " pls", " now", " :)", " 🙂", "   ", " thx"]
# Passwords are typed literally ("s3cret!"), so punctuation after one is part of it.
SURROUNDED = [row for row in ROWS if row["intent"] not in ("greeting", "thanks", "unknown") and "password" not in row]
# Rows whose values keep their case (passwords, links) are not re-cased.
RECASABLE = [row for row in SURROUNDED if "password" not in row and "://" not in row["text"]
             and "/" not in row["text"]]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=st.sampled_from(SURROUNDED), prefix=st.sampled_from(PREFIXES), suffix=st.sampled_from(SUFFIXES))
def test_filler_and_punctuation_around_a_command_change_nothing(row, prefix, suffix):
    plain = understood(parse_text(row["text"], ORIGIN, RULES))
    text = prefix + row["text"].rstrip(".!") + suffix
    assert understood(parse_text(text, ORIGIN, RULES)) == plain, text


@settings(max_examples=300, deadline=None)
@given(row=st.sampled_from(RECASABLE), upper=st.booleans())
def test_case_changes_nothing(row, upper):
    plain = understood(parse_text(row["text"], ORIGIN, RULES))
    text = row["text"].upper() if upper else row["text"].lower()
    assert understood(parse_text(text, ORIGIN, RULES)) == plain, text


@settings(max_examples=400, deadline=None)
@given(row=st.sampled_from(ROWS), noise=st.text(max_size=40))
def test_nothing_typed_makes_the_parser_raise(row, noise):
    for text in (noise, row["text"] + " " + noise, noise + " " + row["text"]):
        assert isinstance(parse_text(text, ORIGIN, RULES), c.Command)


def _starts_with_its_action(row: dict) -> bool:
    found = words(row["text"])
    first = mentions(found)[:1]
    return bool(first) and first[0].start == 0 and first[0].intent == row["intent"] and len(mentions(found)) == 1


STARTING_WITH_AN_ACTION = [row for row in ROWS if row["intent"] in ("dial_out", "hang_up", "dial_in", "computer_audio")
                           and _starts_with_its_action(row)]


@settings(max_examples=300, deadline=None)
@given(row=st.sampled_from(STARTING_WITH_AN_ACTION),
       cue=st.sampled_from(["don't ", "do not ", "please don't ", "never ", "no, don't ", "i don't want you to "]))
def test_a_negated_action_is_never_acted_on(row, cue):
    text = cue + row["text"][0].lower() + row["text"][1:]
    command = parse_text(text, ORIGIN, RULES)
    assert isinstance(command, c.Negated) and command.intents == (row["intent"],), text
