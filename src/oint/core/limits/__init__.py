"""Where Ozon's limit windows are kept: in the process (the default), a SQLite file (several
processes on one machine) or Redis (processes on several machines).

Ozon counts its limits per seller account, not per process: three processes on one account
that each keep their own windows draw 429s together. A shared store keeps one set of windows
for all of them, with the semantics of `oint.core.retry.RateLimiter`: a call holds its slot
from its sending until its answer, then for the window's length; a process that dies mid-call
loses its slot after `lease` seconds (then counted as answered).

Chosen by `OzonClient(limits=...)`, else the profile's `limits = "..."`, else `OINT_LIMITS`:
`sqlite:///path/to/limits.db`, `redis://host:port/db` (`rediss://` for TLS), or `local` (the
process). An explicit choice also turns Ozon's limits on for any host (they are otherwise kept
only against Ozon's own). Keys name the account by its Client-Id, never its Api-Key.

Redis unreachable: `LimitsUnavailableError` (a `UsageError`: one line, the URL without its
password). `OINT_LIMITS_FALLBACK=local` (or `?fallback=local` in the URL) keeps the process
going on in-process windows instead, with one `LimitsFallbackWarning`, and tries the shared
store again every few seconds.

`OINT_LIMITS_IP=ADDRESS` (or `limits_ip=`) also counts Ozon's per-account windows (50 a
second) per outgoing address, shared by every account sending from it (Ozon is reported to
limit per IP too).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from oint.core.errors import OzonWarning, UsageError
from oint.core.retry import (
    WINDOW_MARGIN,
    RateLimiter,
    acquire_all,
    free_in,
    prime_all,
    release_all,
    shared_limiter,
    time_scale,
)

if TYPE_CHECKING:
    from oint.core.limits.lease import Lease

LIMITS_ENV = "OINT_LIMITS"
FALLBACK_ENV = "OINT_LIMITS_FALLBACK"
IP_ENV = "OINT_LIMITS_IP"
LEASE = 120.0  # real seconds a call may hold its slot without an answer before it is let go
RETRY_SHARED_AFTER = 5.0  # seconds on in-process windows before the shared store is tried again
LOCAL = ("local", "memory", "process")


class LimitsUnavailableError(UsageError):
    """The shared store of limits cannot be reached (Redis down, a file that cannot be opened)."""


class LimitsFallbackWarning(OzonWarning):
    """The shared store of limits is unreachable: this process keeps its own windows for now."""


class SharedWindow(RateLimiter):
    """One window of a shared store: at most `rate` calls per `per` real seconds of `account`
    in `scope` ("*" or a path). Its state lives in the store, under `key`."""

    def __init__(self, store: LimitStore, account: str, scope: str, rate: int, per: float) -> None:
        super().__init__(rate, per, margin=WINDOW_MARGIN)
        self.store = store
        self.account = account
        self.scope = scope
        self.key = f"oint:limits:{account}:{scope}:{rate}:{per:g}"


class LimitStore:
    """The windows of several processes in one place. Subclasses keep the state (`_acquire`,
    `_release`, `_free_in`, `_prime` over window keys) and the per-item uses of the bulk jobs
    (`item_times`, `item_take`, `item_give_back`)."""

    name = "shared"
    lease = LEASE

    def __init__(self, url: str) -> None:
        self.url = url  # shown in messages: without a password
        self._held: dict[tuple[str, ...], deque[str]] = {}
        self._held_lock = threading.Lock()
        self._pid = os.getpid()
        self._tag = os.urandom(6).hex()
        self._count = itertools.count()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def windows(self, account: str, scope: str, rules: Iterable[tuple[int, float]]) -> list[RateLimiter]:
        """The windows of `account` in `scope`, for rules (calls, Ozon seconds)."""
        scale = time_scale()
        return [SharedWindow(self, account, scope, int(n), float(s) / scale) for n, s in rules]

    # --- the calls, by the functions of oint.core.retry -----------------------------------
    def acquire(self, windows: Sequence[RateLimiter]) -> float:
        keys = tuple(_key(w) for w in windows)
        token = f"{self._tag}:{os.getpid()}:{next(self._count)}"
        wait = self._acquire(keys, [(w.rate, w.window) for w in windows], token)
        if wait <= 0:
            with self._held_lock:
                self._tokens(keys).append(token)
            return 0.0
        return wait

    def release(self, windows: Sequence[RateLimiter]) -> None:
        keys = tuple(_key(w) for w in windows)
        with self._held_lock:
            held = self._tokens(keys)
            if not held:
                return
            token = held.popleft()
        self._release(keys, [(w.rate, w.window) for w in windows], token)

    def free_in(self, windows: Sequence[RateLimiter]) -> float:
        return self._free_in(tuple(_key(w) for w in windows), [(w.rate, w.window) for w in windows])

    def prime(self, windows: Sequence[RateLimiter], answered: Sequence[float], now: float) -> None:
        """Calls answered at these wall-clock times (`now`: the wall clock now), by a process gone."""
        ages = [max(0.0, now - t) for t in answered]
        if ages:
            self._prime(tuple(_key(w) for w in windows), [(w.rate, w.window) for w in windows], ages)

    def _tokens(self, keys: tuple[str, ...]) -> deque[str]:
        if self._pid != os.getpid():  # a forked child holds none of its parent's calls
            self._pid, self._held = os.getpid(), {}
        return self._held.setdefault(keys, deque())

    # --- the store's own ------------------------------------------------------------------
    def _acquire(self, keys: tuple[str, ...], rules: list[tuple[int, float]], token: str) -> float:
        raise NotImplementedError

    def _release(self, keys: tuple[str, ...], rules: list[tuple[int, float]], token: str) -> None:
        raise NotImplementedError

    def _free_in(self, keys: tuple[str, ...], rules: list[tuple[int, float]]) -> float:
        raise NotImplementedError

    def _prime(self, keys: tuple[str, ...], rules: list[tuple[int, float]], ages: list[float]) -> None:
        raise NotImplementedError

    def item_times(self, space: str, key: str, depth: int) -> list[float]:
        """The last `depth` uses of item `key` (wall-clock seconds), oldest first."""
        raise NotImplementedError

    def item_take(self, space: str, key: str, now: float, depth: int, horizon: float) -> None:
        """Record a use of item `key` at `now`, keeping its last `depth` uses for `horizon` s."""
        raise NotImplementedError

    def item_give_back(self, space: str, key: str, at: float) -> None:
        """Undo one use of item `key` recorded at `at`."""
        raise NotImplementedError

    def item_times_many(self, space: str, keys: Sequence[str], depth: int) -> list[list[float]]:
        """`item_times` of several items (a batch being chosen), in one round trip where the
        store allows it."""
        return [self.item_times(space, key, depth) for key in keys]

    def item_take_many(self, space: str, keys: Sequence[str], now: float, depth: int, horizon: float) -> None:
        """`item_take` of several items (a batch being sent), at once where the store allows it."""
        for key in keys:
            self.item_take(space, key, now, depth, horizon)

    # --- leases: one holder at a time of a name (`oint.core.limits.lease`) -----------------
    def lease_for(self, name: str, seconds: float) -> Lease:
        """A lease of `name` in this store, held `seconds` (real) after each renewal."""
        from oint.core.limits.lease import Lease

        return Lease(self, name, seconds)

    def lease_take(self, name: str, token: str, seconds: float) -> bool:
        """Give `name` to `token` for `seconds` if nobody holds it (or its time ran out)."""
        raise NotImplementedError

    def lease_renew(self, name: str, token: str, seconds: float) -> bool:
        """`token`'s lease of `name` held `seconds` longer (taken again if free); False when
        another token holds it."""
        raise NotImplementedError

    def lease_release(self, name: str, token: str) -> bool:
        """Free `name` if `token` holds it."""
        raise NotImplementedError

    def lease_remaining(self, name: str) -> float:
        """Seconds until the lease of `name` runs out (0: free)."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of connections (the store is opened again on next use)."""


