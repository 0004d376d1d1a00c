"""Retry and rate-limit decisions, pure: they compute waits, callers sleep.

`RetryPolicy.delay` says how long to wait before the next attempt (or None: give up).
Retried: 429 (honouring Retry-After), 5xx, connection errors and timeouts. Other
4xx are never retried. Backoff is exponential with full jitter, capped.

`RateLimiter` keeps Ozon's limits the way Ozon counts them: at most `rate` calls in any
window of `per` seconds, the first window included, whenever the server counts a call
between its sending and its answer (a sliding-window log of answer times plus the calls
in flight); it is shared by every client of one Client-Id in the process, since Ozon's
limits are per seller account, not per connection. `acquire_all` takes one slot in several
windows at once (the global 50/s and a method's own limit), `release_all` ends the call.

Ozon time can run faster: `OINT_TIME_SCALE=60` makes an Ozon minute last a real second,
on the client (limit windows, Retry-After) and in the sandbox alike, so that hours of
Ozon's quotas are exercised in seconds.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from oint.core.errors import (
    APICertificateError,
    APIConnectionError,
    APIStatusError,
    OzonError,
    RateLimitError,
)

if TYPE_CHECKING:
    from oint.core.limits import LimitStore

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Real seconds added to every window, for clocks that tick differently at the two ends.
WINDOW_MARGIN = 0.005


def time_scale() -> float:
    """How many Ozon seconds pass in a real second (`OINT_TIME_SCALE`, default 1)."""
    text = os.environ.get("OINT_TIME_SCALE")
    if not text:
        return 1.0
    try:
        scale = float(text)
    except ValueError:
        return 1.0
    return scale if scale > 0 else 1.0


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
                return after / time_scale() if after <= self.retry_after_max else None
        elif isinstance(error, APIStatusError):
            if error.status not in RETRY_STATUSES and error.status < 500:
                return None
        elif not isinstance(error, APIConnectionError) or isinstance(error, APICertificateError):
            return None
        cap = min(self.backoff_max, self.backoff_base * (2**attempt))
        return (rng or random).uniform(cap / 2, cap)


NO_RETRIES = RetryPolicy(max_retries=0)

# One lock for every limiter: a call takes its slot in several windows atomically.
_LOCK = threading.Lock()


class RateLimiter:
    """At most `rate` calls in any window of `per` seconds, as the server counts them, the
    first window included. Thread-safe.

    Ozon counts a call when it reaches it, some time between the moment the client sends it
    and the moment the answer comes back; a busy server counts some calls later than others.
    So a call holds its slot from when it is sent (`acquire`) until its answer arrives
    (`release`), and then for `per` (+ `margin`) seconds more: whenever the server counted
    it, a call sent after that is counted more than `per` seconds later. The log keeps the
    answer times of the last `rate` calls, and how many are in flight.

    `acquire()` takes a slot now and returns 0.0, or returns the seconds until one may free
    up and takes nothing: the caller sleeps (or awaits) that long and asks again, so nothing
    is booked ahead and an idle wait never spins. A fresh limiter lets `rate` calls go at
    once, then one per freed slot: never twice the limit in the first window, as a full
    token bucket would.

    `store` is None for these in-process windows; the windows of a shared store
    (`oint.core.limits`: a SQLite file, Redis) set it, and the functions below hand them to it.
    """

    store: LimitStore | None = None

    def __init__(
        self, rate: int, per: float, clock: Callable[[], float] = time.monotonic, margin: float = 0.0
    ) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("a rate limit needs rate >= 1 and per > 0")
        self.rate = rate
        self.per = per
        self.window = per + margin
        self.clock = clock
        self.in_flight = 0
        self._done: deque[float] = deque(maxlen=rate)  # answer times, oldest first

    def free_at(self, now: float) -> float:
        """When the next call may start, at the soonest (`now` when a slot is free)."""
        done = self._done
        while done and done[0] + self.window <= now:
            done.popleft()
        busy = self.in_flight + len(done)
        if busy < self.rate:
            return now
        first = busy - self.rate  # this many answered calls must leave the window first
        if first < len(done):
            return max(now, done[first] + self.window)
        return now + self.window  # only calls still in flight: not before their answers + window

    def acquire(self) -> float:
        return acquire_all((self,))

    def release(self) -> None:
        release_all((self,))


def acquire_all(limiters: Iterable[RateLimiter]) -> float:
    """Take a slot in every limiter now and return 0.0; or, when one of them is full, take
    none and return the seconds until all may have a free slot. Limiters share a clock.
    Every successful acquire is followed by a `release_all` of the same limiters once the
    call is over (answered, failed, or abandoned)."""
    lims = tuple(limiters)
    if not lims:
        return 0.0
    shared = lims[0].store
    if shared is not None:
        return shared.acquire(lims)
    with _LOCK:
        now = lims[0].clock()
        start = max(lim.free_at(now) for lim in lims)
        if start > now:
            return start - now
        for lim in lims:
            lim.in_flight += 1
        return 0.0


def release_all(limiters: Iterable[RateLimiter]) -> None:
    """The call that took a slot in these limiters is over: its window runs from now."""
    lims = tuple(limiters)
    if not lims:
        return
    shared = lims[0].store
    if shared is not None:
        shared.release(lims)
        return
    with _LOCK:
        now = lims[0].clock()
        for lim in lims:
            lim.in_flight = max(0, lim.in_flight - 1)
            lim._done.append(now)


def prime_all(limiters: Iterable[RateLimiter], answered: Iterable[float], now: float) -> None:
    """Take into the limiters calls made before (by another process) and answered at these
    wall-clock times (`now`: the wall clock now), oldest first."""
    lims = tuple(limiters)
    if not lims:
        return
    times = sorted(answered)
    shared = lims[0].store
    if shared is not None:
        shared.prime(lims, times, now)
        return
    with _LOCK:
        mono = lims[0].clock()
        for lim in lims:
            merged = sorted([*lim._done, *(mono - (now - t) for t in times)])
            lim._done = deque(merged[-lim.rate :], maxlen=lim.rate)


def free_in(limiters: Iterable[RateLimiter]) -> float:
    """Seconds until every limiter may have a free slot (0.0: now), taking none."""
    lims = tuple(limiters)
    if not lims:
        return 0.0
    shared = lims[0].store
    if shared is not None:
        return shared.free_in(lims)
    with _LOCK:
        now = lims[0].clock()
        return max(lim.free_at(now) for lim in lims) - now


_LIMITERS: dict[tuple[str, str, int, float], RateLimiter] = {}


def shared_limiter(client_id: str, scope: str, rate: int, per: float) -> RateLimiter:
    """The process-wide limiter of one seller account for one scope ("*" or a path) and
    window (an operation may have several: 2 a minute and 50 an hour). `per` is in Ozon
    seconds (scaled by `OINT_TIME_SCALE`)."""
    real = per / time_scale()
    key = (client_id, scope, rate, real)
    with _LOCK:
        lim = _LIMITERS.get(key)
        if lim is None:
            lim = _LIMITERS[key] = RateLimiter(rate, real, margin=WINDOW_MARGIN)
        return lim
