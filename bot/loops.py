"""Long-running loops that survive Redis outages and bugs, for workers and agents alike."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import redis

log = logging.getLogger(__name__)
FIRST_PAUSE_SECONDS = 0.2
MAX_PAUSE_SECONDS = 5.0


def keep_running(loop: Callable[[], None], stopping: threading.Event, name: str) -> None:
    """Run `loop` until `stopping` is set; after a failure, start it again with a growing pause
    (reconnecting to Redis with backoff when it is down)."""
    pause = FIRST_PAUSE_SECONDS
    while not stopping.is_set():
        started = time.monotonic()
        try:
            loop()
        except redis.RedisError as exc:
            log.warning("redis unavailable, retrying", extra={"error": str(exc), "loop": name, "pause": pause})
        except Exception:  # noqa: BLE001 - a loop must outlive one bad entry
            log.exception("loop failed", extra={"loop": name})
        if time.monotonic() - started > MAX_PAUSE_SECONDS:
            pause = FIRST_PAUSE_SECONDS  # it ran well for a while: this is a new failure
        stopping.wait(pause)
        pause = min(pause * 2, MAX_PAUSE_SECONDS)


def start_thread(loop: Callable[[], None], stopping: threading.Event, name: str) -> threading.Thread:
    thread = threading.Thread(target=keep_running, args=(loop, stopping, name), name=name, daemon=True)
    thread.start()
    return thread
