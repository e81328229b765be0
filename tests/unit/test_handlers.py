"""Handler rules without any I/O: (command, session) -> effects."""
from bot.conversation import commands as c
from bot.conversation.effects import Reply, SaveSession, SendToAgent
from bot.conversation.handlers import handle
from bot.conversation.session import CONNECTED, JOINED, LEFT, SUCCESS, TRANSFERRING, Session

ALICE = "alice-id"
DIRECT = c.Origin(person_id=ALICE, display_name="Alice", room_id="dm", room_type="direct", event_key="e1")
GROUP = c.Origin(person_id=ALICE, display_name="Alice", room_id="team", room_type="group", event_key="e2")
MEETING = dict(meeting_kind="number", meeting_value="2551234567")
NUMBER = "+14085550100"


def kinds(effects):
    return [type(e).__name__ for e in effects]


def saved(effects) -> Session:
    return [e.session for e in effects if isinstance(e, SaveSession)][-1]


def agent(effects) -> list[SendToAgent]:
    return [e for e in effects if isinstance(e, SendToAgent)]


def replies(effects) -> list[Reply]:
    return [e for e in effects if isinstance(e, Reply)]


def update(session, seq, dial_in=None, dial_out=None, command_id=None):
    payload = {"dialIn": dial_in or {"status": session.dial_in_status, "attendeeId": session.dial_in_attendee_id},
               "dialOut": dial_out or {"status": session.dial_out_status, "attendeeId": "", "reason": ""}}
    event = {"type": "phone_audio_update", "person_id": ALICE, "command_id": command_id or session.pending_command_id,
             "seq": seq, "payload": payload}
    return c.AgentEvent(origin=c.Origin(person_id=ALICE), event=event)


def test_dial_out_sends_one_agent_command_and_tells_the_number():
    effects = handle(c.DialOut(origin=DIRECT, number=NUMBER), Session(ALICE, **MEETING))
    [command] = agent(effects)
    assert command.op == "use_phone_audio" and command.phone_number == NUMBER
    assert command.meeting == {"number": "2551234567"}
    assert saved(effects).pending_op == "dial_out"
    assert "+1 408-555-0100" in replies(effects)[0].message.markdown


def test_repeated_dial_out_provisions_nothing():
    first = saved(handle(c.DialOut(origin=DIRECT, number=NUMBER), Session(ALICE, **MEETING)))
    effects = handle(c.DialOut(origin=DIRECT, number=NUMBER), first)
    assert agent(effects) == [] and not any(isinstance(e, SaveSession) for e in effects)
    assert "still working" in replies(effects)[0].message.markdown
    active = first.with_changes(pending_op="", pending_command_id="", dial_out_status=SUCCESS, dial_out_number=NUMBER)
    effects = handle(c.DialOut(origin=DIRECT, number="+14085550111"), active)
    assert agent(effects) == [] and "already calling" in replies(effects)[0].message.markdown


def test_repeated_dial_in_resends_the_card_and_provisions_nothing():
    session = Session(ALICE, **MEETING, dial_in_status=JOINED, dial_in_attendee_id="123456", access_code="2551234567")
    effects = handle(c.DialIn(origin=DIRECT), session)
    assert agent(effects) == []
    assert any("123456" in r.message.markdown for r in replies(effects))


def test_same_event_gives_same_command_id():
    one = agent(handle(c.DialIn(origin=DIRECT), Session(ALICE, **MEETING)))[0]
    two = agent(handle(c.DialIn(origin=DIRECT), Session(ALICE, **MEETING)))[0]
    assert one.command_id == two.command_id


def test_no_meeting_asks_then_carries_on():
    effects = handle(c.DialOut(origin=DIRECT, number=NUMBER), Session(ALICE))
    waiting = saved(effects)
    assert waiting.awaiting == f"dial_out:{NUMBER}" and agent(effects) == []
    effects = handle(c.SetMeeting(origin=DIRECT, meeting=c.Meeting("number", "2551234567")), waiting)
    [command] = agent(effects)
    assert command.phone_number == NUMBER and saved(effects).awaiting == ""


