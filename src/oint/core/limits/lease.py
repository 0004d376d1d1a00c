"""Leases in a shared store of limits (SQLite or Redis): one holder at a time of a name, for a
short time that the holder keeps renewing. A holder that dies (kill -9, a lost machine) loses
its lease when the time runs out, and the next one takes it.

    lease = store.lease_for("oint:slot:report:CLIENT_ID", seconds=20)
    with hold(lease):            # waits (polling, short backoff), renews in a thread, releases
        ...
    async with ahold(lease):     # the same in an event loop: renewed by a task
        ...

A lease has a random token; renewal and release act only on the holder's own token. In Redis a
lease is a key taken with SET NX PX and renewed or released by Lua scripts (`RENEW`, `RELEASE`,
also used by the bulk jobs' workers, `oint.jobs.lease`); in SQLite a row of the `leases` table
(name, token, expiry on the wall clock) changed in one `BEGIN IMMEDIATE` transaction.

When a renewal finds the lease free (it ran out and nobody took it, or Redis lost the key) it
takes it again: nobody else held it meanwhile. A store that cannot be reached during a renewal
is not a loss (the lease runs on until its time); one that cannot be reached on the first
acquisition raises `LimitsUnavailableError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator

from oint.core.errors import OzonWarning
from oint.core.limits import LimitStore, LimitsUnavailableError

RENEW = """
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
elseif not holder then
    redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 2
end
return 0
"""
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

FIRST_POLL = 0.02  # seconds between two tries to take a lease held by another: the first wait
MOST_POLL = 0.5  # ... and the longest


class LeaseLostWarning(OzonWarning):
    """Another holder took a lease this one believed it held (its renewals came too late)."""


class Lease:
    """A lease of `name` in `store`, held for `seconds` after each renewal (see the module)."""

    def __init__(self, store: LimitStore, name: str, seconds: float) -> None:
        self.store = store
        self.name = name
        self.seconds = seconds
        self.token = uuid.uuid4().hex

    def __repr__(self) -> str:
        return f"Lease({self.name!r}, {self.seconds:g} s, in {self.store!r})"

    def acquire(self) -> bool:
        """Take the lease if nobody holds it (or its holder's time ran out)."""
        return self.store.lease_take(self.name, self.token, self.seconds)

    def renew(self) -> bool | None:
        """Keep the lease `seconds` longer: True while held (or taken again when found free),
        False when another holder has it, None when the store cannot be reached (unknown)."""
        try:
            return self.store.lease_renew(self.name, self.token, self.seconds)
        except LimitsUnavailableError:
            return None

    def release(self) -> bool:
        """Give the lease up if still ours (False otherwise, or when the store cannot be reached:
        the lease then runs out by itself)."""
        try:
            return self.store.lease_release(self.name, self.token)
        except LimitsUnavailableError:
            return False

    def remaining(self) -> float:
        """Seconds until the current holder's lease runs out (0: free, or unknown)."""
        try:
            return self.store.lease_remaining(self.name)
        except LimitsUnavailableError:
            return 0.0


Waited = Callable[[float], None]  # hears the seconds waited so far for a lease held by another


def _next_poll(delay: float) -> float:
    return min(delay * 2, MOST_POLL)


def _lost(lease: Lease) -> None:
    warnings.warn(f"{lease.name}: the lease was taken by another holder", LeaseLostWarning, stacklevel=3)


@contextlib.contextmanager
def hold(lease: Lease, on_wait: Waited | None = None) -> Iterator[Lease]:
    """Hold `lease` for the block: wait for it (polling with backoff, `on_wait(seconds waited)`
    after each refused try), renew it every third of its time from a thread, release it at the
    end."""
    delay, start = FIRST_POLL, time.monotonic()
    while not lease.acquire():
        if on_wait is not None:
            on_wait(time.monotonic() - start)
        time.sleep(min(delay, max(lease.remaining(), FIRST_POLL)))
        delay = _next_poll(delay)
    stop = threading.Event()

    def keep() -> None:
        while not stop.wait(lease.seconds / 3):
            if lease.renew() is False:
                _lost(lease)
                return

    renewer = threading.Thread(target=keep, name=f"oint-lease-{lease.name}", daemon=True)
    renewer.start()
    try:
        yield lease
    finally:
        stop.set()
        renewer.join()
        lease.release()


async def _take(lease: Lease) -> bool:
    """`lease.acquire()` from a worker thread; a task cancelled meanwhile gives back what the
    thread took (else the lease would stay taken by nobody until its time ran out)."""
    guard = threading.Lock()
    state = {"abandoned": False, "taken": False}

    def take() -> bool:
        got = lease.acquire()
        with guard:
            if got and state["abandoned"]:  # nobody waits for it any more
                lease.release()
                return False
            state["taken"] = got
        return got

    try:
        return await asyncio.to_thread(take)
    except asyncio.CancelledError:
        with guard:
            state["abandoned"] = True
            taken = state["taken"]
        if taken:  # taken, but the task was cancelled before it heard so
            threading.Thread(target=lease.release, name="oint-lease-give-back", daemon=True).start()
        raise


@contextlib.asynccontextmanager
async def ahold(lease: Lease, on_wait: Waited | None = None) -> AsyncIterator[Lease]:
    """`hold` in an event loop: the store is asked from a worker thread (the loop stays free),
    the lease renewed by a task."""
    delay, start = FIRST_POLL, time.monotonic()
    while not await _take(lease):
        if on_wait is not None:
            on_wait(time.monotonic() - start)
        remaining = await asyncio.to_thread(lease.remaining)
        await asyncio.sleep(min(delay, max(remaining, FIRST_POLL)))
        delay = _next_poll(delay)

    async def keep() -> None:
        while True:
            await asyncio.sleep(lease.seconds / 3)
            if await asyncio.to_thread(lease.renew) is False:
                _lost(lease)
                return

    renewer = asyncio.ensure_future(keep())
    try:
        yield lease
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        await asyncio.shield(asyncio.to_thread(lease.release))


__all__ = ["RELEASE", "RENEW", "Lease", "LeaseLostWarning", "ahold", "hold"]
