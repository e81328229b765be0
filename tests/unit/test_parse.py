"""The parser over a table of phrasings: typed forms, mentions, punctuation, case, extra words,
international numbers and garbage."""
import pytest

from bot.conversation import commands as c
from bot.conversation.mentions import strip_mention
from bot.conversation.parse import ParseRules, parse_card, parse_text
from bot.conversation.slots import parse_destination

ORIGIN = c.Origin(person_id="alice")
RULES = ParseRules(default_region="US", dialout_countries=("US", "CA"))
US = "+14085550100"

# (typed text, expected command type, expected fields)
TABLE = [
    ("help", c.Help, {}),
    ("Help", c.Help, {}),
    ("HELP!", c.Help, {}),
    ("?", c.Help, {}),
    ("please help", c.Help, {}),
    ("menu", c.Help, {}),
    ("what can you do", c.Help, {}),
    ("dial in", c.DialIn, {}),
    ("Dial In", c.DialIn, {}),
    ("dial-in", c.DialIn, {}),
    ("dialin", c.DialIn, {}),
    ("dial in please", c.DialIn, {}),
    ("call in", c.DialIn, {}),
    ("how do I dial in?", c.DialIn, {}),
    ("  dial   in  ", c.DialIn, {}),
    ("dial out 408 555 0100", c.DialOut, {"number": US}),
    ("call me at 408 555 0100", c.DialOut, {"number": US}),
    ("call me at (408) 555-0100", c.DialOut, {"number": US}),
    ("call me on +1 408 555 0100", c.DialOut, {"number": US}),
    ("dial me 4085550100 please", c.DialOut, {"number": US}),
    ("callback 408.555.0100", c.DialOut, {"number": US}),
    ("call back 408-555-0100", c.DialOut, {"number": US}),
    ("Call me at 1-408-555-0100.", c.DialOut, {"number": US}),
    ("please call me at +1 (408) 555-0100, thanks", c.DialOut, {"number": US}),
    ("CALL ME AT 408 555 0100", c.DialOut, {"number": US}),
    ("ring me at 408 555 0100", c.DialOut, {"number": US}),
    ("phone me on 4085550100", c.DialOut, {"number": US}),
    ("call 408 555 0100", c.DialOut, {"number": US}),
    ("call me at +1 604 555 0199", c.DialOut, {"number": "+16045550199"}),
    ("call me at +1 416 555 0123", c.DialOut, {"number": "+14165550123"}),
    ("could you call me at 408 555 0100", c.DialOut, {"number": US}),
    ("call me instead at 408 555 0100", c.DialOut, {"number": US}),
    ("call me", c.DialOut, {"number": None}),
    ("dial out", c.DialOut, {"number": None}),
    ("callback", c.DialOut, {"number": None}),
    ("call me at +44 20 7946 0958", c.BadNumber, {"shown": "+44 20 7946 0958"}),
    ("call me at +33 1 23 45 67 89", c.BadNumber, {}),
    ("call me at 408 555 01", c.BadNumber, {"shown": "408 555 01", "rule": "unreadable"}),
    ("call me at 911", c.BadNumber, {"rule": "emergency"}),
    ("call me at 9-1-1", c.BadNumber, {"rule": "emergency"}),
    ("dial out +44 999", c.BadNumber, {"rule": "emergency"}),
    ("call me at 112", c.BadNumber, {"rule": "emergency"}),
    ("call me at 611", c.BadNumber, {"rule": "short_code"}),
    ("call me at 1 900 555 0100", c.BadNumber, {"rule": "number_type"}),
    ("call me at 555-0100", c.BadNumber, {}),
    ("call me at 408 555 0100 ext 12", c.BadNumber, {}),
    ("dial out 99999999999999999999", c.BadNumber, {}),
    ("call me at 000 000 0000", c.BadNumber, {}),
    ("meeting 2551234567", c.SetMeeting, {"meeting": c.Meeting("number", "2551234567")}),
    ("meeting 2551 234 567", c.SetMeeting, {"meeting": c.Meeting("number", "2551234567")}),
    ("Meeting 255-123-4567", c.SetMeeting, {"meeting": c.Meeting("number", "2551234567")}),
    ("use meeting 255123456", c.SetMeeting, {"meeting": c.Meeting("number", "255123456")}),
    ("my meeting is 25512345678", c.SetMeeting, {"meeting": c.Meeting("number", "25512345678")}),
    ("meeting https://acme.webex.com/meet/alice", c.SetMeeting,
     {"meeting": c.Meeting("link", "https://acme.webex.com/meet/alice")}),
    ("meeting acme.webex.com/meet/alice", c.SetMeeting,
     {"meeting": c.Meeting("link", "https://acme.webex.com/meet/alice")}),
    ("meeting 2551234567@acme.webex.com", c.SetMeeting,
     {"meeting": c.Meeting("sip", "2551234567@acme.webex.com")}),
    ("meeting sip:alice@acme.webex.com", c.SetMeeting, {"meeting": c.Meeting("sip", "alice@acme.webex.com")}),
    ("meeting 2551234567 password Hunter2", c.SetMeeting,
     {"meeting": c.Meeting("number", "2551234567"), "password": "Hunter2"}),
    ("meeting 2551 234 567 pw s3cret!", c.SetMeeting, {"password": "s3cret!"}),
    ("meeting", c.BadMeeting, {}),
    ("meeting 12345", c.BadMeeting, {}),
    ("meeting tomorrow at noon", c.Unknown, {"suggestion": "meeting 2551 234 567"}),
    ("meeting alice@", c.BadMeeting, {}),
    ("hang up", c.HangUp, {"back_to_computer": False}),
    ("Hang up!", c.HangUp, {"back_to_computer": False}),
    ("hangup", c.HangUp, {"back_to_computer": False}),
    ("disconnect", c.HangUp, {"back_to_computer": False}),
    ("disconnect phone", c.HangUp, {"back_to_computer": False}),
    ("end call", c.HangUp, {"back_to_computer": False}),
    ("please hang up the phone", c.HangUp, {"back_to_computer": False}),
    ("computer audio", c.HangUp, {"back_to_computer": True}),
    ("use computer audio", c.HangUp, {"back_to_computer": True}),
    ("switch to computer audio", c.HangUp, {"back_to_computer": True}),
    ("back to computer audio please", c.HangUp, {"back_to_computer": True}),
    ("status", c.Status, {}),
    ("Status?", c.Status, {}),
    ("what's my status", c.Status, {}),
    ("status please", c.Status, {}),
    ("stauts", c.Status, {}),
    ("dail in", c.DialIn, {}),
    ("halp", c.Help, {}),
    ("hang uo", c.HangUp, {"back_to_computer": False}),
    ("computer audoi", c.HangUp, {"back_to_computer": True}),
    ("statue of liberty", c.Unknown, {"suggestion": "status"}),
    ("dual in", c.Unknown, {}),
    ("what's the weather", c.Unknown, {"suggestion": "help"}),
    ("", c.Unknown, {}),
    ("🙂🙂🙂", c.Unknown, {}),
    ("<script>alert(1)</script>", c.Unknown, {}),
    ("x" * 5000, c.Unknown, {}),
    ("408 555 0100", c.Unknown, {}),
    # Someone else calling, or a call talked about: no request, so nothing is done
    ("they call me Bob", c.Unknown, {}),
    ("did anyone call me?", c.Unknown, {}),
    ("he will call me back", c.Unknown, {}),
    ("she can call me at 408 555 0100", c.Unknown, {}),
    ("I'll call you at 408 555 0100 later", c.Unknown, {}),
    ("check out https://example.com/docs", c.Unknown, {}),
    ("https://acme.webex.com/meet/alice", c.SetMeeting, {"meeting": c.Meeting("link", "https://acme.webex.com/meet/alice")}),
]