def _key(window: RateLimiter) -> str:
    key = getattr(window, "key", None)
    if not isinstance(key, str):
        raise TypeError("a shared store takes only its own windows")
    return key


class FallbackStore(LimitStore):
    """A shared store that, while unreachable, gives way to in-process windows (one warning)."""

    def __init__(self, primary: LimitStore, retry_after: float = RETRY_SHARED_AFTER) -> None:
        super().__init__(primary.url)
        self.primary = primary
        self.name = primary.name
        self.retry_after = retry_after
        self.down_until = 0.0
        self.warned = False
        self._local: dict[str, RateLimiter] = {}
        self._local_items: dict[str, Any] = {}
        self._where: dict[tuple[str, ...], deque[bool]] = {}  # per call: taken in the shared store?

    def _down(self, error: LimitsUnavailableError) -> None:
        self.down_until = time.monotonic() + self.retry_after
        if not self.warned:
            self.warned = True
            warnings.warn(
                f"{error}; this process keeps its own windows of Ozon's limits until it is back "
                f"({FALLBACK_ENV}=local)",
                LimitsFallbackWarning,
                stacklevel=2,
            )

    def _up(self) -> bool:
        return time.monotonic() >= self.down_until

    def _locals(self, windows: Sequence[RateLimiter]) -> list[RateLimiter]:
        found = []
        with self._held_lock:
            for w in windows:
                lim = self._local.get(_key(w))
                if lim is None:
                    lim = self._local[_key(w)] = RateLimiter(w.rate, w.per, margin=WINDOW_MARGIN)
                found.append(lim)
        return found

    def acquire(self, windows: Sequence[RateLimiter]) -> float:
        keys = tuple(_key(w) for w in windows)
        if self._up():
            try:
                wait = self.primary.acquire(windows)
            except LimitsUnavailableError as e:
                self._down(e)
            else:
                if wait <= 0:
                    with self._held_lock:
                        self._where.setdefault(keys, deque()).append(True)
                return wait
        wait = acquire_all(self._locals(windows))
        if wait <= 0:
            with self._held_lock:
                self._where.setdefault(keys, deque()).append(False)
        return wait

    def release(self, windows: Sequence[RateLimiter]) -> None:
        keys = tuple(_key(w) for w in windows)
        with self._held_lock:
            where = self._where.get(keys)
            if not where:
                return
            shared = where.popleft()
        if shared:
            try:
                self.primary.release(windows)
                return
            except LimitsUnavailableError as e:
                self._down(e)  # its slot ends with its lease in the shared store
        else:
            release_all(self._locals(windows))

    def free_in(self, windows: Sequence[RateLimiter]) -> float:
        if self._up():
            try:
                return self.primary.free_in(windows)
            except LimitsUnavailableError as e:
                self._down(e)
        return free_in(self._locals(windows))

    def prime(self, windows: Sequence[RateLimiter], answered: Sequence[float], now: float) -> None:
        if self._up():
            try:
                self.primary.prime(windows, answered, now)
                return
            except LimitsUnavailableError as e:
                self._down(e)
        prime_all(self._locals(windows), answered, now)

    def _local_uses(self, space: str, key: str) -> list[float]:
        with self._held_lock:
            uses: list[float] = self._local_items.setdefault(f"{space}\0{key}", [])
        return uses

    def item_times(self, space: str, key: str, depth: int) -> list[float]:
        if self._up():
            try:
                return self.primary.item_times(space, key, depth)
            except LimitsUnavailableError as e:
                self._down(e)
        return self._local_uses(space, key)[-depth:]

    def item_take(self, space: str, key: str, now: float, depth: int, horizon: float) -> None:
        self.item_take_many(space, [key], now, depth, horizon)

    def item_give_back(self, space: str, key: str, at: float) -> None:
        if self._up():
            try:
                self.primary.item_give_back(space, key, at)
                return
            except LimitsUnavailableError as e:
                self._down(e)
        uses = self._local_uses(space, key)
        if at in uses:
            uses.remove(at)

    def item_times_many(self, space: str, keys: Sequence[str], depth: int) -> list[list[float]]:
        if self._up():
            try:
                return self.primary.item_times_many(space, keys, depth)
            except LimitsUnavailableError as e:
                self._down(e)
        return [self._local_uses(space, key)[-depth:] for key in keys]

    def item_take_many(self, space: str, keys: Sequence[str], now: float, depth: int, horizon: float) -> None:
        if self._up():
            try:
                self.primary.item_take_many(space, keys, now, depth, horizon)
                return
            except LimitsUnavailableError as e:
                self._down(e)
        for key in keys:
            uses = self._local_uses(space, key)
            uses.append(now)
            del uses[:-depth]

    def lease_take(self, name: str, token: str, seconds: float) -> bool:
        return self.primary.lease_take(name, token, seconds)  # unreachable: said (no local lease)

    def lease_renew(self, name: str, token: str, seconds: float) -> bool:
        return self.primary.lease_renew(name, token, seconds)

    def lease_release(self, name: str, token: str) -> bool:
        return self.primary.lease_release(name, token)

    def lease_remaining(self, name: str) -> float:
        return self.primary.lease_remaining(name)

    def close(self) -> None:
        self.primary.close()


