"""The conversation end to end, over real HTTP: natural phrasings, the phone in the person's Webex
profile, a group space's own meeting, small talk, negations, and questions the bot asks back.

The local Webex server's seed gives Alice a mobile (+1 408 555 0100) and a work phone
(+1 650 555 0123), Bob only a mobile (+1 415 555 0142), and Carol a work phone in the UK."""
import pytest

pytestmark = pytest.mark.integration
SPACE_MEETING = "2640 387 9124"


def phone_commands(stack, op="use_phone_audio"):
    return [c for c in stack.agent_commands() if c["op"] == op]


def test_call_my_mobile_calls_the_profile_number(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("hey, could you ring my cell? I'm in the car")
    alice.expect("Calling +1 408-555-0100")
    assert [c["phone_number"] for c in phone_commands(stack)] == ["+14085550100"]


def test_a_profile_number_the_rules_refuse_is_not_called(stack):
    carol = stack.person("carol")
    carol.set_meeting()
    carol.say("call me on my work phone")
    refused = carol.expect("No call was placed")
    assert "United Kingdom (GB)" in refused["markdown"] and "7946" not in refused["markdown"]
    assert phone_commands(stack) == []


def test_a_number_missing_from_the_profile_is_asked_for(stack):
    bob = stack.person("bob")
    bob.set_meeting()
    bob.say("call my office line")
    prompt = bob.expect("Your Webex profile has no work number")
    assert [a["title"] for a in prompt["attachments"][0]["content"]["actions"]] == ["Call Mobile ··0142", "Call me"]
    bob.press(prompt, "Call me", number="+1 415 555 0142")
    bob.expect("Calling +1 415-555-0142")


def test_the_space_meeting_is_used_by_members_without_their_own(stack):
    alice, bob = stack.person("alice"), stack.person("bob")
    group = stack.group_room()
    alice.say(f"meeting {SPACE_MEETING} for this space", room=group)
    alice.expect(f"This space's meeting is now {SPACE_MEETING}", room=group)
    bob.say("I want to dial in", room=group)
    bob.expect(f"Using this space's meeting {SPACE_MEETING}", room=group)
    stack.wait_until(lambda: phone_commands(stack), what="the dial-in command")
    assert phone_commands(stack)[0]["meeting"] == {"number": SPACE_MEETING.replace(" ", "")}
    bob.expect("Dial in to your meeting", room=bob.direct_room)
    bob.say("status", room=group)
    status = bob.expect("Your phone audio", room=bob.direct_room)
    assert f"This space's meeting: {SPACE_MEETING}" in status["markdown"]


def test_a_persons_own_meeting_wins_over_the_space_meeting(stack):
    alice = stack.person("alice")
    group = stack.group_room()
    alice.set_meeting("2551 234 567")
    alice.say(f"space meeting {SPACE_MEETING}", room=group)
    alice.expect("This space's meeting is now", room=group)
    alice.say("dial in", room=group)
    alice.expect("Dial in to your meeting", room=alice.direct_room)
    assert phone_commands(stack)[0]["meeting"] == {"number": "2551234567"}
    assert "Using this space's meeting" not in " ".join(m.get("markdown", "") for m in alice.seen)


def test_a_password_is_never_taken_for_a_space(stack):
    alice = stack.person("alice")
    group = stack.group_room()
    alice.say(f"meeting {SPACE_MEETING} password hunter2 for this space", room=group)
    refused = alice.expect("I never take meeting passwords in a group space", room=group)
    assert "hunter2" not in refused["markdown"]
    assert not stack.redis.exists(stack.settings.key("space_meeting", group))


def test_greeting_thanks_negation_and_a_question_back(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("good morning!")
    hello = alice.expect("Hi Alice!")
    assert "Phone audio for your Webex meeting" in hello["markdown"]
    alice.say("thanks a lot")
    alice.expect("You're welcome")
    alice.say("no, don't call me at 408 555 0100")
    alice.expect("OK, I won't call your phone")
    alice.say("hang up and call me at 408 555 0100")
    asked = alice.expect("Which one?")
    assert [a["title"] for a in asked["attachments"][0]["content"]["actions"]] == ["Call me", "Disconnect phone"]
    assert alice.quiet_for(1.0) == [] and phone_commands(stack) == []


def test_meeting_and_dial_in_in_one_sentence(stack):
    alice = stack.person("alice")
    alice.say("can you give me the dial-in for meeting 2551 234 567?")
    alice.expect("Meeting set to 2551 234 567")
    card = alice.expect("Dial in to your meeting")
    call_now = next(a for a in card["attachments"][0]["content"]["actions"] if a["title"] == "Call now")
    attendee = stack.session(alice)["dial_in_attendee_id"]
    assert call_now["url"] == f"tel:+14155550199,,2551234567%23,,{attendee}%23"


def test_status_is_told_in_plain_words(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("call me at 408 555 0100")
    alice.expect("Calling")
    alice.say("am I connected?")
    status = alice.expect("Your phone audio")
    assert "Call to your phone:" in status["markdown"]
    assert any(words in status["markdown"] for words in ("ringing: answer your phone", "joining the meeting",
                                                         "connected: your phone is your meeting audio"))
