"""The reply path, deployed as the Procfile says: replies/s at added Webex latency, Redis
commands and round trips per event, idle worker commands/s, Redis memory per session, peak RSS.

For each latency: a redis-server of its own, the local Webex server as its own process (its
fault knob `delay` adds the latency to every call), the web tier under gunicorn and the agent,
then N signed deliveries through the web tier (the backlog), then ONE `python -m bot worker`
drains it. Figures:
  replies_per_second      N-1 over the time from the first reply posted to the last (Webex's clock)
  commands_per_event      INFO commandstats delta over the drain / N (by command, too)
  round_trips_per_event   INFO stats total_writes_processed delta / N: one reply written per round
                          trip, pipelines and scripts count once (no MONITOR, no client changes)
  idle_commands_per_second  the worker's alone (the web tier's and agent's idle rate subtracted)
  session_bytes           MEMORY USAGE of a session hash, mean
  peak_rss_mb             VmHWM of each process

  .venv/bin/python bench/worker_speed.py --latencies 0,50,200 --events 1000 --people 100
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import redis
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.drain import PROCESSES, local_webex  # noqa: E402
from bench.own_redis import free_port, own_redis  # noqa: E402
from bot.web.signature import HEADER, sign  # noqa: E402

SECRET = "bench-secret"
PREFIX = "speed:"


def procfile_argv(name: str, port: int) -> list[str]:
    for line in (REPO / "Procfile").read_text().splitlines():
        role, _, command = line.partition(":")
        if role.strip() == name:
            argv = shlex.split(command.replace("$PORT", str(port)))
            tool = {"python": sys.executable, "gunicorn": str(Path(sys.executable).parent / "gunicorn")}
            return [tool.get(argv[0], argv[0]), *argv[1:]]
    raise KeyError(name)


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counts(client: redis.Redis) -> tuple[dict, int, int]:
    stats = client.info("commandstats")
    info = client.info("stats")
    return ({name[len("cmdstat_"):]: value["calls"] for name, value in stats.items()},
            info["total_commands_processed"], info["total_writes_processed"])


def delta(after: dict, before: dict) -> dict:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out: {what}")
        time.sleep(0.05)


def run(latency_ms: int, events: int, people_count: int, idle_seconds: float, profile: str = "") -> dict:
    with local_webex() as webex_url, own_redis("always") as redis_url:
        people = [requests.post(f"{webex_url}/_sandbox/people", timeout=5,
                                json={"email": f"p{i}@acme.example", "displayName": f"Person {i}"}).json()
                  for i in range(people_count)]
        bot_id = requests.get(f"{webex_url}/_sandbox/world", timeout=5).json()["botId"]

        def post(i: int) -> dict:
            person = people[i % len(people)]
            return requests.post(f"{webex_url}/v1/messages", timeout=10, json={"roomId": person["directRoomId"],
                                 "text": "status"}, headers={"Authorization": f"Bearer {person['token']}"}).json()

        with ThreadPoolExecutor(8) as pool:
            messages = list(pool.map(post, range(events)))
        port = free_port()
        env = {**os.environ, "REDIS_URL": redis_url, "WEBEX_API_URL": f"{webex_url}/v1/", "LOG_LEVEL": "ERROR",
               "WEBEX_WEBHOOK_SECRET": SECRET, "REDIS_KEY_PREFIX": PREFIX, "PYTHONPATH": str(REPO), "PORT": str(port)}
        env.pop("WEBEX_ACCESS_TOKEN", None)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": REPO, "env": env}
        web = subprocess.Popen(procfile_argv("web", port), **quiet)
        agent = subprocess.Popen(procfile_argv("agent", port), **quiet)
        worker = None
        client = redis.Redis.from_url(redis_url, decode_responses=True)
        try:
            wait_until(lambda: _up(f"http://127.0.0.1:{port}/healthz"), 30, "web tier")
            session = requests.Session()

            def deliver(message: dict) -> int:
                body = json.dumps({"id": "hook", "resource": "messages", "event": "created",
                                   "data": {"id": message["id"], "personId": message["personId"],
                                            "roomId": message["roomId"]}}).encode()
                return session.post(f"http://127.0.0.1:{port}/webhooks/webex", data=body, timeout=10,
                                    headers={HEADER: sign(SECRET, body)}).status_code

            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(deliver, messages))
            assert statuses.count(200) == events, statuses
            if latency_ms:
                requests.post(f"{webex_url}/_sandbox/faults", timeout=5,
                              json={"delay": latency_ms / 1000, "seconds": 3600}).raise_for_status()
            time.sleep(1.0)
            base_cmds, base_total, _ = counts(client)
            time.sleep(idle_seconds)
            _, others_total, _ = counts(client)
            others_rate = (others_total - base_total) / idle_seconds  # the web tier's and agent's own
            before_cmds, before_total, before_writes = counts(client)
            spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--format", "raw", "--nonblocking", "-o",
                   f"{profile}-{latency_ms}ms.txt", "--"] if profile else []
            worker = subprocess.Popen(spy + procfile_argv("worker", port), **quiet)
            cpu_pids = {"webex": PROCESSES[webex_url].pid, "agent": agent.pid,
                        "web": sum(cpu_seconds(p) for p in children(web.pid))}
            cpu_before = {name: cpu_seconds(pid) if name != "web" else pid for name, pid in cpu_pids.items()}
            replies = _reply_counter(webex_url, bot_id)
            wait_until(lambda: replies() >= events, 600, "every reply posted")
            wait_until(lambda: client.zcard(f"{PREFIX}outbox:due") == 0, 30, "outbox empty")
            after_cmds, after_total, after_writes = counts(client)
            worker_pid = children(worker.pid)[0] if profile and children(worker.pid) else worker.pid
            cpu = {"webex": cpu_seconds(cpu_pids["webex"]) - cpu_before["webex"],
                   "agent": cpu_seconds(agent.pid) - cpu_before["agent"],
                   "web": sum(cpu_seconds(p) for p in children(web.pid)) - cpu_before["web"],
                   "worker": cpu_seconds(worker_pid)}
            time.sleep(1.0)
            _, idle_start, _ = counts(client)
            time.sleep(idle_seconds)
            _, idle_end, _ = counts(client)
            feed = requests.get(f"{webex_url}/_sandbox/feed", params={"after": 0}, timeout=30).json()["items"]
            stamps = sorted(_when(m["created"]) for m in feed if m.get("personId") == bot_id)
            sizes = [session_bytes(client, person) for person in people[:5]]
            rss = {"web_master": peak_rss_mb(web.pid), "web_workers": [peak_rss_mb(p) for p in children(web.pid)],
                   "worker": peak_rss_mb(worker.pid), "agent": peak_rss_mb(agent.pid)}
            drained = after_total - before_total
            return {"latency_ms": latency_ms, "events": events, "people": people_count, "replies": len(stamps),
                    "replies_per_second": round((len(stamps) - 1) / max(stamps[-1] - stamps[0], 1e-3), 1),
                    "commands_per_event": round(drained / events, 2),
                    "round_trips_per_event": round((after_writes - before_writes) / events, 2),
                    "by_command_per_event": {k: round(v / events, 2) for k, v in
                                             sorted(delta(after_cmds, before_cmds).items(), key=lambda kv: -kv[1])},
                    "idle_commands_per_second": round((idle_end - idle_start) / idle_seconds - others_rate, 1),
                    "others_idle_commands_per_second": round(others_rate, 1),
                    "session_bytes": round(statistics.mean(sizes)) if sizes else None, "peak_rss_mb": rss,
                    "drain_seconds": round(stamps[-1] - stamps[0], 2),
                    "cpu_seconds_in_drain": {k: round(v, 2) for k, v in cpu.items()}}
        finally:
            if worker is not None and profile:
                worker.send_signal(signal.SIGINT)  # py-spy writes its profile, then stops the worker
                worker.wait(60)
            for process in (worker, web, agent):
                if process is not None and process.poll() is None:
                    process.terminate()
            for process in (worker, web, agent):
                if process is not None:
                    process.wait(30)


def session_bytes(client: redis.Redis, person: dict) -> int:
    """MEMORY USAGE of a typical busy session: a meeting, dial-in details, a connected dial-out."""
    from bot.config import load_settings
    from bot.conversation.session import Session
    from bot.stores.sessions import SessionStore

    store = SessionStore(client, load_settings({"REDIS_KEY_PREFIX": PREFIX + "memory:"}))
    session = Session(person_id=person["id"], display_name=person["displayName"], person_email=person.get("email") or "p@acme.example",
                      room_id=person["directRoomId"], meeting_kind="number", meeting_value="25512345678",
                      access_code="25512345678", toll_number="+1-415-555-0199", toll_label="US Toll",
                      global_callin_url="https://sandbox.webex.local/global-call-in-numbers", dial_out_status="SUCCESS",
                      dial_out_attendee_id="483920", dial_out_number="+14085550100", last_number="+14085550100",
                      agent_seq=1733043200123456789, agent="simulator-1a2b3c4d", call_id="c0ffee00c0ffee00")
    store.commit(store.load(person["id"]), session)
    return client.memory_usage(store.key(person["id"]))


def _reply_counter(webex_url: str, bot_id: str):
    seen = {"seq": 0, "count": 0}

    def count() -> int:
        feed = requests.get(f"{webex_url}/_sandbox/feed", params={"after": seen["seq"]}, timeout=30).json()
        seen["seq"] = feed["seq"]
        seen["count"] += sum(1 for m in feed["items"] if m.get("personId") == bot_id)
        time.sleep(0.2)
        return seen["count"]

    return count


def _when(created: str) -> float:
    return datetime.strptime(created, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latencies", default="0,50,200", help="added Webex latency per call, ms")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument("--profile", default="", help="record the worker with py-spy (collapsed stacks) to PREFIX-<ms>ms.txt")
    args = parser.parse_args()
    for latency in (int(ms) for ms in args.latencies.split(",")):
        print(json.dumps(run(latency, args.events, args.people, args.idle_seconds, args.profile)), flush=True)


if __name__ == "__main__":
    main()
