"""Webhook ack latency under steady load: signed deliveries at fixed rates, open loop.

The web tier runs as the Procfile runs it (gunicorn), against a redis-server of its own with
the chosen persistence. Latency is measured by the client from the moment each request was
due, so a server that falls behind is charged for the queueing too (the client shares the
machine's two cores); `server_*` is the app's own time per delivery, from its Server-Timing
header: verify, dedupe, store in Redis, answer.

  .venv/bin/python bench/ack_latency.py --rates 100,500,1000 --seconds 10 --appendfsync always
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.own_redis import free_port, own_redis  # noqa: E402
from bot.web.signature import HEADER, sign  # noqa: E402

SECRET = "bench-secret"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


async def run_rate(url: str, rate: int, seconds: float) -> dict:
    total = int(rate * seconds)
    latencies: list[float] = []
    server_ms: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        # every delivery built and signed before the clock starts: the sender only sends
        deliveries = [_delivery(i) for i in range(total)]
        start = time.perf_counter() + 0.2

        async def one(i: int) -> None:
            due = start + i / rate
            body, headers = deliveries[i]
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    timing = response.headers.get("Server-Timing", "")
                    if "dur=" in timing:
                        server_ms.append(float(timing.split("dur=")[1]))
            except aiohttp.ClientError:
                statuses[-1] = statuses.get(-1, 0) + 1
            latencies.append(time.perf_counter() - due)

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    return {"rate": rate, "sent": total, "achieved_rps": round(total / elapsed, 1), "statuses": statuses,
            "p50_ms": round(statistics.median(latencies) * 1000, 2), "p90_ms": round(percentile(latencies, 0.90) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2), "max_ms": round(max(latencies) * 1000, 2),
            "server_p50_ms": round(statistics.median(server_ms), 3), "server_p99_ms": round(percentile(server_ms, 0.99), 3)}


def _delivery(i: int) -> tuple[bytes, dict]:
    body = json.dumps({"id": "bench", "resource": "messages", "event": "created",
                       "data": {"id": f"bench-{uuid.uuid4().hex}", "personId": f"p{i % 50}"}}).encode()
    return body, {HEADER: sign(SECRET, body), "Content-Type": "application/json"}


def start_web(redis_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "REDIS_URL": redis_url, "WEBEX_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(REPO), "REDIS_KEY_PREFIX": "bench:"}
    env.pop("WEBEX_ACCESS_TOKEN", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "-c", "python:bot.web.gunicorn_config", "--workers", str(workers), "--threads", str(threads), "--bind",
                                f"127.0.0.1:{port}", "--log-level", "warning", "bot.wsgi:app"], env=env, cwd=REPO)
    import requests

    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).ok:
                return process
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("web tier did not start")


def wait_drained(redis_url: str, timeout: float = 300) -> float:
    """Seconds until the worker has taken every delivery off the inbox (read and acknowledged)."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        groups = client.xinfo_groups("bench:inbox")
        if groups and all(g["pending"] == 0 and (g.get("lag") or 0) == 0 for g in groups):
            break
        time.sleep(0.1)
    return round(time.perf_counter() - start, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="100,500,1000")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--appendfsync", default="always", help="always | everysec | no | off")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--with-worker", action="store_true",
                        help="also run `python -m bot worker` (as the Procfile does) against a local Webex, "
                             "working off the deliveries while they arrive")
    args = parser.parse_args()
    results = []
    with own_redis(args.appendfsync) as redis_url, ExitStack() as stack:
        port = free_port()
        web = start_web(redis_url, port, args.workers, args.threads)
        worker = None
        if args.with_worker:
            from bench.drain import local_webex

            webex_url = stack.enter_context(local_webex(nice=19))  # Webex is not on this machine
            env = {**os.environ, "REDIS_URL": redis_url, "WEBEX_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "ERROR",
                   "PYTHONPATH": str(REPO), "REDIS_KEY_PREFIX": "bench:", "WEBEX_API_URL": f"{webex_url}/v1/"}
            env.pop("WEBEX_ACCESS_TOKEN", None)
            worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env, cwd=REPO,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stack.callback(lambda: (worker.terminate(), worker.wait(60)))
        try:
            url = f"http://127.0.0.1:{port}/webhooks/webex"
            asyncio.run(run_rate(url, 50, 1))  # warm up connections and code paths
            for rate in (int(r) for r in args.rates.split(",")):
                result = asyncio.run(run_rate(url, rate, args.seconds))
                result["appendfsync"] = args.appendfsync
                result["with_worker"] = args.with_worker
                if worker is not None:
                    result["backlog_drained_after_s"] = wait_drained(redis_url)
                results.append(result)
                print(json.dumps(result), flush=True)
        finally:
            web.terminate()
            web.wait(10)


if __name__ == "__main__":
    main()
