"""/v1/webhooks: CRUD, each webhook owned by the token that created it."""
from urllib.parse import urlparse

from flask import Blueprint, jsonify

from .common import actor, json_body, optional_str, paged, required_str, state
from .delivery import check_filter
from .errors import bad_request, not_found
from .ids import make_id
from .state import now_iso, public

bp = Blueprint("webhooks", __name__)

RESOURCES = {"attachmentActions", "dataSources", "memberships", "messages", "rooms", "meetings",
             "recordings", "convergedRecordings", "meetingParticipants", "meetingTranscripts",
             "telephony_calls", "telephony_conference", "telephony_mwi", "uc_counters",
             "serviceApp", "adminBatchJobs", "all"}
EVENTS = {"created", "updated", "deleted", "started", "ended", "joined", "left", "migrated",
          "authorized", "deauthorized", "statusChanged", "all"}


def _check_target(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise bad_request("'targetUrl' must be an absolute http(s) URL.")
    return url


def _owned(webhook_id: str) -> dict:
    hook = state().webhooks.get(webhook_id)
    if hook is None or hook["createdBy"] != actor()["id"]:
        raise not_found("Webhook not found.")
    return hook


@bp.get("/webhooks")
def list_webhooks():
    st, me = state(), actor()
    with st.lock:
        items = [public(h) for h in st.webhooks.values() if h["createdBy"] == me["id"]]
    return paged(items, 100)


@bp.post("/webhooks")
def create_webhook():
    body = json_body()
    name = required_str(body, "name")
    target = _check_target(required_str(body, "targetUrl"))
    resource, event = required_str(body, "resource"), required_str(body, "event")
    if resource not in RESOURCES:
        raise bad_request(f"Unknown webhook resource {resource!r}.")
    if event not in EVENTS:
        raise bad_request(f"Unknown webhook event {event!r}.")
    filter_text, secret = optional_str(body, "filter"), optional_str(body, "secret")
    check_filter(resource, filter_text)
    st, me = state(), actor()
    with st.lock:
        hook = {"id": make_id("WEBHOOK"), "name": name, "targetUrl": target,
                "resource": resource, "event": event}
        if filter_text:
            hook["filter"] = filter_text
        if secret:
            hook["secret"] = secret
        hook.update(orgId=me["orgId"], createdBy=me["id"], appId=st.app_id, ownedBy="creator",
                    status="active", created=now_iso())
        st.webhooks[hook["id"]] = hook
        return jsonify(public(hook))


@bp.get("/webhooks/<webhook_id>")
def get_webhook(webhook_id):
    with state().lock:
        return jsonify(public(_owned(webhook_id)))


@bp.put("/webhooks/<webhook_id>")
def update_webhook(webhook_id):
    body = json_body()
    # The spec makes name and targetUrl required on update, and only allows
    # status "active" (re-enabling); Webex itself is what disables webhooks.
    name = required_str(body, "name")
    target = _check_target(required_str(body, "targetUrl"))
    secret, status = optional_str(body, "secret"), optional_str(body, "status")
    if status is not None and status != "active":
        raise bad_request("'status' can only be set to 'active'.")
    with state().lock:
        hook = _owned(webhook_id)
        hook.update(name=name, targetUrl=target)
        if secret is not None:
            if secret:
                hook["secret"] = secret
            else:
                hook.pop("secret", None)
        if status:
            hook["status"] = status
        return jsonify(public(hook))


@bp.delete("/webhooks/<webhook_id>")
def delete_webhook(webhook_id):
    with state().lock:
        del state().webhooks[_owned(webhook_id)["id"]]
    return "", 204
