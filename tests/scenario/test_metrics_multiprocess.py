"""/metrics under gunicorn, as the Procfile runs it: counters are the whole web tier's
(prometheus-client's multiprocess mode), whichever of the two workers answers the scrape."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from bot.config import REPO_ROOT
from bot.web import signature
from tests.scenario.test_embedded_redis import free_port, procfile
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
SECRET = "metrics-secret"
DELIVERIES = 40


def accepted(text: str) -> float:
    found = re.search(r'^webhook_deliveries_total\{outcome="accepted"\} ([0-9.e+]+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_a_counter_is_summed_over_both_gunicorn_workers(redis_url, redis_client, key_prefix, tmp_path):
    port = free_port()
    command = procfile()["web"].replace("$PORT", str(port))
    assert "--workers 2" in command
    env = {**os.environ, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": key_prefix, "WEBEX_WEBHOOK_SECRET": SECRET,
           "DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO_ROOT),
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    web = subprocess.Popen(command, shell=True, env=env, cwd=REPO_ROOT, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(url), 30, "gunicorn")
        for _ in range(DELIVERIES):  # a new connection each time, so both workers take some
            body = json.dumps({"id": "hook", "resource": "messages", "event": "created",
                               "data": {"id": uuid.uuid4().hex, "personId": "p1"}}).encode()
            answer = requests.post(f"{url}/webhooks/webex", data=body, timeout=5,
                                   headers={signature.HEADER: signature.sign(SECRET, body), "Connection": "close"})
            assert answer.status_code == 200
        writers = {path.name.split("_")[1] for path in tmp_path.glob("metrics/gunicorn-*/counter_*.db")}
        assert len(writers) == 2, writers  # both workers counted deliveries
        for _ in range(6):  # every scrape, whichever worker answers it, has the whole count
            text = requests.get(f"{url}/metrics", timeout=5, headers={"Connection": "close"}).text
            assert accepted(text) == DELIVERIES
            assert "redis_up 1.0" in text and "inbox_depth" in text
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(30)
    wait_for(lambda: not list(tmp_path.glob("metrics/gunicorn-*")), 30, "its own directory removed at exit")


def _up(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=1).ok
    except requests.RequestException:
        return False
