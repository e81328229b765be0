"""/v1/messages and /v1/attachment/actions, with Webex's validation rules."""
from datetime import datetime

from flask import Blueprint, jsonify, request

from .common import actor, json_body, optional_str, paged, required_str, runtime, state
from .errors import bad_request, forbidden, not_found
from .ids import make_id
from .markup import read_html, render_markdown
from .state import now_iso, public

bp = Blueprint("messages", __name__)

MAX_MESSAGE_BYTES = 7439
MAX_EDITS = 10
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


def _check_length(field: str, value: str | None) -> None:
    if value is not None and len(value.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise bad_request(f"The '{field}' value exceeds the maximum message length of "
                          f"{MAX_MESSAGE_BYTES} bytes.")


def _check_attachments(attachments) -> list[dict] | None:
    if attachments is None:
        return None
    if not isinstance(attachments, list):
        raise bad_request("'attachments' must be an array.")
    if len(attachments) > 1:
        raise bad_request("Only one attachment per message is supported.")
    for attachment in attachments:
        if not isinstance(attachment, dict) or attachment.get("contentType") != CARD_TYPE:
            raise bad_request(f"Attachment contentType must be '{CARD_TYPE}'.")
        if not isinstance(attachment.get("content"), dict):
            raise bad_request("Attachment 'content' must be an adaptive card object.")
    return attachments or None


def _target_room(body: dict, me: dict) -> dict:
    st = state()
    targets = [key for key in ("roomId", "toPersonId", "toPersonEmail") if body.get(key)]
    if len(targets) != 1:
        raise bad_request("Exactly one of roomId, toPersonId or toPersonEmail must be given.")
    if body.get("roomId"):
        room = st.rooms.get(required_str(body, "roomId"))
        if room is None:
            raise not_found("Could not find a room with provided ID.")
        if not st.is_member(room["id"], me["id"]):
            raise forbidden("You are not a member of this room.")
        return room
    if body.get("toPersonId"):
        other = st.people.get(required_str(body, "toPersonId"))
    else:
        other = st.person_by_email(required_str(body, "toPersonEmail"))
    if other is None:
        raise not_found("Could not find the person to send the message to.")
    return st.direct_room(me["id"], other["id"])


def _render(body: dict, me: dict, room: dict) -> dict:
    """Work out text/markdown/html and mentions the way Webex stores them."""
    st = state()
    text, markdown, html = (optional_str(body, k) for k in ("text", "markdown", "html"))
    for field, value in (("text", text), ("markdown", markdown), ("html", html)):
        _check_length(field, value)
    fields: dict = {}
    people: list[str] = []
    groups: list[str] = []
    if markdown is not None:
        rendered = render_markdown(markdown, st.resolve_person)
        fields.update(text=text if text is not None else rendered.text, markdown=markdown,
                      html=rendered.html)
        people, groups = rendered.mentioned_people, rendered.mentioned_groups
    elif html is not None:
        rendered = read_html(html)
        fields.update(text=text if text is not None else rendered.text, html=html)
        people, groups = rendered.mentioned_people, rendered.mentioned_groups
    elif text is not None:
        fields["text"] = text
    extra = body.get("mentionedPeople")
    if extra is not None:  # what Webex clients send for users mentioning people in spaces
        if me["type"] != "person" or room["type"] != "group":
            raise bad_request("'mentionedPeople' is only accepted from users in group rooms.")
        if not isinstance(extra, list) or not all(isinstance(p, str) for p in extra):
            raise bad_request("'mentionedPeople' must be an array of person IDs.")
        for person_id in extra:
            if person_id not in st.people:
                raise bad_request(f"Unknown mentioned person {person_id}.")
            if person_id not in people:
                people.append(person_id)
    if people:
        fields["mentionedPeople"] = people
    if groups:
        fields["mentionedGroups"] = groups
    return fields


def _message_view(message: dict) -> dict:
    return public(message)


@bp.post("/messages")
def create_message():
    body = json_body()
    me = actor()
    if body.get("files"):
        raise bad_request("File attachments are not supported by the local Webex server.")
    attachments = _check_attachments(body.get("attachments"))
    if attachments and not (body.get("text") or body.get("markdown")):
        raise bad_request("A message with attachments must also have 'text' or 'markdown'.")
    if not attachments and not any(body.get(k) for k in ("text", "markdown", "html")):
        raise bad_request("A message needs 'text', 'markdown' or 'html'.")
    st, delivery = state(), runtime().delivery
    with st.lock:
        room = _target_room(body, me)
        fields = _render(body, me, room)
        if not fields.get("text") and not attachments:
            raise bad_request("A message needs 'text', 'markdown' or 'html'.")
        parent_id = optional_str(body, "parentId")
        if parent_id:
            parent = st.messages.get(parent_id)
            if parent is None or parent["roomId"] != room["id"]:
                raise bad_request("'parentId' must be a message in the same room.")
            if parent.get("parentId"):
                raise bad_request("Cannot reply to a reply; use the thread's parent message.")
        created = now_iso()
        message = {"id": make_id("MESSAGE")}
        if parent_id:
            message["parentId"] = parent_id
        message.update(roomId=room["id"], roomType=room["type"])
        message.update({k: fields[k] for k in ("text", "markdown", "html") if k in fields})
        if attachments:
            message["attachments"] = attachments
        message.update(personId=me["id"], personEmail=me["emails"][0])
        message.update({k: fields[k] for k in ("mentionedPeople", "mentionedGroups") if k in fields})
        message.update(created=created, _edits=0, _seq=st.next_seq())
        st.messages[message["id"]] = message
        room["lastActivity"] = created
        st.publish("created", message)
        delivery.message_created(message)
        view = _message_view(message)
    for key in ("toPersonId", "toPersonEmail"):
        if body.get(key):
            view[key] = body[key]
    return jsonify(view)


def _visible_message(message_id: str, me: dict) -> dict:
    st = state()
    message = st.messages.get(message_id)
    if message is None or not st.is_member(message["roomId"], me["id"]):
        raise not_found("Message not found.")
    # Bots only see group messages that mention them (or that they wrote).
    if me["type"] == "bot" and message["roomType"] == "group" and message["personId"] != me["id"] \
            and me["id"] not in message.get("mentionedPeople", []):
        raise not_found("Message not found.")
    return message


def _parse_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"Invalid date and time {value!r}.") from None


