"""Only the right people, only safe numbers, cards that cannot be forged or replayed."""
import copy
import subprocess
import sys
import time

import pytest
import requests

from bot.stores.audit import AuditLog

pytestmark = pytest.mark.integration


def audit(stack) -> list[dict]:
    return AuditLog(stack.redis, stack.settings).read(limit=100)


def press_raw(person, message: dict, title: str, change) -> None:
    """Press a button after changing its data: what a forger would send."""
    from tests.support.scenario import find_submit

    action, defaults = find_submit(message["attachments"][0]["content"], title)
    data = copy.deepcopy(action["data"])
    change(data)
    response = requests.post(f"{person.stack.webex_url}/v1/attachment/actions", headers=person.headers, timeout=5,
                             json={"type": "submit", "messageId": message["id"], "inputs": {**defaults, **data}})
    assert response.status_code in (200, 202), response.text


def test_person_from_another_org_is_refused_and_nothing_stored(stack_factory):
    stack = stack_factory(configure=lambda world: {"allowed_org_ids": world["orgs"]["Acme"]})
    carol, alice = stack.person("carol"), stack.person("alice")
    carol.say("call me at 408 555 0100")
    refusal = carol.expect("only for people in the organisations")
    assert carol.quiet_for(0.5) == []
    assert refusal["roomId"] == carol.direct_room
    assert stack.redis.exists(stack.settings.key("session", carol.id)) == 0
    assert stack.agent_commands() == [] and audit(stack) == []
    alice.set_meeting()  # Acme people are served


def test_allowed_domains_and_people(stack_factory):
    stack = stack_factory(allowed_domains="globex.example", allowed_people="bob@acme.example")
    stack.person("carol").say("status")
    stack.person("carol").expect("Your phone audio")
    stack.person("bob").say("status")
    stack.person("bob").expect("Your phone audio")
    stack.person("alice").say("status")
    stack.person("alice").expect("only for people in the organisations")


FORBIDDEN = [
    ("+44 901 234 5678", "premium-rate"),
    ("+33 8 84 01 23 45", "shared-cost"),
    ("+44 55 1234 5678", "universal access"),
    ("+44 70 1234 5678", "personal (forwarding)"),
    ("+44 76 4012 3456", "pagers"),
    ("+49 177 991234567", "voicemail"),
    ("911", "emergency"),
    ("9-1-1", "emergency"),
    ("+44 999", "emergency"),
    ("112", "emergency"),
    ("000", "emergency"),
    ("611", "short codes"),
]


def test_each_forbidden_number_is_refused_with_its_rule_and_audited(stack_factory):
    stack = stack_factory(dialout_countries="US,CA,GB,FR,DE")
    alice = stack.person("alice")
    alice.set_meeting()
    for number, rule_words in FORBIDDEN:
        alice.say(f"call me at {number}")
        reply = alice.expect("No call was placed")
        assert rule_words in reply["markdown"], (number, reply["markdown"])
    assert stack.agent_commands() == []
    entries = audit(stack)
    assert len(entries) == len(FORBIDDEN) and {e["outcome"] for e in entries} == {"refused"}
    assert {e["rule"] for e in entries} == {"number_type", "emergency", "short_code"}
    assert all("5678" not in e["number"] and "1234" not in e["number"] for e in entries)


def test_burst_over_the_personal_limit_is_refused_and_audited(stack_factory):
    stack = stack_factory(dialout_limit_person=2)
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("call me at 408 555 0100")
    alice.expect("Your phone is connected")
    alice.say("hang up")
    alice.expect("Your phone is disconnected")
    alice.say("call me at 408 555 0101")
    alice.expect("Your phone is connected")
    alice.say("hang up")
    alice.expect("Your phone is disconnected")
    alice.say("call me at 408 555 0102")
    refusal = alice.expect("reached the limit")
    assert "dialout_rate_person" in refusal["markdown"]
    assert len([c for c in stack.agent_commands() if c["phone_number"]]) == 2
    outcomes = [(e["outcome"], e["rule"]) for e in audit(stack)]
    assert outcomes[0] == ("refused", "dialout_rate_person")
    assert outcomes.count(("placed", "")) == 2 and outcomes.count(("connected", "")) == 2


def test_organisation_limit_is_shared_by_everyone_in_it(stack_factory):
    stack = stack_factory(dialout_limit_org=1)
    alice, bob = stack.person("alice"), stack.person("bob")
    alice.set_meeting()
    bob.set_meeting()
    alice.say("call me at 408 555 0100")
    alice.expect("Calling")
    bob.say("call me at 408 555 0111")
    assert "dialout_rate_org" in bob.expect("reached the limit")["markdown"]