def test_password_never_accepted_in_group():
    effects = handle(c.SetMeeting(origin=GROUP, meeting=c.Meeting("number", "2551234567"), password="pw"), Session(ALICE))
    assert kinds(effects) == ["Reply"]
    assert "direct message" in effects[0].message.markdown and "pw" not in effects[0].message.markdown


def test_personal_details_in_a_group_go_to_a_direct_message():
    effects = handle(c.Status(origin=GROUP), Session(ALICE, **MEETING, dial_out_number=NUMBER, dial_out_status=SUCCESS))
    direct, pointer = replies(effects)
    assert direct.to_person_id == ALICE and not direct.room_id
    assert pointer.room_id == "team" and "direct message" in pointer.message.markdown
    assert pointer.message.card is None and "0100" not in pointer.message.markdown


def test_hang_up_during_transferring_waits_for_the_transfer():
    session = Session(ALICE, **MEETING, dial_out_status=TRANSFERRING, dial_out_number=NUMBER, agent_seq=3)
    effects = handle(c.HangUp(origin=DIRECT), session)
    deferred = saved(effects)
    assert deferred.hangup == "deferred" and agent(effects) == []
    effects = handle(update(deferred, 4, dial_out={"status": SUCCESS, "attendeeId": "9"}), deferred)
    [command] = agent(effects)
    assert command.op == "disconnect_phone_audio"
    after = saved(effects)
    assert after.hangup == "sent" and after.pending_op == "hang_up"
    effects = handle(update(after, 5, dial_out={"status": LEFT, "attendeeId": "9", "reason": ""}), after)
    done = saved(effects)
    assert done.hangup == "" and not done.phone_active
    assert any("Unmute" in r.message.markdown for r in replies(effects))


def test_computer_audio_is_hang_up_said_differently():
    session = Session(ALICE, **MEETING, dial_out_status=SUCCESS, dial_out_number=NUMBER, agent_seq=1)
    after = saved(handle(c.HangUp(origin=DIRECT, back_to_computer=True), session))
    effects = handle(update(after, 2, dial_out={"status": LEFT, "attendeeId": "", "reason": ""}), after)
    assert any("back on computer audio" in r.message.markdown for r in replies(effects))


def test_hang_up_with_nothing_connected_changes_nothing():
    effects = handle(c.HangUp(origin=DIRECT), Session(ALICE, **MEETING))
    assert kinds(effects) == ["Reply"]


def test_states_are_reflected_and_repeats_ignored():
    session = saved(handle(c.DialOut(origin=DIRECT, number=NUMBER), Session(ALICE, **MEETING)))
    joined = saved(handle(update(session, 10, dial_out={"status": JOINED, "attendeeId": "7"}), session))
    assert joined.dial_out_status == JOINED and joined.pending_op == "" and joined.dial_out_number == NUMBER
    effects = handle(update(joined, 11, dial_out={"status": CONNECTED, "attendeeId": "7"}), joined)
    connected = saved(effects)
    assert connected.dial_out_status == CONNECTED
    assert any("Mute your Webex app" in r.message.markdown for r in replies(effects))
    assert handle(update(connected, 11, dial_out={"status": CONNECTED, "attendeeId": "7"}), connected) == []
    assert handle(update(connected, 9, dial_out={"status": JOINED, "attendeeId": "7"}), connected) == []


def test_failed_dial_out_says_why():
    session = Session(ALICE, **MEETING, dial_out_status=JOINED, dial_out_number=NUMBER, agent_seq=1)
    effects = handle(update(session, 2, dial_out={"status": LEFT, "attendeeId": "", "reason": "FAILURE"}), session)
    assert saved(effects).dial_out_status == LEFT and saved(effects).dial_out_reason == "FAILURE"
    said = " ".join(r.message.markdown for r in replies(effects))
    assert "the call didn't go through" in said and "FAILURE" not in said


