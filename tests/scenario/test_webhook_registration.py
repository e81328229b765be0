"""`webhooks sync` against the local Webex server: creates, re-activates, deletes stale, idempotent."""
import pytest
import requests

from bot.config import load_settings
from bot.web.server import serve
from bot.webex import webhook_registration
from bot.webex.client import WebexClient
from localwebex.server import create_app

PUBLIC = "https://bot.example.com"


@pytest.fixture
def webex():
    with serve(create_app()) as server:
        settings = load_settings({"WEBEX_API_URL": f"{server.url}/v1/"})
        client = WebexClient(settings, "sandbox-bot-token")
        client.server_url = server.url
        yield client


def hooks(client):
    return sorted((h["resource"], h["event"], h["targetUrl"], h["status"]) for h in client.webhooks())


def test_creates_what_is_missing_and_is_idempotent(webex):
    assert webhook_registration.sync(webex, PUBLIC, "s3cret") == ["created messages:created",
                                                                   "created attachmentActions:created"]
    first = hooks(webex)
    assert first == [("attachmentActions", "created", PUBLIC + "/webhooks/webex", "active"),
                     ("messages", "created", PUBLIC + "/webhooks/webex", "active")]
    assert webhook_registration.sync(webex, PUBLIC, "s3cret") == []
    assert hooks(webex) == first


def test_reactivates_inactive_and_deletes_stale(webex):
    webhook_registration.sync(webex, PUBLIC, "s3cret")
    messages_hook = next(h for h in webex.webhooks() if h["resource"] == "messages")
    requests.post(f"{webex.server_url}/_sandbox/webhooks/{messages_hook['id']}/status", json={"status": "inactive"},
                  timeout=5).raise_for_status()
    stale = webex.create_webhook("phone-audio-bot old", "https://old.example.com/hook", "messages", "created", "x")
    foreign = webex.create_webhook("someone else's", "https://other.example.com", "rooms", "created", "y")
    changes = webhook_registration.sync(webex, PUBLIC, "s3cret")
    assert "re-activated messages:created" in changes
    assert any(change.startswith("deleted stale") for change in changes)
    ids = {h["id"] for h in webex.webhooks()}
    assert stale["id"] not in ids and foreign["id"] in ids and messages_hook["id"] in ids
    assert all(h["status"] == "active" for h in webex.webhooks())
    assert webhook_registration.sync(webex, PUBLIC, "s3cret") == []


def test_the_command_line_syncs_and_lists(webex):
    import subprocess
    import sys

    from bot.config import REPO_ROOT

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), "WEBEX_ACCESS_TOKEN": "sandbox-bot-token",
           "WEBEX_WEBHOOK_SECRET": "s3cret", "PUBLIC_URL": PUBLIC, "WEBEX_API_URL": f"{webex.server_url}/v1/",
           "LOG_LEVEL": "WARNING"}
    first = subprocess.run([sys.executable, "-m", "bot", "webhooks", "sync"], env=env, capture_output=True,
                           text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "created messages:created" in first.stdout and "active   attachmentActions:created" in first.stdout
    second = subprocess.run([sys.executable, "-m", "bot", "webhooks", "sync"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert "nothing changed" in second.stdout and "s3cret" not in second.stdout + second.stderr
