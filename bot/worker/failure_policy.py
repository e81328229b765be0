"""What happens when Webex fails us, declared once for events and replies alike.

  429 (Paused)          park the work until the endpoint's pause ends; not an attempt
  permanent 4xx         give up: log it, tell the person when we know who they are
  5xx, timeouts         back off exponentially; after MAX_ATTEMPTS, a dead letter
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from bot.config import Settings
from bot.metrics import DEAD_LETTERS, RETRIES
from bot.streams.retries import backoff_seconds
from bot.webex.async_client import ASYNC_TRANSIENT_ERRORS
from bot.webex.client import TRANSIENT_ERRORS, ApiError, Paused, is_permanent

PARK, GIVE_UP, RETRY, DEAD_LETTER = "park", "give_up", "retry", "dead_letter"


@dataclass(frozen=True)
class Decision:
    step: str  # PARK | GIVE_UP | RETRY | DEAD_LETTER
    reason: str
    attempt: int = 0  # the attempt count to store with a retry
    due: float = 0.0  # when parked or retried work may run again


def decide(exc: BaseException, attempt: int, settings: Settings, kind: str) -> Decision | None:
    """The step for a failure of an event or a reply (`kind`); None when it is not a Webex failure."""
    if isinstance(exc, Paused):
        RETRIES.labels("rate_limited").inc()
        return Decision(PARK, "rate limited", attempt, exc.until)
    if isinstance(exc, ApiError):
        reason = f"Webex answered {exc.status_code}"
        if is_permanent(exc):
            return Decision(GIVE_UP, reason)
    elif isinstance(exc, TRANSIENT_ERRORS + ASYNC_TRANSIENT_ERRORS):
        reason = type(exc).__name__
    else:
        return None
    attempt += 1
    if attempt >= settings.max_attempts:
        DEAD_LETTERS.labels(kind).inc()
        return Decision(DEAD_LETTER, reason)
    RETRIES.labels("transient").inc()
    delay = backoff_seconds(attempt, settings.retry_base_seconds, settings.retry_cap_seconds)
    return Decision(RETRY, reason, attempt, time.time() + delay)


FAILURES = (Paused, ApiError, *TRANSIENT_ERRORS, *ASYNC_TRANSIENT_ERRORS)  # what `decide` has a step for
