"""Inbox drain rate: a backlog of real events (messages on the local Webex server, from many
people), handled by one worker process end to end: fetch, parse, handle, store,
post the reply. The local Webex server runs as a process of its own, as Webex would.

  .venv/bin/python bench/drain.py --events 2000 --people 50
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import subprocess  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from bench.own_redis import free_port, own_redis  # noqa: E402
from bot import runtime  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.stores.redis_connection import connect  # noqa: E402
from bot.streams.inbox import Inbox  # noqa: E402

PROCESSES: dict[str, subprocess.Popen] = {}  # url → the local Webex server process (for CPU figures)


@contextmanager
def local_webex(nice: int = 0):
    """`nice`: a lower CPU priority, for benchmarks where it stands in for a Webex far away."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "localwebex", "--port", str(port)], cwd=REPO,
                               preexec_fn=(lambda: os.nice(nice)) if nice else None,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    PROCESSES[url] = process
    try:
        for _ in range(200):
            try:
                requests.get(f"{url}/_sandbox/world", timeout=0.5).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--appendfsync", default="always")
    parser.add_argument("--concurrency", type=int, default=256, help="WORKER_CONCURRENCY: events in flight")
    args = parser.parse_args()

    with local_webex() as webex_url, own_redis(args.appendfsync) as redis_url:
        people = [requests.post(f"{webex_url}/_sandbox/people", timeout=5,
                                json={"email": f"p{i}@acme.example", "displayName": f"Person {i}"}).json()
                  for i in range(args.people)]
        settings = load_settings({"REDIS_URL": redis_url, "WEBEX_API_URL": f"{webex_url}/v1/", "LOG_LEVEL": "ERROR",
                                  "WORKER_CONCURRENCY": str(args.concurrency), "REDIS_KEY_PREFIX": "drain:"})
        client = connect(settings)
        inbox = Inbox(client, settings)
        inbox.ensure_group()
        for i in range(args.events):  # the backlog, as the web tier would have stored it
            person = people[i % len(people)]
            message = requests.post(f"{webex_url}/v1/messages", timeout=5, json={"roomId": person["directRoomId"],
                                    "text": "status"}, headers={"Authorization": f"Bearer {person['token']}"}).json()
            inbox.accept("messages", "created", {"id": message["id"], "personId": person["id"],
                                                 "roomId": message["roomId"]})
        start = time.perf_counter()
        bot = runtime.start(settings, client=client, web=False)
        try:
            done = settings.key("done", "messages:created:")
            while True:  # every event done (Redis 6.2's XINFO GROUPS has no lag) and every reply posted
                finished = sum(1 for _ in client.scan_iter(match=done + "*", count=1000))
                if finished >= args.events and client.zcard(settings.key("outbox", "due")) == 0:
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
        finally:
            bot.stop()
        bot_id = requests.get(f"{webex_url}/_sandbox/world", timeout=5).json()["botId"]
        feed = requests.get(f"{webex_url}/_sandbox/feed", params={"after": 0}, timeout=30).json()["items"]
        replies = sum(1 for message in feed if message.get("personId") == bot_id)
        print(json.dumps({"events": args.events, "people": args.people, "worker_concurrency": args.concurrency,
                          "appendfsync": args.appendfsync, "seconds": round(elapsed, 2),
                          "events_per_second": round(args.events / elapsed, 1), "replies_posted": replies}))


if __name__ == "__main__":
    main()
