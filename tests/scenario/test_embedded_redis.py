"""The embedded Redis (no REDIS_URL): one server per data directory, whoever starts first.

The Procfile's three processes are started at the same instant, many times over, each time on
a fresh data directory (so they race to start the server): they always share one server, and
every delivery the web tier acknowledges is answered.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import requests

from bot.config import REPO_ROOT, load_settings
from bot.stores import embedded_redis
from bot.web import signature
from bot.web.server import serve
from localwebex.server import create_app as create_webex_app
from localwebex.state import State, seed
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
STARTS = 20
SECRET = "procfile-secret"


def procfile() -> dict[str, str]:
    lines = (REPO_ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, _, command in (line.partition(":") for line in lines) if command}


def servers_for(data_dir: Path) -> list[int]:
    """redis-server processes working in this directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"redis-server" in (entry / "cmdline").read_bytes() and Path(os.readlink(entry / "cwd")) == data_dir:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_procfile_processes_started_together_share_one_embedded_server(tmp_path):
    state = State()
    world = seed(state)
    webex = serve(create_webex_app(state))
    alice = world["people"]["alice"]
    commands = procfile()
    assert set(commands) == {"web", "worker", "agent"}
    try:
        for start in range(STARTS):
            data_dir = (tmp_path / f"start{start}").resolve()
            port = free_port()
            env = {**os.environ, "DATA_DIR": str(data_dir), "PORT": str(port), "WEBEX_API_URL": f"{webex.url}/v1/",
                   "WEBEX_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO_ROOT),
                   "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
            for name in ("REDIS_URL", "WEBEX_ACCESS_TOKEN", "PROMETHEUS_MULTIPROC_DIR"):
                env.pop(name, None)
            processes = [subprocess.Popen(command.replace("$PORT", str(port)), shell=True, env=env, cwd=REPO_ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                         for command in commands.values()]
            try:
                wait_for(lambda: _healthy(port), 30, "the web tier")
                message = requests.post(f"{webex.url}/v1/messages", headers={"Authorization": f"Bearer {alice['token']}"},
                                        json={"roomId": alice["directRoomId"], "text": "status"}, timeout=5).json()
                body = json.dumps({"id": "hook", "resource": "messages", "event": "created",
                                   "data": {"id": message["id"], "personId": alice["id"],
                                            "roomId": alice["directRoomId"]}}).encode()
                answer = requests.post(f"http://127.0.0.1:{port}/webhooks/webex", data=body, timeout=5,
                                       headers={signature.HEADER: signature.sign(SECRET, body)})
                assert answer.status_code == 200
                wait_for(lambda: _answered(webex.url, alice, message["id"], world["botId"]), 30, f"a reply, start {start}")
                settings = load_settings({"DATA_DIR": str(data_dir)})
                client = redis.Redis(unix_socket_path=embedded_redis.socket_path(data_dir), decode_responses=True)
                wait_for(lambda: client.zcard(settings.key("agents", "known")) == 1, 30, "the agent's heartbeat")
                assert len(servers_for(data_dir)) == 1, f"start {start}: {servers_for(data_dir)}"
            finally:
                for process in processes:
                    os.killpg(process.pid, signal.SIGKILL)  # how they stop is tested elsewhere
                for process in processes:
                    process.wait(30)
                embedded_redis.stop_server(data_dir)
    finally:
        webex.stop()


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def _answered(webex_url: str, alice: dict, message_id: str, bot_id: str) -> bool:
    feed = requests.get(f"{webex_url}/_sandbox/feed", params={"after": 0, "personId": alice["id"]}, timeout=5).json()
    after = [m for m in feed["items"] if m.get("personId") == bot_id and "Your phone audio" in (m.get("markdown") or "")]
    return len(after) >= 1 and any(m["id"] == message_id for m in feed["items"])
