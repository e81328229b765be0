"""Long-running loops that survive Redis outages and bugs, for workers and agents alike."""
from __future__ import annotations

import logging
import threading
from typing import Callable

import redis

log = logging.getLogger(__name__)
PAUSE_AFTER_FAILURE_SECONDS = 1.0


def keep_running(loop: Callable[[], None], stopping: threading.Event, name: str) -> None:
    """Run `loop` until `stopping` is set, restarting it after a pause when it fails."""
    while not stopping.is_set():
        try:
            loop()
        except redis.RedisError as exc:
            log.warning("redis unavailable, retrying", extra={"error": str(exc), "loop": name})
            stopping.wait(PAUSE_AFTER_FAILURE_SECONDS)
        except Exception:  # noqa: BLE001 - a loop must outlive one bad entry
            log.exception("loop failed", extra={"loop": name})
            stopping.wait(PAUSE_AFTER_FAILURE_SECONDS)


def start_thread(loop: Callable[[], None], stopping: threading.Event, name: str) -> threading.Thread:
    thread = threading.Thread(target=keep_running, args=(loop, stopping, name), name=name, daemon=True)
    thread.start()
    return thread
