"""localwebex over real HTTP, driven by the real webexpythonsdk client."""
import threading
import time

import pytest
import requests
from flask import Flask, request
from webexpythonsdk import WebexAPI, WebhookEvent
from webexpythonsdk.exceptions import ApiError, RateLimitError

from bot.web.server import serve
from bot.web.signature import HEADER, is_valid
from localwebex.ids import decode_id
from localwebex.server import create_app
from tests.support.openapi_check import validate_recorded_request, validate_request, validate_response
from tests.support.waiting import wait_for

CARD = {"type": "AdaptiveCard", "version": "1.3",
        "body": [{"type": "Input.Text", "id": "phone", "label": "Phone"}],
        "actions": [{"type": "Action.Submit", "title": "Call me"}]}
CARD_ATTACHMENT = {"contentType": "application/vnd.microsoft.card.adaptive", "content": CARD}


# --- fixtures and helpers ------------------------------------------------------------------

class Receiver:
    """A webhook target that verifies X-Spark-Signature like a real bot would."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[dict] = []
        self.secrets: dict[str, str] = {}
        app = Flask("receiver")

        @app.post("/hook/<name>")
        def hook(name):
            raw = request.get_data()
            signature = request.headers.get(HEADER)
            secret = self.secrets.get(name)
            valid = is_valid(secret, raw, signature) if secret else None
            with self.lock:
                self.received.append({"name": name, "raw": raw, "json": request.get_json(),
                                      "signature": signature, "valid": valid})
            return ("", 401) if valid is False else ("", 200)

        self.handle = serve(app)

    def url(self, name: str, secret: str | None = None) -> str:
        if secret:
            self.secrets[name] = secret
        return f"{self.handle.url}/hook/{name}"

    def got(self, name: str) -> list[dict]:
        with self.lock:
            return [r for r in self.received if r["name"] == name]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
        self.secrets.clear()


@pytest.fixture(scope="module")
def server():
    handle = serve(create_app())
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def receiver():
    rec = Receiver()
    yield rec
    rec.handle.stop()


@pytest.fixture
def world(server, receiver):
    receiver.clear()
    return requests.post(f"{server.url}/_sandbox/reset", timeout=5).json()


@pytest.fixture
def client(server):
    def make(token: str, **kwargs) -> WebexAPI:
        return WebexAPI(access_token=token, base_url=f"{server.url}/v1/", **kwargs)
    return make


@pytest.fixture
def bot(world, client):
    return client(world["botToken"])


@pytest.fixture
def alice(world, client):
    return client(world["people"]["alice"]["token"])


def raw(server, method: str, path: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{server.url}/v1{path}", headers=headers, timeout=5, **kwargs)


def check(method: str, path: str, status: int, body) -> None:
    validate_response(method, path, status, body.to_dict() if hasattr(body, "to_dict") else body)


# --- ids, people, auth -----------------------------------------------------------------------

def test_ids_are_webex_style(world):
    kind, uid = decode_id(world["botId"])
    assert kind == "PEOPLE" and len(uid) == 36
    assert "=" not in world["rooms"]["Acme team"]
    assert decode_id(world["rooms"]["Acme team"])[0] == "ROOM"


def test_people_me_get_and_list(bot, alice, world):
    me = bot.people.me()
    check("GET", "/people/me", 200, me)
    assert me.id == world["botId"] and me.type == "bot" and me.emails == ["phone-audio@webex.bot"]
    person = bot.people.get(world["people"]["carol"]["id"])
    check("GET", "/people/x", 200, person)
    assert person.displayName == "Carol Chen" and person.orgId == world["orgs"]["Globex"]
    found = list(alice.people.list(email="bob@acme.example"))
    assert [p.id for p in found] == [world["people"]["bob"]["id"]]
    with pytest.raises(ApiError) as err:
        bot.people.get("Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ub3BlLW5vcGU")
    assert err.value.status_code == 404 and err.value.tracking_id


def test_missing_or_unknown_token_is_401(server, client, world):
    response = raw(server, "GET", "/people/me")
    assert response.status_code == 401
    check("GET", "/people/me", 401, response.json())
    with pytest.raises(ApiError) as err:
        client("not-a-token").people.me()
    assert err.value.status_code == 401 and "access token" in err.value.message


def test_rooms_get_titles_direct_room_by_other_person(alice, bot, world, client):
    room = alice.rooms.get(world["rooms"]["alice-bot"])
    check("GET", "/rooms/x", 200, room)
    assert room.type == "direct" and room.title == "Phone Audio"
    assert bot.rooms.get(world["rooms"]["Acme team"]).title == "Acme team"
    with pytest.raises(ApiError) as err:  # carol is not in the Acme team room
        client(world["people"]["carol"]["token"]).rooms.get(world["rooms"]["Acme team"])
    assert err.value.status_code == 404


# --- messages --------------------------------------------------------------------------------

def test_post_get_and_list_messages(server, bot, alice, world):
    room_id = world["rooms"]["alice-bot"]
    sent = [bot.messages.create(roomId=room_id, markdown=f"**step {i}**", text=f"step {i}")
            for i in range(3)]
    check("POST", "/messages", 200, sent[0])
    assert sent[0].roomType == "direct" and sent[0].personId == world["botId"]
    got = alice.messages.get(sent[1].id)
    check("GET", "/messages/x", 200, got)
    assert got.text == "step 1" and got.markdown == "**step 1**"
    assert got.html == "<p><strong>step 1</strong></p>" and got.files is None
    listed = list(alice.messages.list(roomId=room_id, max=2))  # SDK follows the Link header
    assert [m.id for m in listed] == [m.id for m in reversed(sent)]
    page = raw(server, "GET", "/messages", world["botToken"], params={"roomId": room_id, "max": 2})
    check("GET", "/messages", 200, page.json())
    assert len(page.json()["items"]) == 2 and 'rel="next"' in page.headers["Link"]


def test_list_messages_rules(server, bot, alice, world):
    assert raw(server, "GET", "/messages", world["botToken"]).status_code == 400
    team = world["rooms"]["Acme team"]
    alice.messages.create(roomId=team, text="no mention")
    mention = alice.messages.create(roomId=team,
                                    markdown=f"<@personId:{world['botId']}|Phone Audio> hi")
    with pytest.raises(ApiError) as err:  # bots must ask for mentionedPeople=me in spaces
        list(bot.messages.list(roomId=team))
    assert err.value.status_code == 403
    assert [m.id for m in bot.messages.list(roomId=team, mentionedPeople="me")] == [mention.id]
    assert len(list(alice.messages.list(roomId=team))) == 2


def test_to_person_id_and_email_find_or_create_direct_room(alice, world):
    bob_id = world["people"]["bob"]["id"]
    first = alice.messages.create(toPersonId=bob_id, text="hi bob")
    second = alice.messages.create(toPersonEmail="bob@acme.example", text="again")
    assert first.roomId == second.roomId and first.roomType == "direct"
    assert first.toPersonId == bob_id
    room = alice.rooms.get(first.roomId)
    assert room.title == "Bob Brown" and room.type == "direct"
    to_bot = alice.messages.create(toPersonEmail="phone-audio@webex.bot", text="hello")
    assert to_bot.roomId == world["rooms"]["alice-bot"]


def test_message_target_rules(server, alice, world):
    token = world["people"]["alice"]["token"]
    both = raw(server, "POST", "/messages", token,
               json={"roomId": world["rooms"]["alice-bot"], "toPersonId": world["botId"],
                     "text": "x"})
    assert both.status_code == 400
    with pytest.raises(ApiError) as err:  # alice is not in carol's room with the bot
        alice.messages.create(roomId=world["rooms"]["carol-bot"], text="intrude")
    assert err.value.status_code in (403, 404)


def test_message_length_limit_is_7439_bytes(bot, world):
    room_id = world["rooms"]["alice-bot"]
    assert bot.messages.create(roomId=room_id, text="a" * 7439).text == "a" * 7439
    for too_long in ({"text": "a" * 7440}, {"markdown": "é" * 3720}):  # é is 2 bytes
        with pytest.raises(ApiError) as err:
            bot.messages.create(roomId=room_id, **too_long)
        assert err.value.status_code == 400 and "7439" in err.value.message


def test_card_attachment_rules(bot, world):
    room_id = world["rooms"]["alice-bot"]
    msg = bot.messages.create(roomId=room_id, text="card", attachments=[CARD_ATTACHMENT])
    check("POST", "/messages", 200, msg)
    assert msg.attachments[0]["content"]["actions"][0]["title"] == "Call me"
    bad = [
        {"attachments": [CARD_ATTACHMENT, CARD_ATTACHMENT], "text": "two"},
        {"attachments": [{"contentType": "text/html", "content": CARD}], "text": "type"},
        {"attachments": [CARD_ATTACHMENT]},  # a card needs fallback text or markdown
    ]
    for kwargs in bad:
        with pytest.raises(ApiError) as err:
            bot.messages.create(roomId=room_id, **kwargs)
        assert err.value.status_code == 400


def test_edit_refused_for_card_message_but_allowed_for_text(bot, world):
    room_id = world["rooms"]["alice-bot"]
    card = bot.messages.create(roomId=room_id, text="card", attachments=[CARD_ATTACHMENT])
    with pytest.raises(ApiError) as err:
        bot.messages.update(card.id, roomId=room_id, text="edited")
    assert err.value.status_code == 400
    plain = bot.messages.create(roomId=room_id, text="draft")
    edited = bot.messages.update(plain.id, roomId=room_id, markdown="**final**")
    check("PUT", "/messages/x", 200, edited)
    assert edited.text == "final" and edited.updated is not None


def test_mentions_render_html_and_text(alice, world):
    bot_id, bob_id = world["botId"], world["people"]["bob"]["id"]
    msg = alice.messages.create(
        roomId=world["rooms"]["Acme team"],
        markdown=f"<@personId:{bot_id}|Phone Audio> call <@personEmail:bob@acme.example>")
    assert msg.mentionedPeople == [bot_id, bob_id]
    assert msg.text == "Phone Audio call Bob Brown"
    assert (f'<spark-mention data-object-type="person" data-object-id="{bot_id}">Phone Audio'
            "</spark-mention>") in msg.html


def test_client_style_html_mention(server, alice, world):
    bot_id = world["botId"]
    html = (f'<p><spark-mention data-object-type="person" data-object-id="{bot_id}">'
            "Phone Audio</spark-mention> join</p>")
    response = raw(server, "POST", "/messages", world["people"]["alice"]["token"],
                   json={"roomId": world["rooms"]["Acme team"], "html": html})
    assert response.status_code == 200
    msg = alice.messages.get(response.json()["id"])
    assert msg.mentionedPeople == [bot_id] and msg.text == "Phone Audio join"
    assert msg.html == html
    direct = raw(server, "POST", "/messages", world["people"]["alice"]["token"],
                 json={"roomId": world["rooms"]["Acme team"], "text": "Phone Audio status",
                       "mentionedPeople": [bot_id]})
    assert direct.json()["mentionedPeople"] == [bot_id]


def test_memberships_and_room_listing(alice, world):
    team = world["rooms"]["Acme team"]
    members = list(alice.memberships.list(roomId=team))
    check("GET", "/memberships", 200, {"items": [m.to_dict() for m in members]})
    assert {m.personEmail for m in members} == {"alice@acme.example", "bob@acme.example",
                                               "phone-audio@webex.bot"}
    rooms = {r.id: r for r in alice.rooms.list()}
    assert set(rooms) == {team, world["rooms"]["alice-bot"]}
    assert rooms[world["rooms"]["alice-bot"]].title == "Phone Audio"


# --- attachment actions -----------------------------------------------------------------------

def test_attachment_action_create_and_get(server, bot, alice, world, client):
    card = bot.messages.create(roomId=world["rooms"]["alice-bot"], text="card",
                               attachments=[CARD_ATTACHMENT])
    action = alice.attachment_actions.create(type="submit", messageId=card.id,
                                             inputs={"phone": "+15551234567"})
    check("POST", "/attachment/actions", 200, action)
    fetched = bot.attachment_actions.get(action.id)
    check("GET", "/attachment/actions/x", 200, fetched)
    assert fetched.inputs == {"phone": "+15551234567"}
    assert (fetched.personId, fetched.roomId, fetched.messageId) == \
        (world["people"]["alice"]["id"], card.roomId, card.id)
    plain = bot.messages.create(roomId=world["rooms"]["alice-bot"], text="no card")
    token = world["people"]["alice"]["token"]
    for body, status in (({"type": "cancel", "messageId": card.id, "inputs": {}}, 400),
                         ({"type": "submit", "messageId": plain.id, "inputs": {}}, 400)):
        assert raw(server, "POST", "/attachment/actions", token, json=body).status_code == status
    carol = client(world["people"]["carol"]["token"])
    with pytest.raises(ApiError) as err:
        carol.attachment_actions.create(type="submit", messageId=card.id, inputs={})
    assert err.value.status_code == 403


# --- webhooks CRUD ----------------------------------------------------------------------------

def test_webhooks_crud(server, bot, alice, world, receiver):
    hook = bot.webhooks.create(name="msgs", targetUrl=receiver.url("crud"), resource="messages",
                               event="created", secret="s3cret")
    check("POST", "/webhooks", 200, hook)
    assert (hook.status, hook.ownedBy, hook.createdBy) == ("active", "creator", world["botId"])
    assert [h.id for h in bot.webhooks.list()] == [hook.id]
    assert list(alice.webhooks.list()) == []  # webhooks are per owner
    updated = bot.webhooks.update(hook.id, name="renamed", targetUrl=receiver.url("crud2"),
                                  secret="other", status="active")
    check("PUT", "/webhooks/x", 200, updated)
    assert (updated.name, updated.targetUrl) == ("renamed", receiver.url("crud2"))
    missing_name = raw(server, "PUT", f"/webhooks/{hook.id}", world["botToken"],
                       json={"targetUrl": receiver.url("crud")})
    assert missing_name.status_code == 400  # the spec requires name and targetUrl
    listing = raw(server, "GET", "/webhooks", world["botToken"])
    check("GET", "/webhooks", 200, listing.json())
    bot.webhooks.delete(hook.id)
    with pytest.raises(ApiError) as err:
        bot.webhooks.get(hook.id)
    assert err.value.status_code == 404


# --- webhook delivery -------------------------------------------------------------------------

def test_signed_delivery_of_direct_message(server, bot, alice, world, receiver):
    hook = bot.webhooks.create(name="bot", targetUrl=receiver.url("dm", "topsecret"),
                               resource="messages", event="created", secret="topsecret")
    msg = alice.messages.create(roomId=world["rooms"]["alice-bot"], text="join my meeting")
    [got] = wait_for(lambda: receiver.got("dm"), what="signed delivery")
    assert got["valid"] is True
    event = WebhookEvent(got["json"])
    assert (event.id, event.resource, event.event, event.actorId) == \
        (hook.id, "messages", "created", world["people"]["alice"]["id"])
    assert event.data.id == msg.id and event.data.roomType == "direct"
    assert got["json"]["data"]["personEmail"] == "alice@acme.example"
    assert set(got["json"]) >= {"name", "targetUrl", "orgId", "createdBy", "appId", "ownedBy",
                                "status", "created", "data"}
    deliveries = wait_for(lambda: requests.get(f"{server.url}/_sandbox/deliveries").json()["items"],
                          what="delivery record")
    assert deliveries[0]["status"] == 200 and deliveries[0]["webhookId"] == hook.id


def test_wrong_secret_fails_verification(bot, alice, world, receiver, server):
    bot.webhooks.create(name="bad", targetUrl=receiver.url("bad", "right"), resource="messages",
                        event="created", secret="wrong")
    alice.messages.create(roomId=world["rooms"]["alice-bot"], text="x")
    [got] = wait_for(lambda: receiver.got("bad"), what="delivery")
    assert got["valid"] is False
    records = wait_for(lambda: requests.get(f"{server.url}/_sandbox/deliveries").json()["items"])
    assert records[0]["status"] == 401


def test_unsigned_delivery_without_secret(bot, alice, world, receiver):
    bot.webhooks.create(name="plain", targetUrl=receiver.url("plain"), resource="messages",
                        event="created")
    alice.messages.create(roomId=world["rooms"]["alice-bot"], text="x")
    [got] = wait_for(lambda: receiver.got("plain"), what="delivery")
    assert got["signature"] is None


def test_bot_sees_group_messages_only_when_mentioned(bot, alice, world, receiver):
    bot.webhooks.create(name="grp", targetUrl=receiver.url("grp"), resource="messages",
                        event="created")
    team = world["rooms"]["Acme team"]
    alice.messages.create(roomId=team, text="just chatting")
    mentioned = alice.messages.create(roomId=team,
                                      markdown=f"<@personId:{world['botId']}|Phone Audio> help")
    got = wait_for(lambda: receiver.got("grp"), what="mention delivery")
    # One target delivers in creation order, so the earlier unmentioned message would be first.
    assert [g["json"]["data"]["id"] for g in got] == [mentioned.id]
    assert got[0]["json"]["data"]["mentionedPeople"] == [world["botId"]]


def test_bot_own_message_is_delivered(bot, world, receiver):
    bot.webhooks.create(name="own", targetUrl=receiver.url("own"), resource="messages",
                        event="created")
    mine = bot.messages.create(roomId=world["rooms"]["bob-bot"], text="I said this")
    [got] = wait_for(lambda: receiver.got("own"), what="own message delivery")
    assert got["json"]["data"]["personId"] == world["botId"]
    assert got["json"]["data"]["id"] == mine.id


def test_deliveries_to_one_target_keep_creation_order(bot, alice, world, receiver):
    bot.webhooks.create(name="order", targetUrl=receiver.url("order"), resource="messages",
                        event="created")
    sent = [alice.messages.create(roomId=world["rooms"]["alice-bot"], text=str(i)).id
            for i in range(8)]
    got = wait_for(lambda: len(receiver.got("order")) == 8 and receiver.got("order"),
                   what="eight deliveries")
    assert [g["json"]["data"]["id"] for g in got] == sent


def test_user_webhook_sees_all_messages_in_their_rooms(client, world, receiver):
    bob = client(world["people"]["bob"]["token"])
    alice = client(world["people"]["alice"]["token"])
    bob.webhooks.create(name="bob", targetUrl=receiver.url("bob"), resource="messages",
                        event="created")
    msg = alice.messages.create(roomId=world["rooms"]["Acme team"], text="no mention")
    [got] = wait_for(lambda: receiver.got("bob"), what="delivery to a user")
    assert got["json"]["data"]["id"] == msg.id


def test_inactive_webhook_does_not_deliver(server, bot, alice, world, receiver):
    off = bot.webhooks.create(name="off", targetUrl=receiver.url("off"), resource="messages",
                              event="created")
    bot.webhooks.create(name="on", targetUrl=receiver.url("on"), resource="messages",
                        event="created")
    status = requests.post(f"{server.url}/_sandbox/webhooks/{off.id}/status",
                           json={"status": "inactive"}).json()["status"]
    assert status == "inactive" and bot.webhooks.get(off.id).status == "inactive"
    alice.messages.create(roomId=world["rooms"]["alice-bot"], text="first")
    wait_for(lambda: receiver.got("on"), what="control delivery")
    assert receiver.got("off") == []
    bot.webhooks.update(off.id, name="off", targetUrl=receiver.url("off"), status="active")
    second = alice.messages.create(roomId=world["rooms"]["alice-bot"], text="second")
    [got] = wait_for(lambda: receiver.got("off"), what="delivery after reactivation")
    assert got["json"]["data"]["id"] == second.id


def test_webhook_filters(bot, client, world, receiver):
    alice_id = world["people"]["alice"]["id"]
    bot.webhooks.create(name="room", targetUrl=receiver.url("room"), resource="messages",
                        event="created", filter=f"roomId={world['rooms']['bob-bot']}")
    bot.webhooks.create(name="person", targetUrl=receiver.url("person"), resource="messages",
                        event="created", filter=f"personId={alice_id}")
    alice = client(world["people"]["alice"]["token"])
    bob = client(world["people"]["bob"]["token"])
    from_alice = alice.messages.create(roomId=world["rooms"]["alice-bot"], text="a")
    from_bob = bob.messages.create(roomId=world["rooms"]["bob-bot"], text="b")
    [by_room] = wait_for(lambda: receiver.got("room"), what="roomId filter")
    [by_person] = wait_for(lambda: receiver.got("person"), what="personId filter")
    assert by_room["json"]["data"]["id"] == from_bob.id
    assert by_person["json"]["data"]["id"] == from_alice.id
    assert by_room["json"]["filter"] == f"roomId={world['rooms']['bob-bot']}"
    with pytest.raises(ApiError) as err:
        bot.webhooks.create(name="x", targetUrl=receiver.url("x"), resource="messages",
                            event="created", filter="colour=blue")
    assert err.value.status_code == 400


def test_attachment_action_delivered_to_card_owner(bot, alice, world, receiver):
    bot.webhooks.create(name="cards", targetUrl=receiver.url("cards", "k"),
                        resource="attachmentActions", event="created", secret="k")
    alice.webhooks.create(name="alice-cards", targetUrl=receiver.url("alice-cards"),
                          resource="attachmentActions", event="created")
    card = bot.messages.create(roomId=world["rooms"]["alice-bot"], text="card",
                               attachments=[CARD_ATTACHMENT])
    action = alice.attachment_actions.create(type="submit", messageId=card.id,
                                             inputs={"phone": "123"})
    [got] = wait_for(lambda: receiver.got("cards"), what="attachment action delivery")
    assert got["valid"] is True
    assert got["json"]["resource"] == "attachmentActions"
    assert got["json"]["data"] == {"id": action.id, "type": "submit", "messageId": card.id,
                                   "personId": world["people"]["alice"]["id"],
                                   "roomId": card.roomId, "created": action.to_dict()["created"]}
    assert receiver.got("alice-cards") == []  # alice's webhook: not her card


def test_redeliver_sends_identical_envelopes(server, bot, alice, world, receiver):
    bot.webhooks.create(name="dup", targetUrl=receiver.url("dup", "k"), resource="messages",
                        event="created", secret="k")
    msg = alice.messages.create(roomId=world["rooms"]["alice-bot"], text="once")
    wait_for(lambda: receiver.got("dup"), what="first delivery")
    result = requests.post(f"{server.url}/_sandbox/redeliver",
                           json={"resource": "messages", "dataId": msg.id, "times": 3,
                                 "concurrent": True}, timeout=10).json()
    assert result["statuses"] == [200, 200, 200]
    bodies = [r["raw"] for r in receiver.got("dup")]
    assert len(bodies) == 4 and len(set(bodies)) == 1


# --- faults, guests, sandbox ------------------------------------------------------------------

def test_fault_429_with_retry_after(server, client, world):
    fault = {"method": "POST", "path": "/messages", "status": 429, "count": 1, "retry_after": 1}
    requests.post(f"{server.url}/_sandbox/faults", json=fault)
    impatient = client(world["botToken"], wait_on_rate_limit=False)
    with pytest.raises(RateLimitError) as err:
        impatient.messages.create(roomId=world["rooms"]["alice-bot"], text="x")
    assert err.value.retry_after == 1 and err.value.response.json()["trackingId"]
    requests.post(f"{server.url}/_sandbox/faults", json=fault)
    patient = client(world["botToken"])  # waits Retry-After, then retries
    started = time.monotonic()
    with pytest.warns(Warning):
        assert patient.messages.create(roomId=world["rooms"]["alice-bot"], text="y").text == "y"
    assert time.monotonic() - started >= 0.9
    log = requests.get(f"{server.url}/_sandbox/requests").json()["items"]
    assert [e["status"] for e in log if e["method"] == "POST"] == [429, 429, 200]


def test_fault_by_seconds_and_clear(server, bot, world):
    requests.post(f"{server.url}/_sandbox/faults",
                  json={"method": "GET", "path": "/people", "status": 503, "seconds": 30})
    with pytest.raises(ApiError) as err:
        bot.people.me()
    assert err.value.status_code == 503
    assert requests.delete(f"{server.url}/_sandbox/faults").status_code == 204
    assert bot.people.me().id == world["botId"]


def test_guest_token_works_as_bearer_token(server, client, world):
    body = {"subject": "visitor-1", "displayName": "Vera Visitor"}
    validate_request("POST", "/guests/token", None, body)
    response = raw(server, "POST", "/guests/token", world["botToken"], json=body)
    check("POST", "/guests/token", 200, response.json())
    guest = response.json()
    assert guest["expiresIn"] > 0 and guest["subject"] == "visitor-1"
    as_guest = client(guest["accessToken"])
    assert as_guest.people.me().displayName == "Vera Visitor"
    msg = as_guest.messages.create(toPersonId=world["botId"], text="hello bot")
    assert msg.personId == guest["id"] and msg.roomType == "direct"
    again = raw(server, "POST", "/guests/token", world["botToken"],
                json={"subject": "visitor-1", "displayName": "Vera V."}).json()
    assert again["id"] == guest["id"] and again["accessToken"] != guest["accessToken"]


def test_sandbox_people_and_world(server, client, world):
    added = requests.post(f"{server.url}/_sandbox/people",
                          json={"email": "dan@initech.example", "displayName": "Dan Dorsey",
                                "orgName": "Initech"}).json()
    dan = client(added["token"])
    assert dan.people.me().orgId == added["orgId"] != world["orgs"]["Acme"]
    assert dan.rooms.get(added["directRoomId"]).title == "Phone Audio"
    refreshed = requests.get(f"{server.url}/_sandbox/world").json()
    assert refreshed["people"]["dan"]["token"] == added["token"]


def test_feed_long_poll_returns_new_messages(server, alice, world):
    latest = requests.get(f"{server.url}/_sandbox/feed").json()["seq"]
    result = {}

    def poll():
        result["feed"] = requests.get(f"{server.url}/_sandbox/feed",
                                      params={"after": latest, "wait": 5}, timeout=10).json()

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.1)  # let the poll start waiting; the assertion below is on its content
    msg = alice.messages.create(roomId=world["rooms"]["Acme team"], markdown="**hi** team")
    poller.join(timeout=5)
    [item] = result["feed"]["items"]
    assert item["id"] == msg.id and item["roomTitle"] == "Acme team"
    assert item["html"] == "<p><strong>hi</strong> team</p>" and item["seq"] > latest
    assert result["feed"]["seq"] == item["seq"]
    alice.messages.update(msg.id, roomId=msg.roomId, text="edited")
    plain = requests.get(f"{server.url}/_sandbox/feed", params={"after": item["seq"]}).json()
    assert plain["items"] == [] and plain["seq"] > item["seq"]  # edits only with events=all
    everything = requests.get(f"{server.url}/_sandbox/feed",
                              params={"after": item["seq"], "events": "all"}).json()
    assert [(e["event"], e["text"]) for e in everything["items"]] == [("updated", "edited")]


def test_recorded_sdk_requests_match_the_spec(server, bot, alice, world, receiver):
    card = bot.messages.create(roomId=world["rooms"]["alice-bot"], markdown="pick",
                               attachments=[CARD_ATTACHMENT])
    alice.attachment_actions.create(type="submit", messageId=card.id, inputs={"phone": "1"})
    hook = bot.webhooks.create(name="w", targetUrl=receiver.url("w"), resource="messages",
                               event="created", filter=f"roomId={card.roomId}", secret="s")
    bot.webhooks.update(hook.id, name="w2", targetUrl=receiver.url("w"), secret="t",
                        status="active")
    list(bot.messages.list(roomId=card.roomId, max=1))
    bot.messages.get(card.id)
    bot.people.me()
    bot.webhooks.delete(hook.id)
    log = requests.get(f"{server.url}/_sandbox/requests").json()["items"]
    assert len(log) == 8 and all(e["status"] in (200, 204) for e in log)
    for entry in log:
        validate_recorded_request(entry)


def test_openapi_check_rejects_bad_shapes():
    with pytest.raises(AssertionError):
        validate_request("POST", "/v1/messages", None, {"roomId": 5, "text": "x"})
    with pytest.raises(AssertionError):
        validate_request("GET", "/v1/messages", {}, None)  # roomId is required
    with pytest.raises(AssertionError):
        validate_response("GET", "/v1/messages/abc", 200, {"id": "a", "roomType": "party"})
    with pytest.raises(AssertionError):
        validate_response("GET", "/v1/messages/abc", 404, {"error": "no trackingId"})