def test_forged_card_press_is_refused(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("help")
    card = alice.expect("Phone audio for your Webex meeting")
    press_raw(alice, card, "Dial in", lambda data: data.update(t="AAAAAAAAAAAAAAAAAAAAAA"))
    alice.expect("out of date")
    press_raw(alice, card, "Dial in", lambda data: data.pop("t"))
    alice.expect("out of date")
    press_raw(alice, card, "Call me", lambda data: data.update(number="+14085550100", action="dial_out", m="x"))
    alice.expect("out of date")
    assert stack.agent_commands() == []


def test_stranger_cannot_take_a_card_by_rewriting_its_owner(stack):
    alice, bob = stack.person("alice"), stack.person("bob")
    group = stack.group_room()
    alice.set_meeting()
    alice.say("help", room=group)
    card = alice.expect("Phone audio for your Webex meeting", room=group)
    press_raw(bob, card, "Dial in", lambda data: data.update(owner=bob.id))
    bob.expect("out of date")
    bob.quiet_for(0.3)
    assert stack.agent_commands() == []


def test_expired_card_is_refused(stack_factory):
    stack = stack_factory(card_ttl_seconds=1)
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("help")
    card = alice.expect("Phone audio for your Webex meeting")
    time.sleep(1.5)
    alice.press(card, "Dial in")
    alice.expect("out of date")
    assert stack.agent_commands() == []


def test_card_for_another_meeting_is_refused(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("help")
    card = alice.expect("Phone audio for your Webex meeting")
    alice.set_meeting("2551 999 888")
    alice.press(card, "Dial in")
    alice.expect("out of date")
    assert stack.agent_commands() == []


def test_old_disconnect_never_ends_a_newer_call(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    first = alice.connect_phone()
    alice.say("hang up")
    alice.expect("Your phone is disconnected")
    alice.say("call me at 408 555 0100")
    alice.expect("Your phone is connected")
    alice.wait_for_dial_out("SUCCESS")
    alice.press(first, "Disconnect phone")
    alice.expect("out of date")
    alice.quiet_for(0.5)
    assert stack.session(alice)["dial_out_status"] == "SUCCESS"
    assert len([c for c in stack.agent_commands() if c["op"] == "disconnect_phone_audio"]) == 1


def test_card_keeps_working_while_the_call_changes_state(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("dial in")
    card = alice.expect("Dial in to meeting")
    alice.press(card, "Call me", number="408 555 0100")  # the dial-in card, after the call moved on
    alice.expect("Your phone is connected")
    alice.wait_for_dial_out("SUCCESS")
    alice.press(card, "Disconnect phone")
    alice.expect("Your phone is disconnected")


def test_pressing_call_me_twice_places_one_call(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("dial out")
    prompt = alice.expect("Which phone should I call?")
    alice.press(prompt, "Call me", number="408 555 0100")
    alice.press(prompt, "Call me", number="408 555 0100")
    alice.expect("Your phone is connected")
    alice.quiet_for(0.5)
    assert len([c for c in stack.agent_commands() if c["phone_number"]]) == 1


def test_audit_from_chat_is_for_admins_only(stack_factory, redis_url):
    stack = stack_factory(admins="alice@acme.example")
    alice, bob = stack.person("alice"), stack.person("bob")
    bob.set_meeting()
    bob.say("call me at +1 900 555 0100")
    bob.expect("No call was placed")
    bob.say("audit")
    bob.expect("Only administrators")
    alice.say("audit bob@acme.example")
    log = alice.expect("Dial-out audit")
    assert "refused" in log["markdown"] and "number\\_type" in log["markdown"]
    assert "5550100" not in log["markdown"].replace(" ", "").replace("-", "")
    cli = subprocess.run([sys.executable, "-m", "bot", "audit", "--person", "bob@acme.example"],
                         env=stack.env(redis_url), capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and "refused (number_type)" in cli.stdout and "bob@acme.example" in cli.stdout


def test_echoed_text_cannot_inject_mentions_or_links(stack):
    alice, bob = stack.person("alice"), stack.person("bob")
    alice.say("<@personEmail:bob@acme.example|Bob> [click](https://evil.example) **bold**")
    reply = alice.expect("I didn't understand")
    fetched = requests.get(f"{stack.webex_url}/v1/messages/{reply['id']}", headers=alice.headers, timeout=5).json()
    assert "mentionedPeople" not in fetched
    assert "](https" not in reply["markdown"] and "<@" not in reply["markdown"]
    assert bob.quiet_for(0.3) == []


def test_refuses_to_start_with_a_token_but_no_secret(stack, redis_url):
    env = stack.env(redis_url, webex_access_token="real-looking-token")
    env.pop("WEBEX_WEBHOOK_SECRET", None)
    started = subprocess.run([sys.executable, "-m", "bot", "worker"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert started.returncode != 0 and "WEBEX_WEBHOOK_SECRET" in started.stderr
    assert "real-looking-token" not in started.stderr + started.stdout