def _list_room_messages(room_id: str, me: dict, args) -> list[dict]:
    st = state()
    room = st.room_for_member(room_id, me["id"])
    mentioned = args.getlist("mentionedPeople")
    for value in mentioned:
        if value not in ("me", me["id"]):
            raise bad_request("'mentionedPeople' only accepts 'me' or your own person ID.")
    if me["type"] == "bot" and room["type"] == "group" and not mentioned:
        raise forbidden("Bots must use mentionedPeople=me to list messages in group rooms.")
    messages = [m for m in st.messages.values() if m["roomId"] == room_id]
    if mentioned:
        messages = [m for m in messages if me["id"] in m.get("mentionedPeople", [])]
    if args.get("parentId"):
        messages = [m for m in messages if m.get("parentId") == args["parentId"]]
    if args.get("before"):
        limit = _parse_time(args["before"])
        messages = [m for m in messages if _parse_time(m["created"]) < limit]
    if args.get("beforeMessage"):
        anchor = st.messages.get(args["beforeMessage"])
        if anchor is None or anchor["roomId"] != room_id:
            raise not_found("'beforeMessage' not found in this room.")
        messages = [m for m in messages if m["_seq"] < anchor["_seq"]]
    messages.sort(key=lambda m: m["_seq"], reverse=True)  # newest first, as Webex lists
    return [_message_view(m) for m in messages]


@bp.get("/messages")
def list_messages():
    room_id = request.args.get("roomId")
    if not room_id:
        raise bad_request("'roomId' is required.")
    with state().lock:
        items = _list_room_messages(room_id, actor(), request.args)
    return paged(items, 50, 100 if request.args.get("mentionedPeople") else None)


