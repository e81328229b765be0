"""Properties that must hold for every input, found by hypothesis."""
import phonenumbers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.conversation import commands as c
from bot.conversation.card_tokens import CardClaims, token, verify
from bot.conversation.effects import SendToAgent
from bot.conversation.handlers import handle
from bot.conversation.parse import ParseRules, parse_card, parse_text
from bot.conversation.phone_numbers import FORBIDDEN_TYPES
from bot.conversation.session import Session

ORIGIN = c.Origin(person_id="alice", room_id="dm", event_key="e")
RULES = ParseRules("US", ("US", "CA"))
SESSION = Session("alice", meeting_kind="number", meeting_value="2551234567")
KEY = b"k" * 32

phrases = st.sampled_from(["call me at", "dial out", "callback", "dial me", "call", "ring me at", "please call me on"])
digit_runs = st.one_of(
    st.text(alphabet="0123456789 -.()+", min_size=1, max_size=24),
    # mostly real-looking North American and foreign numbers, so valid ones are common too
    st.builds(lambda cc, area, rest: f"{cc}{area} {rest}", st.sampled_from(["", "+1 ", "1-", "+44 ", "+33 "]),
              st.sampled_from(["408", "416", "604", "212", "900", "500", "800", "911", "20", "7"]),
              st.integers(1_000_000, 9_999_999)),
)
suffixes = st.sampled_from(["", " please", " thanks", " ext 12", "!"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_parser_never_raises_on_any_text(text):
    assert isinstance(parse_text(text, ORIGIN, RULES), c.Command)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=30), st.integers(), st.none(), st.booleans()),
                       max_size=8))
def test_card_parser_never_raises(inputs):
    assert isinstance(parse_card(inputs, ORIGIN, RULES), c.Command)


def dial_outs():
    return st.builds(lambda phrase, digits, suffix: f"{phrase} {digits}{suffix}", phrases, digit_runs, suffixes)


@settings(max_examples=600, deadline=None)
@given(dial_outs())
def test_every_parsed_dial_out_is_valid_e164_in_an_allowed_region(text):
    command = parse_text(text, ORIGIN, RULES)
    if isinstance(command, c.DialOut) and command.number:
        number = phonenumbers.parse(command.number, None)
        assert command.number == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.region_code_for_number(number) in RULES.dialout_countries
        assert phonenumbers.number_type(number) not in FORBIDDEN_TYPES
        assert not phonenumbers.is_emergency_number(str(number.national_number), "US")


@settings(max_examples=400, deadline=None)
@given(dial_outs())
def test_a_refused_number_never_produces_a_phone_audio_command(text):
    command = parse_text(text, ORIGIN, RULES)
    effects = handle(command, SESSION)
    if isinstance(command, c.BadNumber):
        assert not [e for e in effects if isinstance(e, SendToAgent)]
    if any(isinstance(e, SendToAgent) for e in effects):
        assert isinstance(command, c.DialOut) and command.number


ids = st.text(alphabet="abcdef0123456789", min_size=1, max_size=12)
actions = st.sampled_from(["dial_in", "dial_out", "hang_up", "computer_audio", "status", "help", "set_meeting"])


@settings(max_examples=500, deadline=None)
@given(owner=ids, other_owner=ids, action=actions, other_action=actions, meeting=ids, other_meeting=ids,
       call=ids, other_call=ids, expires=st.integers(min_value=2_000_000_000, max_value=3_000_000_000))
def test_a_card_token_never_validates_for_anything_else(owner, other_owner, action, other_action, meeting,
                                                        other_meeting, call, other_call, expires):
    signed = token(KEY, owner, action, meeting, call, expires)
    genuine = CardClaims(owner, action, meeting, call, expires, signed)
    assert verify(KEY, owner, genuine, now=0) is None
    for presser, claims in ((other_owner, genuine),
                            (owner, CardClaims(owner, other_action, meeting, call, expires, signed)),
                            (owner, CardClaims(owner, action, other_meeting, call, expires, signed)),
                            (owner, CardClaims(owner, action, meeting, other_call, expires, signed)),
                            (owner, CardClaims(owner, action, meeting, call, expires + 1, signed))):
        if (presser, claims) == (owner, genuine):
            continue
        assert verify(KEY, presser, claims, now=0) == "forged"
    assert verify(b"another key", owner, genuine, now=0) == "forged"
    assert verify(KEY, owner, genuine, now=expires + 1) == "expired"
