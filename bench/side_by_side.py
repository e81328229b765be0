"""Our bot and webexteamsbot (PyPI 0.1.4.2) side by side, under the same open-loop load.

One command (a ~2-minute smoke run with --quick; the full default takes ~30 minutes):

  /work/main/.venv/bin/python bench/side_by_side.py --quick
  /work/main/.venv/bin/python bench/side_by_side.py --rates 50,100,200 --seconds 10 --latencies 0,50,200

A = our bot, deployed as the Procfile says: web under gunicorn 2 workers x 8 threads, one
`python -m bot worker`, one `python -m bot agent`, a redis-server of its own on a free port
(bench/own_redis.py, `--appendfsync always` like the embedded default).
B = webexteamsbot 0.1.4.2 with one `help` command (bench/peer_bot.py) in its own virtualenv
(var/bench/peer-venv, created from bench/peer-requirements.txt when missing), under gunicorn
2 x 8 too. Each side talks to a local Webex server process of its own (`python -m localwebex`).

Load, the same for both: `help` messages from 50 people. Each message is first created on
that side's local Webex server (as the person), then its webhook delivery is POSTed to the bot
by this script: a real Webex envelope, signed with X-Spark-Signature (HMAC-SHA1), scheduled
by the clock at a fixed rate (open loop: a slow bot does not slow the sender down), and every
latency is counted from the delivery's scheduled time. `ack` is the HTTP answer to the
delivery; `reply` is when the local Webex server received the bot's POST /v1/messages (its
request log's receive time). Replies are matched to deliveries per person, in order.
Added Webex latency is the local server's own fault knob (POST /_sandbox/faults with a
`delay`), limited to the bot's token: every REST call the bot makes waits that long.

Order: for each added latency and rate, A, B, A, B (--rounds 2). A reply that has not come
within --grace seconds after the burst is missing; before the next trial the side is left
to go quiet (so a backlog does not leak into the other side's numbers).

Per trial: ack p50/p99/p99.9, reply p50/p99, sustained replies/s (replies in the grace
window / time from the first scheduled delivery to the last reply), missing replies, the
bot's REST calls per event (local server's request log), CPU seconds and peak RSS per role
(/proc: utime+stime deltas; VmHWM, reset per trial via clear_refs), and for our bot Redis
commands and reads (~round trips: `total_reads_processed`) per event from INFO deltas; and
how busy the whole machine was, with the CPU other processes took (a shared machine's noise).
Our web tier's own time per delivery (Server-Timing) and when the slowest acks fell in the
burst are in the raw JSON.

Results: a markdown table on stdout, raw JSON under var/bench/, and (unless --no-write) the
section for this mode in docs/benchmarks.md, with the date and machine. Only 127.0.0.1 is
ever targeted; every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import redis
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.own_redis import free_port, own_redis
from bot.web.signature import HEADER, sign

SECRET = "bench-side-by-side-secret"
PEER_VENV = REPO / "var" / "bench" / "peer-venv"
PEER_REQUIREMENTS = REPO / "bench" / "peer-requirements.txt"
DOC = REPO / "docs" / "benchmarks.md"
HOST = "127.0.0.1"  # the only host this script ever sends to
ACK_TIMEOUT = 30.0
QUIET_SECONDS = 3.0
QUIET_CAP = 45.0
PY = sys.executable


# --- small helpers -----------------------------------------------------------------------

def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def wait_http(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=0.5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {seconds:.0f}s")


@contextmanager
def process(args: list[str], env: dict, log_name: str, cwd: Path = REPO):
    log_dir = REPO / "var" / "bench" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"{log_name}.log", "wb") as log:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


# --- /proc accounting ----------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo and len(pids) < 200:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return (int(rest[11]) + int(rest[12])) / TICK
    except OSError:
        return 0.0


def peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peak(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all processes, all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK


def wait_for_quiet(max_seconds: float, busy_below: float = 25.0) -> float:
    """Wait (bounded) until the machine is mostly idle for a second; the last busy % seen."""
    deadline, cores = time.monotonic() + max_seconds, len(os.sched_getaffinity(0))
    busy = 100.0
    while True:
        b0, w0 = machine_busy_seconds(), time.time()
        time.sleep(1.0)
        busy = 100 * (machine_busy_seconds() - b0) / ((time.time() - w0) * cores)
        if busy < busy_below or time.monotonic() >= deadline:
            return round(busy, 1)


class Roles:
    """Named process trees: CPU deltas and peak RSS over one trial."""

    def __init__(self, roots: dict[str, int]):
        self.roots = roots
        self.start: dict[str, float] = {}

    @staticmethod
    def pids(role: str, root: int) -> list[int]:
        return [root] if role == "load generator" else tree(root)  # this script, not its children

    def begin(self) -> None:
        for role, root in self.roots.items():
            pids = self.pids(role, root)
            for pid in pids:
                reset_peak(pid)
            self.start[role] = sum(cpu_seconds(p) for p in pids)
        self.busy0, self.wall0 = machine_busy_seconds(), time.time()

    def end(self) -> dict:
        out = {}
        for role, root in self.roots.items():
            pids = self.pids(role, root)
            out[role] = {"cpu_s": round(sum(cpu_seconds(p) for p in pids) - self.start[role], 2),
                         "rss_mb": round(sum(peak_rss_mb(p) for p in pids), 1), "procs": len(pids)}
        # Whatever else ran on the machine meanwhile (other sessions' tests, say) competed for the cores.
        busy, wall = machine_busy_seconds() - self.busy0, time.time() - self.wall0
        others = busy - sum(u["cpu_s"] for u in out.values())
        out["machine"] = {"busy_pct": round(100 * busy / (wall * len(os.sched_getaffinity(0))), 1),
                          "others_cpu_s": round(max(others, 0.0), 2), "wall_s": round(wall, 1),
                          "loadavg": Path("/proc/loadavg").read_text().split()[0]}
        return out


def redis_counters(client: redis.Redis) -> dict:
    stats = client.info("stats")
    commands = {name.removeprefix("cmdstat_"): value["calls"]
                for name, value in client.info("commandstats").items()}
    return {"reads": stats.get("total_reads_processed", 0), "commands": stats["total_commands_processed"],
            "by_command": commands}


# --- one side's local Webex server -----------------------------------------------------------

class Webex:
    def __init__(self, url: str, people: int):
        self.url = url
        self.http = requests.Session()
        for i in range(people):
            self.http.post(f"{url}/_sandbox/people", timeout=10,
                           json={"email": f"bench{i}@acme.example", "displayName": f"Bench Person {i}"}
                           ).raise_for_status()
        world = self.http.get(f"{url}/_sandbox/world", timeout=10).json()
        self.bot_id, self.bot_token, self.bot_email = world["botId"], world["botToken"], world["botEmail"]
        self.people = [p for key, p in world["people"].items() if key.startswith("bench")]
        self.room_person = {p["directRoomId"]: p for p in self.people}
        self.feed_seq = 0
        self.poll_feed()

    def bot_api(self, method: str, path: str, **kw):
        return self.http.request(method, f"{self.url}/v1/{path}", timeout=10,
                                 headers={"Authorization": f"Bearer {self.bot_token}"}, **kw)

    def delete_webhooks(self) -> int:
        hooks = self.bot_api("GET", "webhooks").json().get("items", [])
        for hook in hooks:
            self.bot_api("DELETE", f"webhooks/{hook['id']}")
        return len(hooks)

    def set_latency(self, ms: float) -> None:
        self.http.delete(f"{self.url}/_sandbox/faults", timeout=10)
        if ms > 0:
            self.http.post(f"{self.url}/_sandbox/faults", timeout=10, json={
                "path": "/", "delay": ms / 1000, "personId": self.bot_id, "seconds": 86400}).raise_for_status()

    def create_messages(self, n: int) -> list[dict]:
        """n `help` messages, person i % people, as the people themselves post them."""
        def post(i: int) -> dict:
            person = self.people[i % len(self.people)]
            session = sessions[i % len(sessions)]
            r = session.post(f"{self.url}/v1/messages", timeout=10, json={"roomId": person["directRoomId"], "text": "help"},
                             headers={"Authorization": f"Bearer {person['token']}"})
            r.raise_for_status()
            return r.json()
        sessions = [requests.Session() for _ in range(8)]
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(post, range(n)))

    def clear_requests(self) -> None:
        self.http.delete(f"{self.url}/_sandbox/requests", timeout=30)

    def requests_log(self) -> list[dict]:
        return self.http.get(f"{self.url}/_sandbox/requests", timeout=60).json()["items"]

    def poll_feed(self) -> int:
        """Bot messages created since the last poll."""
        body = self.http.get(f"{self.url}/_sandbox/feed", params={"after": self.feed_seq}, timeout=30).json()
        self.feed_seq = body["seq"]
        return sum(1 for item in body["items"] if item.get("personId") == self.bot_id)


def local_webex(stack: ExitStack, name: str, people: int) -> Webex:
    port = free_port()
    proc = stack.enter_context(process([PY, "-m", "localwebex", "--host", HOST, "--port", str(port)],
                                       {**os.environ, "PYTHONPATH": str(REPO)}, f"webex-{name}"))
    url = f"http://{HOST}:{port}"
    wait_http(f"{url}/_sandbox/world")
    webex = Webex(url, people)
    webex.pid = proc.pid
    return webex


# --- the two bots ----------------------------------------------------------------------------

def ensure_peer_venv() -> Path:
    python = PEER_VENV / "bin" / "python"
    stamp = PEER_VENV / ".requirements"
    wanted = PEER_REQUIREMENTS.read_text()
    if not (python.exists() and stamp.exists() and stamp.read_text() == wanted):
        print(f"creating {PEER_VENV} from {PEER_REQUIREMENTS.name}", file=sys.stderr)
        subprocess.run([PY, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(PEER_REQUIREMENTS)], check=True)
        stamp.write_text(wanted)
    return PEER_VENV / "bin" / "gunicorn"


def start_ours(stack: ExitStack, webex: Webex, redis_url: str, args) -> tuple[str, dict]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "WEBEX_ACCESS_TOKEN": webex.bot_token,
           "WEBEX_API_URL": f"{webex.url}/v1/", "WEBEX_WEBHOOK_SECRET": SECRET, "REDIS_URL": redis_url,
           "REDIS_KEY_PREFIX": "bench:", "PORT": str(port), "LOG_LEVEL": "WARNING",
           "WEBHOOK_HEAL_SECONDS": "86400", "SIMULATOR_ANSWER_MODE": "auto"}
    env.pop("PUBLIC_URL", None)
    gunicorn = str(Path(PY).parent / "gunicorn")
    web = stack.enter_context(process([gunicorn, "-c", "python:bot.web.gunicorn_config", "--workers", str(args.workers),
                                       "--threads", str(args.threads), "--bind", f"{HOST}:{port}", "--log-level",
                                       "warning", "bot.wsgi:app"], env, "ours-web"))
    worker = stack.enter_context(process([PY, "-m", "bot", "worker"], env, "ours-worker"))
    agent = stack.enter_context(process([PY, "-m", "bot", "agent"], env, "ours-agent"))
    wait_http(f"http://{HOST}:{port}/healthz")
    return f"http://{HOST}:{port}/webhooks/webex", {"web": web.pid, "worker": worker.pid, "agent": agent.pid}


def start_peer(stack: ExitStack, webex: Webex, args) -> tuple[str, dict]:
    gunicorn = ensure_peer_venv()
    port = free_port()
    url = f"http://{HOST}:{port}/"
    env = {"PATH": os.environ.get("PATH", ""), "WEBEX_TEAMS_ACCESS_TOKEN": webex.bot_token,
           "PEER_API_URL": f"{webex.url}/v1/", "PEER_BOT_EMAIL": webex.bot_email, "PEER_BOT_URL": url}
    web = stack.enter_context(process([str(gunicorn), "--workers", str(args.workers), "--threads", str(args.threads),
                                       "--bind", f"{HOST}:{port}", "--log-level", "warning",
                                       "--chdir", str(REPO / "bench"), "peer_bot:app"], env, "peer-web"))
    wait_http(f"{url}health")
    return url, {"web": web.pid}


# --- load ------------------------------------------------------------------------------------

def envelopes(webex: Webex, messages: list[dict]) -> list[tuple[str, bytes, dict]]:
    """(roomId, body, headers) per message, built and signed before the clock starts."""
    out = []
    for message in messages:
        envelope = {"id": "bench-webhook", "name": "bench", "targetUrl": "bench", "resource": "messages",
                    "event": "created", "orgId": "bench-org", "createdBy": webex.bot_id, "appId": "bench-app",
                    "ownedBy": "creator", "status": "active", "created": message["created"],
                    "actorId": message["personId"],
                    "data": {"id": message["id"], "roomId": message["roomId"], "roomType": "direct",
                             "personId": message["personId"], "personEmail": message["personEmail"],
                             "created": message["created"]}}
        body = json.dumps(envelope).encode()
        out.append((message["roomId"], body, {HEADER: sign(SECRET, body), "Content-Type": "application/json"}))
    return out


async def send_open_loop(url: str, jobs: list[tuple[str, bytes, dict]], rate: float, t0: float) -> list[dict]:
    results: list[dict] = [{} for _ in jobs]
    timeout = aiohttp.ClientTimeout(total=ACK_TIMEOUT)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512), timeout=timeout) as session:
        async def one(i: int) -> None:
            room, body, headers = jobs[i]
            due = t0 + i / rate
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            status, server_ms = -1, None
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
                    timing = response.headers.get("Server-Timing", "")  # our web tier's own time
                    if "dur=" in timing:
                        server_ms = float(timing.split("dur=")[1])
            except (aiohttp.ClientError, TimeoutError):
                pass
            results[i] = {"room": room, "due": due, "ack_s": time.time() - due, "status": status,
                          "server_ms": server_ms}

        await asyncio.gather(*(one(i) for i in range(len(jobs))))
    return results


def run_trial(side: str, url: str, webex: Webex, roles: Roles, rclient: redis.Redis | None,
              rate: float, seconds: float, grace: float) -> dict:
    n = max(1, int(rate * seconds))
    jobs = envelopes(webex, webex.create_messages(n))
    webex.poll_feed()  # skip past the people's own messages
    webex.clear_requests()
    roles.begin()
    r0 = redis_counters(rclient) if rclient else None
    t0 = time.time() + 0.5
    gc.collect()
    gc.disable()  # the load generator's own pauses would be charged to the bot
    try:
        sent = asyncio.run(send_open_loop(url, jobs, rate, t0))
    finally:
        gc.enable()
    burst_end = t0 + (n - 1) / rate
    replies, deadline = 0, burst_end + grace
    while replies < n and time.time() < deadline:
        replies += webex.poll_feed()
        if replies < n:
            time.sleep(0.25)
    measured_until = time.time()
    usage = roles.end()
    r1 = redis_counters(rclient) if rclient else None
    log = webex.requests_log()
    # Let a backlog finish before the next trial (bounded), so it does not leak into it.
    quiet_since, cap = time.time(), time.time() + QUIET_CAP
    while time.time() < cap and time.time() - quiet_since < QUIET_SECONDS:
        if webex.poll_feed():
            quiet_since = time.time()
        time.sleep(0.25)
    quiet = time.time() - quiet_since >= QUIET_SECONDS
    webex.clear_requests()

    bot_calls = [e for e in log if e.get("actorId") == webex.bot_id]
    posts: dict[str, list[float]] = {}
    for e in bot_calls:
        if e["method"] == "POST" and e["path"] == "/v1/messages" and e.get("status") == 200 \
                and e["at"] <= deadline:
            room = (e.get("body") or {}).get("roomId")
            if room is None and (e.get("body") or {}).get("toPersonId"):
                room = next((p["directRoomId"] for p in webex.people if p["id"] == e["body"]["toPersonId"]), None)
            posts.setdefault(room, []).append(e["at"])
    dues: dict[str, list[float]] = {}
    for s in sent:
        dues.setdefault(s["room"], []).append(s["due"])
    reply_s, last_reply = [], t0
    for room, times in dues.items():
        got = sorted(posts.get(room, []))
        for due, at in zip(sorted(times), got):
            reply_s.append(at - due)
            last_reply = max(last_reply, at)
    ack = [s["ack_s"] for s in sent if s["status"] == 200]
    server = [s["server_ms"] for s in sent if s["server_ms"] is not None]
    slowest = sorted(sent, key=lambda s: -s["ack_s"])[:10]  # when in the burst the slow acks were
    statuses: dict[str, int] = {}
    for s in sent:
        statuses[str(s["status"])] = statuses.get(str(s["status"]), 0) + 1
    calls: dict[str, int] = {}
    for e in bot_calls:
        key = e["method"] + " " + re.sub(r"/v1/(messages|people)/(?!me$)[^/]+$", r"/v1/\1/{id}", e["path"])
        calls[key] = calls.get(key, 0) + 1
    result = {"side": side, "rate": rate, "seconds": seconds, "events": n, "statuses": statuses,
              "ack_p50_ms": ms(pct(ack, 0.5)), "ack_p99_ms": ms(pct(ack, 0.99)), "ack_p999_ms": ms(pct(ack, 0.999)),
              "ack_max_ms": ms(max(ack) if ack else None),
              "reply_p50_ms": ms(pct(reply_s, 0.5)), "reply_p99_ms": ms(pct(reply_s, 0.99)),
              "reply_max_ms": ms(max(reply_s) if reply_s else None),
              "replies": len(reply_s), "missing": n - len(reply_s),
              "replies_per_s": round(len(reply_s) / max(last_reply - t0, 1e-6), 1),
              "ack_slowest": [[round(s["due"] - t0, 2), ms(s["ack_s"]), s["server_ms"]] for s in slowest],
              "server_ack_p50_ms": pct(server, 0.5), "server_ack_p99_ms": pct(server, 0.99),
              "rest_calls_per_event": round(len(bot_calls) / n, 2), "rest_calls": calls,
              "measured_s": round(measured_until - t0, 1), "usage": usage,
              "_ack": ack, "_reply": reply_s, "_quiet": quiet}
    if r0 and r1:
        by_command = {c: r1["by_command"].get(c, 0) - r0["by_command"].get(c, 0) for c in r1["by_command"]}
        result.update(redis_commands_per_event=round((r1["commands"] - r0["commands"]) / n, 1),
                      redis_reads_per_event=round((r1["reads"] - r0["reads"]) / n, 1),
                      redis_top={c: round(v / n, 2) for c, v in sorted(by_command.items(), key=lambda kv: -kv[1])[:8]
                                 if v})
    return result


class Side:
    """One bot (A or B) with its processes; restarted when a trial leaves it with a backlog."""

    def __init__(self, name: str, webex: Webex, launch, rclient: redis.Redis | None):
        self.name, self.webex, self.launch, self.rclient = name, webex, launch, rclient
        self.stack: ExitStack | None = None

    def start(self) -> None:
        self.stack = ExitStack()
        self.url, pids = self.launch(self.stack)
        if self.rclient is not None:
            pids["redis"] = self.rclient.info("server")["process_id"]
        self.roles = Roles({**pids, "webex server": self.webex.pid, "load generator": os.getpid()})
        time.sleep(2)  # the peer's gunicorn workers register their webhooks as they import the app

    def stop(self) -> None:
        if self.stack is not None:
            self.stack.close()
            self.stack = None

    def restart(self) -> None:
        self.stop()
        if self.rclient is not None:
            self.rclient.flushall()  # our own redis-server on a free port, never a shared one
        self.start()

    def idle(self, seconds: float) -> dict:
        self.roles.begin()
        r0 = redis_counters(self.rclient) if self.rclient else None
        time.sleep(seconds)
        usage = self.roles.end()
        out = {"cpu_s_per_s": {role: round(u["cpu_s"] / seconds, 3) for role, u in usage.items() if role != "machine"},
               "machine": usage["machine"]}
        if r0:
            r1 = redis_counters(self.rclient)
            out["redis_commands_per_s"] = round((r1["commands"] - r0["commands"]) / seconds, 1)
            out["redis_reads_per_s"] = round((r1["reads"] - r0["reads"]) / seconds, 1)
        return out

    def trial(self, rate: float, seconds: float, grace: float, quiet_wait: float = 0.0) -> dict:
        self.webex.delete_webhooks()  # this script delivers; a registered hook would deliver twice
        busy_before = wait_for_quiet(quiet_wait) if quiet_wait > 0 else None
        result = run_trial(self.name, self.url, self.webex, self.roles, self.rclient, rate, seconds, grace)
        if not result.pop("_quiet"):
            print(f"{self.name}: still busy {QUIET_CAP:.0f}s after the trial; restarting it", file=sys.stderr)
            self.restart()
            result["restarted_after"] = True
        result["machine_busy_pct_before"] = busy_before
        return result


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# --- report ------------------------------------------------------------------------------------

def pooled(trials: list[dict]) -> dict:
    """Trials of one side at one latency and rate (the rounds), pooled."""
    ack = [v for t in trials for v in t["_ack"]]
    reply = [v for t in trials for v in t["_reply"]]
    first = trials[0]
    roles = [r for r in first["usage"] if r != "machine"]
    row = {"side": first["side"], "latency_ms": first["latency_ms"], "rate": first["rate"], "rounds": len(trials),
           "events": sum(t["events"] for t in trials),
           "ack": (ms(pct(ack, 0.5)), ms(pct(ack, 0.99)), ms(pct(ack, 0.999))),
           "reply": (ms(pct(reply, 0.5)), ms(pct(reply, 0.99))),
           "replies_per_s": [t["replies_per_s"] for t in trials],
           "missing": sum(t["missing"] for t in trials),
           "restarted": sum(1 for t in trials if t.get("restarted_after")),
           "non200": sum(v for t in trials for k, v in t["statuses"].items() if k != "200"),
           "rest": statistics.mean(t["rest_calls_per_event"] for t in trials),
           "cpu": {r: statistics.mean(t["usage"][r]["cpu_s"] for t in trials) for r in roles},
           "rss": {r: max(t["usage"][r]["rss_mb"] for t in trials) for r in roles},
           "machine": (statistics.mean(t["usage"]["machine"]["busy_pct"] for t in trials),
                       statistics.mean(t["usage"]["machine"]["others_cpu_s"] for t in trials))}
    if "redis_commands_per_event" in first:
        row["redis"] = (statistics.mean(t["redis_commands_per_event"] for t in trials),
                        statistics.mean(t["redis_reads_per_event"] for t in trials))
    return row


def fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"
    return str(v)


def table(rows: list[dict]) -> str:
    lines = [("| Webex +ms | rate/s | bot | ack p50 / p99 / p99.9 ms | reply p50 / p99 ms | replies/s | missing "
              "| REST calls /event | CPU s per trial | peak RSS MB | Redis cmds / reads per event "
              "| machine busy % · other processes' CPU s |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cpu = " · ".join(f"{k} {v:.2f}" for k, v in r["cpu"].items())
        rss = " · ".join(f"{k} {v:.0f}" for k, v in r["rss"].items())
        redis_cell = f"{r['redis'][0]:.1f} / {r['redis'][1]:.1f}" if "redis" in r else "– (no Redis)"
        missing = f"{r['missing']} of {r['events']}" + (f" ({r['non200']} acks not 200)" if r["non200"] else "") \
            + (" †" * r["restarted"])
        lines.append(f"| {r['latency_ms']:g} | {r['rate']:g} | {r['side']} | {' / '.join(fmt(v) for v in r['ack'])} "
                     f"| {' / '.join(fmt(v) for v in r['reply'])} | {' · '.join(fmt(v) for v in r['replies_per_s'])} "
                     f"| {missing} | {r['rest']:.2f} | {cpu} | {rss} | {redis_cell} "
                     f"| {r['machine'][0]:.0f} % · {r['machine'][1]:.1f} |")
    return "\n".join(lines)


def idle_table(idle: dict, names: dict) -> str:
    lines = [("Idle cost, measured for 5 s after the warm-up with no load (it is inside every trial's "
              "figures too):"), "", "| bot | CPU s per s | Redis cmds / reads per s |", "|---|---|---|"]
    for side, row in idle.items():
        cpu = " · ".join(f"{k} {v:.3f}" for k, v in row["cpu_s_per_s"].items())
        redis_cell = (f"{row['redis_commands_per_s']:.0f} / {row['redis_reads_per_s']:.0f}"
                      if "redis_commands_per_s" in row else "–")
        lines.append(f"| {names[side]} | {cpu} | {redis_cell} |")
    return "\n".join(lines)


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
                 platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in meminfo if line.startswith("MemTotal")), 0)
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, {mem:,} MB RAM, "
            f"Linux {platform.release()}, Python {platform.python_version()}")


def write_doc(mode: str, section: str) -> None:
    begin, end = f"<!-- BEGIN side_by_side {mode} -->", f"<!-- END side_by_side {mode} -->"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{begin}\n{section.rstrip()}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


# --- main ----------------------------------------------------------------------------------------

def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))  # clean up children
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: 0/50/200 ms, 50/s for 3 s, one round, 10 s grace")
    parser.add_argument("--rates", default="50,100,200", help="deliveries per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=10, help="burst length per trial")
    parser.add_argument("--latencies", default="0,50,200", help="added Webex latency per REST call, ms")
    parser.add_argument("--rounds", type=int, default=2, help="A, B repeated this many times per cell")
    parser.add_argument("--grace", type=float, default=30, help="seconds after the burst before a reply is missing")
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both sides")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker, both sides")
    parser.add_argument("--appendfsync", default="always", help="our Redis: always | everysec | no | off")
    parser.add_argument("--sides", default="A,B", help="A (ours), B (webexteamsbot), or both")
    parser.add_argument("--quiet-wait", type=float, default=20.0,
                        help="before each trial, wait up to this long for the machine to be < 25%% busy (0: don't)")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    if args.quick:
        args.rates, args.seconds, args.latencies, args.rounds, args.grace = "50", 3.0, "0,50,200", 1, 10.0
    rates = [float(r) for r in args.rates.split(",")]
    latencies = [float(x) for x in args.latencies.split(",")]
    sides = [s.strip() for s in args.sides.split(",")]
    assert all(0 < r <= 2000 for r in rates) and 0 < args.seconds <= 120 and 1 <= args.rounds <= 10
    assert all(0 <= x <= 5000 for x in latencies) and 0 < args.grace <= 300 and 1 <= args.people <= 1000
    started = datetime.now(UTC)
    trials: list[dict] = []
    idle: dict[str, dict] = {}
    with ExitStack() as stack:
        active: list[Side] = []
        if "A" in sides:
            webex_a = local_webex(stack, "ours", args.people)
            redis_url = stack.enter_context(own_redis(args.appendfsync))
            active.append(Side("A", webex_a, lambda st, w=webex_a: start_ours(st, w, redis_url, args),
                               redis.Redis.from_url(redis_url)))
        if "B" in sides:
            webex_b = local_webex(stack, "peer", args.people)
            active.append(Side("B", webex_b, lambda st, w=webex_b: start_peer(st, w, args), None))
        for side in active:
            stack.callback(side.stop)
            side.start()
        for side in active:  # warm-up, not recorded; then what the side costs doing nothing
            side.trial(20, 2, 10)
            idle[side.name] = side.idle(5)
            print(json.dumps({"idle": side.name, **idle[side.name]}), file=sys.stderr, flush=True)
        for latency in latencies:
            for side in active:
                side.webex.set_latency(latency)
            for rate in rates:
                for round_no in range(args.rounds):
                    for side in active:
                        result = side.trial(rate, args.seconds, args.grace, args.quiet_wait)
                        result.update(latency_ms=latency, round=round_no + 1)
                        trials.append(result)
                        print(json.dumps({k: v for k, v in result.items() if not k.startswith("_")}), flush=True)

    names = {"A": "ours", "B": "webexteamsbot"}
    rows = []
    for latency in latencies:
        for rate in rates:
            for side in sides:
                cell = [t for t in trials if t["side"] == side and t["latency_ms"] == latency and t["rate"] == rate]
                if cell:
                    row = pooled(cell)
                    row["side"] = names[side]
                    rows.append(row)
    mode = "quick" if args.quick else "full"
    command = "/work/main/.venv/bin/python bench/side_by_side.py " + " ".join(sys.argv[1:])
    raw = REPO / "var" / "bench" / f"side_by_side-{mode}-{started:%Y%m%dT%H%M%SZ}.json"
    raw.write_text(json.dumps({"command": command, "machine": machine(), "started": started.isoformat(), "idle": idle,
                               "trials": [{k: v for k, v in t.items() if not k.startswith("_")} for t in trials]},
                              indent=1))
    section = (f"## Side by side ({mode}): {started:%Y-%m-%d %H:%M} UTC\n\n"
               f"Machine: {machine()}. Everything (both bots, both local Webex servers, Redis, the load "
               f"generator) shares these cores.\n\n```sh\n{command.strip()}\n```\n\n"
               f"{int(args.seconds)} s per trial, {args.people} people, rounds per cell: {args.rounds} "
               f"(A, B alternating; percentiles pooled over the rounds, replies/s one per round), "
               f"grace {args.grace:g} s, our Redis appendfsync {args.appendfsync}; before each trial the script "
               f"waited up to {args.quiet_wait:g} s for the machine to be under 25 % busy. The last column is how busy "
               f"the whole machine was during the trial and how much CPU processes other than these took "
               f"(other sessions' work on a shared machine). CPU seconds are per trial "
               f"(mean over rounds), peak RSS is the sum over the role's processes (max over rounds). "
               f"Raw per-trial JSON: `{raw.relative_to(REPO)}` (not committed). † = the side was still busy "
               f"{QUIET_CAP:.0f} s after the trial and was restarted (our Redis emptied) before its next trial.\n\n"
               f"{table(rows)}\n\n{idle_table(idle, names)}\n")
    print("\n" + section)
    if not args.no_write:
        write_doc(mode, section)
        print(f"updated {DOC.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