@bp.get("/messages/direct")
def list_direct_messages():
    st, me = state(), actor()
    person_id, email = request.args.get("personId"), request.args.get("personEmail")
    with st.lock:
        other = st.people.get(person_id) if person_id else \
            st.person_by_email(email) if email else None
        if other is None:
            raise bad_request("'personId' or 'personEmail' of an existing person is required.")
        room = st.direct_room(me["id"], other["id"], create=False)
        items = _list_room_messages(room["id"], me, request.args) if room else []
    return paged(items, 50)


@bp.get("/messages/<message_id>")
def get_message(message_id):
    with state().lock:
        return jsonify(_message_view(_visible_message(message_id, actor())))


@bp.put("/messages/<message_id>")
def edit_message(message_id):
    body = json_body()
    me, st = actor(), state()
    with st.lock:
        message = _visible_message(message_id, me)
        if message["personId"] != me["id"]:
            raise forbidden("You can only edit your own messages.")
        if required_str(body, "roomId") != message["roomId"]:
            raise bad_request("'roomId' does not match the message's room.")
        if "html" in body:
            raise bad_request("Remove 'html' before editing a message; send text or markdown.")
        if not (body.get("text") or body.get("markdown")):
            raise bad_request("'text' or 'markdown' is required.")
        if message.get("attachments") or message.get("files"):
            raise bad_request("Edits of messages containing files or attachments are not "
                              "currently supported.")
        if message["_edits"] >= MAX_EDITS:
            raise bad_request(f"The edit limit of {MAX_EDITS} has been reached for this message.")
        fields = _render(body, me, st.rooms[message["roomId"]])
        for key in ("text", "markdown", "html", "mentionedPeople", "mentionedGroups"):
            message.pop(key, None)
        created = message.pop("created")
        message.update(fields)
        message.update(created=created, updated=now_iso())
        message["_edits"] += 1
        st.publish("updated", message)
        return jsonify(_message_view(message))


@bp.delete("/messages/<message_id>")
def delete_message(message_id):
    me, st = actor(), state()
    with st.lock:
        message = _visible_message(message_id, me)
        membership = st.membership_of(message["roomId"], me["id"])
        if message["personId"] != me["id"] and not membership["isModerator"]:
            raise forbidden("You can only delete your own messages.")
        del st.messages[message_id]
        st.publish("deleted", {"id": message_id, "roomId": message["roomId"],
                               "personId": message["personId"]})
    return "", 204


@bp.post("/attachment/actions")
def create_attachment_action():
    body = json_body()
    me, st = actor(), state()
    if body.get("type") != "submit":
        raise bad_request("'type' must be 'submit'.")
    message_id = required_str(body, "messageId")
    inputs = body.get("inputs")
    if not isinstance(inputs, dict):
        raise bad_request("'inputs' must be an object.")
    with st.lock:
        message = st.messages.get(message_id)
        if message is None:
            raise not_found("Message not found.")
        if not message.get("attachments"):
            raise bad_request("The message has no card to submit.")
        if not st.is_member(message["roomId"], me["id"]):
            raise forbidden("You are not a member of the card's room.")
        action = {"id": make_id("ATTACHMENT_ACTION"), "type": "submit", "messageId": message_id,
                  "inputs": inputs, "personId": me["id"], "roomId": message["roomId"],
                  "created": now_iso()}
        st.actions[action["id"]] = action
        runtime().delivery.action_created(action, message)
        # 200, not the spec's 202: webexpythonsdk raises ApiError on anything but 200.
        return jsonify(public(action))


@bp.get("/attachment/actions/<action_id>")
def get_attachment_action(action_id):
    me, st = actor(), state()
    with st.lock:
        action = st.actions.get(action_id)
        card = st.messages.get(action["messageId"]) if action else None
        card_author = card["personId"] if card else None
        if action is None or me["id"] not in (action["personId"], card_author):
            raise not_found("Attachment action not found.")
        return jsonify(public(action))
