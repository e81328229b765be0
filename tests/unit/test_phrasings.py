"""The parser over tables of natural phrasings (tests/data/*.yaml): each row is what a person typed,
the intent a careful reader takes from it, and its slots. Judged by the command the bot would act on."""
from pathlib import Path

import pytest
import yaml

from bot.conversation import commands as c
from bot.conversation.parse import ParseRules, parse_text

DATA = Path(__file__).resolve().parent.parent / "data"
TABLES = ("phrasings.yaml", "phrasings_more.yaml", "phrasings_third.yaml", "phrasings_fourth.yaml",
          "phrasings_fifth.yaml")
ORIGIN = c.Origin(person_id="alice")
RULES = ParseRules(default_region="US", dialout_countries=("US", "CA"))
# The tables name a refusal as people would; the bot's rules (phone_numbers.RULE_*) are finer.
RULES_BY_LABEL = {"country": {"country_not_allowed"}, "premium": {"number_type"}, "emergency": {"emergency"},
                  "too_short": {"short_code", "unreadable", "invalid"}, "too_long": {"unreadable", "invalid"},
                  "invalid": {"invalid", "unreadable"}}
ROWS = [row for table in TABLES for row in yaml.safe_load((DATA / table).read_text(encoding="utf-8"))]


def understood(command: c.Command) -> tuple[str, dict]:
    """The intent and slots a command stands for, in the tables' terms."""
    if isinstance(command, c.Help):
        return ("greeting" if command.greeting else "help"), {}
    if isinstance(command, c.SetMeeting):
        slots = {"meeting": {"kind": command.meeting.kind, "value": command.meeting.value}}
        if command.password:
            slots["password"] = command.password
        return ("space_meeting" if command.for_space else "meeting"), slots
    if isinstance(command, c.DialOut):
        return "dial_out", {k: v for k, v in (("number", command.number), ("phone_kind", command.phone_kind)) if v}
    if isinstance(command, c.HangUp):
        return ("computer_audio" if command.back_to_computer else "hang_up"), {}
    if isinstance(command, c.AuditQuery):
        return "audit", ({"person_email": command.person_email} if command.person_email else {})
    if isinstance(command, c.Negated):
        return "negated", {"negated_intent": command.intents[0]}
    if isinstance(command, c.Ambiguous):
        return "ambiguous", {"choices": list(command.choices)}
    if isinstance(command, c.BadNumber):
        return "bad_number", {"rule": command.rule}
    names = {c.Thanks: "thanks", c.DialIn: "dial_in", c.Status: "status", c.Unknown: "unknown",
             c.BadMeeting: "meeting"}  # "set my meeting" is understood: the bot asks which one
    return names.get(type(command), type(command).__name__), {}


def _same(key: str, expected, got) -> bool:
    if key == "rule":
        return got in RULES_BY_LABEL.get(expected, {expected})
    if key == "meeting" and expected.get("kind") == "link" and got:
        return got["kind"] == "link" and got["value"].removeprefix("https://") == expected["value"].removeprefix("https://")
    return str(got) == str(expected) if key == "password" else got == expected


@pytest.mark.parametrize("row", ROWS, ids=[row["text"][:50] for row in ROWS])
def test_phrasing_is_understood(row):
    command = parse_text(row["text"], ORIGIN, RULES)
    intent, slots = understood(command)
    assert intent == row["intent"], command
    for key, expected in row.items():
        if key not in ("text", "intent"):
            assert _same(key, expected, slots.get(key)), (key, slots, command)


def test_the_tables_are_broad():
    intents = {row["intent"] for row in ROWS}
    assert len(ROWS) >= 600
    assert intents >= {"help", "greeting", "thanks", "meeting", "space_meeting", "dial_in", "dial_out", "hang_up",
                       "computer_audio", "status", "audit", "negated", "ambiguous", "unknown", "bad_number"}
    assert all(sum(row["intent"] == intent for row in ROWS) >= 15 for intent in intents)
    assert len({row["text"] for row in ROWS}) == len(ROWS)


def test_no_sentence_that_did_not_ask_for_a_call_places_one():
    for row in ROWS:
        if row["intent"] in ("dial_out", "ambiguous"):
            continue
        command = parse_text(row["text"], ORIGIN, RULES)
        assert not (isinstance(command, c.DialOut) and command.number), row["text"]
