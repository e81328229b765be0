"""/v1/people, /v1/rooms, /v1/memberships and /v1/guests/token."""
import uuid

from flask import Blueprint, jsonify, request

from .common import actor, json_body, optional_str, paged, required_str, state
from .errors import WebexError, bad_request, forbidden, not_found
from .state import public

bp = Blueprint("directory", __name__)

GUEST_TOKEN_SECONDS = 64799


# --- people -----------------------------------------------------------------

@bp.get("/people/me")
def people_me():
    return jsonify(public(actor()))


@bp.get("/people/<person_id>")
def get_person(person_id):
    return jsonify(public(state().get_person(person_id)))


@bp.get("/people")
def list_people():
    args, st = request.args, state()
    email, name, ids = args.get("email"), args.get("displayName"), args.get("id")
    if not (email or name or ids):
        raise bad_request("Email, displayName, or id list should be specified.")
    with st.lock:
        people = list(st.people.values())
    if email:
        people = [p for p in people if email.lower() in (e.lower() for e in p["emails"])]
    if name:
        people = [p for p in people if p["displayName"].lower().startswith(name.lower())]
    if ids:
        wanted = ids.split(",")
        if len(wanted) > 85:
            raise bad_request("At most 85 person IDs may be listed.")
        people = [p for p in people if p["id"] in wanted]
    if args.get("orgId"):
        people = [p for p in people if p["orgId"] == args["orgId"]]
    return paged([public(p) for p in people], 100)


# --- rooms ------------------------------------------------------------------

@bp.get("/rooms")
def list_rooms():
    st, me = state(), actor()
    kind = request.args.get("type")
    with st.lock:
        rooms = [r for r in st.rooms.values() if st.is_member(r["id"], me["id"])]
        if kind:
            rooms = [r for r in rooms if r["type"] == kind]
        key = "created" if request.args.get("sortBy") == "created" else "lastActivity"
        rooms.sort(key=lambda r: r[key], reverse=True)
        items = [st.room_view(r, me["id"]) for r in rooms]
    return paged(items, 100)


@bp.post("/rooms")
def create_room():
    title = required_str(json_body(), "title")
    st, me = state(), actor()
    with st.lock:
        room = st.add_room(title, "group", me["id"], [me["id"]])
        return jsonify(st.room_view(room, me["id"]))


@bp.get("/rooms/<room_id>")
def get_room(room_id):
    st, me = state(), actor()
    with st.lock:
        return jsonify(st.room_view(st.room_for_member(room_id, me["id"]), me["id"]))


@bp.put("/rooms/<room_id>")
def update_room(room_id):
    title = required_str(json_body(), "title")
    st, me = state(), actor()
    with st.lock:
        room = st.room_for_member(room_id, me["id"])
        if room["type"] == "direct":
            raise bad_request("A direct room cannot be renamed.")
        room["title"] = title
        return jsonify(st.room_view(room, me["id"]))


@bp.delete("/rooms/<room_id>")
def delete_room(room_id):
    st, me = state(), actor()
    with st.lock:
        room = st.room_for_member(room_id, me["id"])
        if room["creatorId"] != me["id"]:
            raise forbidden("Only the room's creator can delete it.")
        for membership_id in [m["id"] for m in st.memberships.values() if m["roomId"] == room_id]:
            del st.memberships[membership_id]
        for message_id in [m["id"] for m in st.messages.values() if m["roomId"] == room_id]:
            del st.messages[message_id]
        del st.rooms[room_id]
    return "", 204


# --- memberships ------------------------------------------------------------

@bp.get("/memberships")
def list_memberships():
    st, me, args = state(), actor(), request.args
    with st.lock:
        if args.get("roomId"):
            st.room_for_member(args["roomId"], me["id"])
            items = [m for m in st.memberships.values() if m["roomId"] == args["roomId"]]
        else:  # Webex lists the caller's own memberships when no room is given
            items = [m for m in st.memberships.values() if m["personId"] == me["id"]]
        if args.get("personId"):
            items = [m for m in items if m["personId"] == args["personId"]]
        if args.get("personEmail"):
            items = [m for m in items if m["personEmail"].lower() == args["personEmail"].lower()]
        return paged([public(m) for m in items], 100)


@bp.post("/memberships")
def add_membership():
    body = json_body()
    st, me = state(), actor()
    room_id = required_str(body, "roomId")
    with st.lock:
        room = st.room_for_member(room_id, me["id"])
        if room["type"] == "direct":
            raise bad_request("People cannot be added to a direct room.")
        person_id, email = optional_str(body, "personId"), optional_str(body, "personEmail")
        person = st.people.get(person_id) if person_id else \
            st.person_by_email(email) if email else None
        if person is None:
            raise not_found("Person not found.")
        membership = st.add_membership(room_id, person["id"], bool(body.get("isModerator")))
        return jsonify(public(membership))


@bp.get("/memberships/<membership_id>")
def get_membership(membership_id):
    st, me = state(), actor()
    with st.lock:
        membership = st.memberships.get(membership_id)
        if membership is None or not st.is_member(membership["roomId"], me["id"]):
            raise not_found("Membership not found.")
        return jsonify(public(membership))


@bp.delete("/memberships/<membership_id>")
def delete_membership(membership_id):
    st, me = state(), actor()
    with st.lock:
        membership = st.memberships.get(membership_id)
        if membership is None or not st.is_member(membership["roomId"], me["id"]):
            raise not_found("Membership not found.")
        if membership["roomType"] == "direct":
            raise WebexError(409, "Cannot leave a direct room.")
        del st.memberships[membership_id]
    return "", 204


# --- guests (webex-admin.json: POST /guests/token) ----------------------------

@bp.post("/guests/token")
def create_guest_token():
    """A guest is created on first use of a subject; later calls rename it and add a token."""
    body = json_body()
    subject = required_str(body, "subject")
    display_name = required_str(body, "displayName")
    st, me = state(), actor()
    with st.lock:
        key = (me["orgId"], subject)
        guest = st.people.get(st.guests.get(key, ""))
        if guest is None:
            email = f"{uuid.uuid5(uuid.NAMESPACE_URL, me['orgId'] + subject)}@appid.ciscospark.com"
            guest = st.add_person(email, display_name, me["orgId"])
            st.guests[key] = guest["id"]
        else:
            st.rename_person(guest, display_name)
        token = f"sandbox-guest-{uuid.uuid4().hex}"
        st.tokens[token] = guest["id"]
        return jsonify({"id": guest["id"], "subject": subject, "displayName": display_name,
                        "email": guest["emails"][0], "accessToken": token,
                        "expiresIn": GUEST_TOKEN_SECONDS})
