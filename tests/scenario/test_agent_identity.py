"""Guest identities for the meeting agent: minted through the local Webex server, cached
encrypted in Redis, renewed before they expire."""
import pytest
import requests
from cryptography.fernet import Fernet

from bot.config import load_settings
from bot.meeting.identities import AgentIdentity, IdentityError
from bot.web.server import serve
from bot.webex.client import WebexClient
from localwebex.server import create_app
from tests.support.openapi_check import validate_recorded_request


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def webex():
    with serve(create_app()) as server:
        yield server


def identity_for(webex, redis_client, key_prefix, clock, **env):
    settings = load_settings({"WEBEX_API_URL": f"{webex.url}/v1/", "REDIS_KEY_PREFIX": key_prefix,
                              "AGENT_TOKEN_KEY": Fernet.generate_key().decode(), **env})
    issuer = WebexClient(settings, settings.webex_guest_issuer_token) if settings.webex_guest_issuer_token else None
    return AgentIdentity(settings, redis_client, issuer, clock=clock)


def guest_requests(webex):
    return [r for r in requests.get(f"{webex.url}/_sandbox/requests", timeout=5).json()["items"]
            if r["path"] == "/v1/guests/token"]


def test_guest_token_is_minted_cached_encrypted_and_renewed(webex, redis_client, key_prefix):
    clock = Clock()
    identity = identity_for(webex, redis_client, key_prefix, clock, WEBEX_GUEST_ISSUER_TOKEN="sandbox-bot-token")
    first = identity.token_for("alice-id", "Alice Anders (phone)")
    assert first and identity.token_for("alice-id", "Alice Anders (phone)") == first
    [minted] = guest_requests(webex)
    assert minted["body"] == {"subject": "alice-id", "displayName": "Alice Anders (phone)"}
    validate_recorded_request(minted)
    stored = redis_client.get(f"{key_prefix}agent:token:alice-id")
    assert stored and first not in stored  # encrypted at rest
    # the token works as a Webex identity: the guest can read itself
    me = requests.get(f"{webex.url}/v1/people/me", headers={"Authorization": f"Bearer {first}"}, timeout=5).json()
    assert me["displayName"] == "Alice Anders (phone)"
    clock.now += 64_799 - 300  # within the renewal margin before expiresIn
    renewed = identity.token_for("alice-id", "Alice Anders (phone)")
    assert renewed != first and len(guest_requests(webex)) == 2


def test_each_person_is_their_own_guest(webex, redis_client, key_prefix):
    identity = identity_for(webex, redis_client, key_prefix, Clock(), WEBEX_GUEST_ISSUER_TOKEN="sandbox-bot-token")
    alice = identity.token_for("alice-id", "Alice (phone)")
    bob = identity.token_for("bob-id", "Bob (phone)")
    assert alice != bob


def test_a_token_sealed_with_another_key_is_not_used(webex, redis_client, key_prefix):
    clock = Clock()
    first = identity_for(webex, redis_client, key_prefix, clock, WEBEX_GUEST_ISSUER_TOKEN="sandbox-bot-token")
    token = first.token_for("alice-id", "Alice (phone)")
    second = identity_for(webex, redis_client, key_prefix, clock, WEBEX_GUEST_ISSUER_TOKEN="sandbox-bot-token")
    assert second.token_for("alice-id", "Alice (phone)") != token


def test_single_user_token_and_no_identity(webex, redis_client, key_prefix):
    single = identity_for(webex, redis_client, key_prefix, Clock(), WEBEX_AGENT_TOKEN="user-token")
    assert single.token_for("anyone", "Anyone (phone)") == "user-token"
    assert guest_requests(webex) == []
    with pytest.raises(IdentityError):
        identity_for(webex, redis_client, key_prefix, Clock()).token_for("alice-id", "Alice (phone)")
