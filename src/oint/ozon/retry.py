"""Retry and rate-limit decisions, pure: they compute waits, callers sleep.

`RetryPolicy.delay` says how long to wait before the next attempt (or None: give up).
Retried: 429 (honouring Retry-After), 5xx, connection errors and timeouts. Other
4xx are never retried. Backoff is exponential with full jitter, capped.

`RateLimiter` is a token bucket shared by every client of one Client-Id in the
process: Ozon's limits are per seller account, not per connection.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from oint.ozon.errors import APIConnectionError, APIStatusError, OzonError, RateLimitError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RetryPolicy(NamedTuple):
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 30.0  # a longer Retry-After is not waited for: the error is raised

    def delay(self, attempt: int, error: OzonError, rng: random.Random | None = None) -> float | None:
        """Seconds to wait before retry number `attempt + 1`, or None to raise `error`."""
        if attempt >= self.max_retries:
            return None
        if isinstance(error, RateLimitError):
            after = error.retry_after
            if after is not None:
                return after if after <= self.retry_after_max else None
        elif isinstance(error, APIStatusError):
            if error.status not in RETRY_STATUSES and error.status < 500:
                return None
        elif not isinstance(error, APIConnectionError):
            return None
        cap = min(self.backoff_max, self.backoff_base * (2**attempt))
        return (rng or random).uniform(cap / 2, cap)


NO_RETRIES = RetryPolicy(max_retries=0)


class RateLimiter:
    """Token bucket: `rate` calls per `per` seconds, bursts up to `rate`. Thread-safe.

    `reserve()` takes a token now and returns how long the caller must wait before using
    it (0.0 when a token is free): the sync client sleeps, the async one awaits.
    """

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._interval = per / rate
        self._tokens = float(rate)
        self._last = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.rate, self._tokens + (now - self._last) / self._interval) - 1.0
            self._last = now
            return 0.0 if self._tokens >= 0 else -self._tokens * self._interval


_LIMITERS: dict[tuple[str, str, int, float], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def shared_limiter(client_id: str, scope: str, rate: int, per: float) -> RateLimiter:
    """The process-wide limiter of one seller account for one scope ("*" or a path) and
    window (an operation may have several: 2 a minute and 50 an hour)."""
    key = (client_id, scope, rate, per)
    with _LIMITERS_LOCK:
        lim = _LIMITERS.get(key)
        if lim is None:
            lim = _LIMITERS[key] = RateLimiter(rate, per)
        return lim
