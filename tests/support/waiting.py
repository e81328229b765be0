"""Waiting for something to happen, with a deadline: never a bare sleep standing in for a check."""
import time


def wait_for(condition, timeout: float = 10.0, what: str = "condition"):
    """Poll until condition() is truthy and return its value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