@pytest.mark.parametrize("text,kind,expected", TABLE, ids=[t[0][:40] or "<empty>" for t in TABLE])
def test_phrasing(text, kind, expected):
    command = parse_text(text, ORIGIN, RULES)
    assert type(command) is kind, command
    for name, value in expected.items():
        assert getattr(command, name) == value, (name, command)
    assert command.origin == ORIGIN


def test_table_is_large_enough():
    assert len(TABLE) >= 60


def test_bad_number_says_why():
    command = parse_text("call me at +44 20 7946 0958", ORIGIN, RULES)
    assert "GB" in command.problem and "allowed" in command.problem


def test_region_policy_follows_settings():
    uk_rules = ParseRules(default_region="GB", dialout_countries=("GB",))
    assert parse_text("call me at 020 7946 0958", ORIGIN, uk_rules).number == "+442079460958"
    assert type(parse_text("call me at +1 408 555 0100", ORIGIN, uk_rules)) is c.BadNumber


def test_password_is_not_in_repr():
    command = parse_text("meeting 2551234567 password Hunter2", ORIGIN, RULES)
    assert "Hunter2" not in repr(command)


def test_mention_stripped_from_html():
    html = ('<p><spark-mention data-object-type="person" data-object-id="BOT">Phone Audio</spark-mention>'
            " call me at 408 555 0100</p>")
    text = strip_mention("Phone Audio call me at 408 555 0100", html, "BOT")
    assert parse_text(text, ORIGIN, RULES).number == US


def test_other_mentions_are_kept():
    html = ('<p><spark-mention data-object-id="BOT">Phone Audio</spark-mention> status '
            '<spark-mention data-object-id="BOB">Bob</spark-mention></p>')
    assert strip_mention("", html, "BOT") == "status Bob"


def test_mention_stripped_from_plain_text_by_name():
    assert strip_mention("Phone Audio dial in", None, "BOT", ("Phone Audio", "Phone")) == "dial in"
    assert strip_mention("Phone, status", None, "BOT", ("Phone Audio", "Phone")) == "status"


@pytest.mark.parametrize("inputs,kind", [
    ({"action": "help", "owner": "alice"}, c.Help),
    ({"action": "dial_in", "owner": "alice"}, c.DialIn),
    ({"action": "dial_out", "owner": "alice", "number": "(408) 555-0100"}, c.DialOut),
    ({"action": "dial_out", "owner": "alice"}, c.DialOut),
    ({"action": "dial_out", "owner": "alice", "number": "12"}, c.BadNumber),
    ({"action": "hang_up", "owner": "alice"}, c.HangUp),
    ({"action": "computer_audio", "owner": "alice"}, c.HangUp),
    ({"action": "status", "owner": "alice"}, c.Status),
    ({"action": "set_meeting", "owner": "alice", "meeting": "2551 234 567"}, c.SetMeeting),
    ({"action": "set_meeting", "owner": "alice", "meeting": "nope"}, c.BadMeeting),
    ({"action": "status", "owner": "bob"}, c.ForeignCard),
    ({"action": "self_destruct", "owner": "alice"}, c.Unknown),
    ({"owner": "alice"}, c.Unknown),
])
def test_card_press(inputs, kind):
    assert type(parse_card(inputs, ORIGIN, RULES)) is kind


def test_card_press_number_is_parsed():
    command = parse_card({"action": "dial_out", "owner": "alice", "number": "+1 408 555 0100"}, ORIGIN, RULES)
    assert command.number == US


def test_destination_problems_are_sentences():
    for text in ("", "12", "next tuesday"):
        problem = parse_destination(text)
        assert isinstance(problem, str) and problem.endswith(".")