def test_timeout_leaves_the_session_as_it_was():
    before = Session(ALICE, **MEETING, last_number="+14085550199")
    pending = saved(handle(c.DialOut(origin=DIRECT, number=NUMBER), before))
    effects = handle(c.AgentTimeout(origin=c.Origin(person_id=ALICE), command_id=pending.pending_command_id), pending)
    after = saved(effects)
    assert (after.pending_op, after.pending_command_id, after.dial_out_status) == ("", "", "")
    assert "didn't answer in time" in replies(effects)[0].message.markdown
    assert handle(c.AgentTimeout(origin=c.Origin(person_id=ALICE), command_id="other"), after) == []


def test_agent_error_is_reported_and_clears_pending():
    pending = saved(handle(c.DialIn(origin=DIRECT), Session(ALICE, **MEETING)))
    event = {"type": "error", "command_id": pending.pending_command_id, "person_id": ALICE, "reason": "meeting is locked"}
    effects = handle(c.AgentEvent(origin=c.Origin(person_id=ALICE), event=event), pending)
    assert saved(effects).pending_op == "" and "meeting is locked" in replies(effects)[0].message.markdown


def test_dial_in_card_waits_for_meeting_info_in_either_order():
    pending = saved(handle(c.DialIn(origin=DIRECT), Session(ALICE, **MEETING)))
    info = c.AgentEvent(origin=c.Origin(person_id=ALICE), event={
        "type": "meeting_info", "command_id": pending.pending_command_id, "person_id": ALICE,
        "audio": {"accessCode": "2551234567", "tollNum": "+1-415-555-0199", "tollCallInLabel": "US Toll",
                  "globalCallinNumberWebLink": "https://x"}})
    joined_event = update(pending, 5, dial_in={"status": JOINED, "attendeeId": "424242"})
    # update first, then info
    first = handle(joined_event, pending)
    assert replies(first) == []
    second = handle(info, saved(first))
    assert any("424242" in r.message.markdown and "2551234567" in r.message.markdown for r in replies(second))
    # info first, then update
    first = handle(info, pending)
    second = handle(joined_event, saved(first))
    assert any("424242" in r.message.markdown for r in replies(second))


def test_foreign_card_changes_nothing():
    effects = handle(c.ForeignCard(origin=GROUP), Session(ALICE, **MEETING))
    assert kinds(effects) == ["Reply"] and "isn't yours" in effects[0].message.markdown


def test_long_replies_fit_webex_limit():
    effects = handle(c.Unknown(origin=DIRECT, text="x" * 10_000), Session(ALICE))
    assert all(len(r.message.markdown.encode()) <= 7439 for r in replies(effects))


def test_lobby_wait_is_told_and_extends_the_deadline():
    pending = saved(handle(c.DialOut(origin=DIRECT, number=NUMBER), Session(ALICE, **MEETING)))
    event = {"type": "lobby", "command_id": pending.pending_command_id, "person_id": ALICE, "waiting": True,
             "extend_seconds": 600}
    effects = handle(c.AgentEvent(origin=c.Origin(person_id=ALICE), event=event), pending)
    from bot.conversation.effects import ExtendDeadline

    assert [e for e in effects if isinstance(e, ExtendDeadline)] == [
        ExtendDeadline(pending.pending_command_id, ALICE, 600)]
    assert "lobby" in replies(effects)[0].message.markdown


def test_a_crashed_agent_page_offers_to_reconnect_with_one_press():
    session = Session(ALICE, **MEETING, dial_out_status=SUCCESS, dial_out_number=NUMBER, agent_seq=4, call_id="k")
    effects = handle(update(session, 5, dial_out={"status": LEFT, "attendeeId": "", "reason": "PAGE_CRASHED"}),
                     session)
    [message] = replies(effects)
    assert "dropped" in message.message.markdown
    buttons = message.message.card["actions"]
    assert buttons[0]["data"] == {"action": "dial_out", "owner": ALICE, "number": NUMBER}
    assert saved(effects).call_id == ""