_STORES: dict[str, LimitStore] = {}
_STORES_LOCK = threading.Lock()


def describe(url: str) -> str:
    """The URL as it may be shown: without a password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return parts._replace(netloc=f"{user}{host}{port}").geturl()


def _without_query(url: str, name: str) -> str:
    """`url` without the query parameter `name` (oint's own, not the store's)."""
    parts = urlsplit(url)
    kept = [(k, v) for k, values in parse_qs(parts.query).items() if k != name for v in values]
    return parts._replace(query=urlencode(kept)).geturl()


def open_store(url: str, source: str = "limits") -> LimitStore | None:
    """The store a URL names (one per URL and process), None for `local`. `source` names where the
    URL came from in messages (UsageError on a URL of no known kind)."""
    text = url.strip()
    if text.lower() in LOCAL:
        return None
    with _STORES_LOCK:
        store = _STORES.get(text)
        if store is not None:
            return store
        scheme = text.split(":", 1)[0].lower()
        query = parse_qs(urlsplit(text).query)
        fallback = (query.get("fallback") or [os.environ.get(FALLBACK_ENV, "")])[0].strip().lower()
        if fallback and fallback not in LOCAL:
            raise UsageError(f"{FALLBACK_ENV}: expected 'local', got {fallback!r}")
        if scheme == "sqlite":
            from oint.core.limits.sqlite_store import SQLiteStore

            path = text[len("sqlite://") :] if text.lower().startswith("sqlite://") else ""
            path = path.split("?", 1)[0]
            if not path:
                raise UsageError(f"{source}: sqlite:// needs a file, e.g. sqlite:///var/lib/oint/limits.db")
            store = SQLiteStore(path)
        elif scheme in ("redis", "rediss", "unix"):
            from oint.core.limits.redis_store import RedisStore

            store = RedisStore(_without_query(text, "fallback"))
            if not fallback:
                store.check()  # unreachable: said now, in one line
        else:
            raise UsageError(
                f"{source}: expected local, sqlite:///PATH or redis://HOST:PORT/DB, got {describe(text)!r}"
            )
        if fallback:
            store = FallbackStore(store)
        _STORES[text] = store
        return store


def configured_store(
    argument: str | None, profile_value: str | None = None
) -> tuple[LimitStore | None, bool]:
    """The store chosen by the client's argument, else the profile's setting, else `OINT_LIMITS`:
    (the store or None for the process's own windows, whether a choice was made at all)."""
    for value, source in (
        (argument, "limits"),
        (profile_value, "profile: limits"),
        (os.environ.get(LIMITS_ENV), LIMITS_ENV),
    ):
        if value is not None and value.strip():
            return open_store(value, source), True
    return None, False


def outgoing_address(argument: str | None = None) -> str | None:
    """The outgoing address whose windows are kept as well (`limits_ip=`, else `OINT_LIMITS_IP`)."""
    value = argument if argument is not None else os.environ.get(IP_ENV)
    return value.strip() or None if value else None


def windows(
    store: LimitStore | None, account: str, scope: str, rules: Iterable[tuple[int, float]]
) -> list[RateLimiter]:
    """The windows of `account` in `scope` in `store` (None: the process's own)."""
    if store is None:
        return [shared_limiter(account, scope, n, s) for n, s in rules]
    return store.windows(account, scope, rules)


def ip_account(address: str) -> str:
    """The account name under which an outgoing address's windows are kept."""
    return f"ip:{address}"


__all__ = [
    "FallbackStore",
    "LimitStore",
    "LimitsFallbackWarning",
    "LimitsUnavailableError",
    "SharedWindow",
    "configured_store",
    "describe",
    "ip_account",
    "open_store",
    "outgoing_address",
    "windows",
]
